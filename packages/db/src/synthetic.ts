import { createHash, randomBytes } from 'node:crypto';
import { GRANT_FLOWS, type GrantFlow, type Micros } from '@tokenwarden/contracts';
import type { HistoricalToken } from './records.js';
import type { TokenStore } from './store.js';

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped UUID drawn from a seeded PRNG (reproducible ids for demo data). */
export function seededUuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = (8 + Math.floor(rand() * 4)).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** A version-4-shaped UUID derived from a name by SHA-256: reproducible and collision-free in practice. */
export function hashedUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex').split('');
  h[12] = '4';
  h[16] = ((parseInt(h[16] as string, 16) & 3) | 8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export interface SyntheticPopulation {
  entityPk: number;
  clientIds: readonly string[];
  /** Users with the accounts each may act for. */
  users: readonly { userId: string; accountIds: readonly string[] }[];
  accountIds: readonly string[];
  roles: readonly string[];
}

export interface SyntheticOptions {
  count: number;
  seed: number;
  /** Newest creation time; tokens spread over `spanMicros` before it. */
  anchor: Micros;
  spanMicros: Micros;
  /** Share of tokens revoked (0..1). */
  revokedShare?: number;
  batchSize?: number;
  /**
   * Token ids by index. By default they are drawn from the seeded PRNG, whose 32-bit
   * state makes streams of different seeds overlap at millions of tokens; bulk data sets
   * of several populations pass collision-free ids here (e.g. `hashedUuid`).
   */
  tokenId?: (index: number) => string;
  /** Called after each batch with the number written so far. */
  onProgress?: (written: number) => void;
  /** Each token's lifetime (default: by grant flow, an hour or less); draws from the same seeded stream. */
  lifetime?: (grantFlow: GrantFlow, rand: () => number) => Micros;
}

const HOUR = 3_600_000_000;
const LIFETIME: Record<GrantFlow, Micros> = {
  GRANT_FLOW_CLIENT_CREDENTIALS: HOUR,
  GRANT_FLOW_PASSWORD: HOUR,
  GRANT_FLOW_ENTITY_SETUP: HOUR / 6,
  GRANT_FLOW_LOGIN: HOUR / 4,
};
const SCOPES_BY_FLOW: Record<GrantFlow, string[]> = {
  GRANT_FLOW_CLIENT_CREDENTIALS: ['iam.oauth.tokens.list.get', 'iam.oauth.tokens.get', 'payments.*'],
  GRANT_FLOW_PASSWORD: ['accounts.read', 'payments.create', 'iam.oauth.tokens.list.get'],
  GRANT_FLOW_ENTITY_SETUP: ['*'],
  GRANT_FLOW_LOGIN: ['accounts.read', 'iam.mfa.*'],
};

/**
 * Writes `count` realistic tokens for one entity: all four grant flows, 1–3 roles each,
 * user and account references consistent with the flow, creation times spread over the
 * span (so some are expired), some revoked, and last use recorded on some. Metadata is
 * reproducible from `seed`; token hashes come from the CSPRNG (the raw values are
 * discarded, so these historical tokens cannot authenticate).
 */
export async function writeSyntheticTokens(store: TokenStore, pop: SyntheticPopulation, o: SyntheticOptions): Promise<void> {
  const rand = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const batchSize = o.batchSize ?? 10_000;
  const revokedShare = o.revokedShare ?? 0.05;
  const hashes = randomBytes(32 * batchSize);
  let batch: HistoricalToken[] = [];
  const flush = async (written: number) => {
    await store.insertHistorical(batch);
    batch = [];
    o.onProgress?.(written);
  };
  for (let i = 0; i < o.count; i++) {
    const r = rand();
    const grantFlow: GrantFlow = r < 0.45 ? GRANT_FLOWS[0] : r < 0.75 ? GRANT_FLOWS[1] : r < 0.995 ? GRANT_FLOWS[3] : GRANT_FLOWS[2];
    const isUser = grantFlow === 'GRANT_FLOW_PASSWORD' || grantFlow === 'GRANT_FLOW_LOGIN';
    const user = isUser && pop.users.length > 0 ? pick(pop.users) : undefined;
    const accountPool = user ? user.accountIds : pop.accountIds;
    const accountId = accountPool.length > 0 && rand() < 0.7 ? pick(accountPool) : null;
    const roleCount = 1 + Math.floor(rand() * 3);
    const roles = [...new Set(Array.from({ length: roleCount }, () => pick(pop.roles)))];
    // Creation times cluster on whole seconds now and then, so ties on created_at occur.
    const offset = Math.floor(rand() * o.spanMicros);
    const createdAt = o.anchor - (rand() < 0.1 ? offset - (offset % 1_000_000) : offset);
    const expiresAt = createdAt + (o.lifetime ? o.lifetime(grantFlow, rand) : LIFETIME[grantFlow]);
    const revoked = rand() < revokedShare;
    const used = rand() < 0.6;
    const slot = i % batchSize;
    batch.push({
      entityPk: pop.entityPk,
      tokenId: o.tokenId ? o.tokenId(i) : seededUuid(rand),
      tokenHash: hashes.subarray(slot * 32, slot * 32 + 32),
      clientId: pick(pop.clientIds),
      userId: user?.userId ?? null,
      accountId,
      grantFlow,
      roles,
      scopes: SCOPES_BY_FLOW[grantFlow],
      createdAt,
      expiresAt,
      // History never lies in the future of the anchor.
      revokedAt: revoked ? Math.min(o.anchor, createdAt + Math.floor(rand() * (expiresAt - createdAt))) : null,
      lastUsedAt: used ? Math.min(o.anchor, createdAt + Math.floor(rand() * (expiresAt - createdAt))) : null,
    });
    if (batch.length === batchSize) {
      await flush(i + 1);
      randomBytes(32 * batchSize).copy(hashes);
    }
  }
  if (batch.length > 0) await flush(o.count);
}
