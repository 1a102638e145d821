import { restListTokens, walkTokens } from '@tokenwarden/client';
import type { Lang, ListTokensRequest, Token } from '@tokenwarden/contracts';
import { render } from '@testing-library/react';
import { expect, inject } from 'vitest';
import { App } from '../../src/app';
import { LangProvider } from '../../src/i18n';
import { SessionProvider } from '../../src/session';

/**
 * The console rendered whole in happy-dom against the real server of server-setup.ts,
 * with the page's origin set to the server's (as when the server serves the console), and
 * the REST calls the tests check it against.
 */
export const serverUrl = inject('serverUrl');
export const DEMO = inject('demo');

const setUrl = (url: string) => (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(url);
// The page is the server's from the start: happy-dom's fetch holds a test's own REST calls to the same-origin rule too.
setUrl(`${serverUrl}/console/`);

export interface Issued {
  access_token: string;
  token_id: string;
  scopes: string[];
}

export async function issue(body: object): Promise<Issued> {
  const res = await fetch(`${serverUrl}/v1/iam/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Issued;
}

export const password = (username: string) => DEMO.users.find((u) => u.username === username)?.password as string;
/** A login-grant token of a user (as the console's sign-in gets one). */
export const login = (username: string) => issue({ grant_type: 'login', username, password: password(username) });
/** A client-credentials token of the demo admin client (every scope). */
export const adminToken = () => issue({ grant_type: 'client_credentials', client_id: DEMO.admin.clientId, client_secret: DEMO.admin.clientSecret });

/** A REST call with a bearer token: its status and JSON body. */
export async function rest<T>(token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${serverUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Every token of a list request at its snapshot, page after page over REST. */
export async function restAll(token: string, input: ListTokensRequest): Promise<Token[]> {
  const out: Token[] = [];
  for await (const t of walkTokens((i) => restListTokens({ url: serverUrl, accessToken: token }, i), input)) out.push(t);
  return out;
}

export const getToken = async (token: string, id: string) => (await rest<Token>(token, `/v1/iam/oauth/tokens/${id}`)).body;

/**
 * Opens the console at a path; signed in with `token` as the console keeps a sign-in (the
 * token in this tab, its id and scopes known), or not signed in.
 */
export function openApp(path: string, o: { token?: Issued; lang?: Lang; fetch?: typeof fetch } = {}) {
  setUrl(`${serverUrl}${path}`);
  sessionStorage.setItem('tokenwarden.console.lang', o.lang ?? 'en');
  if (o.token) {
    sessionStorage.setItem('tokenwarden.console.token', o.token.access_token);
    sessionStorage.setItem('tokenwarden.console.grant', JSON.stringify({ tokenId: o.token.token_id, scopes: o.token.scopes }));
  }
  return render(
    <LangProvider>
      <SessionProvider {...(o.fetch ? { fetch: o.fetch } : {})}>
        <App />
      </SessionProvider>
    </LangProvider>,
  );
}
