import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListTokensResponse, ErrorBody, GRANT_FLOWS, parseTimestamp, type GrantFlow, type Token } from '@tokenwarden/contracts';
import { getJson, issue, newEntity, startServer, type TestServer } from './support/harness.js';

const LIST = '/v1/iam/oauth/tokens';
const SECOND = 1_000_000;

let server: TestServer;
let a: Awaited<ReturnType<typeof newEntity>>;
let b: Awaited<ReturnType<typeof newEntity>>;
const usersA = [randomUUID(), randomUUID(), randomUUID()];
const accountsA = [randomUUID(), randomUUID()];
const ROLES = ['ENTITY_ADMIN', 'AUDITOR', 'TELLER', 'SUPPORT'];

/** Inserts `n` past tokens for an entity, with deliberate ties on created_at and expires_at. */
function seed(entityPk: number, n: number, rand: () => number, users: string[], accounts: string[]) {
  const now = server.deps.clock.nowMicros();
  const batch = Array.from({ length: n }, (_, i) => {
    const flow = GRANT_FLOWS[i % 4] as GrantFlow;
    const createdAt = now - (1 + Math.floor(rand() * 40)) * 3600 * SECOND; // many ties (whole hours)
    return {
      entityPk,
      tokenId: randomUUID(),
      tokenHash: randomBytes(32),
      clientId: 'seed-client',
      userId: i % 3 === 0 ? null : (users[i % users.length] ?? null),
      accountId: i % 2 === 0 ? (accounts[i % accounts.length] ?? null) : null,
      grantFlow: flow,
      roles: [ROLES[i % ROLES.length] as string, ROLES[(i * 3 + 1) % ROLES.length] as string],
      scopes: ['payments.read'],
      createdAt,
      expiresAt: createdAt + (i % 5) * 3600 * SECOND,
      lastUsedAt: i % 4 === 0 ? null : createdAt + SECOND,
      revokedAt: i % 7 === 0 ? createdAt + 2 * SECOND : null,
    };
  });
  server.deps.tokens.insertHistorical(batch);
}

function lcg(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

async function list(query: string, token: string | null = a.admin, headers: Record<string, string> = {}) {
  return getJson(`${server.url}${LIST}${query ? `?${query}` : ''}`, token ?? undefined, headers);
}

beforeAll(async () => {
  server = await startServer();
  a = await newEntity(server.deps, 'Entity A');
  b = await newEntity(server.deps, 'Entity B');
  // Interleave the two entities' rows.
  const rand = lcg(7);
  for (let i = 0; i < 6; i++) {
    seed(a.entity_pk, 40, rand, usersA, accountsA);
    seed(b.entity_pk, 15, rand, [randomUUID()], [randomUUID()]);
  }
});
afterAll(() => server.close());

/** An RFC 3339 time as nanoseconds: the wire form drops trailing zero digits, so its strings do not order. */
function instant(ts: string): bigint {
  const { seconds, nanos } = parseTimestamp(ts);
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

describe('GET /v1/iam/oauth/tokens', () => {
  it('answers the documented shape with defaults (page 1, size 10, created_at DESC)', async () => {
    const res = await list('');
    expect(res.status).toBe(200);
    const body = ListTokensResponse.parse(res.body);
    expect(body.tokens).toHaveLength(10);
    expect(body.pagination_info.current_page).toBe(1);
    expect(body.pagination_info.page_size).toBe(10);
    const created = body.tokens.map((t) => t.created_at);
    const descending = [...created].sort((x, y) => (instant(y) > instant(x) ? 1 : instant(y) < instant(x) ? -1 : 0));
    expect(descending).toEqual(created);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('counts totals and pages, and a page past the end is empty with true totals', async () => {
    const first = ListTokensResponse.parse((await list('page_params.page_size=7')).body);
    const total = first.pagination_info.total_elements;
    // 240 seeded + setup token + admin token of entity A
    expect(total).toBe(242);
    expect(first.pagination_info.total_pages).toBe(Math.ceil(total / 7));
    const snap = parseTimestamp(first.pagination_info.first_request_timestamp);
    const past = await list(
      `page_params.page_size=7&page_params.page_number=${first.pagination_info.total_pages + 1}` +
        `&page_params.first_request_timestamp.seconds=${snap.seconds}&page_params.first_request_timestamp.nanos=${snap.nanos}`,
    );
    expect(past.status).toBe(200);
    expect(past.body.tokens).toEqual([]);
    expect(past.body.pagination_info.total_elements).toBe(total);
    const huge = await list('page_params.page_number=2147483647');
    expect(huge.status).toBe(200);
    expect(huge.body.tokens).toEqual([]);
    expect(huge.body.pagination_info.total_elements).toBe(total);
  });

  it('walks every page of a snapshot exactly once, in order, while new tokens are issued', async () => {
    for (const [orderKey, dir] of [
      ['created_at', 'DESC'],
      ['expires_at', 'ASC'],
      ['user_id', 'DESC'],
      ['grant_flow', 'ASC'],
      ['token_id', 'ASC'],
      ['last_used_at', 'DESC'],
      ['account_id', 'ORDER_DIRECTION_ENUM_UNSPECIFIED'],
    ] as const) {
      const base = `page_params.page_size=13&order_params.order_key=${orderKey}&order_params.order_direction=${dir}`;
      const first = ListTokensResponse.parse((await list(base)).body);
      const { seconds, nanos } = parseTimestamp(first.pagination_info.first_request_timestamp);
      const seen = [...first.tokens];
      for (let page = 2; page <= first.pagination_info.total_pages; page++) {
        await issue(server.deps, { entityPk: a.entity_pk }); // a new token between page calls
        const res = await list(
          `${base}&page_params.page_number=${page}&page_params.first_request_timestamp.seconds=${seconds}` +
            `&page_params.first_request_timestamp.nanos=${nanos}`,
        );
        const body = ListTokensResponse.parse(res.body);
        expect(body.pagination_info.total_elements).toBe(first.pagination_info.total_elements);
        expect(body.pagination_info.first_request_timestamp).toBe(first.pagination_info.first_request_timestamp);
        seen.push(...body.tokens);
      }
      const ids = seen.map((t) => t.token_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(first.pagination_info.total_elements);
      // Every listed token existed at the snapshot.
      const snapshot = first.pagination_info.first_request_timestamp;
      const late = seen.filter((t) => instant(t.created_at) > instant(snapshot));
      expect(
        late.map((t) => [t.token_id, t.created_at]),
        snapshot,
      ).toEqual([]);
      // The order is total: by key, ties by token_id, both in the same direction.
      const sign = dir === 'ASC' ? 1 : -1;
      const keyOf = (t: (typeof seen)[number]): bigint | number | string => {
        if (orderKey === 'grant_flow') return GRANT_FLOWS.indexOf(t.grant_flow);
        const v = (t[orderKey] as string | null) ?? '';
        // A never-used token sorts as the smallest instant.
        if (orderKey.endsWith('_at')) return v === '' ? -1n : instant(v);
        return v;
      };
      for (let i = 1; i < seen.length; i++) {
        const p = seen[i - 1]!;
        const c = seen[i]!;
        const kp = keyOf(p);
        const kc = keyOf(c);
        const cmp = kp < kc ? -1 : kp > kc ? 1 : p.token_id < c.token_id ? -1 : p.token_id > c.token_id ? 1 : 0;
        expect(cmp * sign, `${orderKey} ${dir} at ${i}`).toBe(-1);
      }
    }
  });

  it('breaks ties on the order key by token_id in the same direction', async () => {
    const res = await list('page_params.page_size=100&order_params.order_key=created_at&order_params.order_direction=ASC');
    const tokens = ListTokensResponse.parse(res.body).tokens;
    const tied = tokens.filter((t, i) => tokens[i + 1]?.created_at === t.created_at);
    expect(tied.length).toBeGreaterThan(5);
    for (let i = 1; i < tokens.length; i++) {
      if (tokens[i]!.created_at === tokens[i - 1]!.created_at) {
        expect(tokens[i]!.token_id > tokens[i - 1]!.token_id).toBe(true);
      }
    }
  });

  it('filters by account, user, grant flow and role, combined with AND', async () => {
    const all = (await list('page_params.page_size=100')).body.pagination_info.total_elements as number;
    const checks: [string, (t: Token) => boolean][] = [
      [`account_id=${accountsA[0]}`, (t) => t.account_id === accountsA[0]],
      [`user_id=${usersA[1]!.toUpperCase()}`, (t) => t.user_id === usersA[1]],
      ['grant_flow=GRANT_FLOW_LOGIN', (t) => t.grant_flow === 'GRANT_FLOW_LOGIN'],
      ['role=TELLER', (t) => t.roles.includes('TELLER')],
      [
        `role=AUDITOR&grant_flow=GRANT_FLOW_PASSWORD&user_id=${usersA[2]}`,
        (t) => t.roles.includes('AUDITOR') && t.grant_flow === 'GRANT_FLOW_PASSWORD' && t.user_id === usersA[2],
      ],
    ];
    for (const [query, predicate] of checks) {
      const res = await list(`${query}&page_params.page_size=100`);
      expect(res.status, query).toBe(200);
      const body = ListTokensResponse.parse(res.body);
      expect(body.tokens.length, query).toBeGreaterThan(0);
      expect(body.tokens.every(predicate), query).toBe(true);
      expect(body.pagination_info.total_elements).toBeLessThan(all);
      expect(body.tokens.length).toBe(Math.min(100, body.pagination_info.total_elements));
    }
    const none = await list(`role=NOBODY`);
    expect(none.body.pagination_info).toMatchObject({ total_elements: 0, total_pages: 0 });
  });

  it('selects only tokens created at or before first_request_timestamp, and echoes it exactly', async () => {
    const res = await list('page_params.page_size=100&order_params.order_direction=ASC');
    const oldest = ListTokensResponse.parse(res.body).tokens[0]!;
    const ts = parseTimestamp(oldest.created_at);
    const at = await list(
      `page_params.first_request_timestamp.seconds=${ts.seconds}&page_params.first_request_timestamp.nanos=${ts.nanos}&page_params.page_size=100`,
    );
    const atBody = ListTokensResponse.parse(at.body);
    expect(atBody.tokens.length).toBeGreaterThan(0);
    expect(atBody.tokens.every((t) => t.created_at === oldest.created_at)).toBe(true);
    const before = await list(`page_params.first_request_timestamp.seconds=${ts.seconds - 1}&page_params.first_request_timestamp.nanos=999999999`);
    expect(before.body.pagination_info.total_elements).toBe(0);
    const nanos = await list('page_params.first_request_timestamp.seconds=1700000000&page_params.first_request_timestamp.nanos=123456789');
    expect(nanos.body.pagination_info.first_request_timestamp).toBe('2023-11-14T22:13:20.123456789Z');
  });

  it('derives status and expires_in from the clock', async () => {
    const res = await list('page_params.page_size=100');
    for (const t of ListTokensResponse.parse(res.body).tokens) {
      if (t.revoked_at) expect(t.status).toBe('TOKEN_STATUS_REVOKED');
      else if (t.expires_in === 0) expect(t.status).toBe('TOKEN_STATUS_EXPIRED');
      else expect(t.status).toBe('TOKEN_STATUS_ACTIVE');
    }
  });
});

describe('bad input', () => {
  const cases: [string, string][] = [
    ['page_params.page_size=0', 'page_params.page_size'],
    ['page_params.page_size=101', 'page_params.page_size'],
    ['page_params.page_size=abc', 'page_params.page_size'],
    ['page_params.page_size=1.5', 'page_params.page_size'],
    ['page_params.page_size=', 'page_params.page_size'],
    ['page_params.page_size=99999999999999999999999999', 'page_params.page_size'],
    ['page_params.page_number=0', 'page_params.page_number'],
    ['page_params.page_number=2147483648', 'page_params.page_number'],
    ['page_params.page_number=-1', 'page_params.page_number'],
    ['page_params.first_request_timestamp.seconds=253402300800', 'page_params.first_request_timestamp.seconds'],
    ['page_params.first_request_timestamp.seconds=-62135596801', 'page_params.first_request_timestamp.seconds'],
    [
      'page_params.first_request_timestamp.seconds=1&page_params.first_request_timestamp.nanos=1000000000',
      'page_params.first_request_timestamp.nanos',
    ],
    ['page_params.first_request_timestamp.seconds=1&page_params.first_request_timestamp.nanos=-1', 'page_params.first_request_timestamp.nanos'],
    ['page_params.first_request_timestamp.nanos=5', 'page_params.first_request_timestamp.seconds'],
    ['order_params.order_key=name', 'order_params.order_key'],
    ['order_params.order_direction=up', 'order_params.order_direction'],
    ['account_id=not-a-uuid', 'account_id'],
    ['user_id=%E2%82%AC', 'user_id'],
    ['grant_flow=GRANT_FLOW_MAGIC', 'grant_flow'],
    ['role=%F0%9F%94%91', 'role'],
    ['role=', 'role'],
    ['page_size=10', 'page_size'],
    ['page_params.page_size=10&page_params.page_size=20', 'page_params.page_size'],
    ['user_id=%ZZ', 'user_id'],
    ['%ZZ=1', '%ZZ'],
    ['page_params=1', 'page_params'],
  ];
  it.each(cases)('%s → 400 naming %s', async (query, field) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    const body = ErrorBody.parse(res.body);
    expect(body.code).toBe(3);
    expect(body.details.map((d) => d.field)).toContain(field);
    expect(body.message).toContain(field);
  });

  it('validates before it authenticates, and never answers 500', async () => {
    const res = await list('page_params.page_size=0', 'garbage');
    expect(res.status).toBe(400);
    for (const raw of ['%', '&&&', '=x', '?', 'a=%00', `role=${'x'.repeat(5000)}`]) {
      const r = await fetch(`${server.url}${LIST}?${raw}`, { headers: { authorization: `Bearer ${a.admin}` } });
      expect(r.status, raw).toBeLessThan(500);
      expect(r.headers.get('content-type')).toMatch(/json/);
    }
  });

  it('answers in Spanish under Accept-Language: es', async () => {
    const en = await list('page_params.page_size=0');
    const es = await list('page_params.page_size=0', a.admin, { 'accept-language': 'es-ES,es;q=0.9' });
    expect(es.status).toBe(400);
    expect(es.body.message).toContain('debe ser un número entero entre 1 y 100');
    expect(es.body.message).not.toBe(en.body.message);
    const unauth = await list('', null, { 'accept-language': 'es' });
    expect(unauth.body.message).toMatch(/se requiere un token bearer/);
  });

  it('answers unknown routes and wrong methods with JSON errors', async () => {
    const missing = await getJson(`${server.url}/v1/iam/nothing`);
    expect(missing.status).toBe(404);
    expect(ErrorBody.parse(missing.body).code).toBe(5);
    const wrong = await fetch(`${server.url}${LIST}`, { method: 'PUT' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
  });
});

describe('authorization', () => {
  it('401s missing, garbage, unknown, expired, revoked and scope-less tokens, with WWW-Authenticate', async () => {
    const expired = await issue(server.deps, { entityPk: a.entity_pk, lifetimeSeconds: 1 });
    const revoked = await issue(server.deps, { entityPk: a.entity_pk });
    const revokedId = (await server.deps.tokens.findByHash((await import('@tokenwarden/api')).hashAccessToken(revoked)))!.tokenId;
    await server.deps.tokens.revoke(a.entity_pk, revokedId, (await import('@tokenwarden/api')).operatorEvent());
    const scopeless = await issue(server.deps, { entityPk: a.entity_pk, scopes: ['iam.oauth.tokens.get'] });
    await new Promise((r) => setTimeout(r, 1100));
    const unknown = `twat_${randomBytes(32).toString('base64url')}`;
    for (const [name, token, challenge] of [
      ['missing', null, /^Bearer realm/],
      ['garbage', 'garbage!!', /invalid_token/],
      ['unknown', unknown, /invalid_token/],
      ['expired', expired, /invalid_token/],
      ['revoked', revoked, /invalid_token/],
      ['scope-less', scopeless, /insufficient_scope/],
    ] as const) {
      const res = await list('', token);
      expect(res.status, name).toBe(401);
      expect(ErrorBody.parse(res.body).code, name).toBe(16);
      expect(res.headers.get('www-authenticate'), name).toMatch(challenge);
    }
    const basic = await list('', null, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic.status).toBe(401);
  });

  it('honours wildcard scopes segment by segment', async () => {
    for (const [scopes, status] of [
      [['*'], 200],
      [['iam.*'], 200],
      [['iam.oauth.*'], 200],
      [['iam.oauth.tokens.list.get'], 200],
      [['iam.oauth.tokens.list.*'], 200],
      [['iam.oauth.tokens.list'], 401],
      [['iam.mfa.*'], 401],
      [['iam.*.tokens.list.get'], 401],
    ] as const) {
      const token = await issue(server.deps, { entityPk: a.entity_pk, scopes: [...scopes] });
      expect((await list('', token)).status, scopes.join(' ')).toBe(status);
    }
  });

  it('limits a user token without an admin role to its own tokens (403 for another user)', async () => {
    const own = await issue(server.deps, {
      entityPk: a.entity_pk,
      grantFlow: 'GRANT_FLOW_PASSWORD',
      userId: usersA[0],
      roles: ['TELLER'],
      scopes: ['iam.oauth.tokens.list.get'],
    });
    const mine = ListTokensResponse.parse((await list('page_params.page_size=100', own)).body);
    expect(mine.tokens.length).toBeGreaterThan(0);
    expect(mine.tokens.every((t) => t.user_id === usersA[0])).toBe(true);
    expect((await list(`user_id=${usersA[0]}`, own)).status).toBe(200);
    const other = await list(`user_id=${usersA[1]}`, own);
    expect(other.status).toBe(403);
    expect(ErrorBody.parse(other.body).code).toBe(7);
    const auditor = await issue(server.deps, {
      entityPk: a.entity_pk,
      grantFlow: 'GRANT_FLOW_LOGIN',
      userId: usersA[0],
      roles: ['AUDITOR'],
      scopes: ['iam.oauth.*'],
    });
    const seen = ListTokensResponse.parse((await list(`user_id=${usersA[1]}`, auditor)).body);
    expect(seen.tokens.length).toBeGreaterThan(0);
  });

  it('never shows one entity the tokens of another', async () => {
    const bAll = ListTokensResponse.parse((await list('page_params.page_size=100', b.admin)).body);
    const aAll = ListTokensResponse.parse((await list('page_params.page_size=100', a.admin)).body);
    expect(bAll.pagination_info.total_elements).toBeGreaterThanOrEqual(92);
    expect(bAll.pagination_info.total_elements).toBeLessThan(aAll.pagination_info.total_elements);
    const aIds = new Set(aAll.tokens.map((t) => t.token_id));
    expect(bAll.tokens.some((t) => aIds.has(t.token_id))).toBe(false);
    // Filtering B by A's users or accounts finds nothing.
    for (const q of [`user_id=${usersA[1]}`, `account_id=${accountsA[0]}`]) {
      expect((await list(q, b.admin)).body.pagination_info.total_elements).toBe(0);
    }
    // A token id of A is not found through B.
    const aToken = aAll.tokens[0]!.token_id;
    expect((await getJson(`${server.url}${LIST}/${aToken}`, b.admin)).status).toBe(404);
  });
});

describe('tRPC and REST', () => {
  it('give the same results for the same requests', async () => {
    const first = ListTokensResponse.parse((await list('page_params.page_size=5')).body);
    const snap = parseTimestamp(first.pagination_info.first_request_timestamp);
    const inputs: object[] = [
      { page_params: { page_size: 5, first_request_timestamp: snap } },
      {
        page_params: { page_size: 20, page_number: 3, first_request_timestamp: snap },
        order_params: { order_key: 'expires_at', order_direction: 'ASC' },
      },
      { role: 'AUDITOR', grant_flow: 'GRANT_FLOW_PASSWORD', page_params: { first_request_timestamp: snap } },
      { user_id: usersA[1], page_params: { page_size: 50, first_request_timestamp: snap }, order_params: { order_key: 'token_id' } },
      { page_params: { page_size: 0 } },
      { order_params: { order_key: 'nope' } },
    ];
    // The REST list runs the procedure's implementation without the procedure (src/rest.ts):
    // as every caller, as a user token and without one, in both languages, they must agree.
    const teller = await issue(server.deps, {
      entityPk: a.entity_pk,
      grantFlow: 'GRANT_FLOW_PASSWORD',
      userId: usersA[0],
      roles: ['TELLER'],
      scopes: ['iam.oauth.tokens.list.get'],
    });
    const scopeless = await issue(server.deps, { entityPk: a.entity_pk, scopes: ['payments.read'] });
    const expired = await issue(server.deps, { entityPk: a.entity_pk, lifetimeSeconds: -1 });
    const callers: [string | undefined, Record<string, string>][] = [
      [a.admin, {}],
      [b.admin, {}],
      [teller, {}],
      [teller, { 'accept-language': 'es' }],
      [scopeless, {}],
      [expired, {}],
      [undefined, {}],
      ['twat_not-a-real-token', { 'accept-language': 'es' }],
    ];
    inputs.push(
      { user_id: usersA[1], page_params: { first_request_timestamp: snap } },
      { user_id: usersA[0]!.toUpperCase(), page_params: { page_size: 3, first_request_timestamp: snap } },
      {
        account_id: accountsA[0],
        order_params: { order_key: 'last_used_at', order_direction: 'ASC' },
        page_params: { first_request_timestamp: snap },
      },
      { page_params: { page_number: 0, page_size: 101 } },
    );
    const { encodeQuery } = await import('@tokenwarden/contracts');
    for (const [token, headers] of callers) {
      for (const input of inputs) {
        const what = `${JSON.stringify(input)} as ${token?.slice(0, 12)} ${JSON.stringify(headers)}`;
        const rest = await getJson(`${server.url}${LIST}?${encodeQuery(input)}`, token, headers);
        const trpc = await getJson(`${server.url}/trpc/tokens.list?input=${encodeURIComponent(JSON.stringify(input))}`, token, headers);
        expect(trpc.status, what).toBe(rest.status);
        expect(trpc.headers.get('www-authenticate'), what).toBe(rest.headers.get('www-authenticate'));
        if (rest.status === 200) {
          // expires_in may tick between the two calls, and each page token is sealed with a
          // fresh nonce (the page it leads to is checked below); everything else is identical.
          const strip = (b: ListTokensResponse) => ({
            tokens: b.tokens.map((t) => ({ ...t, expires_in: 0 })),
            pagination_info: { ...b.pagination_info, next_page_token: b.pagination_info.next_page_token === null ? null : 'sealed' },
          });
          expect(strip(trpc.body.result.data), what).toEqual(strip(rest.body));
        } else {
          expect(trpc.body.error.data.rpc, what).toEqual(rest.body);
        }
      }
    }
    const statuses = new Set<number>();
    for (const [token] of callers) statuses.add((await getJson(`${server.url}${LIST}?user_id=${usersA[1]}`, token)).status);
    // The cases really cover answers, refusals and both kinds of bad request.
    expect([...statuses].sort()).toEqual([200, 401, 403]);
    const unauth = await getJson(`${server.url}/trpc/tokens.list`);
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(unauth.body.error.data.rpc.code).toBe(16);
  });
});

describe('operations', () => {
  it('reports health', async () => {
    const res = await getJson(`${server.url}/healthz`);
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('never writes the authorization header or a raw token to the log', async () => {
    await list('', a.admin);
    const text = server.logLines.join('\n');
    expect(server.logLines.length).toBeGreaterThan(0);
    expect(text).not.toContain(a.admin);
    expect(text).not.toMatch(/twat_[A-Za-z0-9_-]{20,}/);
  });
});
