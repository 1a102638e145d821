import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListTokensResponse, parseTimestamp, type Token } from '@tokenwarden/contracts';
import { createTestDatabase } from '@tokenwarden/db/testing/postgres-server';
import { testPostgres } from '@tokenwarden/db/testing/test-store';
import { getJson, request } from './support/harness.js';

/*
 * Several server processes (what `node dist/main.js` runs in production) on one
 * PostgreSQL database: the same answers from every replica, and a snapshot that holds
 * across them while every replica issues tokens.
 */

const dist = (file: string) => new URL(`../dist/${file}`, import.meta.url).pathname;
const TOKENS = '/v1/iam/oauth/tokens';

interface Replica {
  url: string;
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `dist/main.js` on a free port against `databaseUrl`; resolves once it listens. */
async function startReplica(databaseUrl: string): Promise<Replica> {
  const child = spawn(process.execPath, [dist('main.js')], {
    env: { ...process.env, PORT: '0', TOKENWARDEN_DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', TOKENWARDEN_DEMO: '0' },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    url = /"msg":"listening"/.test(out) ? /"url":"(http:[^"]+)"/.exec(out)?.[1] : undefined;
    if (child.exitCode !== null) throw new Error(`replica exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`replica did not start: ${out}`);
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Runs tokenwarden-admin against the database; its JSON answer. */
function admin(
  databaseUrl: string,
  args: string[],
): Record<string, string> & { access_token: string; entity_id: string; client_id: string; client_secret: string } {
  const r = spawnSync(process.execPath, [dist('admin.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, TOKENWARDEN_DATABASE_URL: databaseUrl },
  });
  if (r.status !== 0) throw new Error(`admin ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const micros = (rfc3339: string) => {
  const t = parseTimestamp(rfc3339);
  return t.seconds * 1_000_000 + Math.floor(t.nanos / 1000);
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let replicas: Replica[] = [];
let setupToken: string;
let client: { client_id: string; client_secret: string };

async function issueOn(r: Replica): Promise<{ token_id: string; created_at: string; access_token: string }> {
  const res = await request(`${r.url}${TOKENS}`, 'POST', { body: { grant_type: 'client_credentials', ...client } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

beforeAll(async () => {
  db = await createTestDatabase((await testPostgres()).url);
  // Three processes started together: the migrations are applied once (advisory lock).
  replicas = await Promise.all([startReplica(db.url), startReplica(db.url), startReplica(db.url)]);
  const entity = admin(db.url, ['entity', 'create', '--name', 'Replicated']);
  setupToken = entity.access_token;
  const created = admin(db.url, ['client', 'create', '--entity', entity.entity_id, '--name', 'svc', '--roles', 'SERVICE', '--scopes', 'iam.oauth.*']);
  client = { client_id: created.client_id, client_secret: created.client_secret };
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await db?.drop();
});

describe('replicas on one PostgreSQL', () => {
  it('started together, applied each migration once', async () => {
    const pg = await import('pg');
    const c = new pg.default.Client(db.url);
    await c.connect();
    try {
      const { rows } = await c.query('SELECT hash, count(*)::int AS n FROM drizzle.__drizzle_migrations GROUP BY hash');
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r: { n: number }) => r.n === 1)).toBe(true);
    } finally {
      await c.end();
    }
  });

  it('a token issued on one replica is retrieved and listed on the others', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const issued = await issueOn(a);
    for (const r of [b, c]) {
      const got = await getJson(`${r.url}${TOKENS}/${issued.token_id}`, setupToken);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ token_id: issued.token_id, status: 'TOKEN_STATUS_ACTIVE', created_at: issued.created_at });
      const listed = await getJson(`${r.url}${TOKENS}?page_params.page_size=100`, setupToken);
      expect(listed.body.tokens.map((t: Token) => t.token_id)).toContain(issued.token_id);
    }
    // ... and the token itself authenticates on every replica.
    for (const r of replicas) expect((await getJson(`${r.url}${TOKENS}`, issued.access_token)).status).toBe(200);
  });

  it('a token revoked on one replica fails on another at its very next request', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const issued = await issueOn(a);
    expect((await getJson(`${a.url}${TOKENS}`, issued.access_token)).status).toBe(200);
    const revoked = await request(`${b.url}${TOKENS}/${issued.token_id}`, 'DELETE', { token: setupToken });
    expect(revoked.status).toBe(200);
    const next = await getJson(`${a.url}${TOKENS}`, issued.access_token);
    expect(next.status).toBe(401);
    expect(next.body.code).toBe(16);
    const seen = await getJson(`${a.url}${TOKENS}/${issued.token_id}`, setupToken);
    expect(seen.body.status).toBe('TOKEN_STATUS_REVOKED');
    // A second revoke on yet another replica is the 409 of an already revoked token.
    expect((await request(`${replicas[2]!.url}${TOKENS}/${issued.token_id}`, 'DELETE', { token: setupToken })).status).toBe(409);
  });

  it('one snapshot walked across replicas while every replica issues tokens: exactly the tokens at or before it, each once, in order', async () => {
    // A base of tokens so the walk has many pages.
    await Promise.all(Array.from({ length: 30 }, (_, i) => issueOn(replicas[i % replicas.length]!)));
    const acknowledged: { token_id: string; at: 'before' | 'during' | 'after'; created: number }[] = [];
    let phase: 'before' | 'during' | 'after' = 'before';
    let issuing = true;
    // Each replica issues continuously (scrypt-verified client credentials) during the walk.
    const storms = replicas.map(async (r) => {
      while (issuing) {
        const t = await issueOn(r);
        // A token whose answer came before page 1 was asked for was committed before the snapshot.
        acknowledged.push({ token_id: t.token_id, at: phase, created: micros(t.created_at) });
      }
    });
    while (acknowledged.length < replicas.length) await new Promise((r) => setTimeout(r, 20));
    phase = 'during';
    const size = 4;
    const walked: Token[] = [];
    let snapshot = '';
    let pages = 1;
    for (let page = 1; page <= pages; page++) {
      const r = replicas[page % replicas.length]!;
      const ts = snapshot ? parseTimestamp(snapshot) : undefined;
      const query =
        `page_params.page_size=${size}&page_params.page_number=${page}` +
        (ts ? `&page_params.first_request_timestamp.seconds=${ts.seconds}&page_params.first_request_timestamp.nanos=${ts.nanos}` : '');
      const res = await getJson(`${r.url}${TOKENS}?${query}`, setupToken);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const body = ListTokensResponse.parse(res.body);
      if (!snapshot) {
        snapshot = body.pagination_info.first_request_timestamp;
        pages = body.pagination_info.total_pages;
      }
      // Every replica reports the same total for the snapshot, whatever it counted itself.
      expect(body.pagination_info.total_pages).toBe(pages);
      walked.push(...body.tokens);
    }
    phase = 'after';
    issuing = false;
    await Promise.all(storms);

    const bound = micros(snapshot);
    const ids = walked.map((t) => t.token_id);
    expect(new Set(ids).size).toBe(ids.length); // each once
    // In order: created_at DESC, token_id DESC on ties.
    const sorted = [...walked].sort((x, y) => micros(y.created_at) - micros(x.created_at) || (y.token_id < x.token_id ? -1 : 1));
    expect(ids).toEqual(sorted.map((t) => t.token_id));
    expect(walked.every((t) => micros(t.created_at) <= bound)).toBe(true);
    // Exactly the tokens at or before the snapshot: the whole entity listed afterwards, cut at the bound.
    const everything: Token[] = [];
    for (let page = 1; ; page++) {
      const res = ListTokensResponse.parse(
        (await getJson(`${replicas[0]!.url}${TOKENS}?page_params.page_size=100&page_params.page_number=${page}`, setupToken)).body,
      );
      everything.push(...res.tokens);
      if (page >= res.pagination_info.total_pages) break;
    }
    expect(ids).toEqual(everything.filter((t) => micros(t.created_at) <= bound).map((t) => t.token_id));
    // Tokens acknowledged before the walk began are in it; tokens issued during it were
    // issued (some of them, at least), and none created after the bound is in it.
    const inWalk = new Set(ids);
    const before = acknowledged.filter((t) => t.at === 'before');
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((t) => inWalk.has(t.token_id))).toBe(true);
    const late = acknowledged.filter((t) => t.created > bound);
    expect(late.length).toBeGreaterThan(0);
    expect(late.some((t) => inWalk.has(t.token_id))).toBe(false);
  }, 120_000);
});

/** A TCP relay to PostgreSQL that the test can cut (every connection dropped, new ones refused) and restore. */
async function startRelay(target: {
  host: string;
  port: number;
}): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((inbound) => {
        const outbound = new Socket();
        sockets.add(inbound);
        sockets.add(outbound);
        outbound.connect(target.port, target.host);
        inbound.pipe(outbound).pipe(inbound);
        const drop = () => {
          inbound.destroy();
          outbound.destroy();
          sockets.delete(inbound);
          sockets.delete(outbound);
        };
        inbound.on('error', drop).on('close', drop);
        outbound.on('error', drop).on('close', drop);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

describe('the database going away', () => {
  it('answers 503 (code 14, Retry-After) and an unhealthy /healthz, then recovers by itself', async () => {
    const target = new URL(db.url);
    const relay = await startRelay({ host: target.hostname, port: Number(target.port) });
    const viaRelay = new URL(db.url);
    viaRelay.port = String(relay.port);
    const r = await startReplica(viaRelay.toString());
    try {
      expect((await getJson(`${r.url}/healthz`)).status).toBe(200);
      expect((await getJson(`${r.url}${TOKENS}`, setupToken)).status).toBe(200);

      await relay.cut();
      for (const call of [
        () => getJson(`${r.url}${TOKENS}`, setupToken),
        () => request(`${r.url}/trpc/tokens.list`, 'GET', { token: setupToken }),
        () => request(`${r.url}${TOKENS}`, 'POST', { body: { grant_type: 'client_credentials', ...client } }),
      ]) {
        const res = await call();
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        const rpc = res.body.code === 14 ? res.body : res.body?.error?.data?.rpc;
        expect(rpc).toMatchObject({ code: 14, message: expect.stringMatching(/database is unavailable/) });
        expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|at .*\.js|SELECT|127\.0\.0\.1/);
      }
      const health = await getJson(`${r.url}/healthz`);
      expect(health.status).toBe(503);
      expect(health.headers.get('retry-after')).toMatch(/^\d+$/);

      await relay.restore();
      const deadline = Date.now() + 20_000;
      let healthy = 0;
      while (healthy !== 200 && Date.now() < deadline) {
        healthy = (await getJson(`${r.url}/healthz`)).status;
        if (healthy !== 200) await new Promise((res) => setTimeout(res, 200));
      }
      expect(healthy).toBe(200);
      expect((await getJson(`${r.url}${TOKENS}`, setupToken)).status).toBe(200);
      expect(r.output()).not.toMatch(/"level":50.*internal error/);
    } finally {
      await r.stop();
      await relay.close();
    }
  }, 90_000);
});
