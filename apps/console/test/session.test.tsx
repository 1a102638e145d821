import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { adminToken, DEMO, login, openApp as open, password, serverUrl } from './support/app';

/**
 * The sign-in and the session, rendered in happy-dom against a real server on port 0 with
 * demo data (test/support/server-setup.ts); the page's origin is set to the server's, as
 * when the server serves the console.
 */
const server = { url: serverUrl };
afterEach(() => {
  cleanup();
  sessionStorage.clear();
});

const user = (name: string) => ({ password: password(name) });
const kept = () => JSON.parse(sessionStorage.getItem('tokenwarden.console.grant') ?? 'null') as { tokenId: string; scopes: string[] } | null;

describe('signing in and out', () => {
  it('signs in with the login grant, keeps the token in this tab only, and signs out', async () => {
    open('/console/tokens');
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('Username'), 'bob');
    await u.type(screen.getByLabelText('Password'), user('bob').password);
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    // The page asked for is shown once signed in: the list, with the demo tokens.
    await screen.findByRole('heading', { name: 'Tokens', level: 1 });
    await waitFor(() => expect(screen.getAllByRole('row').length).toBeGreaterThan(5), { timeout: 10_000 });
    const token = sessionStorage.getItem('tokenwarden.console.token');
    expect(token).toMatch(/^twat_/);
    // The console knows what its token may do: bob may not read the trail, so there is no Activity page for him.
    expect(kept()?.scopes).toEqual(['iam.oauth.tokens.list.get', 'iam.oauth.tokens.get']);
    expect(screen.getByRole('link', { name: 'Tokens' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Activity' })).toBeNull();
    expect(location.href).not.toContain(token as string);
    expect(localStorage.length).toBe(0);
    expect(document.cookie).toBe('');

    await u.click(screen.getByRole('button', { name: 'Sign out' }));
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(sessionStorage.getItem('tokenwarden.console.token')).toBeNull();
    // Bob may not revoke, so his login token is forgotten and lapses; it still authenticates now.
    const res = await fetch(`${server.url}/v1/iam/oauth/tokens?page_params.page_size=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it('signing out revokes the login token when it may revoke itself (alice)', async () => {
    open('/console/');
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('Username'), 'alice');
    await u.type(screen.getByLabelText('Password'), user('alice').password);
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { name: 'Overview', level: 1 });
    const token = sessionStorage.getItem('tokenwarden.console.token');
    await u.click(screen.getByRole('button', { name: 'Sign out' }));
    await screen.findByRole('heading', { name: 'Sign in' });
    await waitFor(async () => {
      const res = await fetch(`${server.url}/v1/iam/oauth/tokens?page_params.page_size=1`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
    });
  });

  it('says why a sign-in failed, in the user’s language, and keeps no token', async () => {
    open('/console/', { lang: 'es' });
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('Usuario'), 'bob');
    await u.type(screen.getByLabelText('Contraseña'), 'wrong-password');
    await u.click(screen.getByRole('button', { name: 'Entrar' }));
    expect((await screen.findByRole('alert')).textContent).toContain('el usuario o la contraseña no son válidos');
    await u.type(screen.getByLabelText('Token de acceso'), 'twat_not-a-real-token');
    await u.click(screen.getByRole('button', { name: 'Usar este token' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('el token bearer está mal formado'));
    expect(sessionStorage.getItem('tokenwarden.console.token')).toBeNull();
  });

  it('a pasted token signs in; when the server stops accepting it, the session ends with a notice', async () => {
    const issued = await fetch(`${server.url}/v1/iam/oauth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: DEMO.admin.clientId, client_secret: DEMO.admin.clientSecret }),
    });
    const { access_token, token_id } = (await issued.json()) as { access_token: string; token_id: string };
    open('/console/');
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('Access token'), access_token);
    await u.click(screen.getByRole('button', { name: 'Use this token' }));
    await screen.findByRole('heading', { name: 'Overview', level: 1 });
    expect(await screen.findByTestId('active-total')).toBeTruthy();
    // A pasted token that may introspect itself: its id and scopes are known, so are its pages.
    expect(kept()).toEqual({ tokenId: token_id, scopes: ['*'] });
    expect(screen.getByRole('link', { name: 'Activity' })).toBeTruthy();
    // Revoked elsewhere: the next call is refused, and the console asks for a new sign-in.
    await fetch(`${server.url}/v1/iam/oauth/tokens/${token_id}`, { method: 'DELETE', headers: { authorization: `Bearer ${access_token}` } });
    await u.click(screen.getByRole('link', { name: 'Tokens' }));
    expect(await screen.findByText(/Your session ended/, {}, { timeout: 10_000 })).toBeTruthy();
    expect(sessionStorage.getItem('tokenwarden.console.token')).toBeNull();
  });

  it('a 401 for a scope the token lacks is said, in the user’s language, and does not end the session', async () => {
    const bob = await login('bob');
    // As a pasted token that may not introspect itself: its scopes unknown, so the page is tried and the server answers.
    sessionStorage.setItem('tokenwarden.console.token', bob.access_token);
    open('/console/activity', { lang: 'es' });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('el token bearer no tiene el scope iam.oauth.token_events.list.get'));
    expect(sessionStorage.getItem('tokenwarden.console.token')).toBe(bob.access_token);
    expect(screen.getByRole('button', { name: 'Cerrar sesión' })).toBeTruthy();
  });

  it('a token revoked elsewhere ends the session on the next call, even a mutation’s', async () => {
    const admin = await adminToken();
    const alice = await login('alice');
    open(`/console/tokens/${admin.token_id}`, { token: alice });
    await screen.findByRole('button', { name: 'Revoke…' });
    await fetch(`${server.url}/v1/iam/oauth/tokens/${alice.token_id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin.access_token}` },
    });
    const u = userEvent.setup();
    await u.click(screen.getByRole('button', { name: 'Revoke…' }));
    await u.type(screen.getByLabelText(/^Reason/), 'rotating the admin client');
    await u.click(screen.getByRole('button', { name: 'Revoke token' }));
    expect(await screen.findByText(/Your session ended/, {}, { timeout: 10_000 })).toBeTruthy();
    expect(sessionStorage.getItem('tokenwarden.console.token')).toBeNull();
  });
});
