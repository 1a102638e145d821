import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { bootstrapEntity, createApiClient, createDeps, hashSecret, verifySecret } from '@tokenwarden/api';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import { hasTaskset, startServer } from './http.js';

export interface IssuanceRow {
  secret: string;
  connections: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Tokens found in the database afterwards minus 2xx answers: never negative (none lost). */
  storedMinusAcknowledged: number;
}

export interface IssuanceReport {
  pinning: string;
  duration: number;
  rows: IssuanceRow[];
  /** scrypt verifications per second, one at a time: what a client_credentials grant cost before HMAC hashes. */
  scryptPerSecond: number;
  targets: { target: string; measured: string; ok: boolean }[];
}

/** The issuance target of the hardening issue: client_credentials on one core. */
export const ISSUANCE_TARGET = 2_000;

/**
 * client_credentials issuances per second through Tokenwarden's REST route, with the
 * server on one core (taskset), on a fresh SQLite file with the product's durability
 * (WAL, synchronous=FULL: each acknowledged token is on disk). With `connections`
 * concurrent clients, concurrent issuances share a commit (group commit). For contrast,
 * scrypt verifications per second, one at a time, in this process: the cost of each
 * client_credentials grant when client secrets were scrypt hashes.
 */
export async function runIssuance(dataDir: string, o: { quick: boolean; log: (s: string) => void }): Promise<IssuanceReport> {
  const dir = mkdtempSync(join(dataDir, 'issuance-'));
  const file = join(dir, 'issuance.db');
  const pin = hasTaskset();
  const duration = o.quick ? 5 : 10;
  try {
    const store = openSqliteStore(file);
    const deps = createDeps(store);
    const entity = await bootstrapEntity(deps, 'Issuance bench');
    const hmac = await createApiClient(deps, entity.entity_pk, { name: 'm2m', roles: ['SERVICE'], scopes: ['payments.*'] });
    await store.close();

    const server = await startServer('P4 issuance', 'p4-tokenwarden.js', [file], pin);
    const rows: IssuanceRow[] = [];
    try {
      const body = (id: string, secret: string) =>
        `grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`;
      const fire = (b: string, connections: number, seconds: number) =>
        autocannon({
          url: `${server.url}/v1/iam/oauth/tokens`,
          method: 'POST',
          connections,
          duration: seconds,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: b,
        });
      const counted = () => {
        const s = openSqliteStore(file, { counts: 'inline' });
        return s.tokens.count(entity.entity_pk, {}, Number.MAX_SAFE_INTEGER).finally(() => s.close());
      };
      await fire(body(hmac.client_id, hmac.client_secret), 16, 2); // warm-up
      for (const connections of [1, 16, 64]) {
        o.log(`issuance: ${connections} connection(s), ${duration} s`);
        const before = await counted();
        const r = await fire(body(hmac.client_id, hmac.client_secret), connections, duration);
        const ok = r['2xx'];
        rows.push({
          secret: 'HMAC-SHA-256',
          connections,
          perSecond: ok / duration,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.non2xx + r.timeouts,
          storedMinusAcknowledged: (await counted()) - before - ok,
        });
      }
    } finally {
      await server.stop();
    }
    const scryptPerSecond = await scryptRate(o.quick ? 1 : 3);
    const best = Math.max(...rows.map((r) => r.perSecond));
    const lost = rows.some((r) => r.storedMinusAcknowledged < 0);
    return {
      pinning: pin ? 'pinned to core 1 (taskset), load generator unpinned' : 'not pinned (no taskset or < 2 cores)',
      duration,
      rows,
      scryptPerSecond,
      targets: [
        {
          target: `client_credentials issuances >= ${ISSUANCE_TARGET.toLocaleString('en-US')}/s on one core`,
          measured: `${Math.round(best).toLocaleString('en-US')}/s`,
          ok: best >= ISSUANCE_TARGET,
        },
        { target: 'every acknowledged issuance stored', measured: lost ? 'tokens missing' : 'all stored', ok: !lost },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function scryptRate(seconds: number): Promise<number> {
  const stored = await hashSecret('twcs_a-client-secret');
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await verifySecret('twcs_a-client-secret', stored);
    n += 1;
  }
  return n / ((performance.now() - start) / 1000);
}
