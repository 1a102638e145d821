import { createTokenwardenClient, type TokenwardenClient } from '@tokenwarden/client';
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

export interface Session {
  /** The client with the signed-in token; without one, only issuance works. */
  client: TokenwardenClient;
  signedIn: boolean;
  /** Why the last session ended, when it ended by itself (expired or revoked token). */
  ended: boolean;
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
  const [ended, setEnded] = useState(false);

  const keep = useCallback((next: string | null, ownTokenId?: string) => {
    if (next === null) {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(OWN_KEY);
    } else {
      sessionStorage.setItem(TOKEN_KEY, next);
      if (ownTokenId) sessionStorage.setItem(OWN_KEY, ownTokenId);
      else sessionStorage.removeItem(OWN_KEY);
    }
    setToken(next);
  }, []);

  const client = useMemo(
    () => createTokenwardenClient({ url, acceptLanguage: lang, retry: true, ...(token ? { accessToken: token } : {}), ...(fetch ? { fetch } : {}) }),
    [url, lang, token, fetch],
  );

  const value = useMemo<Session>(
    () => ({
      client,
      signedIn: token !== null,
      ended,
      async signInWithPassword(username, password) {
        const issued = await client.oauth.issueToken({ grant_type: 'login', username, password });
        setEnded(false);
        keep(issued.access_token, issued.token_id);
      },
      async signInWithToken(raw) {
        const candidate = raw.trim();
        // Checked before it is kept: a list of one token needs only the console's own scope.
        const probe = createTokenwardenClient({ url, acceptLanguage: lang, accessToken: candidate, ...(fetch ? { fetch } : {}) });
        await probe.tokens.list({ page_params: { page_size: 1 } });
        setEnded(false);
        keep(candidate);
      },
      async signOut() {
        // A token this console obtained is revoked (when it may revoke itself); a pasted one is only forgotten.
        // Best effort: without the revoke scope (or offline) the token simply lapses at its expiry.
        const own = sessionStorage.getItem(OWN_KEY);
        if (own) await client.tokens.revoke({ token_id: own }).catch(() => undefined);
        keep(null);
      },
      expire() {
        setEnded(true);
        keep(null);
      },
    }),
    [client, token, ended, keep, url, lang, fetch],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useSession(): Session {
  const value = useContext(Context);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
