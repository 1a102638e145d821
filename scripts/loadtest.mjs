#!/usr/bin/env node
// `pnpm loadtest`: builds the server (unless --no-build), starts it on demo data and runs a
// mixed workload over keep-alive connections for a fixed time: ~70% list (filters, orders,
// pages walked with a snapshot), 15% get, 10% issue (client_credentials), 5% revoke. Prints
// per-operation counts, errors, p50/p99 latency and the server's RSS; exits 1 on any error.
//
//   node scripts/loadtest.mjs [--seconds 60] [--connections 8] [--demo-tokens 20000]
//                             [--backend sqlite|postgres] [--database-url postgres://…]
//                             [--seed 1] [--log-level info] [--no-build]
//                             [--mix list=70,get=15,issue=10,revoke=5]
//
// SQLite (default) runs on a file in a fresh temporary folder. PostgreSQL: --database-url is
// a server's admin URL (TOKENWARDEN_TEST_DATABASE_URL by default); the run creates its own
// database there and drops it afterwards.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installAndBuild } from './pnpm.mjs';

const root = new URL('..', import.meta.url).pathname;
const TOKENS = '/v1/iam/oauth/tokens';
const DEMO_ADMIN = { client_id: 'demo-admin', client_secret: 'twcs_demo-admin-secret-for-local-use-only' };
const ROLES = ['ENTITY_ADMIN', 'AUDITOR', 'TELLER', 'PAYMENTS_OPERATOR', 'SUPPORT', 'REPORTING', 'COMPLIANCE', 'DEVELOPER'];
const GRANT_FLOWS = ['GRANT_FLOW_CLIENT_CREDENTIALS', 'GRANT_FLOW_PASSWORD', 'GRANT_FLOW_ENTITY_SETUP', 'GRANT_FLOW_LOGIN'];
const ORDER_KEYS = ['created_at', 'expires_at', 'last_used_at', 'token_id', 'user_id', 'account_id', 'grant_flow'];
const DIRECTIONS = ['ASC', 'DESC', 'ORDER_DIRECTION_ENUM_UNSPECIFIED'];
const PAGE_SIZES = [1, 10, 10, 25, 50, 100];
const OPS = ['list', 'get', 'issue', 'revoke'];
const REQUEST_TIMEOUT_MS = 30_000;
const STARTUP_TIMEOUT_MS = 300_000;

function usage(message) {
  process.stderr.write(`loadtest: ${message}\n`);
  process.exit(2);
}

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    connections: { type: 'string', default: '8' },
    'demo-tokens': { type: 'string', default: '20000' },
    backend: { type: 'string', default: 'sqlite' },
    'database-url': { type: 'string' },
    seed: { type: 'string', default: '1' },
    mix: { type: 'string', default: 'list=70,get=15,issue=10,revoke=5' },
    'log-level': { type: 'string', default: 'info' },
    'no-build': { type: 'boolean', default: false },
  },
});
const seconds = Number(opts.seconds);
const connections = Number(opts.connections);
const demoTokens = Number(opts['demo-tokens']);
if (!(seconds > 0)) usage('--seconds must be a positive number');
if (!Number.isInteger(connections) || connections < 1) usage('--connections must be a positive integer');
if (!Number.isInteger(demoTokens) || demoTokens < 100) usage('--demo-tokens must be an integer of at least 100');
if (opts.backend !== 'sqlite' && opts.backend !== 'postgres') usage('--backend must be sqlite or postgres');
const MIX = opts.mix.split(',').map((part) => {
  const [op, weight] = part.split('=');
  if (!OPS.includes(op) || !(Number(weight) >= 0)) usage(`--mix: ${part} is not op=weight (ops: ${OPS.join(', ')})`);
  return [op, Number(weight)];
});
const totalWeight = MIX.reduce((n, [, w]) => n + w, 0);
if (!(totalWeight > 0)) usage('--mix: the weights add up to nothing');
const adminUrl = opts['database-url'] ?? process.env.TOKENWARDEN_TEST_DATABASE_URL;
if (opts.backend === 'postgres' && !adminUrl) usage('--backend postgres needs --database-url (or TOKENWARDEN_TEST_DATABASE_URL)');

/** mulberry32: a seeded sequence, so two runs ask for the same mix. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = seededRandom(Number(opts.seed));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

if (!opts['no-build']) installAndBuild('@tokenwarden/server', 'loadtest');
const mainJs = join(root, 'apps/server/dist/main.js');
if (!existsSync(mainJs)) usage(`${mainJs} is missing: build first (pnpm build)`);

// ---------------------------------------------------------------- the server

const cleanups = [];
let database;
if (opts.backend === 'postgres') {
  const { createTestDatabase } = await import(join(root, 'packages/db/dist/testing/postgres-server.js'));
  const db = await createTestDatabase(adminUrl);
  cleanups.push(() => db.drop());
  database = { env: { TOKENWARDEN_DATABASE_URL: db.url }, describe: `postgres database ${db.name}` };
} else {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-loadtest-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  database = { env: { TOKENWARDEN_DB: join(dir, 'loadtest.db'), TOKENWARDEN_DATABASE_URL: '' }, describe: `sqlite ${join(dir, 'loadtest.db')}` };
}
const cleanup = async () => {
  for (const f of cleanups.splice(0).reverse()) await Promise.resolve(f()).catch((e) => process.stderr.write(`loadtest: cleanup: ${e}\n`));
};

process.stdout.write(`loadtest: ${database.describe}, ${demoTokens} demo tokens, ${connections} connections, ${seconds} s\n`);
const child = spawn(process.execPath, [mainJs], {
  env: {
    ...process.env,
    PORT: '0',
    LOG_LEVEL: opts['log-level'],
    TOKENWARDEN_DEMO: '1',
    TOKENWARDEN_DEMO_TOKENS: String(demoTokens),
    ...database.env,
  },
});
const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
let tail = '';
let base;
let serverErrors = 0;
let partial = '';
const take = (chunk) => {
  const text = chunk.toString();
  tail = (tail + text).slice(-8192);
  partial += text;
  const lines = partial.split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    // Error lines the server logged (level 50 and up), counted as they come.
    if (/^\{"level":(5|6)\d/.test(line)) serverErrors++;
    if (!base && line.includes('"msg":"listening"')) base = /"url":"(http:[^"]+)"/.exec(line)?.[1];
  }
};
// Always drained: a full pipe would stall the server's logging and so the server.
child.stdout.on('data', take);
child.stderr.on('data', take);

async function stopServer() {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  return exited;
}

async function fail(message) {
  process.stderr.write(`loadtest: ${message}\n--- server output (tail) ---\n${tail}\n`);
  await stopServer();
  await cleanup();
  process.exit(1);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await stopServer();
    await cleanup();
    process.exit(130);
  });
}

const startedAt = Date.now();
while (!base) {
  if (child.exitCode !== null || child.signalCode !== null) await fail('the server exited during start-up');
  if (Date.now() - startedAt > STARTUP_TIMEOUT_MS) await fail(`the server did not listen within ${STARTUP_TIMEOUT_MS / 1000} s`);
  if (!base) await new Promise((r) => setTimeout(r, 100));
}
const { hostname, port } = new URL(base);
process.stdout.write(`loadtest: server pid ${child.pid} at ${base} (ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s)\n`);

// ---------------------------------------------------------------- HTTP over keep-alive

const agent = new Agent({ keepAlive: true, maxSockets: connections });

/** One request; resolves with status and body text (rejects on a network failure or timeout). */
function send(method, path, { token, body } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const req = request({ host: hostname, port, method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const json = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

// The run's own admin token (demo-admin: ENTITY_ADMIN, scope *), never revoked.
const adminIssued = await send('POST', TOKENS, { body: { grant_type: 'client_credentials', ...DEMO_ADMIN } });
if (adminIssued.status !== 200) await fail(`issuing the admin token answered ${adminIssued.status} ${adminIssued.text}`);
const admin = json(adminIssued.text);

// ---------------------------------------------------------------- what the workload draws from

/** Token ids seen in lists (the get targets), bounded. */
const known = [];
const KNOWN_MAX = 5000;
/** Ids queued for revocation, each at most once: never a double revoke (its 409 would be an error here). */
const revocable = [];
const claimed = new Set([admin.token_id]);
const userIds = new Set();
const accountIds = new Set();

function learn(tokens) {
  for (const t of tokens) {
    if (known.length < KNOWN_MAX) known.push(t.token_id);
    else known[Math.floor(rand() * KNOWN_MAX)] = t.token_id;
    if (t.user_id && userIds.size < 200) userIds.add(t.user_id);
    if (t.account_id && accountIds.size < 200) accountIds.add(t.account_id);
    if (t.revoked_at === null && !claimed.has(t.token_id) && revocable.length < 10_000) {
      claimed.add(t.token_id);
      revocable.push(t.token_id);
    }
  }
}

function listQuery() {
  const q = new URLSearchParams();
  q.set('page_params.page_size', String(pick(PAGE_SIZES)));
  if (rand() < 0.6) {
    q.set('order_params.order_key', pick(ORDER_KEYS));
    q.set('order_params.order_direction', pick(DIRECTIONS));
  }
  const f = rand();
  if (f < 0.15) q.set('grant_flow', pick(GRANT_FLOWS));
  else if (f < 0.3) q.set('role', pick(ROLES));
  else if (f < 0.38 && userIds.size > 0) q.set('user_id', pick([...userIds]));
  else if (f < 0.46 && accountIds.size > 0) q.set('account_id', pick([...accountIds]));
  else if (f < 0.55) {
    q.set('role', pick(ROLES));
    q.set('grant_flow', pick(GRANT_FLOWS));
  }
  return q;
}

/** `first_request_timestamp` (RFC 3339, microseconds) as the seconds and nanos the next pages send back. */
function snapshotParams(rfc3339) {
  const fraction = /\.(\d+)Z$/.exec(rfc3339)?.[1] ?? '0';
  return { seconds: Math.floor(Date.parse(rfc3339) / 1000), nanos: Number(fraction.padEnd(9, '0').slice(0, 9)) };
}

// ---------------------------------------------------------------- the workload

const stats = Object.fromEntries(OPS.map((op) => [op, { count: 0, errors: 0, ms: [] }]));
const errorSamples = [];
/** The slowest requests (what a p99 is made of), for the report. */
const slowest = [];
function record(op, ms, error, path) {
  if (slowest.length < 5 || ms > slowest.at(-1).ms) {
    slowest.push({ op, ms, path });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, 5);
  }
  const s = stats[op];
  s.count++;
  s.ms.push(ms);
  if (error) {
    s.errors++;
    if (errorSamples.length < 10) errorSamples.push(`${op}: ${error}`);
  }
}

async function timed(op, method, path, options) {
  const t0 = performance.now();
  try {
    const res = await send(method, path, options);
    const ms = performance.now() - t0;
    const ok = res.status >= 200 && res.status < 300;
    record(op, ms, ok ? undefined : `${method} ${path.split('?')[0]} answered ${res.status} ${res.text.slice(0, 200)}`, `${method} ${path}`);
    return ok ? json(res.text) : undefined;
  } catch (e) {
    record(op, performance.now() - t0, `${method} ${path.split('?')[0]} failed: ${e instanceof Error ? e.message : e}`, `${method} ${path}`);
    return undefined;
  }
}

function drawOp() {
  let r = rand() * totalWeight;
  for (const [op, weight] of MIX) {
    r -= weight;
    if (r < 0) return op;
  }
  return 'list';
}

async function worker(until) {
  /** A walk in progress: the next page of the same query under the first page's snapshot. */
  let walk;
  while (Date.now() < until) {
    let op = drawOp();
    if (op === 'get' && known.length === 0) op = 'list';
    if (op === 'revoke' && revocable.length === 0) op = 'list';
    if (op === 'list') {
      let q;
      if (walk && rand() < 0.6) {
        q = new URLSearchParams(walk.query);
        // Mostly the next page; now and then a jump to another page of the same snapshot.
        walk.page = rand() < 0.8 ? walk.page + 1 : 1 + Math.floor(rand() * Math.min(walk.pages, 50));
        q.set('page_params.page_number', String(walk.page));
        q.set('page_params.first_request_timestamp.seconds', String(walk.snapshot.seconds));
        q.set('page_params.first_request_timestamp.nanos', String(walk.snapshot.nanos));
      } else {
        q = listQuery();
        walk = undefined;
      }
      const body = await timed('list', 'GET', `${TOKENS}?${q}`, { token: admin.access_token });
      if (body) {
        learn(body.tokens);
        const info = body.pagination_info;
        if (!walk) walk = { query: q.toString(), snapshot: snapshotParams(info.first_request_timestamp), page: 1, pages: info.total_pages };
        if (walk.page >= Math.min(walk.pages, 50)) walk = undefined;
      } else walk = undefined;
    } else if (op === 'get') {
      await timed('get', 'GET', `${TOKENS}/${pick(known)}`, { token: admin.access_token });
    } else if (op === 'issue') {
      const body = await timed('issue', 'POST', TOKENS, { body: { grant_type: 'client_credentials', ...DEMO_ADMIN } });
      if (body && revocable.length < 10_000) {
        claimed.add(body.token_id);
        revocable.push(body.token_id);
      }
    } else {
      // Taken off the queue before the request: no other worker can revoke the same token.
      const id = revocable.splice(Math.floor(rand() * revocable.length), 1)[0];
      await timed('revoke', 'DELETE', `${TOKENS}/${id}`, { token: admin.access_token });
    }
  }
}

// ---------------------------------------------------------------- RSS

function rssKiB() {
  try {
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
const rss = [];
const sampleRss = () => {
  const v = rssKiB();
  if (v !== undefined) rss.push(v);
};
sampleRss();
const rssAtStart = rss[0];
const sampler = setInterval(sampleRss, 1000);

// ---------------------------------------------------------------- run

const t0 = Date.now();
const until = t0 + seconds * 1000;
const progress = setInterval(() => {
  const done = OPS.reduce((n, op) => n + stats[op].count, 0);
  const errors = OPS.reduce((n, op) => n + stats[op].errors, 0);
  process.stdout.write(
    `  ${Math.round((Date.now() - t0) / 1000)} s: ${done} requests, ${errors} errors, RSS ${((rss.at(-1) ?? 0) / 1024).toFixed(0)} MiB\n`,
  );
}, 10_000);
await Promise.all(Array.from({ length: connections }, () => worker(until)));
const elapsed = (Date.now() - t0) / 1000;
clearInterval(progress);
clearInterval(sampler);
sampleRss();
agent.destroy();
const stopped = await stopServer();
await cleanup();

// ---------------------------------------------------------------- report

const quantile = (sorted, q) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
const fmt = (ms) => (Number.isNaN(ms) ? '-' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const rows = [['op', 'count', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'max ms']];
const all = [];
for (const op of OPS) {
  const s = stats[op];
  const sorted = Float64Array.from(s.ms).sort();
  all.push(...s.ms);
  rows.push([
    op,
    s.count,
    s.errors,
    (s.count / elapsed).toFixed(1),
    fmt(quantile(sorted, 0.5)),
    fmt(quantile(sorted, 0.99)),
    fmt(sorted.at(-1) ?? Number.NaN),
  ]);
}
const allSorted = Float64Array.from(all).sort();
const totalErrors = OPS.reduce((n, op) => n + stats[op].errors, 0);
rows.push([
  'all',
  all.length,
  totalErrors,
  (all.length / elapsed).toFixed(1),
  fmt(quantile(allSorted, 0.5)),
  fmt(quantile(allSorted, 0.99)),
  fmt(allSorted.at(-1) ?? Number.NaN),
]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
process.stdout.write(`\nloadtest: ${elapsed.toFixed(1)} s, ${connections} connections, ${opts.backend}\n`);
for (const r of rows)
  process.stdout.write(`  ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')}\n`);
const mib = (kib) => (kib === undefined ? '-' : `${(kib / 1024).toFixed(1)} MiB`);
process.stdout.write(
  `  server RSS: ${mib(rssAtStart)} at start, ${mib(rss.length ? Math.max(...rss) : undefined)} max, ${mib(rss.at(-1))} at end (${rss.length} samples)\n`,
);
process.stdout.write(`  server: exit ${stopped.code ?? stopped.signal}, ${serverErrors} error line(s) logged\n`);
process.stdout.write(`  slowest:\n${slowest.map((r) => `    ${fmt(r.ms)} ms  ${decodeURIComponent(r.path)}\n`).join('')}`);
if (errorSamples.length > 0) process.stdout.write(`  first errors:\n${errorSamples.map((e) => `    ${e}\n`).join('')}`);
const ok = totalErrors === 0 && serverErrors === 0 && stopped.code === 0;
process.stdout.write(`loadtest: ${ok ? 'OK' : 'FAILED'}\n`);
process.exit(ok ? 0 : 1);
