import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAccessToken, newAccessToken, type Deps } from '@tokenwarden/api';
import { ListTokenEventsResponse, RevokeLeakedResponse, Token } from '@tokenwarden/contracts';
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
