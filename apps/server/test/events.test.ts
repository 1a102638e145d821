import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type Deps } from '@tokenwarden/api';
import { ListTokenEventsResponse, parseTimestamp, Token, type TokenEvent } from '@tokenwarden/contracts';
import { issue, newEntity, request, startServer, type TestServer } from './support/harness.js';

const TOKENS = '/v1/iam/oauth/tokens';
const EVENTS = '/v1/iam/oauth/token-events';

let server: TestServer;
let deps: Deps;
let a: Awaited<ReturnType<typeof newEntity>>;
let b: Awaited<ReturnType<typeof newEntity>>;
let secret: { client_id: string; client_secret: string };

const rest = (method: string, path: string, opts: Parameters<typeof request>[2] = {}) => request(`${server.url}${path}`, method, opts);

/** Every event of the entity the token sees, newest first, over REST (query appended as given). */
async function trail(token: string, query = ''): Promise<TokenEvent[]> {
  const res = await rest('GET', `${EVENTS}?page_size=100${query}`, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return ListTokenEventsResponse.parse(res.body).events;
}

/** A tRPC call as the typed client makes it. */
async function trpc(kind: 'query' | 'mutation', path: string, input: unknown, token?: string, headers: Record<string, string> = {}) {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res =
    kind === 'query'
      ? await fetch(`${server.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { ...auth, ...headers } })
      : await fetch(`${server.url}/trpc/${path}`, {
          method: 'POST',
          headers: { ...auth, ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
  return {
    status: res.status,
    body: (await res.json()) as { result?: { data: unknown }; error?: { data: { rpc: { details: { field: string }[] } } } },
  };
}

beforeAll(async () => {
  server = await startServer();
  deps = server.deps;
  a = await newEntity(deps, 'Events A');
  b = await newEntity(deps, 'Events B');
  const c = await createApiClient(deps, a.entity_pk, { name: 'payroll', roles: ['REPORTING'], scopes: ['iam.oauth.tokens.get'] });
  secret = { client_id: c.client_id, client_secret: c.client_secret };
});
afterAll(() => server.close());

describe('the audit trail over HTTP', () => {
  it('records an issuance with the grant as actor and the request id the caller sent', async () => {
    const requestId = `req-${randomUUID()}`;
    const res = await rest('POST', TOKENS, { body: { grant_type: 'client_credentials', ...secret }, headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(200);
    const [event] = await trail(a.admin, `&token_id=${res.body.token_id}`);
    expect(event).toMatchObject({
      type: 'TOKEN_ISSUED',
      actor: { token_id: null, client_id: secret.client_id, user_id: null },
      request_id: requestId,
      reason: null,
      token_count: 1,
      token_ids: [res.body.token_id],
      completed: true,
    });
    expect(JSON.stringify(event)).not.toContain(secret.client_secret);
    expect(JSON.stringify(event)).not.toContain(res.body.access_token);
  });

  it('records a revocation with its reason and actor on both transports, and shows them on the token', async () => {
    const adminId = (await deps.tokens.findByHash((await import('@tokenwarden/api')).hashAccessToken(a.admin)))!.tokenId;
    for (const via of ['rest', 'trpc'] as const) {
      const victim = await issue(deps, { entityPk: a.entity_pk });
      const id = (await deps.tokens.findByHash((await import('@tokenwarden/api')).hashAccessToken(victim)))!.tokenId;
      const reason = `seen in a ${via} log`;
      if (via === 'rest') expect((await rest('DELETE', `${TOKENS}/${id}`, { token: a.admin, body: { reason } })).status).toBe(200);
      else expect((await trpc('mutation', 'tokens.revoke', { token_id: id, body: { reason } }, a.admin)).status).toBe(200);
      const token = Token.parse((await rest('GET', `${TOKENS}/${id}`, { token: a.admin })).body);
      expect(token).toMatchObject({ status: 'TOKEN_STATUS_REVOKED', revoked_by: adminId, revoke_reason: reason });
      const [event] = await trail(a.admin, `&token_id=${id}&type=TOKEN_REVOKED`);
      expect(event).toMatchObject({ type: 'TOKEN_REVOKED', actor: { token_id: adminId, client_id: a.client_id }, reason, token_ids: [id] });
    }
    // a reason that is only spaces, or too long, is a 400 naming it
    const victim = await issue(deps, { entityPk: a.entity_pk });
    const id = (await deps.tokens.findByHash((await import('@tokenwarden/api')).hashAccessToken(victim)))!.tokenId;
    for (const reason of ['   ', 'x'.repeat(501)]) {
      const res = await rest('DELETE', `${TOKENS}/${id}`, { token: a.admin, body: { reason } });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('body.reason');
    }
  });

  it('records one listing per walk: the request that takes the snapshot, not its later pages', async () => {
    const auditor = await issue(deps, { entityPk: a.entity_pk, roles: ['AUDITOR'] });
    const before = (await trail(a.admin, '&type=TOKENS_LISTED')).length;
    const first = await rest('GET', `${TOKENS}?page_params.page_size=1&grant_flow=GRANT_FLOW_CLIENT_CREDENTIALS`, { token: auditor });
    expect(first.status).toBe(200);
    const { seconds, nanos } = parseTimestamp(first.body.pagination_info.first_request_timestamp);
    const snapshot = `&page_params.first_request_timestamp.seconds=${seconds}&page_params.first_request_timestamp.nanos=${nanos}`;
    for (const page of [2, 3]) {
      const next = await rest(
        'GET',
        `${TOKENS}?page_params.page_size=1&page_params.page_number=${page}&grant_flow=GRANT_FLOW_CLIENT_CREDENTIALS${snapshot}`,
        {
          token: auditor,
        },
      );
      expect(next.status).toBe(200);
    }
    const listed = await trail(a.admin, '&type=TOKENS_LISTED');
    expect(listed.length).toBe(before + 1);
    expect(listed[0]).toMatchObject({
      type: 'TOKENS_LISTED',
      token_count: 0,
      details: {
        filters: { grant_flow: 'GRANT_FLOW_CLIENT_CREDENTIALS' },
        order: { order_key: 'created_at', order_direction: 'DESC' },
        snapshot: first.body.pagination_info.first_request_timestamp,
        total_elements: first.body.pagination_info.total_elements,
      },
    });
    // over tRPC too
    expect((await trpc('query', 'tokens.list', { role: 'AUDITOR' }, auditor)).status).toBe(200);
    expect((await trail(a.admin, '&type=TOKENS_LISTED'))[0]?.details).toMatchObject({ filters: { role: 'AUDITOR' } });
  });

  it('filters by type (repeated), actor and time, and refuses malformed values naming the parameter', async () => {
    const all = await trail(a.admin);
    const revoked = await trail(a.admin, '&type=TOKEN_REVOKED');
    expect(revoked.length).toBeGreaterThanOrEqual(2);
    const two = await trail(a.admin, '&type=TOKEN_REVOKED&type=TOKEN_ISSUED');
    expect(two.map((e) => e.event_id)).toEqual(all.filter((e) => e.type === 'TOKEN_REVOKED' || e.type === 'TOKEN_ISSUED').map((e) => e.event_id));
    const byClient = await trail(a.admin, `&actor_client_id=${secret.client_id}`);
    expect(byClient.length).toBeGreaterThan(0);
    expect(byClient.every((e) => e.actor.client_id === secret.client_id)).toBe(true);
    const last = all[0]!;
    expect((await trail(a.admin, `&occurred_after=${encodeURIComponent(last.occurred_at)}`)).map((e) => e.event_id)).toContain(last.event_id);
    expect((await trail(a.admin, `&occurred_before=${encodeURIComponent(last.occurred_at)}`)).map((e) => e.event_id)).not.toContain(last.event_id);
    // the same instant written with an offset
    const local = new Date(Date.parse(last.occurred_at) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect((await trail(a.admin, `&occurred_after=${encodeURIComponent(local)}`)).length).toBeGreaterThan(0);
    for (const [query, field] of [
      ['type=TOKEN_EATEN', 'type'],
      ['occurred_after=yesterday', 'occurred_after'],
      ['occurred_before=2026-02-30T00:00:00Z', 'occurred_before'],
      ['actor_token_id=nope', 'actor_token_id'],
      ['page_size=101', 'page_size'],
      ['page_token=%21%21', 'page_token'],
    ] as const) {
      const res = await rest('GET', `${EVENTS}?${query}`, { token: a.admin });
      expect(res.status, query).toBe(400);
      expect(res.body.details[0].field, query).toBe(field);
    }
  });

  it('walks the trail with page tokens, bound to its filters and to the entity', async () => {
    const all = await trail(a.admin);
    expect(all.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const res = await rest('GET', `${EVENTS}?page_size=2${token ? `&page_token=${token}` : ''}`, { token: a.admin });
      expect(res.status).toBe(200);
      const page = ListTokenEventsResponse.parse(res.body);
      seen.push(...page.events.map((e) => e.event_id));
      token = page.next_page_token;
      pages++;
    } while (token && pages < 100);
    // events written while walking (the listings of this test's own calls are none: the trail is not listed) are older-first safe
    expect(seen).toEqual(all.map((e) => e.event_id));

    const firstPage = ListTokenEventsResponse.parse((await rest('GET', `${EVENTS}?page_size=1`, { token: a.admin })).body);
    const next = firstPage.next_page_token as string;
    expect(next).toMatch(/^[A-Za-z0-9_-]+$/);
    // changed filters, another entity, a flipped byte: 400 naming page_token
    const tampered = `${next.slice(0, 10)}${next[10] === 'A' ? 'B' : 'A'}${next.slice(11)}`;
    for (const [token, query] of [
      [a.admin, `page_token=${next}&type=TOKEN_ISSUED`],
      [b.admin, `page_token=${next}`],
      [a.admin, `page_token=${tampered}`],
    ] as const) {
      const res = await rest('GET', `${EVENTS}?page_size=1&${query}`, { token });
      expect(res.status, query).toBe(400);
      expect(res.body.details[0].field).toBe('page_token');
    }
    // over tRPC the same token continues the walk
    const viaTrpc = await trpc('query', 'events.list', { page_size: 1, page_token: next }, a.admin);
    expect(viaTrpc.status).toBe(200);
    const continued = ListTokenEventsResponse.parse(viaTrpc.body.result?.data);
    expect(continued.events[0]?.event_id).toBe(all[1]?.event_id);
  });

  it("never shows another entity's events, and a user token sees only its own user's actions", async () => {
    const theirs = await trail(b.admin);
    const ours = new Set((await trail(a.admin)).map((e) => e.event_id));
    expect(theirs.some((e) => ours.has(e.event_id))).toBe(false);
    const user = randomUUID();
    const teller = await issue(deps, {
      entityPk: a.entity_pk,
      grantFlow: 'GRANT_FLOW_LOGIN',
      userId: user,
      roles: ['TELLER'],
      scopes: ['iam.oauth.*'],
    });
    // its sign-in and its own listing are its user's only actions
    expect((await rest('GET', TOKENS, { token: teller })).status).toBe(200);
    const own = await trail(teller);
    expect(own.map((e) => [e.type, e.actor.user_id])).toEqual([
      ['TOKENS_LISTED', user],
      ['TOKEN_ISSUED', user],
    ]);
    const denied = await rest('GET', `${EVENTS}?actor_user_id=${randomUUID()}`, { token: teller });
    expect(denied.status).toBe(403);
  });

  it('records where the last use came from: the peer address and the User-Agent, cut to 256 characters', async () => {
    const token = await issue(deps, { entityPk: a.entity_pk });
    const id = (await deps.tokens.findByHash((await import('@tokenwarden/api')).hashAccessToken(token)))!.tokenId;
    const agent = `events-test/1.0 ${'x'.repeat(400)}`;
    expect((await rest('GET', `${TOKENS}/${id}`, { token, headers: { 'user-agent': agent } })).status).toBe(200);
    const seen = Token.parse((await rest('GET', `${TOKENS}/${id}`, { token: a.admin })).body);
    expect(seen.last_used_ip).toBe('127.0.0.1');
    expect(seen.last_used_user_agent).toBe(agent.slice(0, 256));
  });
});
