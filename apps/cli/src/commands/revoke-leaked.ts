import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_LEAKED_TOKENS, MAX_REASON_LENGTH, RevokeLeakedInput, type RevokeLeakedResponse } from '@tokenwarden/contracts';
import { EXIT, EXIT_CODES_HELP, UsageError } from '../exit-codes.js';
import { CONNECTION_OPTIONS, formatFlag } from '../flags.js';
import { CONNECTION } from '../help.js';
import { count, jsonLine } from '../output.js';
import { namingFlags } from '../report.js';
import type { Io } from '../run.js';
import type { CommandContext } from './context.js';

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  reason: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies ParseArgsConfig['options'];

const FLAG_FOR_FIELD = { reason: '--reason', tokens: '<file>' };

/**
 * A report's body stays well under the server's body limit (64 KiB): strings are sent in
 * reports of at most this many characters of JSON, and at most MAX_LEAKED_TOKENS strings.
 */
const REPORT_CHARS = 48 * 1024;

/** One string of a report as the contract takes it (not empty, at most 256 characters). */
const LeakedString = RevokeLeakedInput.shape.tokens.element;

export const REVOKE_LEAKED_HELP = `Usage: tokenwarden tokens revoke-leaked <file | -> [--reason <text>] [options]

Revokes the tokens among strings found where they should not be (a repository, a log, a
ticket): POST /v1/iam/oauth/tokens:revoke-leaked. Reads <file> (or stdin for -), one
string a line; blank lines and the whitespace around each string are ignored, and a string
given twice is sent once. Only tokens of this entity (of a user token's own user) are
revoked; strings that are other entities' tokens count exactly like strings that are no
token. Strings that cannot be tokens by their shape or checksum count as malformed and are
never looked up.

It never prints the strings: only the counts, and the token_id of each token it revoked.
Up to ${MAX_LEAKED_TOKENS} strings go in one report (one TOKENS_REVOKED_LEAKED event in the audit trail); a
longer file is sent as several.

  --reason <text>          why (1-${MAX_REASON_LENGTH} characters), kept with each revoked token and the event
  --quiet                  nothing on stderr but errors
  --format <table|json>    default: sentences on a terminal, one JSON line when piped

${CONNECTION}

Examples:
  tokenwarden tokens revoke-leaked found.txt --reason "pushed to a public repository"
  grep -oE 'twat_[0-9A-Za-z]{49}' build.log | tokenwarden tokens revoke-leaked -

${EXIT_CODES_HELP}
`;

async function readSource(source: string, io: Io, quiet: boolean, err: (text: string) => void): Promise<string> {
  if (source === '-') {
    if (io.stdin.isTTY && !quiet) err('reading the strings from the terminal, one a line; end with Ctrl-D\n');
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${source}${code ? ` (${code})` : ''}`);
  }
}

/** The strings in reports the server takes: at most MAX_LEAKED_TOKENS each, and a body well under its limit. */
function reports(strings: readonly string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const s of strings) {
    const size = JSON.stringify(s).length + 1;
    if (current.length > 0 && (current.length >= MAX_LEAKED_TOKENS || chars + size > REPORT_CHARS)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(s);
    chars += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** `tokenwarden tokens revoke-leaked <file | ->`. */
export async function revokeLeakedCommand(argv: string[], { io, term, connect }: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    await term.out(REVOKE_LEAKED_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw new UsageError('tokens revoke-leaked takes one <file>, or - for stdin');
  const format = formatFlag(values.format, ['table', 'json'], term);
  const quiet = values.quiet === true;
  const client = connect(values, io, term);
  const text = await readSource(positionals[0] as string, io, quiet, (t) => term.err(t));
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  // Whatever goes wrong from here, no message shows one of them.
  for (const l of lines) term.hideSecret(l);
  if (lines.length === 0) throw new UsageError(`no strings in ${positionals[0]}: every line is blank`);
  const distinct = [...new Set(lines)];
  // A string the contract refuses (over 256 characters) is no token: counted as malformed, not sent.
  const sendable = distinct.filter((s) => LeakedString.safeParse(s).success);
  const total = {
    lines: lines.length,
    submitted: distinct.length,
    malformed: distinct.length - sendable.length,
    matched: 0,
    revoked: 0,
    already_revoked: 0,
    revoked_token_ids: [] as string[],
    event_ids: [] as string[],
  };
  const batches = reports(sendable);
  return namingFlags(term, FLAG_FOR_FIELD, async () => {
    for (const [i, batch] of batches.entries()) {
      const r: RevokeLeakedResponse = await client.tokens.revokeLeaked({
        tokens: batch,
        ...(values.reason !== undefined ? { reason: values.reason } : {}),
      });
      total.malformed += r.malformed;
      total.matched += r.matched;
      total.revoked += r.revoked;
      total.already_revoked += r.already_revoked;
      total.revoked_token_ids.push(...r.revoked_token_ids);
      total.event_ids.push(r.event_id);
      if (!quiet && batches.length > 1) term.err(`reported ${i + 1}/${batches.length} (${total.revoked} revoked so far)\n`);
    }
    if (format === 'json') await term.out(jsonLine(total));
    else {
      const notMatched = total.submitted - total.malformed - total.matched;
      await term.out(
        `${count(total.submitted, 'distinct string')}: ${total.malformed} malformed, ${notMatched} not a token of this entity, ` +
          `${total.matched} matched (${total.revoked} revoked now, ${total.already_revoked} revoked before)\n` +
          total.revoked_token_ids.map((id) => `revoked ${id}\n`).join('') +
          total.event_ids.map((id) => `audit event ${id}\n`).join(''),
      );
    }
    return EXIT.OK;
  });
}
