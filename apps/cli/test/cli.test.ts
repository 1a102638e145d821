import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenwardenClient } from '@tokenwarden/client';
import { formatMicros, parseTimestamp, type Token } from '@tokenwarden/contracts';
import { mint, newEntity, runCli, startServer, type TestServer } from './support/server.js';

let server: TestServer;
let entity: Awaited<ReturnType<typeof newEntity>>;
let env: Record<string, string>;
const USER = randomUUID();
const ACCOUNT = randomUUID();

beforeAll(async () => {
  server = await startServer();
  entity = await newEntity(server.deps, 'Cli Corp');
  env = { TOKENWARDEN_URL: server.url, TOKENWARDEN_TOKEN: entity.access_token };
  for (let i = 0; i < 15; i++) {
    await mint(server.deps, {
      entityPk: entity.entity_pk,
      grantFlow: i % 3 === 0 ? 'GRANT_FLOW_PASSWORD' : 'GRANT_FLOW_CLIENT_CREDENTIALS',
      userId: i % 3 === 0 ? USER : null,
      accountId: i % 5 === 0 ? ACCOUNT : null,
      roles: i % 2 === 0 ? ['AUDITOR'] : ['TELLER'],
    });
  }
});
afterAll(async () => {
  await server?.close();
});

const jsonLines = (text: string): Token[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Token);

describe('--help', () => {
  it.each([[['--help']], [['tokens', '--help']], [['tokens', 'list', '--help']], [['tokens', 'get', '-h']], [['tokens', 'revoke', '--help']]])(
    '%j prints usage and the exit codes, and needs no credentials',
    async (args) => {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage/);
      expect(r.stdout).toContain('3  authentication or permission error (HTTP 401, 403)');
      expect(r.stdout).toContain('6  server error (HTTP 5xx) or no answer (network)');
    },
  );

  it('documents every list flag, and says where the operator commands are', async () => {
    const list = await runCli(['tokens', 'list', '--help']);
    for (const flag of [
      '--page-size',
      '--page ',
      '--snapshot',
      '--order-key',
      '--order-direction',
      '--account-id',
      '--user-id',
      '--grant-flow',
      '--role',
      '--status',
      '--client-id',
      '--scope',
      '--created-after',
      '--created-before',
      '--expires-after',
      '--expires-before',
      '--last-used-after',
      '--last-used-before',
      '--never-used',
      '--used',
      '--page-token',
      '--all',
      '--format',
      '--url',
      '--token',
    ]) {
      expect(list.stdout).toContain(flag);
    }
    const main = await runCli(['--help']);
    expect(main.stdout).toContain('tokenwarden-admin');
  });

  it('no command at all is a usage error', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage/);
  });
});

describe('tokens list', () => {
  it('prints one page as JSON lines when piped, with the next page on stderr', async () => {
    const r = await runCli(['tokens', 'list', '--page-size', '4'], env);
    expect(r.code).toBe(0);
    const tokens = jsonLines(r.stdout);
    expect(tokens).toHaveLength(4);
    expect(r.stderr).toMatch(
      /^page 1 of 4 \(16 tokens, snapshot (\S+)\); next: --page-token=[A-Za-z0-9_-]+ \(with the same other flags\), or --page 2 --snapshot \1\n$/,
    );

    // The hint works: page 2 of that snapshot, even after new tokens were issued.
    const snapshot = /snapshot (\S+)\)/.exec(r.stderr)![1]!;
    await mint(server.deps, { entityPk: entity.entity_pk });
    const r2 = await runCli(['tokens', 'list', '--page-size', '4', '--page', '2', '--snapshot', snapshot], env);
    expect(r2.code).toBe(0);
    const page2 = jsonLines(r2.stdout);
    expect(page2).toHaveLength(4);
    expect(page2.some((t) => tokens.some((u) => u.token_id === t.token_id))).toBe(false);
    expect(r2.stderr).toContain('page 2 of 4 (16 tokens');
  });

  it('passes every filter and order flag to the server', async () => {
    const client = createTokenwardenClient({ url: server.url, accessToken: entity.access_token });
    const cases: { args: string[]; input: Parameters<typeof client.tokens.list>[0] }[] = [
      { args: ['--role', 'AUDITOR'], input: { role: 'AUDITOR' } },
      { args: ['--grant-flow', 'password'], input: { grant_flow: 'GRANT_FLOW_PASSWORD' } },
      { args: ['--grant-flow', 'GRANT_FLOW_CLIENT_CREDENTIALS'], input: { grant_flow: 'GRANT_FLOW_CLIENT_CREDENTIALS' } },
      { args: ['--user-id', USER], input: { user_id: USER } },
      { args: ['--account-id', ACCOUNT, '--role', 'AUDITOR'], input: { account_id: ACCOUNT, role: 'AUDITOR' } },
      {
        args: ['--order-key', 'token_id', '--order-direction', 'ASC'],
        input: { order_params: { order_key: 'token_id', order_direction: 'ASC' } },
      },
    ];
    for (const c of cases) {
      const r = await runCli(['tokens', 'list', '--page-size', '100', '--quiet', ...c.args], env);
      expect(r.code, c.args.join(' ')).toBe(0);
      expect(r.stderr).toBe('');
      const expected = await client.tokens.list({ ...c.input, page_params: { page_size: 100 } });
      const got = jsonLines(r.stdout).map((t) => t.token_id);
      expect(got.length, c.args.join(' ')).toBeGreaterThan(0);
      expect(got, c.args.join(' ')).toEqual(expected.tokens.map((t) => t.token_id));
    }
    const asc = jsonLines(
      (await runCli(['tokens', 'list', '--page-size', '100', '--order-key', 'token_id', '--order-direction', 'ASC'], env)).stdout,
    );
    expect(asc.map((t) => t.token_id)).toEqual(asc.map((t) => t.token_id).sort());
  });

  // About thirty CLI processes, each a node start: a longer timeout, for a busy machine.
  it('passes the newer filter flags to the server, and follows a page token', async () => {
    const e = await newEntity(server.deps, 'Cli Filters Corp');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { record } = await mint(server.deps, {
        entityPk: e.entity_pk,
        clientId: i % 2 ? 'cli-odd' : 'cli-even',
        scopes: i % 3 ? ['payments.*'] : ['accounts.read'],
      });
      ids.push(record.tokenId);
    }
    const client = createTokenwardenClient({ url: server.url, accessToken: e.access_token });
    for (const id of ids.slice(0, 3)) await client.tokens.revoke({ token_id: id });
    await client.tokens.get({ token_id: ids[5]! }); // the setup token is used, and so recorded
    const sixth = await client.tokens.get({ token_id: ids[6]! });
    const middle = sixth.created_at;
    const cliEnv = { TOKENWARDEN_URL: server.url, TOKENWARDEN_TOKEN: e.access_token };
    const cases: { args: string[]; input: Parameters<typeof client.tokens.list>[0] }[] = [
      { args: ['--status', 'active'], input: { status: ['ACTIVE'] } },
      { args: ['--status', 'revoked,expired'], input: { status: ['REVOKED', 'EXPIRED'] } },
      { args: ['--status', 'EXPIRED', '--status', 'TOKEN_STATUS_REVOKED'], input: { status: ['EXPIRED', 'REVOKED'] } },
      { args: ['--client-id', 'cli-odd'], input: { client_id: 'cli-odd' } },
      { args: ['--scope', 'payments.create'], input: { scope: 'payments.create' } },
      { args: ['--created-after', middle], input: { created_after: middle } },
      { args: ['--created-before', middle, '--client-id', 'cli-even'], input: { created_before: middle, client_id: 'cli-even' } },
      { args: ['--expires-after', sixth.expires_at], input: { expires_after: sixth.expires_at } },
      { args: ['--never-used'], input: { never_used: true } },
      { args: ['--used'], input: { never_used: false } },
      { args: ['--last-used-after', middle], input: { last_used_after: middle } },
    ];
    for (const c of cases) {
      const r = await runCli(['tokens', 'list', '--page-size', '100', '--quiet', ...c.args], cliEnv);
      expect(r.code, `${c.args.join(' ')}: ${r.stderr}`).toBe(0);
      const expected = await client.tokens.list({ ...c.input, page_params: { page_size: 100 } });
      const got = jsonLines(r.stdout).map((t) => t.token_id);
      expect(got.length, c.args.join(' ')).toBeGreaterThan(0);
      expect(got.length, c.args.join(' ')).toBeLessThan(13);
      expect(got, c.args.join(' ')).toEqual(expected.tokens.map((t) => t.token_id));
    }
    // The next page by the token the first page printed, with the same other flags.
    const flags = ['--page-size', '3', '--status', 'active', '--order-key', 'token_id'];
    const first = await runCli(['tokens', 'list', ...flags], cliEnv);
    // As printed, with '=': a token may begin with '-', which a separate argument would not take.
    const token = /--page-token=(\S+)/.exec(first.stderr)?.[1];
    expect(token).toBeDefined();
    const second = await runCli(['tokens', 'list', ...flags, `--page-token=${token}`], cliEnv);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/^page 2 of 4 /);
    const byNumber = await client.tokens.list({
      status: ['ACTIVE'],
      order_params: { order_key: 'token_id' },
      page_params: { page_size: 3, page_number: 2, first_request_timestamp: parseTimestamp(/snapshot (\S+)\)/.exec(first.stderr)![1]!) },
    });
    expect(jsonLines(second.stdout).map((t) => t.token_id)).toEqual(byNumber.tokens.map((t) => t.token_id));
    // --all follows the tokens through the filtered list.
    const all = await runCli(['tokens', 'list', '--all', '--page-size', '2', '--quiet', '--client-id', 'cli-even', '--status', 'active'], cliEnv);
    expect(
      jsonLines(all.stdout)
        .map((t) => t.token_id)
        .sort(),
    ).toEqual(
      (await client.tokens.list({ client_id: 'cli-even', status: ['ACTIVE'], page_params: { page_size: 100 } })).tokens.map((t) => t.token_id).sort(),
    );
    // A 400 names the flag; --page with a token, and the same token with other flags, are refused.
    for (const [args, named] of [
      [['--status', 'paused'], '--status (status): must be one of ACTIVE, EXPIRED, REVOKED'],
      [['--created-after', 'yesterday'], '--created-after (created_after): must be an RFC 3339 instant'],
      [['--last-used-before', '2026-02-30T00:00:00Z'], '--last-used-before (last_used_before)'],
      [['--scope', 'iam..x'], '--scope (scope)'],
      [['--page-token', 'nonsense'], '--page-token (page_token): must be the next_page_token of the previous page'],
      // A token that begins with '-' reaches the server when joined with '='.
      [['--page-token=-nonsense'], '--page-token (page_token): must be the next_page_token of the previous page'],
      [[...flags, `--page-token=${token}`, '--page', '2'], '--page (page_params.page_number): must not be sent with page_token'],
      [['--page-size', '3', `--page-token=${token}`], '--page-token (page_token)'],
    ] as const) {
      const r = await runCli(['tokens', 'list', ...args], cliEnv);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(named);
    }
    const both = await runCli(['tokens', 'list', '--never-used', '--used'], cliEnv);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--never-used and --used exclude each other');
  }, 120_000);

  it('--format table and csv', async () => {
    const table = await runCli(['tokens', 'list', '--format', 'table', '--page-size', '3'], env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TOKEN_ID\s+GRANT_FLOW\s+STATUS\s+USER_ID\s+ACCOUNT_ID\s+CREATED_AT\s+EXPIRES_AT\s+LAST_USED_AT\s+ROLES$/);
    expect(lines).toHaveLength(4);
    const csv = await runCli(['tokens', 'list', '--format', 'csv', '--page-size', '3'], env);
    expect(csv.stdout.split('\r\n')[0]).toBe(
      'token_id,client_id,account_id,user_id,grant_flow,roles,scopes,created_at,expires_at,expires_in,revoked_at,revoked_by,revoke_reason,status,last_used_at,last_used_ip,last_used_user_agent',
    );
    expect(csv.stdout.split('\r\n').filter(Boolean)).toHaveLength(4);
  });

  it('--all walks one snapshot while tokens are issued, each token exactly once', async () => {
    const e = await newEntity(server.deps, 'Walk Corp');
    const before = [e.token_id];
    for (let i = 0; i < 120; i++) before.push((await mint(server.deps, { entityPk: e.entity_pk })).record.tokenId);
    // Tokens keep being issued the whole time the CLI walks its pages.
    const during: { id: string; createdAt: number }[] = [];
    const issuer = setInterval(async () => {
      const { record } = await mint(server.deps, { entityPk: e.entity_pk });
      during.push({ id: record.tokenId, createdAt: record.createdAt });
    }, 2);
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(['tokens', 'list', '--all', '--page-size', '5'], { TOKENWARDEN_URL: server.url, TOKENWARDEN_TOKEN: e.access_token });
    } finally {
      clearInterval(issuer);
    }
    expect(r.code).toBe(0);
    const snapshotText = /snapshot (\S+)\n$/.exec(r.stderr)?.[1];
    expect(snapshotText).toBeDefined();
    const snapshot = parseTimestamp(snapshotText!);
    const snapshotMicros = snapshot.seconds * 1_000_000 + Math.floor(snapshot.nanos / 1000);
    expect(formatMicros(snapshotMicros)).toBe(snapshotText);
    const got = jsonLines(r.stdout).map((t) => t.token_id);
    const expected = [...before, ...during.filter((d) => d.createdAt <= snapshotMicros).map((d) => d.id)];
    expect(during.filter((d) => d.createdAt > snapshotMicros).length).toBeGreaterThan(0);
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort()).toEqual([...expected].sort());
    // Progress went to stderr, a line per tenth of the pages when stderr is not a terminal.
    expect(r.stderr).toMatch(/fetched page \d+\/\d+ \(\d+\/\d+ tokens\)\n/);
    expect(r.stderr).toContain(`done: ${got.length} tokens in ${Math.ceil(got.length / 5)} pages`);
  });
});

describe('tokens get and revoke', () => {
  it('gets, revokes, and refuses to revoke twice (exit 5)', async () => {
    const { record } = await mint(server.deps, { entityPk: entity.entity_pk, roles: ['SUPPORT'] });
    const got = await runCli(['tokens', 'get', record.tokenId], env);
    expect(got.code).toBe(0);
    expect(jsonLines(got.stdout)).toEqual([expect.objectContaining({ token_id: record.tokenId, status: 'TOKEN_STATUS_ACTIVE', roles: ['SUPPORT'] })]);

    const detail = await runCli(['tokens', 'get', record.tokenId, '--format', 'table'], env);
    expect(detail.stdout).toMatch(/^token_id\s+\S+\n/);
    expect(detail.stdout).toMatch(/\nrevoked_at\s+-\n/);

    const revoked = await runCli(['tokens', 'revoke', record.tokenId], env);
    expect(revoked.code).toBe(0);
    expect(jsonLines(revoked.stdout)).toEqual([{ token_id: record.tokenId, revoked: true } as unknown as Token]);
    const after = await runCli(['tokens', 'get', record.tokenId], env);
    expect(jsonLines(after.stdout)[0]!.status).toBe('TOKEN_STATUS_REVOKED');

    const again = await runCli(['tokens', 'revoke', record.tokenId], env);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('the token is already revoked (HTTP 409 FAILED_PRECONDITION)');
    expect(again.stdout).toBe('');
  });

  it('flags override the environment', async () => {
    const r = await runCli(['tokens', 'get', entity.token_id, '--url', server.url, '--token', entity.access_token], {
      TOKENWARDEN_URL: 'http://127.0.0.1:1',
      TOKENWARDEN_TOKEN: 'twat_wrong',
    });
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)[0]!.token_id).toBe(entity.token_id);
  });
});

describe('exit codes', () => {
  it('3 for 401 and 403, never echoing the token', async () => {
    const fake = `twat_${'Q'.repeat(43)}`;
    const r = await runCli(['tokens', 'list'], { TOKENWARDEN_URL: server.url, TOKENWARDEN_TOKEN: fake });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('HTTP 401 UNAUTHENTICATED');
    const viaFlag = await runCli(['tokens', 'list', '--url', server.url, `--token=${fake}`]);
    expect(viaFlag.code).toBe(3);
    for (const out of [r.stdout, r.stderr, viaFlag.stdout, viaFlag.stderr]) expect(out).not.toContain(fake);

    const user = randomUUID();
    const { accessToken } = await mint(server.deps, {
      entityPk: entity.entity_pk,
      grantFlow: 'GRANT_FLOW_PASSWORD',
      userId: user,
      roles: ['TELLER'],
    });
    const forbidden = await runCli(['tokens', 'list', '--user-id', randomUUID()], { TOKENWARDEN_URL: server.url, TOKENWARDEN_TOKEN: accessToken });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('HTTP 403 PERMISSION_DENIED');
    expect(forbidden.stderr).not.toContain(accessToken);
  });

  it('2 for bad input (the server’s 400, naming the flag) and for usage errors', async () => {
    const r = await runCli(['tokens', 'list', '--page-size', '0'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('HTTP 400 INVALID_ARGUMENT');
    expect(r.stderr).toContain('--page-size (page_params.page_size): must be an integer between 1 and 100');

    const es = await runCli(['tokens', 'list', '--grant-flow', 'nope', '--lang', 'es'], env);
    expect(es.code).toBe(2);
    expect(es.stderr).toContain('--grant-flow (grant_flow): debe ser uno de');

    const badId = await runCli(['tokens', 'get', 'not-a-uuid'], env);
    expect(badId.code).toBe(2);

    for (const args of [
      ['tokens', 'list', '--bogus'],
      ['tokens', 'list', '--snapshot', 'yesterday'],
      ['tokens', 'list', '--page', 'two'],
      ['tokens', 'list', '--format', 'xml'],
      ['tokens', 'get'],
      ['tokens', 'frobnicate'],
      ['users', 'list'],
    ]) {
      const u = await runCli(args, env);
      expect(u.code, args.join(' ')).toBe(2);
      expect(u.stderr, args.join(' ')).toContain('tokenwarden --help');
    }
    const noToken = await runCli(['tokens', 'list'], { TOKENWARDEN_URL: server.url });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('TOKENWARDEN_TOKEN');
    const noUrl = await runCli(['tokens', 'list'], { TOKENWARDEN_TOKEN: entity.access_token });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).not.toContain(entity.access_token);
  });

  it('4 for not found', async () => {
    const r = await runCli(['tokens', 'get', randomUUID()], env);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('token not found (HTTP 404 NOT_FOUND)');
    const revoke = await runCli(['tokens', 'revoke', randomUUID()], env);
    expect(revoke.code).toBe(4);
  });

  it('6 when the server does not answer', async () => {
    const gone = await startServer();
    const url = gone.url;
    await gone.close();
    const r = await runCli(['tokens', 'list', '--retries', '1'], { TOKENWARDEN_URL: url, TOKENWARDEN_TOKEN: entity.access_token });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('no answer from the server');
    expect(r.stderr).not.toContain(entity.access_token);
  });
});
