import type { ListTokenEventsResponse } from '@tokenwarden/contracts';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO, getToken, issue, login, openApp, rest } from './support/app';

/** A token's page: its revocation with a reason, who revoked it, where it was last used from, and its own events. */
afterEach(() => {
  cleanup();
  sessionStorage.clear();
});

const reportingToken = () =>
  issue({ grant_type: 'client_credentials', client_id: DEMO.reporting.clientId, client_secret: DEMO.reporting.clientSecret });
const field = (name: string) => document.querySelector(`dd[data-field="${name}"]`) as HTMLElement;

describe('a token’s details', () => {
  it('revokes with a reason, then shows the reason, who revoked it (a link to that token) and the token’s events', async () => {
    const alice = await login('alice');
    const target = await reportingToken();
    // Used once, so its last use has an origin.
    expect((await rest(target.access_token, '/v1/iam/oauth/tokens?page_params.page_size=1')).status).toBe(200);
    const used = await getToken(alice.access_token, target.token_id);
    expect(used.last_used_ip).not.toBeNull();

    openApp(`/console/tokens/${target.token_id}`, { token: alice });
    await screen.findByRole('heading', { name: `Token ${target.token_id.slice(0, 8)}`, level: 1 });
    await waitFor(() => expect(field('token_id').textContent).toBe(target.token_id));
    expect(field('last_used_ip').textContent).toBe(used.last_used_ip);
    expect(field('last_used_user_agent').textContent).toBe(used.last_used_user_agent ?? '—');
    expect(field('revoked_by').textContent).toBe('—');

    const u = userEvent.setup();
    await u.click(screen.getByRole('button', { name: 'Revoke…' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke this token?' });
    const confirm = within(dialog).getByRole('button', { name: 'Revoke token' });
    // No reason, or only blanks: nothing to send.
    expect(confirm.hasAttribute('disabled')).toBe(true);
    await u.type(within(dialog).getByLabelText(/^Reason/), '   ');
    expect(confirm.hasAttribute('disabled')).toBe(true);
    await u.type(within(dialog).getByLabelText(/^Reason/), 'found in a public repository');
    expect(within(dialog).getByText('28 of 500 characters. Required.')).toBeTruthy();
    await u.click(confirm);
    await screen.findByText('The token was revoked.');

    const after = await getToken(alice.access_token, target.token_id);
    expect(after).toMatchObject({ status: 'TOKEN_STATUS_REVOKED', revoke_reason: 'found in a public repository', revoked_by: alice.token_id });
    await waitFor(() => expect(field('revoke_reason').textContent).toBe('found in a public repository'));
    expect(within(field('revoked_by')).getByRole('link').getAttribute('href')).toBe(`/console/tokens/${alice.token_id}`);
    expect(screen.queryByRole('button', { name: 'Revoke…' })).toBeNull();

    // Its own events, as the trail filtered by its id answers them: revoked (with the reason and alice as actor), issued.
    const trail = await rest<ListTokenEventsResponse>(alice.access_token, `/v1/iam/oauth/token-events?token_id=${target.token_id}`);
    expect(trail.body.events.map((e) => e.type)).toEqual(['TOKEN_REVOKED', 'TOKEN_ISSUED']);
    const section = screen.getByRole('region', { name: 'Activity of this token' });
    await waitFor(() =>
      expect(
        within(section)
          .getAllByRole('row')
          .slice(1)
          .map((r) => r.getAttribute('data-event-id')),
      ).toEqual(trail.body.events.map((e) => e.event_id)),
    );
    const revokedRow = within(section).getAllByRole('row')[1] as HTMLElement;
    expect(within(revokedRow).getByText('found in a public repository')).toBeTruthy();
    expect(within(revokedRow).getByText('tokenwarden-login')).toBeTruthy();
    const links = within(revokedRow)
      .getAllByRole('link')
      .map((a) => a.getAttribute('href'));
    expect(links).toContain(`/console/tokens/${alice.token_id}`);
    expect(links).toContain(`/console/tokens/${target.token_id}`);
  });

  it('says in the user’s language why a revocation failed (revoked meanwhile elsewhere)', async () => {
    const alice = await login('alice');
    const target = await reportingToken();
    openApp(`/console/tokens/${target.token_id}`, { token: alice, lang: 'es' });
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Revocar…' }));
    const dialog = screen.getByRole('dialog', { name: '¿Revocar este token?' });
    await u.type(within(dialog).getByLabelText(/^Motivo/), 'rotación');
    expect((await rest(alice.access_token, `/v1/iam/oauth/tokens/${target.token_id}`, { method: 'DELETE' })).status).toBe(200);
    await u.click(within(dialog).getByRole('button', { name: 'Revocar token' }));
    await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toContain('el token ya está revocado'));
  });

  it('offers no revocation and no events to a token without those scopes (bob, an auditor who may only read tokens)', async () => {
    const bob = await login('bob');
    openApp(`/console/tokens/${bob.token_id}`, { token: bob });
    await waitFor(() => expect(field('token_id')?.textContent).toBe(bob.token_id));
    expect(screen.queryByRole('button', { name: 'Revoke…' })).toBeNull();
    expect(screen.queryByRole('region', { name: 'Activity of this token' })).toBeNull();
  });
});
