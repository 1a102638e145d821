import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  decodeQuery,
  encodeQuery,
  instantToMicrosCeil,
  type ListTokenEventsResponse,
  ListTokensInput,
  parseTimestamp,
  type RevokeByFilterRequest,
  type RevokeByFilterResponse,
} from '@tokenwarden/contracts';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { RevokedIds } from '../src/components/revoked-ids';
import { LangProvider } from '../src/i18n';
import { SessionProvider } from '../src/session';
import { DEMO, getToken, issue, login, openApp, password, rest, restAll, serverUrl } from './support/app';

/**
 * Revoking by the list's filters: from the list's button to the dry run, the typed
 * confirmation, the run (its answer lost once, so retried with the same idempotency key)
 * and the paged result, each checked against the REST API.
 */
afterEach(() => {
  cleanup();
  sessionStorage.clear();
});

/** A token of the reporting client acting for dave (grant flow PASSWORD): the set these tests revoke. */
const daveToken = () =>
  issue({
    grant_type: 'password',
    client_id: DEMO.reporting.clientId,
    client_secret: DEMO.reporting.clientSecret,
    username: 'dave',
    password: password('dave'),
  });
/** The list's input in the page's address, as the server reads it. */
function addressInput() {
  const decoded = decodeQuery(ListTokensInput, location.search);
  if (!decoded.ok) throw new Error(`not a list query: ${location.search}`);
  return decoded.value;
}
const gridIds = (name: string) =>
  within(screen.getByRole('list', { name }))
    .getAllByRole('listitem')
    .map((li) => li.getAttribute('data-token-id'));

describe('revoking by filter', () => {
  it('dry-runs the list’s filters at its snapshot, confirms with a reason and the typed count, retries a lost answer with the same key, and pages the revoked ids', async () => {
    const alice = await login('alice');
    const first = await daveToken();
    for (let i = 0; i < 11; i++) await daveToken();
    const daveId = (await getToken(alice.access_token, first.token_id)).user_id as string;
    const filters = { user_id: daveId, grant_flow: 'GRANT_FLOW_PASSWORD' as const };

    // The confirmation's first answer is lost on the way back (the server did revoke): the console must ask again with the same key.
    const confirmations: string[] = [];
    const flaky: typeof fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      const res = await fetch(input, init);
      if (String(input).includes('tokens.revokeByFilter') && body.includes('idempotency_key')) {
        confirmations.push(JSON.parse(body).idempotency_key);
        if (confirmations.length === 1) {
          await res.text();
          throw new TypeError('Failed to fetch');
        }
      }
      return res;
    };

    openApp(`/console/tokens?${encodeQuery(filters)}`, { token: alice, fetch: flaky });
    await waitFor(() => expect(location.search).toContain('first_request_timestamp'));
    const listed = addressInput();
    const u = userEvent.setup();
    await u.click(await screen.findByRole('link', { name: 'Revoke all matching…' }));
    await screen.findByRole('heading', { name: 'Revoke tokens by filter', level: 1 });
    // The same filters and snapshot as the list.
    expect(addressInput()).toEqual(listed);
    const snapshot = listed.page_params.first_request_timestamp;

    // The dry run's count is the list's tokens at that snapshot that are not revoked; its sample the first of them by id.
    const atSnapshot = await restAll(alice.access_token, { ...filters, page_params: { page_size: 100, first_request_timestamp: snapshot } });
    const open = atSnapshot.filter((t) => t.revoked_at === null).map((t) => t.token_id);
    expect(open.length).toBeGreaterThanOrEqual(12);
    await waitFor(() => expect(screen.getByTestId('bulk-matched').textContent).toBe(String(open.length)));
    expect(gridIds('Tokens that would be revoked')).toEqual([...open].sort().slice(0, 100));
    const chips = screen.getByRole('region', { name: 'Filters' });
    expect(within(chips).getByText('Password')).toBeTruthy();
    expect(within(chips).getByText(daveId)).toBeTruthy();

    // A token issued after the snapshot is not the auditor's to revoke here.
    const late = await daveToken();

    const confirm = screen.getByRole('button', { name: `Revoke ${open.length} tokens` });
    expect(confirm.hasAttribute('disabled')).toBe(true);
    await u.type(screen.getByLabelText(/^Reason/), 'dave left the payments team');
    expect(confirm.hasAttribute('disabled')).toBe(true);
    const typed = screen.getByLabelText(`To confirm, type the number of tokens (${open.length})`);
    await u.type(typed, String(open.length + 1));
    expect(confirm.hasAttribute('disabled')).toBe(true);
    await u.clear(typed);
    await u.type(typed, String(open.length));
    await u.click(confirm);

    await screen.findByText(`${open.length} tokens revoked.`, {}, { timeout: 10_000 });
    expect(confirmations).toHaveLength(2);
    expect(confirmations[1]).toBe(confirmations[0]);
    expect(gridIds('Revoked tokens')).toEqual([...open].sort().slice(0, 100));

    // Exactly the dry run's tokens are revoked, with the reason; the late one is not; one event records it.
    const after = await restAll(alice.access_token, { ...filters, page_params: { page_size: 100, first_request_timestamp: snapshot } });
    expect(after.every((t) => t.revoked_at !== null)).toBe(true);
    for (const t of after.filter((x) => open.includes(x.token_id)))
      expect(t).toMatchObject({ revoke_reason: 'dave left the payments team', revoked_by: alice.token_id });
    expect((await getToken(alice.access_token, late.token_id)).revoked_at).toBeNull();
    const events = await rest<ListTokenEventsResponse>(
      alice.access_token,
      `/v1/iam/oauth/token-events?${encodeQuery({ type: ['TOKENS_REVOKED_BY_FILTER'], actor_token_id: alice.token_id })}`,
    );
    expect(events.body.events.map((e) => [e.reason, e.token_count, e.completed])).toEqual([['dave left the payments team', open.length, true]]);
    expect(screen.getByText(events.body.events[0]?.event_id as string)).toBeTruthy();
  });

  it('carries the newer filters of the address (status at the snapshot, a client, a time bound) to the dry run and the revocation', async () => {
    const alice = await login('alice');
    const older = await daveToken();
    const first = await daveToken();
    for (let i = 0; i < 2; i++) await daveToken();
    const daveId = (await getToken(alice.access_token, first.token_id)).user_id as string;
    const from = (await getToken(alice.access_token, first.token_id)).created_at;
    // Outside the time bound: it stays active (were the bound dropped, it would be revoked).
    const olderCreated = (await getToken(alice.access_token, older.token_id)).created_at;
    expect(instantToMicrosCeil(olderCreated)).toBeLessThan(instantToMicrosCeil(from) as number);
    const filters = { user_id: daveId, status: ['ACTIVE' as const], client_id: DEMO.reporting.clientId, created_after: from };

    openApp(`/console/revoke?${encodeQuery(filters)}`, { token: alice });
    await waitFor(() => expect(location.search).toContain('first_request_timestamp'));
    // The address keeps the bound as written (RFC 3339), not as the microseconds the schema reads.
    expect(new URLSearchParams(location.search).get('created_after')).toBe(from);
    const snapshot = addressInput().page_params.first_request_timestamp;
    const listed = await restAll(alice.access_token, { ...filters, page_params: { page_size: 100, first_request_timestamp: snapshot } });
    const open = listed.filter((t) => t.revoked_at === null).map((t) => t.token_id);
    expect(open).toContain(first.token_id);
    expect(open).not.toContain(older.token_id);
    await waitFor(() => expect(screen.getByTestId('bulk-matched').textContent).toBe(String(open.length)));
    const chips = screen.getByRole('region', { name: 'Filters' });
    expect(within(chips).getByText('Active')).toBeTruthy();
    expect(within(chips).getByText(from)).toBeTruthy();
    expect(within(chips).getByText(DEMO.reporting.clientId)).toBeTruthy();

    const u = userEvent.setup();
    await u.type(screen.getByLabelText(/^Reason/), 'dave’s reporting tokens since the leak');
    const typed = screen.queryByLabelText(/^To confirm, type the number of tokens/);
    if (typed) await u.type(typed, String(open.length));
    await u.click(screen.getByRole('button', { name: `Revoke ${open.length} tokens` }));
    await screen.findByText(`${open.length} tokens revoked.`, {}, { timeout: 10_000 });
    expect(gridIds('Revoked tokens')).toEqual([...open].sort());
    for (const id of open) expect((await getToken(alice.access_token, id)).revoke_reason).toBe('dave’s reporting tokens since the leak');
    expect((await getToken(alice.access_token, older.token_id)).revoked_at).toBeNull();
  });

  it('a user without an admin role: the server counts only their own tokens, and refuses anyone else’s', async () => {
    const erin = await login('erin');
    openApp('/console/revoke', { token: erin });
    await screen.findByText('No filter is set: this selects every token you may see.');
    const count = Number((await screen.findByTestId('bulk-matched')).textContent);
    const hers = (
      await restAll(erin.access_token, {
        page_params: { page_size: 100, first_request_timestamp: addressInput().page_params.first_request_timestamp },
      })
    ).filter((t) => t.revoked_at === null);
    expect(count).toBe(hers.length);
    expect(new Set(hers.map((t) => t.user_id)).size).toBe(1);
    // Her own session's token is among them: she is told.
    expect(screen.getByRole('note').textContent).toContain('The token of this session is among them');

    cleanup();
    const alice = await login('alice');
    const aliceUser = (await getToken(alice.access_token, alice.token_id)).user_id as string;
    openApp(`/console/revoke?user_id=${aliceUser}`, { token: erin, lang: 'es' });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('este token solo puede listar los tokens de su propio usuario'));
  });

  it('has nothing to confirm when nothing matches, and no button for a token that may not revoke', async () => {
    openApp('/console/revoke?role=NO_SUCH_ROLE', { token: await login('alice'), lang: 'es' });
    await screen.findByText('Nada que revocar: todos los tokens que seleccionan estos filtros ya están revocados.');
    expect(screen.getByTestId('bulk-matched').textContent).toBe('0');
    expect(screen.queryByRole('button', { name: /^Revocar \d+ tokens$/ })).toBeNull();

    cleanup();
    openApp('/console/tokens', { token: await login('carol') });
    // Once her list is there (nothing left in flight when the test ends).
    await screen.findByText(/^\d+ tokens$/);
    expect(screen.getByRole('region', { name: 'Export' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Revoke all matching…' })).toBeNull();
  });

  it('RevokedIds pages a revocation’s ids with its next_page_token, answering the same revocation again', async () => {
    const alice = await login('alice');
    for (let i = 0; i < 7; i++) await login('dave');
    const daveId = (await getToken(alice.access_token, (await login('dave')).token_id)).user_id as string;
    const filters = { user_id: daveId, grant_flow: 'GRANT_FLOW_LOGIN' as const };
    const post = (body: object) => rest<RevokeByFilterResponse>(alice.access_token, '/v1/iam/oauth/tokens:revoke', { method: 'POST', body });
    const dry = (await post({ ...filters, dry_run: true })).body;
    expect(dry.matched).toBeGreaterThanOrEqual(8);
    const request: RevokeByFilterRequest = {
      ...filters,
      first_request_timestamp: parseTimestamp(dry.snapshot),
      reason: 'dave signed in on a shared laptop',
      idempotency_key: `test-${dry.snapshot}`,
      page_size: 3,
    };
    const answer = (await post(request)).body;
    expect(answer.revoked).toBe(dry.matched);
    expect(answer.token_ids).toHaveLength(3);
    // Every revoked id, in the order the pages give them (token_id).
    const all: string[] = [...answer.token_ids];
    for (let next = answer.next_page_token; next; ) {
      const page = (await post({ ...request, page_token: next })).body;
      all.push(...page.token_ids);
      next = page.next_page_token;
    }
    expect(all).toEqual([...all].sort());
    expect(all).toHaveLength(dry.matched);

    sessionStorage.setItem('tokenwarden.console.token', alice.access_token);
    render(
      <LangProvider lang="en">
        <SessionProvider url={serverUrl}>
          <QueryClientProvider client={new QueryClient()}>
            <RevokedIds request={request} first={answer} />
          </QueryClientProvider>
        </SessionProvider>
      </LangProvider>,
    );
    const u = userEvent.setup();
    const nav = () => screen.getByRole('navigation', { name: 'Pages of revoked ids' });
    expect(gridIds('Revoked tokens')).toEqual(all.slice(0, 3));
    expect(within(nav()).getByText(`1–3 of ${dry.matched}`)).toBeTruthy();
    expect(within(nav()).getByRole('button', { name: 'Previous' }).hasAttribute('disabled')).toBe(true);
    await u.click(within(nav()).getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(gridIds('Revoked tokens')).toEqual(all.slice(3, 6)));
    expect(within(nav()).getByText(`4–6 of ${dry.matched}`)).toBeTruthy();
    await u.click(within(nav()).getByRole('button', { name: 'Previous' }));
    await waitFor(() => expect(gridIds('Revoked tokens')).toEqual(all.slice(0, 3)));
    // Still one revocation: the pages were the same one answered again.
    const events = await rest<ListTokenEventsResponse>(
      alice.access_token,
      `/v1/iam/oauth/token-events?${encodeQuery({ type: ['TOKENS_REVOKED_BY_FILTER'], actor_token_id: alice.token_id })}`,
    );
    expect(events.body.events.map((e) => e.token_count)).toEqual([dry.matched]);
  });
});
