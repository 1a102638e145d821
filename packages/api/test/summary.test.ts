import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatMicros,
  GRANT_FLOWS,
  parseTimestamp,
  timestampToMicrosFloor,
  TokenSummary,
  type GrantFlow,
  type Micros,
  type Token,
} from '@tokenwarden/contracts';
import type { HistoricalToken, Store, SummaryStore } from '@tokenwarden/db';
import { openTestStore } from '@tokenwarden/db/testing/test-store';
import { bootstrapEntity, createCaller, createContext, createDeps, manualClock, mintToken, type Deps } from '../src/index.js';

const DAY = 86_400_000_000;
const HOUR = 3_600_000_000;
const START = Date.UTC(2026, 4, 17, 15, 30) * 1000;

const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cleanup) => cleanup()));
});

const micros = (rfc3339: string): Micros => timestampToMicrosFloor(parseTimestamp(rfc3339));

/**
 * The summary as the contract defines it, computed in plain code from the tokens the list
 * shows at the same snapshot: the model the operation's SQL is held to.
 */
function model(tokens: readonly Token[], s: Micros): Omit<TokenSummary, 'first_request_timestamp'> {
  const active = tokens.filter((t) => {
    const revoked = t.revoked_at === null ? null : micros(t.revoked_at);
    return micros(t.created_at) <= s && micros(t.expires_at) > s && (revoked === null || revoked > s);
  });
  const roles = new Map<string, number>();
  for (const t of active) for (const r of new Set(t.roles)) roles.set(r, (roles.get(r) ?? 0) + 1);
  const today = Math.floor(s / DAY) * DAY;
  return {
    active: {
      total: active.length,
      by_grant_flow: GRANT_FLOWS.map((grant_flow) => ({ grant_flow, count: active.filter((t) => t.grant_flow === grant_flow).length })),
      by_role: [...roles].map(([role, count]) => ({ role, count })).sort((a, b) => b.count - a.count || (a.role < b.role ? -1 : 1)),
      never_used: active.filter((t) => t.last_used_at === null).length,
      unused_30_days: active.filter((t) => t.last_used_at !== null && micros(t.last_used_at) < s - 30 * DAY).length,
    },
    created_per_day: Array.from({ length: 30 }, (_, i) => {
      const from = today - (29 - i) * DAY;
      return {
        day: new Date(from / 1000).toISOString().slice(0, 10),
        count: tokens.filter((t) => micros(t.created_at) >= from && micros(t.created_at) < from + DAY && micros(t.created_at) <= s).length,
      };
    }),
    expiring_next_7_days: Array.from({ length: 7 }, (_, i) => ({
      from: new Date((s + i * DAY) / 1000).toISOString().slice(0, 19),
      to: new Date((s + (i + 1) * DAY) / 1000).toISOString().slice(0, 19),
      count: active.filter((t) => micros(t.expires_at) > s + i * DAY && micros(t.expires_at) <= s + (i + 1) * DAY).length,
    })),
  };
}

/** The answer in the model's form (windows to the second, as the model builds them). */
function comparable(answer: TokenSummary) {
  const { first_request_timestamp: _, ...rest } = answer;
  return { ...rest, expiring_next_7_days: rest.expiring_next_7_days.map((w) => ({ ...w, from: w.from.slice(0, 19), to: w.to.slice(0, 19) })) };
}

/** A store whose summary computations are counted. */
function counting(store: Store) {
  let n = 0;
  const summary: SummaryStore = Object.create(store.summary);
  summary.summarize = (...args) => {
    n += 1;
    return store.summary.summarize(...args);
  };
  return { store: { ...store, summary }, computations: () => n };
}

async function setup() {
  const clock = manualClock(START);
  const t = await openTestStore({ memory: true, clock });
  opened.push(t.cleanup);
  const counted = counting(t.store);
  const deps = createDeps(counted.store, { clock });
  const entity = await bootstrapEntity(deps, 'Acme');
  const other = await bootstrapEntity(deps, 'Other');
  const users = [randomUUID(), randomUUID(), randomUUID()];
  const caller = (accessToken: string) => createCaller(createContext(deps, { authorization: `Bearer ${accessToken}` }));
  const mint = async (
    entityPk: number,
    spec: { grantFlow?: GrantFlow; userId?: string | null; roles?: string[] } = {},
    lifetimeSeconds = 30 * 86_400,
  ) =>
    (
      await mintToken(deps, {
        entityPk,
        clientId: 'c1',
        userId: spec.userId ?? null,
        accountId: null,
        grantFlow: spec.grantFlow ?? 'GRANT_FLOW_CLIENT_CREDENTIALS',
        roles: spec.roles ?? ['ENTITY_ADMIN'],
        scopes: ['*'],
        lifetimeSeconds,
      })
    ).accessToken;
  return { deps, clock, entity, other, users, caller, mint, computations: counted.computations };
}

/** A history over 40 days before now: every flow, several roles and users, lifetimes of an hour to 60 days, revocations and uses before and after now. */
function history(deps: Deps, entityPk: number, users: readonly string[], n: number, seed: number): HistoricalToken[] {
  let x = seed;
  const rand = () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const now = deps.clock.nowMicros();
  return Array.from({ length: n }, () => {
    const createdAt = now - Math.floor(rand() * 40 * DAY);
    const expiresAt = createdAt + pick([HOUR, 6 * HOUR, 3 * DAY, 9 * DAY, 20 * DAY, 60 * DAY]) + Math.floor(rand() * HOUR);
    const grantFlow = pick(GRANT_FLOWS);
    const lastUse = pick([null, createdAt + 1, now - 31 * DAY, now - DAY]);
    return {
      entityPk,
      tokenId: randomUUID(),
      tokenHash: randomBytes(32),
      clientId: 'c1',
      userId: grantFlow === 'GRANT_FLOW_PASSWORD' || grantFlow === 'GRANT_FLOW_LOGIN' ? pick([...users, null]) : null,
      accountId: null,
      grantFlow,
      roles: pick([['TELLER'], ['AUDITOR', 'TELLER'], ['SUPPORT'], []]),
      scopes: ['x'],
      createdAt,
      expiresAt,
      revokedAt: rand() < 0.15 ? createdAt + Math.floor(rand() * (expiresAt - createdAt)) : null,
      lastUsedAt: lastUse !== null && lastUse >= createdAt && lastUse <= now ? lastUse : null,
    };
  });
}

/** Every token the caller's list shows at the snapshot. */
async function listed(call: ReturnType<Awaited<ReturnType<typeof setup>>['caller']>, snapshot: string): Promise<Token[]> {
  const first_request_timestamp = parseTimestamp(snapshot);
  const out: Token[] = [];
  for (let page = 1; ; page++) {
    const res = await call.tokens.list({ page_params: { page_size: 100, page_number: page, first_request_timestamp } });
    out.push(...res.tokens);
    if (page >= res.pagination_info.total_pages) return out;
  }
}

describe('tokens.summary', () => {
  it('an admin’s summary at a new snapshot is the model of the entity’s tokens at it, and of no other entity', async () => {
    const env = await setup();
    await env.deps.tokens.insertHistorical(history(env.deps, env.entity.entity_pk, env.users, 600, 7));
    await env.deps.tokens.insertHistorical(history(env.deps, env.other.entity_pk, [], 300, 8));
    const admin = env.caller(await env.mint(env.entity.entity_pk));
    env.clock.advance(1000);
    const answer = TokenSummary.parse(await admin.tokens.summary());
    const tokens = await listed(admin, answer.first_request_timestamp);
    const s = micros(answer.first_request_timestamp);
    expect(comparable(answer)).toEqual(model(tokens, s));
    // The history makes every figure non-trivial.
    expect(answer.active.total).toBeGreaterThan(20);
    expect(answer.active.by_grant_flow.every((f) => f.count > 0)).toBe(true);
    expect(answer.active.never_used).toBeGreaterThan(0);
    expect(answer.active.unused_30_days).toBeGreaterThan(0);
    expect(answer.expiring_next_7_days.filter((w) => w.count > 0).length).toBeGreaterThan(2);
    expect(answer.created_per_day.filter((d) => d.count > 0).length).toBeGreaterThan(20);
    expect(answer.created_per_day.at(-1)?.day).toBe(answer.first_request_timestamp.slice(0, 10));

    // The other entity's summary is its own model, and the two share no token.
    const otherAdmin = env.caller(await env.mint(env.other.entity_pk));
    const theirs = TokenSummary.parse(await otherAdmin.tokens.summary({ first_request_timestamp: parseTimestamp(answer.first_request_timestamp) }));
    const otherTokens = await listed(otherAdmin, answer.first_request_timestamp);
    expect(comparable(theirs)).toEqual(model(otherTokens, s));
    expect(otherTokens.some((t) => tokens.some((u) => u.token_id === t.token_id))).toBe(false);
    expect(theirs.active.total).not.toBe(answer.active.total);
  });

  it('a past snapshot keeps its figures while tokens are issued and revoked, computed once per process', async () => {
    const env = await setup();
    await env.deps.tokens.insertHistorical(history(env.deps, env.entity.entity_pk, env.users, 300, 11));
    const admin = env.caller(await env.mint(env.entity.entity_pk));
    const first = await admin.tokens.summary();
    const snapshot = parseTimestamp(first.first_request_timestamp);
    expect(env.computations()).toBe(1);

    // Later: new tokens, a revocation of a token active at the snapshot, time passing.
    env.clock.advance(5 * HOUR);
    for (const flow of GRANT_FLOWS) await env.mint(env.entity.entity_pk, { grantFlow: flow, roles: ['NEW_ROLE'] });
    const activeThen = (await listed(admin, first.first_request_timestamp)).find(
      (t) => t.status === 'TOKEN_STATUS_ACTIVE' && !t.roles.includes('ENTITY_ADMIN'),
    );
    if (!activeThen) throw new Error('no token active at the snapshot');
    await admin.tokens.revoke({ token_id: activeThen.token_id });

    expect(await admin.tokens.summary({ first_request_timestamp: snapshot })).toEqual(first);
    expect(env.computations()).toBe(1);
    // Computed afresh (another process: an empty cache), the sets are the same.
    const fresh = createDeps(env.deps.store, { clock: env.clock });
    const freshAdmin = createCaller(createContext(fresh, { authorization: `Bearer ${await env.mint(env.entity.entity_pk)}` }));
    const again = await freshAdmin.tokens.summary({ first_request_timestamp: snapshot });
    expect(again.active).toEqual(first.active);
    expect(again.created_per_day).toEqual(first.created_per_day);
    expect(again.expiring_next_7_days).toEqual(first.expiring_next_7_days);
    expect(env.computations()).toBe(2);

    // A new snapshot sees the new tokens and the revocation.
    const now = await admin.tokens.summary();
    expect(now.first_request_timestamp > first.first_request_timestamp).toBe(true);
    expect(now.active.by_role.find((r) => r.role === 'NEW_ROLE')?.count).toBe(4);
    expect(env.computations()).toBe(3);
    const s = micros(now.first_request_timestamp);
    expect(comparable(now)).toEqual(model(await listed(admin, now.first_request_timestamp), s));
  });

  it('a user token without an admin role summarizes only its own user’s tokens; one acting for no user is refused', async () => {
    const env = await setup();
    await env.deps.tokens.insertHistorical(history(env.deps, env.entity.entity_pk, env.users, 600, 13));
    const userId = env.users[1] as string;
    const own = env.caller(await env.mint(env.entity.entity_pk, { grantFlow: 'GRANT_FLOW_LOGIN', userId, roles: ['TELLER'] }));
    const admin = env.caller(await env.mint(env.entity.entity_pk));
    env.clock.advance(1000);
    const mine = await own.tokens.summary();
    const theirs = await admin.tokens.summary({ first_request_timestamp: parseTimestamp(mine.first_request_timestamp) });
    const everything = await listed(admin, mine.first_request_timestamp);
    const s = micros(mine.first_request_timestamp);
    const ownTokens = everything.filter((t) => t.user_id === userId);
    expect(comparable(mine)).toEqual(model(ownTokens, s));
    expect(comparable(mine)).toEqual(model(await listed(own, mine.first_request_timestamp), s));
    expect(mine.active.total).toBeGreaterThan(0);
    expect(mine.active.total).toBeLessThan(theirs.active.total);

    const nobody = env.caller(await env.mint(env.entity.entity_pk, { grantFlow: 'GRANT_FLOW_PASSWORD', userId: null, roles: ['TELLER'] }));
    await expect(nobody.tokens.summary()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // An admin role sees the entity, whatever its user.
    const auditor = env.caller(await env.mint(env.entity.entity_pk, { grantFlow: 'GRANT_FLOW_LOGIN', userId, roles: ['AUDITOR'] }));
    expect((await auditor.tokens.summary({ first_request_timestamp: parseTimestamp(mine.first_request_timestamp) })).active).toEqual(theirs.active);
  });

  it('echoes the snapshot as given, clamps windows at the end of time, and refuses a bad one naming the field', async () => {
    const env = await setup();
    const admin = env.caller(await env.mint(env.entity.entity_pk));
    const given = { seconds: Math.floor(START / 1_000_000) - 3600, nanos: 123_456_789 };
    const answer = await admin.tokens.summary({ first_request_timestamp: given });
    expect(answer.first_request_timestamp).toBe(new Date(given.seconds * 1000).toISOString().replace('.000Z', '.123456789Z'));
    const last = TokenSummary.parse(await admin.tokens.summary({ first_request_timestamp: { seconds: 253_402_300_799, nanos: 999_999_999 } }));
    expect(last.expiring_next_7_days.at(-1)?.to).toBe(formatMicros(Number.MAX_SAFE_INTEGER));
    expect(last.created_per_day).toHaveLength(30);
    const first = TokenSummary.parse(await admin.tokens.summary({ first_request_timestamp: { seconds: -62_135_596_800, nanos: 0 } }));
    // Instants before 1684 are held at the store's first one, as the list's snapshots are: the figures are still whole.
    expect(first.first_request_timestamp).toBe('0001-01-01T00:00:00Z');
    expect(first.created_per_day).toHaveLength(30);
    expect(first.active.total).toBe(0);
    await expect(admin.tokens.summary({ first_request_timestamp: { seconds: 1.5, nanos: 0 } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
