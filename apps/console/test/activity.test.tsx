import { encodeQuery, type ListTokenEventsResponse } from '@tokenwarden/contracts';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { adminToken, DEMO, issue, login, openApp, rest } from './support/app';

/**
 * The Activity page (the audit trail) against the trail's REST answers. Other test files
 * act on the same server meanwhile, so each check is narrowed to the actions of a token
 * of its own (`actor_token_id`).
 */
afterEach(() => {
  cleanup();
  sessionStorage.clear();
});

const trail = async (token: string, query: object) =>
  (await rest<ListTokenEventsResponse>(token, `/v1/iam/oauth/token-events?${encodeQuery(query)}`)).body;
const rowIds = () =>
  screen
    .queryAllByRole('row')
    .slice(1)
    .map((r) => r.getAttribute('data-event-id'));
const search = () => new URLSearchParams(location.search);

/** An admin client token that revokes `n` fresh tokens, each with a reason of its own. */
async function revoker(n: number) {
  const admin = await adminToken();
  const revoked: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await issue({ grant_type: 'client_credentials', client_id: DEMO.reporting.clientId, client_secret: DEMO.reporting.clientSecret });
    expect(
      (await rest(admin.access_token, `/v1/iam/oauth/tokens/${t.token_id}`, { method: 'DELETE', body: { reason: `rotation ${i}` } })).status,
    ).toBe(200);
    revoked.push(t.token_id);
  }
  return { admin, revoked };
}

describe('the Activity page', () => {
  it('shows the trail filtered by type and actor from the address, pages by next_page_token, and links each token', async () => {
    const { admin, revoked } = await revoker(3);
    const alice = await login('alice');
    const query = { type: ['TOKEN_REVOKED'], actor_token_id: admin.token_id, page_size: 2 };
    const page1 = await trail(admin.access_token, query);
    const page2 = await trail(admin.access_token, { ...query, page_token: page1.next_page_token });
    expect(page1.events).toHaveLength(2);
    expect(page2.events).toHaveLength(1);
    expect(page2.next_page_token).toBeNull();

    openApp(`/console/activity?${encodeQuery(query)}`, { token: alice });
    await screen.findByRole('heading', { name: 'Activity', level: 1 });
    await waitFor(() => expect(rowIds()).toEqual(page1.events.map((e) => e.event_id)));
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-type'))).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
    expect(within(rows[0] as HTMLElement).getByText('rotation 2')).toBeTruthy();
    // The form shows the address's filters.
    expect((screen.getByLabelText('Revoked') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Issued') as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText('Actor token id') as HTMLInputElement).value).toBe(admin.token_id);

    const u = userEvent.setup();
    const pages = screen.getByRole('navigation', { name: 'Pages of events' });
    expect(within(pages).getByRole('button', { name: 'Newest' }).hasAttribute('disabled')).toBe(true);
    await u.click(within(pages).getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(rowIds()).toEqual(page2.events.map((e) => e.event_id)));
    // The console's own page token (sealed afresh for each answer), so not the REST call's.
    expect(search().get('page_token')).toMatch(/^[\w-]{20,}$/);
    expect(
      within(screen.getByRole('navigation', { name: 'Pages of events' }))
        .getByRole('button', { name: 'Older' })
        .hasAttribute('disabled'),
    ).toBe(true);
    await u.click(within(screen.getByRole('navigation', { name: 'Pages of events' })).getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(rowIds()).toEqual(page1.events.map((e) => e.event_id)));
    expect(search().has('page_token')).toBe(false);

    // A token of an event links to its details.
    const link = within(screen.getAllByRole('row')[1] as HTMLElement).getByRole('link', { name: revoked[2]?.slice(0, 8) as string });
    await u.click(link);
    await screen.findByRole('heading', { name: `Token ${revoked[2]?.slice(0, 8)}`, level: 1 });
    expect(location.pathname).toBe(`/console/tokens/${revoked[2]}`);
    await waitFor(() => expect(document.querySelector('dd[data-field="revoke_reason"]')?.textContent).toBe('rotation 2'));
    await screen.findByRole('region', { name: 'Activity of this token' });
    await waitFor(() => expect(screen.queryByText('Loading the events…')).toBeNull());
  });

  it('applies the form’s types and time range to the address, and says when nothing matches', async () => {
    const { admin, revoked } = await revoker(1);
    const alice = await login('alice');
    openApp(`/console/activity?token_id=${revoked[0]}`, { token: alice });
    const all = await trail(admin.access_token, { token_id: revoked[0] });
    // What touched the token: its issuance and its revocation.
    expect(all.events.map((e) => e.type)).toEqual(['TOKEN_REVOKED', 'TOKEN_ISSUED']);
    await waitFor(() => expect(rowIds()).toEqual(all.events.map((e) => e.event_id)));

    const u = userEvent.setup();
    await u.click(screen.getByLabelText('Issued'));
    fireEvent.change(screen.getByLabelText('From (UTC)'), { target: { value: '2020-01-02T03:04:05' } });
    await u.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(search().getAll('type')).toEqual(['TOKEN_ISSUED']));
    expect(search().get('occurred_after')).toBe('2020-01-02T03:04:05Z');
    const issued = all.events.filter((e) => e.type === 'TOKEN_ISSUED').map((e) => e.event_id);
    await waitFor(() => expect(rowIds()).toEqual(issued));

    fireEvent.change(screen.getByLabelText('Before (UTC)'), { target: { value: '2020-01-03T00:00' } });
    await u.click(screen.getByRole('button', { name: 'Apply' }));
    await screen.findByText('No event matches these filters.');
    expect(search().get('occurred_before')).toBe('2020-01-03T00:00:00Z');

    // A malformed actor is refused by the form, naming the field; nothing is asked.
    const before = location.search;
    await u.type(screen.getByLabelText('Actor user id'), 'not-a-uuid');
    await u.click(screen.getByRole('button', { name: 'Apply' }));
    expect(screen.getByLabelText('Actor user id').getAttribute('aria-invalid')).toBe('true');
    expect(location.search).toBe(before);
  });

  it('says which parameter of an address it cannot take, in the user’s language', async () => {
    openApp('/console/activity?type=NOT_A_TYPE', { token: await login('alice'), lang: 'es' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Esta dirección tiene un parámetro que la lista no acepta: type');
  });

  it('shows a user without an admin role only their own actions, and the server’s refusal of anyone else’s', async () => {
    const erin = await login('erin');
    const alice = await login('alice');
    openApp('/console/activity', { token: erin });
    const hers = await trail(erin.access_token, {});
    expect(hers.events.length).toBeGreaterThan(0);
    const users = new Set(hers.events.map((e) => e.actor.user_id));
    expect(users.size).toBe(1);
    await waitFor(() => expect(rowIds()).toEqual(hers.events.map((e) => e.event_id)));

    cleanup();
    const aliceUser = (await rest<{ user_id: string }>(alice.access_token, `/v1/iam/oauth/tokens/${alice.token_id}`)).body.user_id;
    openApp(`/console/activity?actor_user_id=${aliceUser}`, { token: erin });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain("this token may list only its own user's tokens"));
  });
});
