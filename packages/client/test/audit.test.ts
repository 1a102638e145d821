import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListTokenEventsResponse, parseTimestamp, RevokeByFilterResponse, type TokenEvent } from '@tokenwarden/contracts';
import { createTokenwardenClient, TokenwardenError, walkRevocation } from '../src/index.js';
import { mint, newEntity, startServer, type TestServer } from './support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

/** An entity of its own, a client with its all-powerful token, and `n` tokens minted with `spec`. */
async function setup(name: string, n = 0, spec: Omit<Parameters<typeof mint>[1], 'entityPk'> = {}) {
  const entity = await newEntity(server.deps, name);
  const client = createTokenwardenClient({ url: server.url, accessToken: entity.access_token });
  const minted: string[] = [];
  for (let i = 0; i < n; i++) minted.push((await mint(server.deps, { entityPk: entity.entity_pk, ...spec })).record.tokenId);
  return { entity, client, minted };
}

describe('events.pages() and events.all(): the trail, page token after page token', () => {
  it('yields every event once, newest first, and none recorded during the walk', async () => {
    const { client, entity, minted } = await setup('Trail Corp', 11);
    // What the trail holds before the walk, on one page (the setup token's issuance, then the 11).
    const whole = await client.events.list({ page_size: 100 });
    expect(whole.next_page_token).toBeNull();
    expect(whole.events.filter((e) => e.type === 'TOKEN_ISSUED')).toHaveLength(12);

    const seen: TokenEvent[] = [];
    const recorded: string[] = [];
    let pages = 0;
    for await (const page of client.events.pages({ page_size: 4 })) {
      pages += 1;
      expect(ListTokenEventsResponse.parse(page)).toEqual(page);
      expect(page.events.length).toBeLessThanOrEqual(4);
      seen.push(...page.events);
      // New events meanwhile: issuances, newer than anything the walk has left to show.
      recorded.push((await mint(server.deps, { entityPk: entity.entity_pk })).record.tokenId);
    }
    expect(pages).toBe(Math.ceil(whole.events.length / 4));
    expect(seen.map((e) => e.event_id)).toEqual(whole.events.map((e) => e.event_id));
    expect(seen.flatMap((e) => e.token_ids).filter((id) => recorded.includes(id))).toEqual([]);
    expect(minted.every((id) => seen.some((e) => e.type === 'TOKEN_ISSUED' && e.token_ids.includes(id)))).toBe(true);

    // all(): the same events with a filter, one at a time.
    const target = minted[3]!;
    const forToken: TokenEvent[] = [];
    for await (const e of client.events.all({ token_id: target, page_size: 1 })) forToken.push(e);
    expect(forToken.map((e) => [e.type, e.token_ids])).toEqual([['TOKEN_ISSUED', [target]]]);
  });

  it('filters by type across pages, and resumes from a page token', async () => {
    const { client, minted } = await setup('Typed Trail Corp', 6);
    for (const id of minted.slice(0, 5)) await client.tokens.revoke({ token_id: id, body: { reason: 'rotation' } });
    const revoked: TokenEvent[] = [];
    for await (const e of client.events.all({ type: ['TOKEN_REVOKED'], page_size: 2 })) revoked.push(e);
    expect(revoked.map((e) => e.type)).toEqual(Array(5).fill('TOKEN_REVOKED'));
    expect(revoked.map((e) => e.token_ids[0])).toEqual(minted.slice(0, 5).reverse());
    expect(revoked.every((e) => e.reason === 'rotation')).toBe(true);

    const first = await client.events.list({ type: ['TOKEN_REVOKED'], page_size: 2 });
    expect(first.next_page_token).not.toBeNull();
    const rest: string[] = [];
    for await (const page of client.events.pages({ type: ['TOKEN_REVOKED'], page_size: 2, page_token: first.next_page_token! })) {
      rest.push(...page.events.map((e) => e.event_id));
    }
    expect([...first.events.map((e) => e.event_id), ...rest]).toEqual(revoked.map((e) => e.event_id));

    // A page token with other filters is refused, as the server refuses it.
    const walk = client.events.pages({ type: ['TOKEN_ISSUED'], page_token: first.next_page_token! });
    const e = await walk.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(TokenwardenError);
    expect((e as TokenwardenError).details.map((d) => d.field)).toEqual(['page_token']);
  });
});

describe('tokens.revokeByFilterPages(): a revocation driven to its end', () => {
  it('revokes the selection at the snapshot, pages every revoked id once, and answers the same on a retry with the key', async () => {
    const role = `R${randomUUID().slice(0, 8)}`;
    const { client, entity, minted } = await setup('Bulk Corp', 7, { roles: [role] });
    const bystander = (await mint(server.deps, { entityPk: entity.entity_pk, roles: ['OTHER'] })).record.tokenId;

    const dry = [];
    for await (const a of client.tokens.revokeByFilterPages({ role, dry_run: true })) dry.push(a);
    expect(dry).toHaveLength(1);
    expect(dry[0]).toMatchObject({ dry_run: true, matched: 7, revoked: 0, token_ids: [...minted].sort(), next_page_token: null });
    const snapshot = parseTimestamp(dry[0]!.snapshot);
    // Issued after the dry run's snapshot: outside it, never revoked.
    const later = (await mint(server.deps, { entityPk: entity.entity_pk, roles: [role] })).record.tokenId;

    const request = { role, first_request_timestamp: snapshot, reason: 'rotation', idempotency_key: `rot-${role}`, page_size: 3 };
    const answers = [];
    for await (const a of client.tokens.revokeByFilterPages(request)) answers.push(RevokeByFilterResponse.parse(a));
    expect(answers).toHaveLength(3);
    expect(answers.map((a) => a.token_ids.length)).toEqual([3, 3, 1]);
    expect(answers.flatMap((a) => a.token_ids)).toEqual([...minted].sort());
    for (const a of answers) expect(a).toMatchObject({ dry_run: false, matched: 7, revoked: 7, completed: true, snapshot: dry[0]!.snapshot });
    expect(new Set(answers.map((a) => a.event_id)).size).toBe(1);
    expect(answers.at(-1)!.next_page_token).toBeNull();
    for (const id of minted)
      expect(await client.tokens.get({ token_id: id })).toMatchObject({ status: 'TOKEN_STATUS_REVOKED', revoke_reason: 'rotation' });
    expect((await client.tokens.get({ token_id: later })).status).toBe('TOKEN_STATUS_ACTIVE');
    expect((await client.tokens.get({ token_id: bystander })).status).toBe('TOKEN_STATUS_ACTIVE');

    // Resumed after the first page (a walk cut short), with the same key: the same revocation, nothing more.
    // (Page tokens are sealed afresh each time: compare what they lead to.)
    const sameBut = ({ next_page_token, ...rest }: RevokeByFilterResponse) => ({ ...rest, more: next_page_token !== null });
    for await (const a of client.tokens.revokeByFilterPages(request)) {
      expect(sameBut(a)).toEqual(sameBut(answers[0]!));
      break;
    }
    const again = [];
    for await (const a of client.tokens.revokeByFilterPages(request)) again.push(sameBut(a));
    expect(again).toEqual(answers.map(sameBut));
    const events = await client.events.list({ type: ['TOKENS_REVOKED_BY_FILTER'] });
    expect(events.events.map((e) => [e.event_id, e.token_count, e.reason])).toEqual([[answers[0]!.event_id, 7, 'rotation']]);
  });

  it('sends the same request again after a lost answer, under retry: one revocation', async () => {
    const role = `L${randomUUID().slice(0, 8)}`;
    const { entity, minted } = await setup('Lossy Corp', 4, { roles: [role] });
    let calls = 0;
    // The first answer is lost on the way back: the server did the work, the caller saw a network failure.
    const lossy: typeof fetch = async (input, init) => {
      calls += 1;
      const res = await fetch(input, init);
      if (calls === 1) {
        await res.body?.cancel();
        throw new TypeError('fetch failed');
      }
      return res;
    };
    const request = { role, reason: 'leak', idempotency_key: `leak-${role}` };
    const once = createTokenwardenClient({ url: server.url, accessToken: entity.access_token, fetch: lossy });
    const failed = await once.tokens
      .revokeByFilterPages(request)
      .next()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failed).toMatchObject({ status: 0, isNetworkError: true });
    expect(calls).toBe(1);

    calls = 0;
    const retrying = createTokenwardenClient({ url: server.url, accessToken: entity.access_token, fetch: lossy, retry: { baseDelayMs: 1 } });
    const role2 = `M${randomUUID().slice(0, 8)}`;
    const more: string[] = [];
    for (let i = 0; i < 3; i++) more.push((await mint(server.deps, { entityPk: entity.entity_pk, roles: [role2] })).record.tokenId);
    const answers = [];
    for await (const a of retrying.tokens.revokeByFilterPages({ role: role2, reason: 'leak', idempotency_key: `leak-${role2}` })) answers.push(a);
    expect(calls).toBe(2);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ matched: 3, revoked: 3, token_ids: [...more].sort(), completed: true });
    const trail = await retrying.events.list({ type: ['TOKENS_REVOKED_BY_FILTER'] });
    // One event per key: the lost first answer of each run did its revocation once.
    expect(trail.events.map((e) => e.token_count).sort()).toEqual([3, 4]);
    expect(trail.events.find((e) => e.token_count === 4)!.token_ids).toEqual([...minted].sort());
  });

  it('refuses a request without a key (400 naming it), and walks with any revoke function', async () => {
    const { client, entity } = await setup('Keyless Corp', 2);
    const e = await client.tokens
      .revokeByFilterPages({ reason: 'r' })
      .next()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(e).toMatchObject({ status: 400, details: [{ field: 'idempotency_key' }] });
    // The exported walker takes the call as a function: here the REST endpoint itself.
    const rest = async (body: unknown) => {
      const res = await fetch(`${server.url}/v1/iam/oauth/tokens:revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${entity.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return RevokeByFilterResponse.parse(await res.json());
    };
    const pages = [];
    for await (const a of walkRevocation(rest, { grant_flow: 'GRANT_FLOW_CLIENT_CREDENTIALS', dry_run: true })) pages.push(a);
    expect(pages).toEqual([expect.objectContaining({ dry_run: true, matched: 2, event_id: null })]);
  });
});
