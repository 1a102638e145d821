import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAccessToken, newAccessToken, type Deps } from '@tokenwarden/api';
import { ListTokenEventsResponse, parseTimestamp, RevokeByFilterResponse, RevokeLeakedResponse, Token } from '@tokenwarden/contracts';
import { issue, newEntity, request, startServer, type TestServer } from './support/harness.js';

const TOKENS = '/v1/iam/oauth/tokens';
const LEAKED = `${TOKENS}:revoke-leaked`;

let server: TestServer;
let deps: Deps;
let a: Awaited<ReturnType<typeof newEntity>>;
let b: Awaited<ReturnType<typeof newEntity>>;

const rest = (method: string, path: string, opts: Parameters<typeof request>[2] = {}) => request(`${server.url}${path}`, method, opts);
const idOf = async (raw: string) => (await deps.tokens.findByHash(hashAccessToken(raw)))!.tokenId;
const statusOf = async (token: string, id: string) => Token.parse((await rest('GET', `${TOKENS}/${id}`, { token })).body).status;

async function trpcMutation(path: string, input: unknown, token: string) {
  const res = await fetch(`${server.url}/trpc/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { result?: { data: unknown } } };
}

beforeAll(async () => {
  server = await startServer();
  deps = server.deps;
  a = await newEntity(deps, 'Leaks A');
  b = await newEntity(deps, 'Leaks B');
});
afterAll(() => server.close());

describe('POST /v1/iam/oauth/tokens:revoke-leaked', () => {
  it("revokes the caller's entity's tokens among the strings, and tells nothing of other entities' tokens", async () => {
    const live = await issue(deps, { entityPk: a.entity_pk });
    const gone = await issue(deps, { entityPk: a.entity_pk });
    expect((await rest('DELETE', `${TOKENS}/${await idOf(gone)}`, { token: a.admin })).status).toBe(200);
    const theirs = await issue(deps, { entityPk: b.entity_pk });
    const unknown = newAccessToken().raw;
    const strings = [live, gone, theirs, 'definitely not a token', unknown, live];
    const res = await rest('POST', LEAKED, { token: a.admin, body: { tokens: strings, reason: 'pasted in a public gist' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const answer = RevokeLeakedResponse.parse(res.body);
    expect(answer).toMatchObject({ submitted: 6, malformed: 1, matched: 2, revoked: 1, already_revoked: 1, revoked_token_ids: [await idOf(live)] });
    expect(await statusOf(a.admin, await idOf(live))).toBe('TOKEN_STATUS_REVOKED');
    expect(Token.parse((await rest('GET', `${TOKENS}/${await idOf(live)}`, { token: a.admin })).body).revoke_reason).toBe('pasted in a public gist');
    // the other entity's token is untouched, and answers exactly as a string that is no token
    expect(await statusOf(b.admin, await idOf(theirs))).toBe('TOKEN_STATUS_ACTIVE');
    const foreign = RevokeLeakedResponse.parse((await rest('POST', LEAKED, { token: a.admin, body: { tokens: [theirs] } })).body);
    const random = RevokeLeakedResponse.parse((await rest('POST', LEAKED, { token: a.admin, body: { tokens: [newAccessToken().raw] } })).body);
    const { event_id: _f, ...foreignCounts } = foreign;
    const { event_id: _r, ...randomCounts } = random;
    expect(foreignCounts).toEqual(randomCounts);
    expect(foreignCounts).toMatchObject({ matched: 0, revoked: 0, revoked_token_ids: [] });

    // one event per report, with the revoked tokens, and never a raw string
    const events = ListTokenEventsResponse.parse(
      (await rest('GET', `/v1/iam/oauth/token-events?type=TOKENS_REVOKED_LEAKED&page_size=10`, { token: a.admin })).body,
    ).events;
    const first = events.find((e) => e.event_id === answer.event_id);
    expect(first).toMatchObject({
      reason: 'pasted in a public gist',
      token_count: 1,
      token_ids: [await idOf(live)],
      details: { submitted: 6, malformed: 1 },
    });
    expect(events).toHaveLength(3);
    const everything = JSON.stringify(events) + server.logLines.join('\n');
    for (const raw of [live, gone, theirs, unknown]) expect(everything).not.toContain(raw);
  });

  it('works over tRPC, and a user token without an admin role revokes only its own user’s tokens', async () => {
    const user = randomUUID();
    const mine = await issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_LOGIN', userId: user });
    const colleague = await issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_LOGIN', userId: randomUUID() });
    const teller = await issue(deps, {
      entityPk: a.entity_pk,
      grantFlow: 'GRANT_FLOW_LOGIN',
      userId: user,
      roles: ['TELLER'],
      scopes: ['iam.oauth.*'],
    });
    const res = await trpcMutation('tokens.revokeLeaked', { tokens: [mine, colleague] }, teller);
    expect(res.status).toBe(200);
    expect(RevokeLeakedResponse.parse(res.body.result?.data)).toMatchObject({ matched: 1, revoked: 1, revoked_token_ids: [await idOf(mine)] });
    expect(await statusOf(a.admin, await idOf(colleague))).toBe('TOKEN_STATUS_ACTIVE');
  });

  it('refuses bad input with a 400 naming the field, and a body over 64 KiB with 413', async () => {
    for (const [body, field] of [
      [{}, 'tokens'],
      [{ tokens: [] }, 'tokens'],
      [{ tokens: Array.from({ length: 1001 }, (_, i) => `x${i}`) }, 'tokens'],
      [{ tokens: ['x'.repeat(257)] }, 'tokens'],
      [{ tokens: [''] }, 'tokens'],
      [{ tokens: ['x'], reason: '  ' }, 'reason'],
      [{ tokens: ['x'], reason: 'leaked\u0000' }, 'reason'],
      [{ tokens: ['x'], extra: 1 }, 'extra'],
    ] as const) {
      const res = await rest('POST', LEAKED, { token: a.admin, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.details[0].field).toBe(field);
    }
    const huge = await rest('POST', LEAKED, { token: a.admin, body: { tokens: Array.from({ length: 400 }, () => 'y'.repeat(200)) } });
    expect(huge.status).toBe(413);
  });
});

describe('POST /v1/iam/oauth/tokens:revoke (by filter)', () => {
  const BULK = `${TOKENS}:revoke`;
  const ids = async (raws: string[]) => Promise.all(raws.map(idOf));

  it('previews, then revokes exactly what the preview counted, with its reason, once per idempotency key', async () => {
    const user = randomUUID();
    const other = randomUUID();
    const mine = await Promise.all(
      Array.from({ length: 6 }, () => issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_PASSWORD', userId: user })),
    );
    const expired = await issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_PASSWORD', userId: user, lifetimeSeconds: -1 });
    const gone = await issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_PASSWORD', userId: user });
    await rest('DELETE', `${TOKENS}/${await idOf(gone)}`, { token: a.admin });
    const theirs = await issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_PASSWORD', userId: other });
    const foreign = await issue(deps, { entityPk: b.entity_pk, grantFlow: 'GRANT_FLOW_PASSWORD', userId: user });
    const expected = (await ids([...mine, expired])).sort();

    const preview = await rest('POST', BULK, { token: a.admin, body: { user_id: user, dry_run: true } });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ dry_run: true, matched: 7, revoked: 0, token_ids: expected, event_id: null, next_page_token: null });
    for (const raw of mine) expect(await statusOf(a.admin, await idOf(raw))).toBe('TOKEN_STATUS_ACTIVE');

    // issued after the preview: outside its snapshot, never revoked by the confirmation
    const later = await issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_PASSWORD', userId: user });
    const snapshot = parseTimestamp(preview.body.snapshot);
    const confirm = { user_id: user, first_request_timestamp: snapshot, reason: 'offboarding', idempotency_key: `off-${user}` };
    const done = await rest('POST', BULK, { token: a.admin, body: confirm });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const answer = RevokeByFilterResponse.parse(done.body);
    expect(answer).toMatchObject({
      dry_run: false,
      snapshot: preview.body.snapshot,
      matched: 7,
      revoked: 7,
      token_ids: expected,
      completed: true,
      next_page_token: null,
    });
    for (const id of expected) {
      expect(Token.parse((await rest('GET', `${TOKENS}/${id}`, { token: a.admin })).body)).toMatchObject({
        status: 'TOKEN_STATUS_REVOKED',
        revoke_reason: 'offboarding',
      });
    }
    expect(await statusOf(a.admin, await idOf(later))).toBe('TOKEN_STATUS_ACTIVE');
    expect(await statusOf(a.admin, await idOf(theirs))).toBe('TOKEN_STATUS_ACTIVE');
    expect(await statusOf(b.admin, await idOf(foreign))).toBe('TOKEN_STATUS_ACTIVE');
    // the audit trail holds one event with the seven tokens
    const trail = ListTokenEventsResponse.parse(
      (await rest('GET', `/v1/iam/oauth/token-events?type=TOKENS_REVOKED_BY_FILTER&page_size=100`, { token: a.admin })).body,
    ).events.filter((e) => e.event_id === answer.event_id);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ reason: 'offboarding', token_count: 7, completed: true, details: { filters: { user_id: user } } });

    // the same request again: the same revocation, nothing more revoked
    const replay = RevokeByFilterResponse.parse((await rest('POST', BULK, { token: a.admin, body: confirm })).body);
    expect(replay).toEqual(answer);
    // the same key for another request: 409 naming the key
    const reused = await rest('POST', BULK, { token: a.admin, body: { ...confirm, reason: 'something else' } });
    expect(reused.status).toBe(409);
    expect(reused.body.details[0].field).toBe('idempotency_key');
    // over tRPC the same replay
    const viaTrpc = await trpcMutation('tokens.revokeByFilter', confirm, a.admin);
    expect(RevokeByFilterResponse.parse(viaTrpc.body.result?.data)).toEqual(answer);
  });

  it('pages the revoked ids with page tokens bound to the request', async () => {
    const role = `R${randomUUID().slice(0, 8)}`;
    const tagged = await Promise.all(Array.from({ length: 8 }, () => issue(deps, { entityPk: a.entity_pk, roles: [role] })));
    const roleIds = (await ids(tagged)).sort();
    const body = { role, reason: 'rotation', idempotency_key: `rot-${role}`, page_size: 3 };
    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const res = await rest('POST', BULK, { token: a.admin, body: { ...body, ...(next ? { page_token: next } : {}) } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const page = RevokeByFilterResponse.parse(res.body);
      expect(page.revoked).toBe(8);
      seen.push(...page.token_ids);
      next = page.next_page_token;
      pages++;
    } while (next && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(roleIds);
    // a page token of this request with another key, or altered: 400 naming page_token
    const first = RevokeByFilterResponse.parse((await rest('POST', BULK, { token: a.admin, body })).body);
    const token = first.next_page_token as string;
    for (const other of [
      { ...body, idempotency_key: `rot2-${role}`, page_token: token },
      { ...body, page_token: `${token.slice(0, -2)}AA` },
    ]) {
      const res = await rest('POST', BULK, { token: a.admin, body: other });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('page_token');
    }
  });

  it('refuses what it cannot do exactly, naming the field', async () => {
    const future = { seconds: Math.floor(Date.now() / 1000) + 3600, nanos: 0 };
    for (const [body, field, status] of [
      [{ role: 'X' }, 'reason', 400],
      [{ role: 'X', reason: 'r' }, 'idempotency_key', 400],
      [{ role: 'X', reason: 'r', idempotency_key: 'has spaces' }, 'idempotency_key', 400],
      [{ role: 'X', dry_run: true, first_request_timestamp: future }, 'first_request_timestamp', 400],
      [{ user_id: 'nope', dry_run: true }, 'user_id', 400],
      [{ role: 'X', dry_run: true, page_size: 1001 }, 'page_size', 400],
      [{ role: 'X', dry_run: 'yes' }, 'dry_run', 400],
    ] as const) {
      const res = await rest('POST', BULK, { token: a.admin, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.details[0].field, JSON.stringify(body)).toBe(field);
    }
  });

  it('revokes every token once under concurrent revocations with overlapping filters, and a user token only its own', async () => {
    const role = `C${randomUUID().slice(0, 8)}`;
    const user = randomUUID();
    const raws = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        issue(deps, {
          entityPk: a.entity_pk,
          roles: [role],
          grantFlow: i % 2 ? 'GRANT_FLOW_PASSWORD' : 'GRANT_FLOW_CLIENT_CREDENTIALS',
          userId: i % 2 ? user : null,
        }),
      ),
    );
    const all = new Set(await ids(raws));
    const runs = await Promise.all([
      rest('POST', BULK, { token: a.admin, body: { role, reason: 'a', idempotency_key: `a-${role}` } }),
      rest('POST', BULK, { token: a.admin, body: { role, grant_flow: 'GRANT_FLOW_PASSWORD', reason: 'b', idempotency_key: `b-${role}` } }),
      rest('POST', BULK, { token: a.admin, body: { user_id: user, reason: 'c', idempotency_key: `c-${role}` } }),
    ]);
    const revoked = runs.flatMap((r) => RevokeByFilterResponse.parse(r.body).token_ids);
    expect(new Set(revoked).size).toBe(revoked.length);
    expect(new Set(revoked)).toEqual(all);
    expect(runs.reduce((n, r) => n + (r.body.revoked as number), 0)).toBe(40);

    // a teller without an admin role: its own user's tokens only, another user's is 403
    const teller = randomUUID();
    const own = await Promise.all(
      Array.from({ length: 3 }, () => issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_LOGIN', userId: teller })),
    );
    const colleague = await issue(deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_LOGIN', userId: randomUUID() });
    const me = await issue(deps, {
      entityPk: a.entity_pk,
      grantFlow: 'GRANT_FLOW_LOGIN',
      userId: teller,
      roles: ['TELLER'],
      scopes: ['iam.oauth.*'],
    });
    const mineOnly = await rest('POST', BULK, { token: me, body: { dry_run: true } });
    expect(mineOnly.body.token_ids.sort()).toEqual((await ids([...own, me])).sort());
    expect((await rest('POST', BULK, { token: me, body: { user_id: randomUUID(), dry_run: true } })).status).toBe(403);
    expect(await statusOf(a.admin, await idOf(colleague))).toBe('TOKEN_STATUS_ACTIVE');
  });
});
