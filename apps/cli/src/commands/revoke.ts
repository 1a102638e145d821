import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TokenwardenError, type TokenwardenClient } from '@tokenwarden/client';
import {
  MAX_REASON_LENGTH,
  MAX_REVOKED_PAGE,
  parseTimestamp,
  type RevokeByFilterRequest,
  type RevokeByFilterResponse,
  type Timestamp,
} from '@tokenwarden/contracts';
import { EXIT, EXIT_CODES_HELP, UsageError } from '../exit-codes.js';
import { FILTER_FLAG_FOR_FIELD, FILTER_FLAGS, FILTER_OPTIONS, filterHelp, filterInput } from '../filter-flags.js';
import { CONNECTION_OPTIONS, formatFlag } from '../flags.js';
import { CONNECTION } from '../help.js';
import { count, jsonLine, printable } from '../output.js';
import { namingFlags } from '../report.js';
import type { Io, Terminal } from '../run.js';
import type { CommandContext } from './context.js';
import { RevocationProgress } from './revocation-progress.js';

const OWN_OPTIONS = {
  reason: { type: 'string' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  'idempotency-key': { type: 'string' },
  snapshot: { type: 'string' },
  'all-tokens': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies ParseArgsConfig['options'];

const OPTIONS: NonNullable<ParseArgsConfig['options']> = { ...CONNECTION_OPTIONS, ...FILTER_OPTIONS, ...OWN_OPTIONS };

/** What the flags of one command line hold (filters are named by the contract, so typed loosely). */
type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** The flags of a revocation by filter, which a single revocation does not take. */
const BY_FILTER_ONLY = ['dry-run', 'yes', 'idempotency-key', 'snapshot', 'all-tokens', ...FILTER_FLAGS.map((f) => f.flag.slice(2))];

const FLAG_FOR_FIELD = {
  ...FILTER_FLAG_FOR_FIELD,
  token_id: '<token_id>',
  reason: '--reason',
  'body.reason': '--reason',
  idempotency_key: '--idempotency-key',
  first_request_timestamp: '--snapshot',
  'first_request_timestamp.seconds': '--snapshot',
  'first_request_timestamp.nanos': '--snapshot',
};

export const REVOKE_HELP = `Usage:
  tokenwarden tokens revoke <token_id> [--reason <text>] [options]
  tokenwarden tokens revoke <filter flags> --dry-run [options]
  tokenwarden tokens revoke <filter flags> --reason <text> [--yes] [options]

With a <token_id>: revokes that token (DELETE /v1/iam/oauth/tokens/{token_id}); it stops
authenticating at once. Revoking a revoked token fails with exit status 5.

With filter flags: revokes every token they select (POST /v1/iam/oauth/tokens:revoke), at
a snapshot: tokens issued after it are never touched, nor tokens already revoked.
  1. It counts them first (a dry run). --dry-run prints the count and stops.
  2. It asks you to type that count back, on a terminal; --yes skips the question. Without
     a terminal (a script, a pipe) and without --yes it refuses and revokes nothing.
  3. It revokes them at the counted snapshot, under one idempotency key, which it makes and
     prints (on stderr) before it starts. If the run is interrupted, run the same command
     with --idempotency-key <key>: the server finishes that one revocation, and revokes
     nothing twice. Progress goes to stderr; the final counts to stdout. A run that
     revokes the access token itself completes, but can fetch only the first ${MAX_REVOKED_PAGE} ids.

Filters (those of "tokenwarden tokens list", combined with AND; see its --help):
${filterHelp()}
  --all-tokens           no filter: every token this access token may see (the whole entity,
                         or a user token's own user's)

Revocation:
  --reason <text>            why (1-${MAX_REASON_LENGTH} characters), kept with each token and in the audit
                             trail; required to revoke by filter
  --dry-run                  only count what would be revoked (nothing changes)
  -y, --yes                  revoke without asking
  --idempotency-key <key>    resume a run (the key it printed); or your own key
                             (A-Z a-z 0-9 . _ : -, up to 128), then resume with --snapshot too
  --snapshot <rfc3339>       revoke at this snapshot (e.g. the one a --dry-run printed), so
                             exactly what it counted
  --quiet                    no progress or hints on stderr (the key is still printed)

Output:
  --format <table|json>      default: a sentence on a terminal, one JSON line when piped
                             (by filter: the counts, the event and every revoked token_id)

${CONNECTION}

Examples:
  tokenwarden tokens revoke 249a0a2e-028a-4e15-a841-de9fd4e4cd84 --reason "found in a ticket"
  tokenwarden tokens revoke --user-id <uuid> --dry-run
  tokenwarden tokens revoke --user-id <uuid> --reason offboarding
  tokenwarden tokens revoke --role TELLER --grant-flow password --reason rotation --yes

${EXIT_CODES_HELP}
`;

/** The keys this command makes: `tw-cli.<seconds>.<nanos>.<random>`, holding the snapshot they revoke at. */
const KEY_PATTERN = /^tw-cli\.(-?\d{1,12})\.(\d{9})\.[0-9a-f]{16}$/;

/** A key of its own for one run, carrying its snapshot, so the key alone resumes the run. */
export function newIdempotencyKey(snapshot: Timestamp): string {
  return `tw-cli.${snapshot.seconds}.${String(snapshot.nanos).padStart(9, '0')}.${randomBytes(8).toString('hex')}`;
}

/** The snapshot inside a key this command made; undefined for a key of the caller's own. */
export function snapshotOfKey(key: string): Timestamp | undefined {
  const m = KEY_PATTERN.exec(key);
  return m ? { seconds: Number(m[1]), nanos: Number(m[2]) } : undefined;
}

function sameInstant(a: Timestamp, b: Timestamp): boolean {
  return a.seconds === b.seconds && a.nanos === b.nanos;
}

/** The filters in words, for the question. */
function describe(filters: Record<string, unknown>): string {
  const parts = Object.entries(filters).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  return parts.length > 0 ? parts.join(' ') : 'every token this access token may see';
}

/** One line typed on the terminal (undefined at end of input). */
async function readLine(io: Io): Promise<string | undefined> {
  const lines = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
    io.stdin.pause();
  }
}

async function revokeOne(tokenId: string, values: Values, { io, term, connect }: CommandContext): Promise<number> {
  const format = formatFlag(values.format as string | undefined, ['table', 'json'], term);
  const reason = values.reason as string | undefined;
  const client = connect(values, io, term);
  return namingFlags(term, FLAG_FOR_FIELD, async () => {
    await client.tokens.revoke({ token_id: tokenId, ...(reason !== undefined ? { body: { reason } } : {}) });
    await term.out(format === 'json' ? jsonLine({ token_id: tokenId, revoked: true }) : `revoked ${tokenId}\n`);
    return EXIT.OK;
  });
}

interface ByFilter {
  filters: Record<string, unknown>;
  reason: string | undefined;
  key: string | undefined;
  /** The snapshot to count and revoke at, when the command line gives one (itself, or inside a key). */
  snapshot: Timestamp | undefined;
  dryRun: boolean;
  yes: boolean;
  quiet: boolean;
  json: boolean;
}

function byFilterRun(values: Values, term: Terminal, io: Io): ByFilter {
  const filters = filterInput(values);
  const all = values['all-tokens'] === true;
  if (all && Object.keys(filters).length > 0) throw new UsageError('--all-tokens selects every token: give it no filter flags');
  if (!all && Object.keys(filters).length === 0) {
    throw new UsageError('tokens revoke needs a <token_id>, or filter flags (e.g. --user-id) to revoke by filter, or --all-tokens');
  }
  const key = values['idempotency-key'] as string | undefined;
  const snapshotText = values.snapshot as string | undefined;
  let snapshot: Timestamp | undefined;
  if (snapshotText !== undefined) {
    try {
      snapshot = parseTimestamp(snapshotText);
    } catch {
      throw new UsageError('--snapshot must be an RFC 3339 UTC timestamp, e.g. 2026-03-29T02:12:15.123456Z');
    }
  }
  const keySnapshot = key === undefined ? undefined : snapshotOfKey(key);
  if (snapshot && keySnapshot && !sameInstant(snapshot, keySnapshot)) {
    throw new UsageError('--snapshot differs from the snapshot of the run that made this --idempotency-key: leave --snapshot out');
  }
  const dryRun = values['dry-run'] === true;
  const yes = values.yes === true;
  const reason = values.reason as string | undefined;
  if (!dryRun) {
    if (reason === undefined) throw new UsageError('--reason is required to revoke by filter (it is kept with each token and in the audit trail)');
    if (!yes && io.stdin.isTTY !== true) {
      throw new UsageError(
        'refusing to revoke by filter without a confirmation: stdin is not a terminal, so no count can be typed. ' +
          'Nothing was revoked. Check what would be revoked with --dry-run, then add --yes',
      );
    }
  }
  return {
    filters,
    reason,
    key,
    snapshot: snapshot ?? keySnapshot,
    dryRun,
    yes,
    quiet: values.quiet === true,
    json: formatFlag(values.format as string | undefined, ['table', 'json'], term) === 'json',
  };
}

async function dryRunOutput(preview: RevokeByFilterResponse, run: ByFilter, term: Terminal): Promise<number> {
  if (run.json) await term.out(jsonLine(preview));
  else await term.out(`would revoke ${count(preview.matched, 'token')} (snapshot ${preview.snapshot})\n`);
  if (!run.quiet && preview.matched > 0) {
    term.err(`to revoke exactly these: the same flags without --dry-run, with --snapshot ${preview.snapshot} --reason <text>\n`);
  }
  return EXIT.OK;
}

/** Asks for the count to be typed back; true when it was. */
async function confirmed(preview: RevokeByFilterResponse, run: ByFilter, io: Io, term: Terminal): Promise<boolean> {
  term.err(
    `This revokes ${count(preview.matched, 'token')}: ${printable(describe(run.filters))}, at snapshot ${preview.snapshot}, ` +
      `with the reason "${printable(run.reason ?? '')}".\nType ${preview.matched} to revoke them, anything else to stop: `,
  );
  const answer = await readLine(io);
  if (answer === undefined) term.err('\n');
  return answer?.trim() === String(preview.matched);
}

async function revokeByFilter(values: Values, { io, term, connect }: CommandContext): Promise<number> {
  const run = byFilterRun(values, term, io);
  const client: TokenwardenClient = connect(values, io, term);
  return namingFlags(term, FLAG_FOR_FIELD, async () => {
    // The count, at the snapshot the revocation will use (a resumed run's own, or a new one).
    const preview = await client.tokens.revokeByFilter({
      ...run.filters,
      ...(run.snapshot ? { first_request_timestamp: run.snapshot } : {}),
      dry_run: true,
    } as RevokeByFilterRequest);
    if (run.dryRun) return dryRunOutput(preview, run, term);
    if (preview.matched === 0 && run.key === undefined) {
      const nothing = {
        dry_run: false,
        snapshot: preview.snapshot,
        matched: 0,
        revoked: 0,
        event_id: null,
        completed: true,
        idempotency_key: null,
        token_ids: [],
        token_ids_complete: true,
      };
      await term.out(
        run.json ? jsonLine(nothing) : `nothing to revoke: no token selected that is not revoked already (snapshot ${preview.snapshot})\n`,
      );
      return EXIT.OK;
    }
    // A resumed run that has revoked all it counted needs no question: it only answers what it did.
    if (preview.matched > 0 && !run.yes && !(await confirmed(preview, run, io, term))) {
      term.err('not confirmed: nothing was revoked\n');
      return EXIT.USAGE;
    }
    const snapshot = parseTimestamp(preview.snapshot);
    const key = run.key ?? newIdempotencyKey(snapshot);
    const resume = `--idempotency-key ${key}${snapshotOfKey(key) ? '' : ` --snapshot ${preview.snapshot}`}`;
    term.err(`idempotency key ${key}: if this run is interrupted, run the same command with ${resume} to finish it\n`);

    const request = { ...run.filters, first_request_timestamp: snapshot, reason: run.reason, idempotency_key: key } as RevokeByFilterRequest;
    const progress = new RevocationProgress(client, term, { expected: preview.matched, reason: run.reason ?? '', snapshot: preview.snapshot });
    if (!run.quiet) {
      term.err(`revoking ${count(preview.matched, 'token')} (snapshot ${preview.snapshot})\n`);
      progress.start();
    }
    let first: RevokeByFilterResponse | undefined;
    const ids: string[] = [];
    let complete = true;
    try {
      for await (const answer of client.tokens.revokeByFilterPages(request)) {
        if (!first) {
          first = answer;
          progress.stop();
        }
        // The first answer has the counts; the ids of every page are fetched only to be printed (JSON).
        if (!run.json) break;
        ids.push(...answer.token_ids);
        if (!run.quiet && term.stderrIsTty && answer.next_page_token !== null)
          term.err(`\r\x1b[Kfetched ${ids.length}/${answer.revoked} revoked ids`);
      }
    } catch (error) {
      // The access token was among the tokens revoked: the revocation is done, its later pages of ids are out of reach.
      if (!first || !(error instanceof TokenwardenError) || error.status !== 401) throw error;
      complete = false;
    } finally {
      progress.stop();
      if (!run.quiet && term.stderrIsTty) term.err('\r\x1b[K');
    }
    if (!first) throw new Error('the revocation gave no answer');
    const { snapshot: at, matched, revoked, event_id, completed } = first;
    if (!complete) {
      term.err(
        `the access token itself was among the revoked tokens, so only ${ids.length} of the ${revoked} revoked ids could be fetched; ` +
          `to list them all, run the same command with another access token and ${resume}\n`,
      );
    }
    const summary = {
      dry_run: false,
      snapshot: at,
      matched,
      revoked,
      event_id,
      completed,
      idempotency_key: key,
      token_ids: ids,
      token_ids_complete: complete,
    };
    if (run.json) await term.out(jsonLine(summary));
    else await term.out(`revoked ${count(revoked, 'token')} (snapshot ${at}; audit event ${event_id}; idempotency key ${key})\n`);
    return EXIT.OK;
  });
}

/** `tokenwarden tokens revoke`: one token by its id, or every token a set of filters selects. */
export async function revokeCommand(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    await context.term.out(REVOKE_HELP);
    return EXIT.OK;
  }
  if (positionals.length > 1) throw new UsageError('tokens revoke takes one <token_id> (or filter flags, and no <token_id>)');
  const tokenId = positionals[0];
  if (tokenId === undefined) return revokeByFilter(values, context);
  const extra = BY_FILTER_ONLY.find((flag) => values[flag] !== undefined);
  if (extra) throw new UsageError(`--${extra} revokes by filter: give it no <token_id>`);
  return revokeOne(tokenId, values, context);
}
