import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeQuery,
  formatMicros,
  ListTokensResponse,
  ListTokenEventsResponse,
  parseTimestamp,
  scopeGrants,
  timestampToMicrosFloor,
  type ListTokensRequest,
  type Token,
} from '@tokenwarden/contracts';
import { getJson, issue, newEntity, request, startServer, type TestServer } from './support/harness.js';

/*
 * The list's newer filters and its page tokens over REST and tRPC, against a real server:
 * every request is sent both ways and both answers must agree.
 */

const LIST = '/v1/iam/oauth/tokens';
const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

let server: TestServer;
let a: Awaited<ReturnType<typeof newEntity>>;
let b: Awaited<ReturnType<typeof newEntity>>;
/** When the data was seeded (µs): every seeded time is relative to it. */
let now: number;
const users = [randomUUID(), randomUUID()];
const CLIENTS = ['alpha', 'beta', 'gamma'];
const SCOPE_LISTS = [['iam.oauth.*'], ['payments.*', 'accounts.read'], ['*'], ['accounts.read'], []];
const ROLES = ['AUDITOR', 'TELLER'];

/** A small deterministic PRNG, so every attribute of the seeded tokens varies independently. */
function lcg(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return Math.floor((x / 2147483648) * n);
  };
}

/** Tokens of an entity: every client, scope list, lifetime, revocation and use, ten minutes to a day old. */
function seed(entityPk: number, n: number, seedValue = 7) {
  const pick = lcg(seedValue);
  return Array.from({ length: n }, (_, i) => {
    const createdAt = now - (i + 1) * 10 * MINUTE;
    const password = pick(4) === 0;
    return {
      entityPk,
      tokenId: randomUUID(),
      tokenHash: randomBytes(32),
      clientId: CLIENTS[pick(3)] as string,
      userId: password ? (users[pick(2)] as string) : null,
      accountId: null,
      grantFlow: password ? ('GRANT_FLOW_PASSWORD' as const) : ('GRANT_FLOW_CLIENT_CREDENTIALS' as const),
      roles: [ROLES[pick(2)] as string],
      scopes: SCOPE_LISTS[pick(SCOPE_LISTS.length)] as string[],
      createdAt,
      expiresAt: createdAt + [30 * MINUTE, 2 * HOUR, 24 * HOUR][pick(3)]!,
      revokedAt: pick(7) === 0 ? createdAt + 5 * MINUTE : null,
      lastUsedAt: pick(3) === 0 ? null : createdAt + MINUTE,
    };
  });
}

/** One list request both ways: the REST query and the tRPC input, the same answer (page tokens aside, each sealed anew). */
async function both(input: ListTokensRequest, token: string = a.admin, headers: Record<string, string> = {}) {
  const rest = await getJson(`${server.url}${LIST}?${encodeQuery(input)}`, token, headers);
  // A request without a snapshot takes one: tRPC is then sent the one REST got, to compare answers.
  const taken = rest.status === 200 && input.page_params?.first_request_timestamp === undefined && input.page_token === undefined;
  const trpcInput = taken
    ? { ...input, page_params: { ...input.page_params, first_request_timestamp: parseTimestamp(rest.body.pagination_info.first_request_timestamp) } }
    : input;
  const trpc = await getJson(`${server.url}/trpc/tokens.list?input=${encodeURIComponent(JSON.stringify(trpcInput))}`, token, headers);
  const what = JSON.stringify(input);
  expect(trpc.status, what).toBe(rest.status);
  if (rest.status !== 200) {
    expect(trpc.body.error.data.rpc, what).toEqual(rest.body);
    return { status: rest.status, body: rest.body, error: rest.body as { details: { field: string; description: string }[] } };
  }
  const viaRest = ListTokensResponse.parse(rest.body);
  const viaTrpc = ListTokensResponse.parse(trpc.body.result.data);
  const comparable = (r: ListTokensResponse) => ({
    ids: r.tokens.map((t) => t.token_id),
    info: { ...r.pagination_info, next_page_token: r.pagination_info.next_page_token !== null },
  });
  expect(comparable(viaTrpc), what).toEqual(comparable(viaRest));
  return { status: 200, body: viaRest, tokenViaTrpc: viaTrpc.pagination_info.next_page_token };
}

/** Every token of the snapshot, in the list's default order (page numbers, size 100). */
async function everything(snapshot: { seconds: number; nanos: number }): Promise<Token[]> {
  const out: Token[] = [];
  for (let page = 1; ; page++) {
    const res = ListTokensResponse.parse(
      (
        await getJson(
          `${server.url}${LIST}?${encodeQuery({ page_params: { page_size: 100, page_number: page, first_request_timestamp: snapshot } })}`,
          a.admin,
        )
      ).body,
    );
    out.push(...res.tokens);
    if (page >= res.pagination_info.total_pages) return out;
  }
}

const micros = (text: string) => timestampToMicrosFloor(parseTimestamp(text));

/** A token's status at an instant, as the filter reads it. */
function statusAt(t: Token, at: number): 'ACTIVE' | 'EXPIRED' | 'REVOKED' {
  if (t.revoked_at !== null && micros(t.revoked_at) <= at) return 'REVOKED';
  return micros(t.expires_at) > at ? 'ACTIVE' : 'EXPIRED';
}

beforeAll(async () => {
  server = await startServer();
  a = await newEntity(server.deps, 'Filters A');
  b = await newEntity(server.deps, 'Filters B');
  now = server.deps.clock.nowMicros();
  await server.deps.tokens.insertHistorical(seed(a.entity_pk, 120));
  await server.deps.tokens.insertHistorical(seed(b.entity_pk, 30, 8));
});
afterAll(() => server.close());

describe('the newer filters of GET /v1/iam/oauth/tokens, over REST and tRPC', () => {
  it('select exactly what each rule says, alone and combined with each other and the first filters', async () => {
    const first = await both({ page_params: { page_size: 1 } });
    const snapshot = parseTimestamp((first.body as ListTokensResponse).pagination_info.first_request_timestamp);
    const at = timestampToMicrosFloor(snapshot);
    const all = await everything(snapshot);
    expect(all.length).toBe(122); // 120 seeded, the setup token and the admin token
    const instant = (µs: number, offset = '') => {
      const text = formatMicros(µs);
      // the same instant with a +02:00 offset
      return offset ? new Date(Date.parse(text) + 2 * 3600_000).toISOString().replace('Z', offset) : text;
    };
    const within = (text: string | null, after?: number, before?: number) =>
      text !== null && (after === undefined || micros(text) >= after) && (before === undefined || micros(text) < before);
    const t30 = now - 300 * MINUTE;
    const t60 = now - 600 * MINUTE;
    const cases: [ListTokensRequest, (t: Token) => boolean][] = [
      [{ client_id: 'beta' }, (t) => t.client_id === 'beta'],
      [{ status: ['ACTIVE'] }, (t) => statusAt(t, at) === 'ACTIVE'],
      [{ status: ['TOKEN_STATUS_EXPIRED', 'REVOKED'] }, (t) => statusAt(t, at) !== 'ACTIVE'],
      [{ status: ['REVOKED', 'REVOKED'] }, (t) => statusAt(t, at) === 'REVOKED'],
      [{ scope: 'payments.create' }, (t) => t.scopes.some((s) => scopeGrants(s, 'payments.create'))],
      [{ scope: 'accounts.read' }, (t) => t.scopes.some((s) => scopeGrants(s, 'accounts.read'))],
      [{ scope: 'iam.oauth.*' }, (t) => t.scopes.some((s) => scopeGrants(s, 'iam.oauth.*'))],
      [{ created_after: instant(t60), created_before: instant(t30, '+02:00') }, (t) => within(t.created_at, t60, t30)],
      [{ expires_after: instant(now) }, (t) => within(t.expires_at, now)],
      [{ expires_before: instant(t30) }, (t) => within(t.expires_at, undefined, t30)],
      [{ last_used_after: instant(t60) }, (t) => within(t.last_used_at, t60)],
      [{ last_used_before: instant(t30) }, (t) => within(t.last_used_at, undefined, t30)],
      [{ never_used: true }, (t) => t.last_used_at === null],
      [{ never_used: false }, (t) => t.last_used_at !== null],
      [
        { client_id: 'alpha', status: ['EXPIRED'], scope: 'accounts.read', never_used: false },
        (t) =>
          t.client_id === 'alpha' &&
          statusAt(t, at) === 'EXPIRED' &&
          t.scopes.some((s) => scopeGrants(s, 'accounts.read')) &&
          t.last_used_at !== null,
      ],
      [
        { grant_flow: 'GRANT_FLOW_PASSWORD', role: 'AUDITOR', status: ['EXPIRED', 'REVOKED'], created_after: instant(t60) },
        (t) => t.grant_flow === 'GRANT_FLOW_PASSWORD' && t.roles.includes('AUDITOR') && statusAt(t, at) !== 'ACTIVE' && within(t.created_at, t60),
      ],
      [{ user_id: users[0], scope: '*' }, (t) => t.user_id === users[0] && t.scopes.some((s) => scopeGrants(s, '*'))],
    ];
    for (const [filters, predicate] of cases) {
      const expected = all.filter(predicate).map((t) => t.token_id);
      expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(filters)).toBeLessThan(all.length);
      const res = await both({ ...filters, page_params: { page_size: 100, first_request_timestamp: snapshot } });
      expect(res.status).toBe(200);
      const body = res.body as ListTokensResponse;
      expect(
        body.tokens.map((t) => t.token_id),
        JSON.stringify(filters),
      ).toEqual(expected);
      expect(body.pagination_info.total_elements).toBe(expected.length);
    }
    // Filters that no token passes: empty, with true totals.
    // (A scope nobody is granted does not exist here: `*` grants every scope.)
    for (const filters of [
      { client_id: 'nobody' },
      { status: ['ACTIVE'], expires_before: instant(t60) },
      { never_used: true, last_used_after: instant(t60) },
    ] as ListTokensRequest[]) {
      const res = await both({ ...filters, page_params: { first_request_timestamp: snapshot } });
      expect((res.body as ListTokensResponse).pagination_info).toMatchObject({ total_elements: 0, total_pages: 0, next_page_token: null });
    }
  });

  it("filter by the status at the snapshot, while each token's status field is its status now", async () => {
    // Active two hours ago: one expired since, one revoked since (now).
    const createdAt = now - 3 * HOUR;
    const [base] = seed(a.entity_pk, 1, 99);
    const expired = { ...base!, tokenId: randomUUID(), createdAt, expiresAt: now - HOUR, revokedAt: null, clientId: 'timeline' };
    const revoked = {
      ...base!,
      tokenId: randomUUID(),
      tokenHash: randomBytes(32),
      createdAt,
      expiresAt: now + 10 * HOUR,
      revokedAt: null,
      clientId: 'timeline',
    };
    await server.deps.tokens.insertHistorical([expired, revoked]);
    expect((await request(`${server.url}${LIST}/${revoked.tokenId}`, 'DELETE', { token: a.admin })).status).toBe(200);
    const twoHoursAgo = { seconds: Math.floor((now - 2 * HOUR) / SECOND), nanos: 0 };
    const list = async (status: NonNullable<ListTokensRequest['status']>, snapshot?: typeof twoHoursAgo) =>
      (await both({ client_id: 'timeline', status, page_params: snapshot ? { first_request_timestamp: snapshot } : {} })).body as ListTokensResponse;
    const activeThen = await list(['ACTIVE'], twoHoursAgo);
    expect(activeThen.tokens.map((t) => t.token_id).sort()).toEqual([expired.tokenId, revoked.tokenId].sort());
    expect(Object.fromEntries(activeThen.tokens.map((t) => [t.token_id, t.status]))).toEqual({
      [expired.tokenId]: 'TOKEN_STATUS_EXPIRED',
      [revoked.tokenId]: 'TOKEN_STATUS_REVOKED',
    });
    expect((await list(['EXPIRED', 'REVOKED'], twoHoursAgo)).tokens).toEqual([]);
    // At a snapshot taken now, each has its status of now.
    expect((await list(['EXPIRED'])).tokens.map((t) => t.token_id)).toEqual([expired.tokenId]);
    expect((await list(['REVOKED'])).tokens.map((t) => t.token_id)).toEqual([revoked.tokenId]);
    expect((await list(['ACTIVE'])).tokens).toEqual([]);
  });

  it('answers 400 naming each bad parameter, on both transports, localized', async () => {
    const long = 'x'.repeat(1025);
    const cases: [ListTokensRequest | Record<string, unknown>, string][] = [
      [{ status: ['active'] }, 'status'],
      [{ status: ['ACTIVE', 'SUSPENDED'] }, 'status'],
      [{ status: Array.from({ length: 7 }, () => 'ACTIVE') }, 'status'],
      [{ client_id: long }, 'client_id'],
      [{ scope: 'iam..oauth' }, 'scope'],
      [{ scope: 'iam.*.get' }, 'scope'],
      [{ scope: 'x'.repeat(257) }, 'scope'],
      [{ created_after: 'yesterday' }, 'created_after'],
      [{ created_before: '2026-02-30T00:00:00Z' }, 'created_before'],
      [{ expires_after: '2026-01-01' }, 'expires_after'],
      [{ expires_before: '2026-01-01T00:00:00+25:00' }, 'expires_before'],
      [{ last_used_after: '1767225600' }, 'last_used_after'],
      [{ last_used_before: '0001-01-01T00:00:00Z' }, 'last_used_before'],
      [{ page_token: long }, 'page_token'],
      [{ page_token: 'not-a-token' }, 'page_token'],
    ];
    for (const [input, field] of cases) {
      const res = await both(input as ListTokensRequest);
      expect(res.status, JSON.stringify(input)).toBe(400);
      expect(
        res.error?.details.map((d) => d.field),
        JSON.stringify(input),
      ).toEqual([field]);
    }
    // Values the query string cannot carry as tRPC input can, and the reverse.
    for (const [query, field] of [
      ['never_used=yes', 'never_used'],
      ['never_used=1', 'never_used'],
      ['client_id=', 'client_id'],
      ['scope=a&scope=b', 'scope'],
      ['status=ACTIVE,REVOKED', 'status'],
    ] as const) {
      const res = await getJson(`${server.url}${LIST}?${query}`, a.admin);
      expect(res.status, query).toBe(400);
      expect(res.body.details[0].field, query).toBe(field);
    }
    for (const [input, field] of [
      [{ never_used: 'true' }, 'never_used'],
      [{ status: 'ACTIVE' }, 'status'],
      [{ status: [] }, 'status'],
      [{ client_id: '' }, 'client_id'],
      [{ created_after: 1767225600 }, 'created_after'],
    ] as const) {
      const res = await getJson(`${server.url}/trpc/tokens.list?input=${encodeURIComponent(JSON.stringify(input))}`, a.admin);
      expect(res.status, JSON.stringify(input)).toBe(400);
      expect(res.body.error.data.rpc.details[0].field, JSON.stringify(input)).toBe(field);
    }
    const es = await both({ status: ['ACTIVO'] } as unknown as ListTokensRequest, a.admin, { 'accept-language': 'es' });
    expect(es.error?.details[0]?.description).toContain('debe ser uno de ACTIVE, EXPIRED, REVOKED');
  });
});

describe('page tokens of GET /v1/iam/oauth/tokens, over REST and tRPC', () => {
  /** Walks a list to its end following next_page_token, alternating transports page by page. */
  async function walkByToken(input: ListTokensRequest, between: () => Promise<void>): Promise<{ ids: string[]; first: ListTokensResponse }> {
    const first = (await both(input)).body as ListTokensResponse;
    const ids = first.tokens.map((t) => t.token_id);
    let token = first.pagination_info.next_page_token;
    let page = 1;
    while (token) {
      await between();
      page += 1;
      const { page_params, ...rest } = input;
      const next = { ...rest, page_token: token, page_params: { page_size: page_params?.page_size } };
      const res =
        page % 2 === 0
          ? await getJson(`${server.url}${LIST}?${encodeQuery(next)}`, a.admin)
          : await getJson(`${server.url}/trpc/tokens.list?input=${encodeURIComponent(JSON.stringify(next))}`, a.admin);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const body = ListTokensResponse.parse(page % 2 === 0 ? res.body : res.body.result.data);
      expect(body.pagination_info.current_page).toBe(page);
      expect(body.pagination_info.first_request_timestamp).toBe(first.pagination_info.first_request_timestamp);
      expect(body.pagination_info.total_elements).toBe(first.pagination_info.total_elements);
      ids.push(...body.tokens.map((t) => t.token_id));
      token = body.pagination_info.next_page_token;
      if (token === null) expect(page).toBe(body.pagination_info.total_pages);
    }
    return { ids, first };
  }

  /** The same list by page numbers and the first answer's snapshot. */
  async function walkByNumber(input: ListTokensRequest, snapshot: string, pages: number): Promise<string[]> {
    const ids: string[] = [];
    for (let page = 1; page <= pages; page++) {
      const res = await both({
        ...input,
        page_params: { ...input.page_params, page_number: page, first_request_timestamp: parseTimestamp(snapshot) },
      });
      ids.push(...(res.body as ListTokensResponse).tokens.map((t) => t.token_id));
    }
    return ids;
  }

  it('walk exactly the pages a walk by page numbers does, while tokens are issued and revoked', async () => {
    const walks: ListTokensRequest[] = [
      { page_params: { page_size: 7 } },
      { page_params: { page_size: 9 }, status: ['ACTIVE'], order_params: { order_key: 'expires_at', order_direction: 'ASC' } },
      { page_params: { page_size: 5 }, client_id: 'alpha', order_params: { order_key: 'token_id', order_direction: 'ASC' } },
      { page_params: { page_size: 4 }, client_id: 'beta', never_used: false, order_params: { order_key: 'last_used_at' } },
      { page_params: { page_size: 11 }, scope: 'accounts.read', order_params: { order_key: 'user_id', order_direction: 'ASC' } },
      {
        page_params: { page_size: 6 },
        status: ['EXPIRED', 'REVOKED'],
        created_after: formatMicros(now - 15 * HOUR),
        order_params: { order_key: 'grant_flow' },
      },
    ];
    for (const input of walks) {
      // Between pages: a new token that would match (the snapshot hides it), and a listed one revoked.
      let revocations = 0;
      const between = async () => {
        await issue(server.deps, { entityPk: a.entity_pk, clientId: input.client_id ?? 'alpha', scopes: ['accounts.read'] });
        const victim = (await both({ client_id: 'alpha', status: ['ACTIVE'], page_params: { page_size: 1 } })).body as ListTokensResponse;
        const id = victim.tokens[0]?.token_id;
        if (id && (await request(`${server.url}${LIST}/${id}`, 'DELETE', { token: a.admin })).status === 200) revocations++;
      };
      const { ids, first } = await walkByToken(input, between);
      expect(first.pagination_info.total_pages, JSON.stringify(input)).toBeGreaterThan(2);
      expect(revocations).toBeGreaterThan(0);
      expect(ids.length).toBe(first.pagination_info.total_elements);
      expect(new Set(ids).size).toBe(ids.length);
      expect(
        await walkByNumber(input, first.pagination_info.first_request_timestamp, first.pagination_info.total_pages),
        JSON.stringify(input),
      ).toEqual(ids);
    }
  });

  it('are refused (400 naming page_token, never a row) for any other parameters, snapshot, entity, kind, or when altered; page_number with a token names page_number', async () => {
    const walk: ListTokensRequest = {
      page_params: { page_size: 3 },
      client_id: 'gamma',
      status: ['EXPIRED'],
      order_params: { order_key: 'expires_at', order_direction: 'DESC' },
    };
    const first = (await both(walk)).body as ListTokensResponse;
    const token = first.pagination_info.next_page_token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const snapshot = parseTimestamp(first.pagination_info.first_request_timestamp);
    const { page_params: _p, ...filters } = walk;
    const next = (over: Record<string, unknown>): ListTokensRequest => ({ ...filters, page_params: { page_size: 3 }, page_token: token, ...over });
    // Accepted: the same parameters, with or without the snapshot; the default direction spelled out.
    for (const ok of [
      next({}),
      next({ page_params: { page_size: 3, first_request_timestamp: snapshot } }),
      next({ order_params: { order_key: 'expires_at', order_direction: 'ORDER_DIRECTION_ENUM_UNSPECIFIED' } }),
      next({ status: ['TOKEN_STATUS_EXPIRED', 'EXPIRED'] }),
    ]) {
      const res = await both(ok);
      expect(res.status, JSON.stringify(ok)).toBe(200);
      expect((res.body as ListTokensResponse).pagination_info.current_page).toBe(2);
    }
    const events = ListTokenEventsResponse.parse((await getJson(`${server.url}/v1/iam/oauth/token-events?page_size=1`, a.admin)).body);
    const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    const refused: [string, ListTokensRequest, string, string?][] = [
      ['a page number too', next({ page_params: { page_size: 3, page_number: 2 } }), 'page_params.page_number'],
      ['page number 1 too', next({ page_params: { page_size: 3, page_number: 1 } }), 'page_params.page_number'],
      [
        'another snapshot',
        next({ page_params: { page_size: 3, first_request_timestamp: { ...snapshot, nanos: (snapshot.nanos + 1000) % 1e9 } } }),
        'page_token',
      ],
      ['another page size', next({ page_params: { page_size: 4 } }), 'page_token'],
      ['the default page size', { ...filters, page_token: token }, 'page_token'],
      ['a filter dropped', { ...next({}), client_id: undefined }, 'page_token'],
      ['a filter changed', next({ client_id: 'alpha' }), 'page_token'],
      ['a status added', next({ status: ['EXPIRED', 'REVOKED'] }), 'page_token'],
      ['a filter added', next({ never_used: true }), 'page_token'],
      ['another order key', next({ order_params: { order_key: 'created_at', order_direction: 'DESC' } }), 'page_token'],
      ['another direction', next({ order_params: { order_key: 'expires_at', order_direction: 'ASC' } }), 'page_token'],
      ['altered', next({ page_token: flipped }), 'page_token'],
      ['cut short', next({ page_token: token.slice(0, -4) }), 'page_token'],
      ['garbage', next({ page_token: '!!~~' }), 'page_token'],
      ['random bytes', next({ page_token: randomBytes(96).toString('base64url') }), 'page_token'],
      ["the audit trail's", next({ page_token: events.next_page_token as string }), 'page_token'],
      ['from another entity', next({}), 'page_token', b.admin],
    ];
    for (const [what, input, field, caller] of refused) {
      const res = await both(input, caller);
      expect(res.status, what).toBe(400);
      expect(
        res.error?.details.map((d) => d.field),
        what,
      ).toEqual([field]);
      expect(JSON.stringify(res.body), what).not.toContain('token_id');
    }
    // Entity B's own page token does not open for entity A either.
    const theirs = (await both({ page_params: { page_size: 2 } }, b.admin)).body as ListTokensResponse;
    const res = await both({ page_params: { page_size: 2 }, page_token: theirs.pagination_info.next_page_token as string });
    expect(res.error?.details.map((d) => d.field)).toEqual(['page_token']);
    // A user token's walk is bound to its user: another user's token of the same entity cannot follow it.
    const teller = (user: string) =>
      issue(server.deps, {
        entityPk: a.entity_pk,
        grantFlow: 'GRANT_FLOW_LOGIN',
        userId: user,
        roles: ['TELLER'],
        scopes: ['iam.oauth.tokens.list.get'],
      });
    const mine = (await both({ page_params: { page_size: 2 } }, await teller(users[0] as string))).body as ListTokensResponse;
    expect(mine.pagination_info.next_page_token).not.toBeNull();
    const other = await both(
      { page_params: { page_size: 2 }, page_token: mine.pagination_info.next_page_token as string },
      await teller(users[1] as string),
    );
    expect(other.error?.details.map((d) => d.field)).toEqual(['page_token']);
  });

  it('carry next_page_token on every answer: null on the last page and past the end', async () => {
    const first = (await both({ client_id: 'gamma', page_params: { page_size: 100 } })).body as ListTokensResponse;
    expect(first.pagination_info.total_pages).toBe(1);
    expect(first.pagination_info.next_page_token).toBeNull();
    const snapshot = parseTimestamp(first.pagination_info.first_request_timestamp);
    const exact = first.pagination_info.total_elements;
    // A page that ends the list exactly is the last one: no token, though it is full.
    const full = (await both({ client_id: 'gamma', page_params: { page_size: exact, first_request_timestamp: snapshot } }))
      .body as ListTokensResponse;
    expect(full.tokens).toHaveLength(exact);
    expect(full.pagination_info.next_page_token).toBeNull();
    const past = (await both({ client_id: 'gamma', page_params: { page_size: 10, page_number: 99, first_request_timestamp: snapshot } }))
      .body as ListTokensResponse;
    expect(past.pagination_info.next_page_token).toBeNull();
    // A walk by page number gets tokens too: page 2's leads to page 3.
    const second = (await both({ client_id: 'gamma', page_params: { page_size: 5, page_number: 2, first_request_timestamp: snapshot } }))
      .body as ListTokensResponse;
    const third = (await both({ client_id: 'gamma', page_params: { page_size: 5 }, page_token: second.pagination_info.next_page_token as string }))
      .body as ListTokensResponse;
    const byNumber = (await both({ client_id: 'gamma', page_params: { page_size: 5, page_number: 3, first_request_timestamp: snapshot } }))
      .body as ListTokensResponse;
    expect(third.pagination_info.current_page).toBe(3);
    expect(third.tokens.map((t) => t.token_id)).toEqual(byNumber.tokens.map((t) => t.token_id));
  });
});

describe('the newer filters of POST /v1/iam/oauth/tokens:revoke (by filter)', () => {
  const BULK = `${LIST}:revoke`;
  let c: Awaited<ReturnType<typeof newEntity>>;
  beforeAll(async () => {
    // An entity of its own: these tests revoke tokens, the list's tests above count them.
    c = await newEntity(server.deps, 'Filters C');
    await server.deps.tokens.insertHistorical(seed(c.entity_pk, 90, 11));
  });
  const bulk = async (body: object, token = c.admin) => request(`${server.url}${BULK}`, 'POST', { token, body });
  /** Every token of entity C at a snapshot (page numbers, size 100). */
  async function everyToken(snapshot: { seconds: number; nanos: number }): Promise<Token[]> {
    const out: Token[] = [];
    for (let page = 1; ; page++) {
      const query = encodeQuery({ page_params: { page_size: 100, page_number: page, first_request_timestamp: snapshot } });
      const res = ListTokensResponse.parse((await getJson(`${server.url}${LIST}?${query}`, c.admin)).body);
      out.push(...res.tokens);
      if (page >= res.pagination_info.total_pages) return out;
    }
  }

  it('select what the list selects at the snapshot: the dry run counts its tokens not revoked yet', async () => {
    const first = ListTokensResponse.parse((await getJson(`${server.url}${LIST}?page_params.page_size=1`, c.admin)).body);
    const snapshot = parseTimestamp(first.pagination_info.first_request_timestamp);
    const at = timestampToMicrosFloor(snapshot);
    const all = await everyToken(snapshot);
    expect(all.length).toBe(92);
    const t30 = now - 300 * MINUTE;
    const t60 = now - 600 * MINUTE;
    const within = (text: string | null, after?: number, before?: number) =>
      text !== null && (after === undefined || micros(text) >= after) && (before === undefined || micros(text) < before);
    const cases: [ListTokensRequest, (t: Token) => boolean][] = [
      [{ client_id: 'beta' }, (t) => t.client_id === 'beta'],
      [{ status: ['ACTIVE'] }, (t) => statusAt(t, at) === 'ACTIVE'],
      [{ status: ['TOKEN_STATUS_EXPIRED'] }, (t) => statusAt(t, at) === 'EXPIRED'],
      [{ scope: 'payments.create' }, (t) => t.scopes.some((s) => scopeGrants(s, 'payments.create'))],
      [{ created_after: formatMicros(t60), created_before: formatMicros(t30) }, (t) => within(t.created_at, t60, t30)],
      [{ expires_before: formatMicros(t30) }, (t) => within(t.expires_at, undefined, t30)],
      [{ last_used_after: formatMicros(t60) }, (t) => within(t.last_used_at, t60)],
      [{ never_used: true }, (t) => t.last_used_at === null],
      [
        { client_id: 'alpha', status: ['EXPIRED', 'ACTIVE'], never_used: false, role: 'TELLER' },
        (t) => t.client_id === 'alpha' && statusAt(t, at) !== 'REVOKED' && t.last_used_at !== null && t.roles.includes('TELLER'),
      ],
    ];
    for (const [filters, predicate] of cases) {
      const what = JSON.stringify(filters);
      const selected = all.filter(predicate);
      const open = selected.filter((t) => t.revoked_at === null).map((t) => t.token_id);
      expect(open.length, what).toBeGreaterThan(0);
      expect(open.length, what).toBeLessThan(all.length);
      const res = await bulk({ ...filters, first_request_timestamp: snapshot, dry_run: true });
      expect(res.status, `${what} ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body, what).toMatchObject({ dry_run: true, matched: open.length, token_ids: [...open].sort().slice(0, 100) });
    }
    // Revoked at the snapshot: nothing left to revoke (a real run revokes nothing and completes).
    const revokedThen = all.filter((t) => statusAt(t, at) === 'REVOKED');
    expect(revokedThen.length).toBeGreaterThan(0);
    expect((await bulk({ status: ['REVOKED'], first_request_timestamp: snapshot, dry_run: true })).body).toMatchObject({ matched: 0, token_ids: [] });
    const none = await bulk({ status: ['REVOKED'], first_request_timestamp: snapshot, reason: 'nothing', idempotency_key: `none-${c.entity_pk}` });
    expect(none.body).toMatchObject({ dry_run: false, revoked: 0, token_ids: [], completed: true });
    // Nothing was revoked: every token's revocation as it was.
    const revocation = (t: Token) => [t.token_id, t.revoked_at, t.revoke_reason];
    expect((await everyToken(snapshot)).map(revocation)).toEqual(all.map(revocation));
  });

  it('revoke exactly the selection at the snapshot, not a token revoked since, and record the filters as written', async () => {
    const createdAt = now - 3 * HOUR;
    const [base] = seed(c.entity_pk, 1, 98);
    const make = (o: object) => ({
      ...base!,
      tokenId: randomUUID(),
      tokenHash: randomBytes(32),
      clientId: 'leaky',
      createdAt,
      revokedAt: null,
      ...o,
    });
    // Active two hours ago: one still, one expired since, one revoked since; one expired then.
    const still = make({ expiresAt: now + 10 * HOUR });
    const expiredSince = make({ expiresAt: now - HOUR });
    const revokedSince = make({ expiresAt: now + 10 * HOUR });
    const expiredThen = make({ expiresAt: now - 150 * MINUTE });
    const otherClient = make({ clientId: 'careful', expiresAt: now + 10 * HOUR });
    await server.deps.tokens.insertHistorical([still, expiredSince, revokedSince, expiredThen, otherClient]);
    expect((await request(`${server.url}${LIST}/${revokedSince.tokenId}`, 'DELETE', { token: c.admin })).status).toBe(200);
    const twoHoursAgo = { seconds: Math.floor((now - 2 * HOUR) / SECOND), nanos: 0 };
    const filters = { client_id: 'leaky', status: ['ACTIVE'], created_after: formatMicros(createdAt) };
    const wanted: string[] = [still.tokenId, expiredSince.tokenId].sort();

    const dry = await bulk({ ...filters, first_request_timestamp: twoHoursAgo, dry_run: true });
    expect(dry.body).toMatchObject({ matched: 2, token_ids: wanted });
    const before = await everyToken(twoHoursAgo);
    const run = await bulk({ ...filters, first_request_timestamp: twoHoursAgo, reason: 'leaked client', idempotency_key: `leaky-${c.entity_pk}` });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body).toMatchObject({ dry_run: false, matched: 2, revoked: 2, token_ids: wanted, completed: true });
    // Only those two changed.
    const after = new Map((await everyToken(twoHoursAgo)).map((t) => [t.token_id, t]));
    for (const t of before) {
      const later = after.get(t.token_id);
      if (wanted.includes(t.token_id)) expect(later).toMatchObject({ status: 'TOKEN_STATUS_REVOKED', revoke_reason: 'leaked client' });
      else expect(later?.revoked_at, t.token_id).toBe(t.revoked_at);
    }
    // The event records the filters as the caller wrote them (the bound as RFC 3339, the statuses by their short names).
    const trail = ListTokenEventsResponse.parse(
      (await getJson(`${server.url}/v1/iam/oauth/token-events?${encodeQuery({ type: ['TOKENS_REVOKED_BY_FILTER'] })}`, c.admin)).body,
    ).events.find((e) => e.event_id === run.body.event_id);
    expect(trail?.details).toMatchObject({ filters: { client_id: 'leaky', status: ['ACTIVE'], created_after: formatMicros(createdAt) } });
    // The same request over tRPC, with the status's other spelling: the same revocation answered again.
    const viaTrpc = await fetch(`${server.url}/trpc/tokens.revokeByFilter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...filters,
        status: ['TOKEN_STATUS_ACTIVE'],
        first_request_timestamp: twoHoursAgo,
        reason: 'leaked client',
        idempotency_key: `leaky-${c.entity_pk}`,
      }),
    });
    expect(((await viaTrpc.json()) as { result: { data: unknown } }).result.data).toEqual(run.body);
  });

  it('answer 400 naming a bad newer filter, and take no list page_token as their own', async () => {
    for (const [body, field] of [
      [{ status: ['NOPE'] }, 'status'],
      [{ status: [] }, 'status'],
      [{ created_after: 'yesterday' }, 'created_after'],
      [{ last_used_before: '2026-13-01T00:00:00Z' }, 'last_used_before'],
      [{ scope: 'a..b' }, 'scope'],
      [{ never_used: 'yes' }, 'never_used'],
      [{ client_id: '' }, 'client_id'],
    ] as const) {
      const res = await bulk({ ...body, dry_run: true });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual([field]);
    }
    // A page token of the list is no page token of a revocation's ids.
    const listed = ListTokensResponse.parse((await getJson(`${server.url}${LIST}?page_params.page_size=1`, c.admin)).body);
    const listToken = listed.pagination_info.next_page_token as string;
    expect(listToken).toBeTruthy();
    const res = await bulk({ client_id: 'nobody', reason: 'r', idempotency_key: `nobody-${c.entity_pk}`, page_token: listToken });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['page_token']);
  });
});
