import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@tokenwarden/api';
import { restListUrl } from '@tokenwarden/client';
import { parseTimestamp, type ListTokensResponse, type Token } from '@tokenwarden/contracts';
import { writeSyntheticTokens } from '@tokenwarden/db';
import { newEntity, parseCsv, runCli, startServer, type TestServer } from './support/server.js';

const COUNT = 10_000;
const DAY = 86_400_000_000;
// A clock the test sets: both walks below then run at the same instants, so even
// `expires_in` and `status` (derived from "now") are equal token for token.
const clock = manualClock(Date.now() * 1000);
let server: TestServer;
let token: string;
let t0: number;

beforeAll(async () => {
  server = await startServer({ clock });
  const e = await newEntity(server.deps, 'Export Corp');
  token = e.access_token;
  const accounts = ['0b7c3a58-8f0e-4c8e-9a51-0d3f6b2a9e11', '5f2d9c1e-7a44-4b1d-8e3c-2c9a7f1b6d22'];
  await writeSyntheticTokens(
    server.deps.tokens,
    {
      entityPk: e.entity_pk,
      clientIds: ['export-client', 'other,client "quoted"'],
      users: [
        { userId: '9a1f0c2b-3d4e-4f5a-8b6c-7d8e9f0a1b2c', accountIds: accounts },
        { userId: 'a2b3c4d5-e6f7-4a8b-9c0d-1e2f3a4b5c6d', accountIds: [accounts[0]!] },
      ],
      accountIds: accounts,
      roles: ['ENTITY_ADMIN', 'AUDITOR', 'TELLER', 'SUPPORT'],
    },
    { count: COUNT - 1, seed: 11, anchor: clock.nowMicros() - 1_000_000, spanMicros: 30 * DAY },
  );
  t0 = clock.nowMicros() + 1_000;
}, 120_000);

afterAll(async () => {
  await server?.close();
});

/** Every page of the REST list, walked with the first answer's snapshot. */
async function restWalk(pageSize: number): Promise<{ tokens: Token[]; snapshot: string; pages: number }> {
  const tokens: Token[] = [];
  let snapshot: string | undefined;
  let pages = 0;
  for (let page = 1; ; page++) {
    const input = {
      page_params: { page_size: pageSize, page_number: page, ...(snapshot ? { first_request_timestamp: parseTimestamp(snapshot) } : {}) },
    };
    const res = await fetch(restListUrl(server.url, input), { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ListTokensResponse;
    snapshot ??= body.pagination_info.first_request_timestamp;
    pages += 1;
    tokens.push(...body.tokens);
    if (page >= body.pagination_info.total_pages) break;
  }
  return { tokens, snapshot: snapshot!, pages };
}

/** A token's fields as the CSV writes them: null empty, lists space-separated. */
function asCsvCells(t: Token): Record<string, string> {
  const cells: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) cells[k] = v === null ? '' : Array.isArray(v) ? v.join(' ') : String(v);
  return cells;
}

describe('tokens list --all --format csv', () => {
  it(`exports ${COUNT} tokens that match the REST pages token for token`, async () => {
    clock.set(t0);
    const rest = await restWalk(100);
    expect(rest.tokens).toHaveLength(COUNT);
    expect(rest.pages).toBe(COUNT / 100);

    clock.set(t0);
    const cli = await runCli(['tokens', 'list', '--all', '--format', 'csv'], { TOKENWARDEN_URL: server.url, TOKENWARDEN_TOKEN: token });
    expect(cli.stderr).not.toContain(token);
    expect(cli.code).toBe(0);

    const [header, ...rows] = parseCsv(cli.stdout);
    expect(header).toEqual(Object.keys(rest.tokens[0]!));
    expect(rows).toHaveLength(COUNT);
    const exported = rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
    expect(new Set(exported.map((r) => r.token_id)).size).toBe(COUNT);
    for (let i = 0; i < COUNT; i++) {
      // One by one, so a mismatch names its row.
      if (JSON.stringify(exported[i]) !== JSON.stringify(asCsvCells(rest.tokens[i]!))) {
        expect({ row: i + 1, ...exported[i] }).toEqual({ row: i + 1, ...asCsvCells(rest.tokens[i]!) });
      }
    }
    // The data is varied: every flow, quoted client ids, nulls, revoked and active tokens.
    const flows = new Set(exported.map((r) => r.grant_flow));
    expect(flows.size).toBe(4);
    expect(exported.some((r) => r.client_id === 'other,client "quoted"')).toBe(true);
    expect(cli.stdout).toContain('"other,client ""quoted"""');
    const statuses = new Set(exported.map((r) => r.status));
    expect(statuses).toEqual(new Set(['TOKEN_STATUS_ACTIVE', 'TOKEN_STATUS_EXPIRED', 'TOKEN_STATUS_REVOKED']));

    // The progress indicator went to stderr, and so did the snapshot it walked.
    expect(cli.stderr).toMatch(/fetched page 100\/100 \(10000\/10000 tokens\)/);
    expect(cli.stderr).toContain(`done: ${COUNT} tokens in 100 pages, snapshot ${rest.snapshot}`);
  }, 120_000);
});
