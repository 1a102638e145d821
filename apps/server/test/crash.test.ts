import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ListTokensResponse, type Token } from '@tokenwarden/contracts';
import { testBackend } from '@tokenwarden/db/testing/test-store';
import { freshDatabase } from './support/harness.js';
import { runAdmin, type ServerProcess, seededRandom, startServerProcess } from './support/server-process.js';

/*
 * Crash safety of the server process: an issuance storm (several concurrent clients, some
 * revoking tokens acknowledged earlier) during which the server is killed with SIGKILL, three
 * times on one database. Only what was acknowledged counts (a 200 whose body arrived): every
 * acknowledged token must exist and authenticate after the restart, and every acknowledged
 * revocation must hold. Requests in flight at the kill may or may not have taken effect.
 *
 * The kill comes at a seeded, random-ish moment once enough happened to matter; nothing else
 * depends on timing. TOKENWARDEN_CRASH_SEED picks another sequence; TOKENWARDEN_CRASH_VERBOSE=1
 * prints each round's figures.
 */

const TOKENS = '/v1/iam/oauth/tokens';
const SEED = Number(process.env.TOKENWARDEN_CRASH_SEED ?? 20_251_125);
const ROUNDS = 3;
const WORKERS = 4;
/** Acknowledged issuances (and revocations) a round needs before the kill may come. */
const MIN_ISSUED = 20;
const MIN_REVOKED = 3;
/** Of each worker's requests, the share that revokes a token (when one is available). */
const REVOKE_SHARE = 0.3;
const REQUEST_TIMEOUT_MS = 20_000;
const ROUND_TIMEOUT_MS = 45_000;

const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * An acknowledged token. `revocation`: none asked; `pending` (in flight); `acknowledged`
 * (a 200 came back: it must hold); `unknown` (the request failed at the kill: it may or may
 * not have been applied, and the token is never revoked again).
 */
interface Acked {
  tokenId: string;
  accessToken: string;
  round: number;
  revocation: 'none' | 'pending' | 'acknowledged' | 'unknown';
}

/** One HTTP call, bounded in time; `undefined` when no complete answer came (the server died). */
async function call(url: string, init: RequestInit): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body };
  } catch {
    return undefined;
  }
}

/** Runs `f` over `items`, `n` at a time. */
async function eachLimited<T>(items: readonly T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await f(items[next++]!);
    }),
  );
}

describe('crash safety of the server process', () => {
  it(`loses no acknowledged token or revocation when killed (SIGKILL) mid-storm, ${ROUNDS} times`, async () => {
    const rand = seededRandom(SEED);
    const db = await freshDatabase(dir, 'crash.db');
    const entity = runAdmin(db.env, ['entity', 'create', '--name', 'Crash', ...db.args]);
    const setupToken = entity.access_token!;
    const created = runAdmin(db.env, [
      'client',
      'create',
      '--entity',
      entity.entity_id!,
      '--name',
      'storm',
      '--roles',
      'SERVICE',
      '--scopes',
      'iam.oauth.*',
      ...db.args,
    ]);
    const credentials = { grant_type: 'client_credentials', client_id: created.client_id, client_secret: created.client_secret };
    const context = `backend ${testBackend()}, seed ${SEED}`;

    const acked: Acked[] = [];
    /** Any answer other than the 200s the storm expects (a 5xx, a 409 of a double revoke...): always a failure. */
    const unexpected: string[] = [];
    /** What the verification after a restart found wrong; the test fails on the first round with any. */
    const lost: string[] = [];
    const figures: string[] = [];

    let server: ServerProcess = await startServerProcess(db.env);
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        // ---- the storm ----
        const roundStarted = Date.now();
        let stopping = false;
        let issued = 0;
        let revoked = 0;
        let failed = 0;
        const base = server.url;
        const issueOne = async () => {
          const res = await call(`${base}${TOKENS}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(credentials),
          });
          if (!res) return void failed++;
          const body = res.body as { access_token?: string; token_id?: string };
          if (res.status !== 200 || !body.access_token || !body.token_id) {
            unexpected.push(`round ${round}: issue answered ${res.status} ${JSON.stringify(res.body)}`);
            return;
          }
          acked.push({ tokenId: body.token_id, accessToken: body.access_token, round, revocation: 'none' });
          issued++;
        };
        const revokeOne = async (t: Acked) => {
          t.revocation = 'pending';
          const res = await call(`${base}${TOKENS}/${t.tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${setupToken}` } });
          if (!res) {
            t.revocation = 'unknown';
            failed++;
            return;
          }
          if (res.status !== 200) {
            t.revocation = 'unknown';
            unexpected.push(`round ${round}: revoke of ${t.tokenId} answered ${res.status} ${JSON.stringify(res.body)}`);
            return;
          }
          t.revocation = 'acknowledged';
          revoked++;
        };
        const workers = Array.from({ length: WORKERS }, async () => {
          while (!stopping) {
            const candidates = rand() < REVOKE_SHARE ? acked.filter((t) => t.revocation === 'none') : [];
            if (candidates.length > 0) await revokeOne(candidates[Math.floor(rand() * candidates.length)]!);
            else await issueOne();
          }
        });

        // ---- the kill: at a seeded moment once enough was acknowledged ----
        const minIssued = MIN_ISSUED + Math.floor(rand() * 10);
        const extraMs = Math.floor(rand() * 300);
        const deadline = Date.now() + ROUND_TIMEOUT_MS;
        while ((issued < minIssued || revoked < MIN_REVOKED) && Date.now() < deadline && unexpected.length === 0) {
          await new Promise((r) => setTimeout(r, 10));
        }
        if (issued >= minIssued && revoked >= MIN_REVOKED) await new Promise((r) => setTimeout(r, extraMs));
        server.child.kill('SIGKILL');
        stopping = true;
        await Promise.all(workers);
        const exit = await server.exited;
        expect(exit.signal, `${context}: the server must have been killed, not have exited: ${server.output()}`).toBe('SIGKILL');
        expect(unexpected, context).toEqual([]);
        expect(issued, `${context}: round ${round} acknowledged too little before the deadline`).toBeGreaterThanOrEqual(minIssued);
        expect(revoked, `${context}: round ${round}`).toBeGreaterThanOrEqual(MIN_REVOKED);

        // ---- restart on the same database and check everything acknowledged so far ----
        server = await startServerProcess(db.env);
        const url = server.url;
        const statuses = new Map<string, Token['status']>();
        await eachLimited(acked, 4, async (t) => {
          const got = await call(`${url}${TOKENS}/${t.tokenId}`, { headers: { authorization: `Bearer ${setupToken}` } });
          const own = await call(`${url}${TOKENS}?page_params.page_size=1`, { headers: { authorization: `Bearer ${t.accessToken}` } });
          const what = `token ${t.tokenId} (acknowledged in round ${t.round}, revocation ${t.revocation}) after restart ${round}`;
          if (!got || !own) return void lost.push(`${what}: no answer from the restarted server`);
          const status = (got.body as { status?: Token['status'] }).status;
          if (got.status !== 200) return void lost.push(`${what}: GET answered ${got.status} ${JSON.stringify(got.body)}`);
          if ((got.body as { token_id?: string }).token_id !== t.tokenId)
            lost.push(`${what}: GET answered another token ${JSON.stringify(got.body)}`);
          if (status) statuses.set(t.tokenId, status);
          if (t.revocation === 'acknowledged') {
            if (status !== 'TOKEN_STATUS_REVOKED') lost.push(`${what}: the revocation did not hold: status ${status}`);
            if (own.status !== 401) lost.push(`${what}: the revoked token still authenticates (${own.status})`);
          } else if (t.revocation === 'unknown') {
            // Either outcome, but one of them: revoked and refused, or active and accepted.
            const expected = status === 'TOKEN_STATUS_REVOKED' ? 401 : 200;
            if (status !== 'TOKEN_STATUS_REVOKED' && status !== 'TOKEN_STATUS_ACTIVE') lost.push(`${what}: status ${status}`);
            else if (own.status !== expected) lost.push(`${what}: status ${status} but its bearer answered ${own.status}`);
          } else {
            if (status !== 'TOKEN_STATUS_ACTIVE') lost.push(`${what}: status ${status}, not active`);
            if (own.status !== 200) lost.push(`${what}: does not authenticate (${own.status} ${JSON.stringify(own.body)})`);
          }
        });

        // The list agrees: one snapshot walked page by page holds every acknowledged token, with its status.
        const listed = new Map<string, Token['status']>();
        let total = 0;
        let snapshot: { seconds: number; nanos: number } | undefined;
        for (let page = 1, pages = 1; page <= pages; page++) {
          const at = snapshot
            ? `&page_params.first_request_timestamp.seconds=${snapshot.seconds}&page_params.first_request_timestamp.nanos=${snapshot.nanos}`
            : '';
          const res = await call(`${url}${TOKENS}?page_params.page_size=100&page_params.page_number=${page}${at}`, {
            headers: { authorization: `Bearer ${setupToken}` },
          });
          expect(res?.status, `${context}: list page ${page}: ${JSON.stringify(res?.body)}`).toBe(200);
          const body = ListTokensResponse.parse(res!.body);
          if (!snapshot) {
            const ms = Date.parse(body.pagination_info.first_request_timestamp);
            const fraction = /\.(\d+)Z$/.exec(body.pagination_info.first_request_timestamp)?.[1] ?? '0';
            snapshot = { seconds: Math.floor(ms / 1000), nanos: Number(fraction.padEnd(9, '0').slice(0, 9)) };
            pages = body.pagination_info.total_pages;
            total = body.pagination_info.total_elements;
          }
          for (const t of body.tokens) listed.set(t.token_id, t.status);
        }
        expect(listed.size, `${context}: the walk saw every element it counted`).toBe(total);
        for (const t of acked) {
          const status = listed.get(t.tokenId);
          const what = `token ${t.tokenId} (acknowledged in round ${t.round}, revocation ${t.revocation}) after restart ${round}`;
          if (status === undefined) lost.push(`${what}: not in the list`);
          else if (statuses.has(t.tokenId) && status !== statuses.get(t.tokenId))
            lost.push(`${what}: listed ${status}, retrieved ${statuses.get(t.tokenId)}`);
        }
        // The setup token and every acknowledged issuance; unacknowledged ones may or may not be there.
        expect(total, context).toBeGreaterThanOrEqual(acked.length + 1);
        expect(lost, `${context}: acknowledged work lost to the kill in round ${round}`).toEqual([]);
        figures.push(
          `round ${round} (${((Date.now() - roundStarted) / 1000).toFixed(1)} s): ${issued} issued, ${revoked} revoked, ${failed} in flight at the kill; ` +
            `${acked.length} acknowledged so far, ${total - 1 - acked.length} unacknowledged stored`,
        );
      }
      if (process.env.TOKENWARDEN_CRASH_VERBOSE === '1') console.log(`crash test (${context}):\n  ${figures.join('\n  ')}`);
      // Still a healthy server after three crashes: a graceful stop.
      expect(await server.stop()).toBe(0);
    } finally {
      await server.kill();
      await db.drop();
    }
  }, 180_000);
});
