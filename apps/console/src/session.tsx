import { createTokenwardenClient, TokenwardenError, type TokenwardenClient } from '@tokenwarden/client';
import { LANGUAGES, SCOPES, scopesGrant, translate } from '@tokenwarden/contracts';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { useLang } from './i18n';

/**
 * Who is signed in: the access token, in memory and in this tab's sessionStorage only (it
 * survives a reload, never the tab; never in an address, a cookie or a log), and the typed
 * client that sends it.
 */
const TOKEN_KEY = 'tokenwarden.console.token';
/** The token's id when it came from the login grant here: signing out then revokes it. */
const OWN_KEY = 'tokenwarden.console.own';
/** The reason the audit trail records for the console's own token revoked at sign-out (data, not a text of the page). */
export const SIGN_OUT_REASON = 'signed out of the web console';
/** What the console knows of its token (its id and scopes), from the issuance or the token's own introspection; no secret. */
const GRANT_KEY = 'tokenwarden.console.grant';

/** The signed-in token's id and scopes. */
export interface Grant {
  tokenId: string;
  scopes: readonly string[];
}

function readGrant(): Grant | undefined {
  try {
    const kept = JSON.parse(sessionStorage.getItem(GRANT_KEY) ?? 'null') as Grant | null;
    return kept && typeof kept.tokenId === 'string' && Array.isArray(kept.scopes) ? kept : undefined;
  } catch {
    return undefined;
  }
}

export interface Session {
  /** The client with the signed-in token; without one, only issuance works. */
  client: TokenwardenClient;
  signedIn: boolean;
  /** Why the last session ended, when it ended by itself (expired or revoked token). */
  ended: boolean;
  /** The signed-in token's id and scopes, when known (a pasted token that may not introspect itself is not). */
  grant: Grant | undefined;
  /**
   * Whether the signed-in token carries a scope, so the console offers only what it may do.
   * Unknown scopes count as held: the server then answers, and says what is missing.
   */
  may(scope: string): boolean;
  signInWithPassword(username: string, password: string): Promise<void>;
  signInWithToken(token: string): Promise<void>;
  signOut(): Promise<void>;
  /** The server refused the token (401): forget it and ask for a new sign-in. */
  expire(): void;
}

const Context = createContext<Session | undefined>(undefined);

export interface SessionProviderProps {
  children: ReactNode;
  /** The server (default: the page's own origin, which serves the console). */
  url?: string;
  fetch?: typeof fetch;
}

export function SessionProvider({ children, url = location.origin, fetch }: SessionProviderProps) {
  const { lang } = useLang();
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const [grant, setGrant] = useState<Grant | undefined>(readGrant);
  const [ended, setEnded] = useState(false);

  const keep = useCallback((next: string | null, o: { own?: boolean; grant?: Grant } = {}) => {
    sessionStorage.removeItem(OWN_KEY);
    sessionStorage.removeItem(GRANT_KEY);
    if (next === null) sessionStorage.removeItem(TOKEN_KEY);
    else {
      sessionStorage.setItem(TOKEN_KEY, next);
      if (o.grant) sessionStorage.setItem(GRANT_KEY, JSON.stringify(o.grant));
      if (o.own && o.grant) sessionStorage.setItem(OWN_KEY, o.grant.tokenId);
    }
    setGrant(next === null ? undefined : o.grant);
    setToken(next);
  }, []);

  const client = useMemo(
    () => createTokenwardenClient({ url, acceptLanguage: lang, retry: true, ...(token ? { accessToken: token } : {}), ...(fetch ? { fetch } : {}) }),
    [url, lang, token, fetch],
  );

  const value = useMemo<Session>(() => {
    const may = (scope: string) => grant === undefined || scopesGrant(grant.scopes, scope);
    return {
      client,
      signedIn: token !== null,
      ended,
      grant,
      may,
      async signInWithPassword(username, password) {
        const issued = await client.oauth.issueToken({ grant_type: 'login', username, password });
        setEnded(false);
        keep(issued.access_token, { own: true, grant: { tokenId: issued.token_id, scopes: issued.scopes } });
      },
      async signInWithToken(raw) {
        const candidate = raw.trim();
        // Checked before it is kept: a list of one token needs only the console's own scope.
        const probe = createTokenwardenClient({ url, acceptLanguage: lang, accessToken: candidate, ...(fetch ? { fetch } : {}) });
        await probe.tokens.list({ page_params: { page_size: 1 } });
        // Its id and scopes, when it may introspect itself (iam.oauth.* grants that); else they stay unknown.
        const self = await probe.oauth.introspect({ token: candidate }).catch(() => undefined);
        setEnded(false);
        keep(candidate, self?.active ? { grant: { tokenId: self.token_id, scopes: self.scope.split(' ').filter(Boolean) } } : {});
      },
      async signOut() {
        // A token this console obtained is revoked (when it may revoke itself); a pasted one is only forgotten.
        // Best effort: without the revoke scope (or offline) the token simply lapses at its expiry.
        const own = sessionStorage.getItem(OWN_KEY);
        if (own && may(SCOPES.revoke)) await client.tokens.revoke({ token_id: own, body: { reason: SIGN_OUT_REASON } }).catch(() => undefined);
        keep(null);
      },
      expire() {
        setEnded(true);
        keep(null);
      },
    };
  }, [client, token, ended, grant, keep, url, lang, fetch]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

/**
 * Whether a failure means the token is gone (expired, revoked), so the session ends: a
 * 401, except the one a working token gets for a scope it lacks (a pasted token whose
 * scopes are unknown). That one is told apart by the server's message, which is the
 * contracts' own text in either language.
 */
export function endsSession(error: unknown): boolean {
  if (!(error instanceof TokenwardenError) || error.status !== 401) return false;
  const missingScope = Object.values(SCOPES).some((scope) => LANGUAGES.some((l) => error.message === translate(l, 'auth.scope', { scope })));
  return !missingScope;
}

export function useSession(): Session {
  const value = useContext(Context);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
