import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccessToken } from '@tokenwarden/api';
import { createTokenwardenClient, type TokenwardenClient } from '@tokenwarden/client';
import { EVENT_TYPES, parseTimestamp, TokenEvent, TokenFilterFields } from '@tokenwarden/contracts';
import { mint, newEntity, runCli as run, runCliOnTerminal, startServer, type CliResult, type TestServer } from './support/server.js';

let server: TestServer;
let dir: string;
/** Every secret this suite made: none may appear in anything the CLI prints. */
const secrets: string[] = [];
const outputs: string[] = [];

beforeAll(async () => {
  server = await startServer();
  dir = await mkdtemp(join(tmpdir(), 'tw-cli-audit-'));
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI and keeps what it printed, for the check that no secret is in it. */
async function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  const r = await run(args, env, input);
  outputs.push(r.stdout, r.stderr);
  return r;
}

interface Tenant {
  env: Record<string, string>;
  client: TokenwardenClient;
  entityPk: number;
}

async function tenant(name: string): Promise<Tenant> {
  const e = await newEntity(server.deps, name);
  secrets.push(e.access_token, e.client_secret);
  return {
    env: { TOKENWARDEN_URL: server.url, TOKENWARDEN_TOKEN: e.access_token },
    client: createTokenwardenClient({ url: server.url, accessToken: e.access_token }),
    entityPk: e.entity_pk,
  };
}

/** Mints `n` tokens; their ids, sorted (the order of a revocation's ids). */
async function tokens(t: Tenant, n: number, spec: Omit<Parameters<typeof mint>[1], 'entityPk'> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => mint(server.deps, { entityPk: t.entityPk, ...spec })));
    for (const { accessToken, record } of batch) {
      secrets.push(accessToken);
      ids.push(record.tokenId);
    }
  }
  return ids.sort();
}

async function statuses(t: Tenant, ids: string[]): Promise<string[]> {
  return [...new Set(await Promise.all(ids.map(async (id) => (await t.client.tokens.get({ token_id: id })).status)))];
}

const jsonLines = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

const role = () => `R${randomUUID().slice(0, 8)}`;

describe('--help of the audit commands', () => {
  it.each([[['events', '--help']], [['events', 'list', '--help']], [['tokens', 'revoke', '--help']], [['tokens', 'revoke-leaked', '-h']]])(
    '%j prints usage and the exit codes, and needs no credentials',
    async (args) => {
      const r = await runCli(args, {});
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage/);
      expect(r.stdout).toContain('5  conflict, e.g. already revoked (HTTP 409)');
    },
  );

  it('documents every filter the revocation takes, and every event type', async () => {
    const revoke = (await runCli(['tokens', 'revoke', '--help'], {})).stdout;
    const filters = Object.keys(TokenFilterFields.shape).filter((k) => k !== 'page_token');
    expect(filters.length).toBeGreaterThan(0);
    for (const f of filters) expect(revoke).toContain(`--${f.replaceAll('_', '-')}`);
    for (const flag of ['--dry-run', '--yes', '--reason', '--idempotency-key', '--snapshot', '--all-tokens', 'GRANT_FLOW_PASSWORD']) {
      expect(revoke).toContain(flag);
    }
    const events = (await runCli(['events', 'list', '--help'], {})).stdout;
    for (const type of EVENT_TYPES) expect(events).toContain(type);
    for (const flag of [
      '--type',
      '--token-id',
      '--actor-client-id',
      '--actor-user-id',
      '--actor-token-id',
      '--since',
      '--until',
      '--all',
      '--page-token',
    ]) {
      expect(events).toContain(flag);
    }
    const main = (await runCli(['--help'], {})).stdout;
    for (const command of ['tokens revoke-leaked', 'events list', 'tokens revoke <filters>']) expect(main).toContain(command);
  });
});

describe('tokens revoke <token_id> --reason, and events list', () => {
  it('revokes one token with its reason, and the trail shows it by type and token', async () => {
    const t = await tenant('Single Revoke Corp');
    const [id, other] = await tokens(t, 2);
    const r = await runCli(['tokens', 'revoke', id!, '--reason', 'found in a ticket'], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([{ token_id: id, revoked: true }]);
    expect(await t.client.tokens.get({ token_id: id! })).toMatchObject({ status: 'TOKEN_STATUS_REVOKED', revoke_reason: 'found in a ticket' });
    expect((await t.client.tokens.get({ token_id: other! })).status).toBe('TOKEN_STATUS_ACTIVE');

    const revoked = await runCli(['events', 'list', '--type', 'token_revoked'], t.env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const events = jsonLines<TokenEvent>(revoked.stdout).map((e) => TokenEvent.parse(e));
    expect(events.map((e) => [e.type, e.token_ids, e.reason])).toEqual([['TOKEN_REVOKED', [id], 'found in a ticket']]);
    expect(revoked.stderr).toBe('1 event\n');

    // Every event of the token, newest first; only issuances with another type.
    const history = jsonLines<TokenEvent>((await runCli(['events', 'list', '--token-id', id!], t.env)).stdout);
    expect(history.map((e) => e.type)).toEqual(['TOKEN_REVOKED', 'TOKEN_ISSUED']);
    const issued = jsonLines<TokenEvent>((await runCli(['events', 'list', '--type', 'TOKEN_ISSUED', '--page-size', '100'], t.env)).stdout);
    expect(issued.map((e) => e.type)).toEqual(['TOKEN_ISSUED', 'TOKEN_ISSUED', 'TOKEN_ISSUED']);
    expect(issued.flatMap((e) => e.token_ids)).toEqual(expect.arrayContaining([id, other]));
    // Time bounds: a span back from now, and an instant before all of it.
    expect(jsonLines((await runCli(['events', 'list', '--since', '1h'], t.env)).stdout)).toHaveLength(4);
    expect((await runCli(['events', 'list', '--until', '2000-01-01T00:00:00Z'], t.env)).stdout).toBe('');
  });

  it('walks every page with --all, each event once; one page tells the next on stderr', async () => {
    const t = await tenant('Trail Walk Corp');
    await tokens(t, 9);
    const everything = await t.client.events.list({ page_size: 100 });
    const all = await runCli(['events', 'list', '--all', '--page-size', '2'], t.env);
    expect(all.code, all.stderr).toBe(0);
    expect(jsonLines<TokenEvent>(all.stdout).map((e) => e.event_id)).toEqual(everything.events.map((e) => e.event_id));
    expect(all.stderr).toBe(`done: ${everything.events.length} events in ${Math.ceil(everything.events.length / 2)} pages\n`);

    const one = await runCli(['events', 'list', '--page-size', '4'], t.env);
    const next = /^4 events; next: --page-token (\S+) \(with the same filters\), or --all\n$/.exec(one.stderr)?.[1];
    expect(next).toBeDefined();
    const two = await runCli(['events', 'list', '--page-size', '4', '--page-token', next!], t.env);
    expect(jsonLines<TokenEvent>(two.stdout).map((e) => e.event_id)).toEqual(everything.events.slice(4, 8).map((e) => e.event_id));

    const table = await runCli(['events', 'list', '--format', 'table', '--page-size', '3', '--quiet'], t.env);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^OCCURRED_AT\s+TYPE\s+ACTOR_CLIENT_ID\s+ACTOR_USER_ID\s+TOKENS\s+FIRST_TOKEN_ID\s+EVENT_ID\s+REASON$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(everything.events[0]!.event_id);
    expect(table.stderr).toBe('');
  });

  it('names the flag of a bad value (exit 2), and refuses mixed or missing arguments', async () => {
    const t = await tenant('Bad Flags Corp');
    const badId = await runCli(['events', 'list', '--token-id', 'nope'], t.env);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('HTTP 400 INVALID_ARGUMENT');
    expect(badId.stderr).toMatch(/--token-id \(token_id\): /);
    const badType = await runCli(['events', 'list', '--type', 'TOKEN_ISSUED,NOPE'], t.env);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/--type \(type(\.1)?\): /);
    const badSince = await runCli(['events', 'list', '--since', 'yesterday'], t.env);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toMatch(/--since \(occurred_after\): /);
    const emptyReason = await runCli(['tokens', 'revoke', randomUUID(), '--reason', ''], t.env);
    expect(emptyReason.code).toBe(2);
    expect(emptyReason.stderr).toMatch(/--reason \((body\.)?reason\): /);

    for (const args of [
      ['tokens', 'revoke'],
      ['tokens', 'revoke', randomUUID(), '--role', 'X'],
      ['tokens', 'revoke', randomUUID(), '--dry-run'],
      ['tokens', 'revoke', '--all-tokens', '--role', 'X', '--dry-run'],
      ['tokens', 'revoke', '--role', 'X', '--snapshot', 'yesterday', '--dry-run'],
      ['tokens', 'revoke-leaked'],
      ['events'],
      ['events', 'frobnicate'],
      ['events', 'list', 'extra'],
    ]) {
      const u = await runCli(args, t.env);
      expect(u.code, args.join(' ')).toBe(2);
      expect(u.stderr, args.join(' ')).toContain('tokenwarden --help');
    }
  });
});

describe('tokens revoke <filter flags>', () => {
  it('--dry-run counts and changes nothing', async () => {
    const t = await tenant('Dry Run Corp');
    const r = role();
    const ids = await tokens(t, 5, { roles: [r] });
    const bystanders = await tokens(t, 2, { roles: ['OTHER'] });
    const dry = await runCli(['tokens', 'revoke', '--role', r, '--dry-run'], t.env);
    expect(dry.code, dry.stderr).toBe(0);
    const [answer] = jsonLines<Record<string, unknown>>(dry.stdout);
    expect(answer).toMatchObject({ dry_run: true, matched: 5, revoked: 0, token_ids: ids, event_id: null });
    expect(dry.stderr).toContain(`--snapshot ${answer!.snapshot as string} --reason <text>`);
    const table = await runCli(['tokens', 'revoke', '--role', r, '--grant-flow', 'client_credentials', '--dry-run', '--format', 'table'], t.env);
    expect(table.stdout).toMatch(/^would revoke 5 tokens \(snapshot \S+Z\)\n$/);
    expect(await statuses(t, [...ids, ...bystanders])).toEqual(['TOKEN_STATUS_ACTIVE']);
    const trail = await t.client.events.list({ type: ['TOKENS_REVOKED_BY_FILTER', 'TOKEN_REVOKED'] });
    expect(trail.events).toEqual([]);
  });

  it('refuses without --yes when stdin is not a terminal, before asking the server anything', async () => {
    const t = await tenant('Refusal Corp');
    const r = role();
    const ids = await tokens(t, 3, { roles: [r] });
    const before = (await t.client.events.list({ page_size: 100 })).events.length;
    const refused = await runCli(['tokens', 'revoke', '--role', r, '--reason', 'rotation'], t.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to revoke by filter without a confirmation: stdin is not a terminal');
    expect(refused.stderr).toContain('Nothing was revoked');
    expect(refused.stderr).toContain('--yes');
    expect(refused.stdout).toBe('');
    // Not even the count was asked for (a dry run is recorded as a listing).
    expect((await t.client.events.list({ page_size: 100 })).events).toHaveLength(before);
    expect(await statuses(t, ids)).toEqual(['TOKEN_STATUS_ACTIVE']);
    // Piped input is no confirmation either.
    const piped = await runCli(['tokens', 'revoke', '--role', r, '--reason', 'rotation'], t.env, '3\n');
    expect(piped.code).toBe(2);
    expect(await statuses(t, ids)).toEqual(['TOKEN_STATUS_ACTIVE']);
    // And no reason, no revocation.
    const noReason = await runCli(['tokens', 'revoke', '--role', r, '--yes'], t.env);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason is required');
  });

  it('asks for the count on a terminal: a wrong answer revokes nothing, the right one revokes', async () => {
    const t = await tenant('Terminal Corp');
    const r = role();
    const ids = await tokens(t, 3, { roles: [r] });
    const args = ['tokens', 'revoke', '--role', r, '--reason', 'rotation'];
    const no = await runCliOnTerminal(args, t.env, /Type 3 to revoke them/, '2');
    outputs.push(no.output);
    expect(no.prompted).toBe(true);
    expect(no.code).toBe(2);
    expect(no.output).toContain(`This revokes 3 tokens: role=${r}, at snapshot`);
    expect(no.output).toContain('not confirmed: nothing was revoked');
    expect(await statuses(t, ids)).toEqual(['TOKEN_STATUS_ACTIVE']);

    const yes = await runCliOnTerminal(args, t.env, /Type 3 to revoke them/, '3');
    outputs.push(yes.output);
    expect(yes.prompted).toBe(true);
    expect(yes.code, yes.output).toBe(0);
    expect(yes.output).toMatch(/revoked 3 tokens \(snapshot \S+; audit event [0-9a-f-]{36}; idempotency key tw-cli\.\S+\)/);
    expect(await statuses(t, ids)).toEqual(['TOKEN_STATUS_REVOKED']);
  });

  it('revokes with --yes under one printed key; the same key resumes that revocation and revokes nothing more', async () => {
    const t = await tenant('Bulk CLI Corp');
    const r = role();
    const ids = await tokens(t, 6, { roles: [r] });
    const bystanders = await tokens(t, 2, { roles: ['OTHER'] });
    const args = ['tokens', 'revoke', '--role', r, '--reason', 'rotation', '--yes'];
    const first = await runCli(args, t.env);
    expect(first.code, first.stderr).toBe(0);
    const [summary] = jsonLines<Record<string, unknown>>(first.stdout);
    expect(summary).toMatchObject({ dry_run: false, matched: 6, revoked: 6, completed: true, token_ids: ids, token_ids_complete: true });
    const key = summary!.idempotency_key as string;
    expect(key).toMatch(/^tw-cli\.\d+\.\d{9}\.[0-9a-f]{16}$/);
    expect(first.stderr).toContain(
      `idempotency key ${key}: if this run is interrupted, run the same command with --idempotency-key ${key} to finish it`,
    );
    expect(first.stderr).toContain(`revoking 6 tokens (snapshot ${summary!.snapshot as string})`);
    expect(await t.client.tokens.get({ token_id: ids[0]! })).toMatchObject({ status: 'TOKEN_STATUS_REVOKED', revoke_reason: 'rotation' });
    expect(await statuses(t, bystanders)).toEqual(['TOKEN_STATUS_ACTIVE']);

    // Tokens of the role issued since: a resumed run keeps the first run's snapshot and revocation.
    const later = await tokens(t, 2, { roles: [r] });
    const resumed = await runCli([...args, '--idempotency-key', key], t.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed.stdout)).toEqual([summary]);
    expect(await statuses(t, later)).toEqual(['TOKEN_STATUS_ACTIVE']);
    const events = (await t.client.events.list({ type: ['TOKENS_REVOKED_BY_FILTER'] })).events;
    expect(events.map((e) => [e.event_id, e.token_count, e.reason, e.completed])).toEqual([[summary!.event_id, 6, 'rotation', true]]);

    // The key for another request (another reason) is a conflict, naming the flag; nothing is revoked.
    const reused = await runCli(['tokens', 'revoke', '--role', r, '--reason', 'other', '--yes', '--idempotency-key', key], t.env);
    expect(reused.code).toBe(5);
    expect(reused.stderr).toMatch(/--idempotency-key \(idempotency_key\): /);
    expect(await statuses(t, later)).toEqual(['TOKEN_STATUS_ACTIVE']);

    // A new run (no key) is a new revocation, at a new snapshot.
    const again = await runCli([...args, '--format', 'table'], t.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^revoked 2 tokens \(snapshot \S+; audit event [0-9a-f-]{36}; idempotency key tw-cli\.\S+\)\n$/);
    expect(await statuses(t, later)).toEqual(['TOKEN_STATUS_REVOKED']);
  });

  it('resumes a run whose answer was lost: its key answers the revocation it made, and starts no other', async () => {
    const t = await tenant('Interrupted Corp');
    const r = role();
    const ids = await tokens(t, 4, { roles: [r] });
    const dry = jsonLines<{ snapshot: string }>((await runCli(['tokens', 'revoke', '--role', r, '--dry-run'], t.env)).stdout)[0]!;
    // The run's own request reached the server, and the CLI died before its answer.
    const key = `ops-${r}`;
    await t.client.tokens.revokeByFilter({ role: r, first_request_timestamp: parseTimestamp(dry.snapshot), reason: 'leak', idempotency_key: key });
    const later = await tokens(t, 1, { roles: [r] });
    // A key of one's own resumes with the snapshot the run printed.
    const resumed = await runCli(
      ['tokens', 'revoke', '--role', r, '--reason', 'leak', '--yes', '--idempotency-key', key, '--snapshot', dry.snapshot],
      t.env,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed.stdout)).toEqual([
      expect.objectContaining({ matched: 4, revoked: 4, token_ids: ids, idempotency_key: key, snapshot: dry.snapshot }),
    ]);
    expect(await statuses(t, later)).toEqual(['TOKEN_STATUS_ACTIVE']);
    expect((await t.client.events.list({ type: ['TOKENS_REVOKED_BY_FILTER'] })).events).toHaveLength(1);
  });

  it('drives a long revocation to its end: every revoked id across pages, progress on stderr', async () => {
    const t = await tenant('Large Corp');
    const r = role();
    const ids = await tokens(t, 1150, { roles: [r], grantFlow: 'GRANT_FLOW_PASSWORD', userId: randomUUID() });
    const res = await runCli(['tokens', 'revoke', '--role', r, '--grant-flow', 'password', '--reason', 'breach', '--yes'], t.env);
    expect(res.code, res.stderr).toBe(0);
    const [summary] = jsonLines<{ revoked: number; token_ids: string[] }>(res.stdout);
    expect(summary!.revoked).toBe(1150);
    // 1,000 ids an answer: two pages, each id once.
    expect(summary!.token_ids).toEqual(ids);
    expect(res.stderr).toContain('revoking 1150 tokens');
    for (const line of res.stderr.split('\n').filter((l) => l.startsWith('revoking: '))) {
      expect(line).toMatch(/^revoking: \d+\/1150 tokens \(\d+%\)$/);
    }
    expect(await statuses(t, ids)).toEqual(['TOKEN_STATUS_REVOKED']);
  });

  it('a run that revokes its own access token completes, and says which ids it could not fetch', async () => {
    const t = await tenant('Self Revoke Corp');
    const r = role();
    const ids = await tokens(t, 1000, { roles: [r] });
    // The CLI's own token has the role too: the first answer revokes it, so the second page of ids is refused (401).
    const self = await mint(server.deps, { entityPk: t.entityPk, roles: [r] });
    secrets.push(self.accessToken);
    const all = [...ids, self.record.tokenId].sort();
    const res = await runCli(['tokens', 'revoke', '--role', r, '--reason', 'breach', '--yes'], { ...t.env, TOKENWARDEN_TOKEN: self.accessToken });
    expect(res.code, res.stderr).toBe(0);
    const [summary] = jsonLines<Record<string, unknown>>(res.stdout);
    expect(summary).toMatchObject({ revoked: 1001, completed: true, token_ids: all.slice(0, 1000), token_ids_complete: false });
    expect(res.stderr).toContain('the access token itself was among the revoked tokens, so only 1000 of the 1001 revoked ids could be fetched');
    expect(await statuses(t, all)).toEqual(['TOKEN_STATUS_REVOKED']);
  });

  it('nothing to revoke: says so, and starts no revocation', async () => {
    const t = await tenant('Empty Corp');
    const res = await runCli(['tokens', 'revoke', '--role', 'NOBODY', '--reason', 'r', '--yes', '--format', 'table'], t.env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^nothing to revoke: no token selected that is not revoked already \(snapshot \S+\)\n$/);
    expect((await t.client.events.list({ type: ['TOKENS_REVOKED_BY_FILTER'] })).events).toEqual([]);
  });
});

describe('tokens revoke-leaked', () => {
  it('revokes the tokens of the entity among the lines, and never prints a string it read', async () => {
    const t = await tenant('Leak Corp');
    const leaked = await mint(server.deps, { entityPk: t.entityPk });
    const kept = await mint(server.deps, { entityPk: t.entityPk });
    const raw = leaked.accessToken;
    const foundId = leaked.record.tokenId;
    const unknown = newAccessToken().raw;
    const elsewhere = await tenant('Other Leak Corp');
    const theirs = (await mint(server.deps, { entityPk: elsewhere.entityPk })).accessToken;
    secrets.push(raw, kept.accessToken, unknown, theirs);
    const file = join(dir, 'leaked.txt');
    await writeFile(file, `\n  ${raw}  \n\n${unknown}\r\n   \n${theirs}\nnot a token\n${raw}\n`);

    const res = await runCli(['tokens', 'revoke-leaked', file, '--reason', 'pushed to a public repository'], t.env);
    expect(res.code, res.stderr).toBe(0);
    const [report] = jsonLines<Record<string, unknown>>(res.stdout);
    expect(report).toEqual({
      lines: 5,
      submitted: 4,
      malformed: 1,
      matched: 1,
      revoked: 1,
      already_revoked: 0,
      revoked_token_ids: [foundId],
      event_ids: [expect.stringMatching(/^[0-9a-f-]{36}$/)],
    });
    expect(res.stderr).toBe('');
    expect(await t.client.tokens.get({ token_id: foundId })).toMatchObject({
      status: 'TOKEN_STATUS_REVOKED',
      revoke_reason: 'pushed to a public repository',
    });
    expect((await t.client.tokens.get({ token_id: kept.record.tokenId })).status).toBe('TOKEN_STATUS_ACTIVE');
    expect((await elsewhere.client.oauth.introspect({ token: theirs })).active).toBe(true);
    const trail = (await t.client.events.list({ type: ['TOKENS_REVOKED_LEAKED'] })).events;
    const eventId = (report!.event_ids as string[])[0];
    expect(trail.map((e) => [e.event_id, e.token_ids, e.reason])).toEqual([[eventId, [foundId], 'pushed to a public repository']]);

    // Again from stdin, as a sentence: now already revoked.
    const again = await runCli(['tokens', 'revoke-leaked', '-', '--format', 'table'], t.env, `${raw}\n\n${unknown}\n`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /^2 distinct strings: 0 malformed, 1 not a token of this entity, 1 matched \(0 revoked now, 1 revoked before\)\naudit event [0-9a-f-]{36}\n$/,
    );
  });

  it('refuses an empty file and a missing one without printing their contents', async () => {
    const t = await tenant('Empty Leak Corp');
    const blank = join(dir, 'blank.txt');
    await writeFile(blank, '\n   \n\t\n');
    const empty = await runCli(['tokens', 'revoke-leaked', blank], t.env);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('every line is blank');
    const missing = await runCli(['tokens', 'revoke-leaked', join(dir, 'nope.txt')], t.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('(ENOENT)');
  });
});

describe('secrets', () => {
  it('no token value, client secret or leaked string appears in anything the CLI printed', () => {
    expect(outputs.length).toBeGreaterThan(40);
    expect(secrets.length).toBeGreaterThan(1000);
    const printed = outputs.join('\n');
    for (const s of secrets) expect(printed.includes(s), 'a secret was printed').toBe(false);
    expect(printed).not.toMatch(/twat_[0-9A-Za-z]{20,}/);
  });
});
