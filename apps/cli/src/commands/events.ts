import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EVENT_TYPES, MAX_EVENT_PAGE_SIZE, type ListTokenEventsRequest, type TokenEvent } from '@tokenwarden/contracts';
import { EXIT, EXIT_CODES_HELP, UsageError } from '../exit-codes.js';
import { CONNECTION_OPTIONS, enumFlag, formatFlag, instantFlag, integerFlag, listFlag } from '../flags.js';
import { CONNECTION } from '../help.js';
import { count, EVENT_TABLE, jsonLine } from '../output.js';
import { namingFlags } from '../report.js';
import type { CommandContext } from './context.js';

const LIST_OPTIONS = {
  ...CONNECTION_OPTIONS,
  type: { type: 'string', multiple: true },
  'token-id': { type: 'string' },
  'actor-token-id': { type: 'string' },
  'actor-client-id': { type: 'string' },
  'actor-user-id': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'page-size': { type: 'string' },
  'page-token': { type: 'string' },
  all: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies ParseArgsConfig['options'];

/** The flag each parameter of the trail comes from, as a 400 names it. */
const FLAG_FOR_FIELD = {
  type: '--type',
  token_id: '--token-id',
  actor_token_id: '--actor-token-id',
  actor_client_id: '--actor-client-id',
  actor_user_id: '--actor-user-id',
  occurred_after: '--since',
  occurred_before: '--until',
  page_size: '--page-size',
  page_token: '--page-token',
} as const;

export const EVENTS_HELP = `Usage:
  tokenwarden events list [options]

Run "tokenwarden events list --help" for details.

${EXIT_CODES_HELP}
`;

export const EVENTS_LIST_HELP = `Usage: tokenwarden events list [options]

Lists the audit trail of the entity, newest first (GET /v1/iam/oauth/token-events): every
token issued, revoked one at a time, by filter or as leaked, every listing and purge, with
who did it, when, the request id and the reason. Never a token value. Needs the scope
iam.oauth.token_events.list.get (iam.oauth.* grants it); a user token without an admin role
sees only its own user's actions. Without --all it prints one page and tells on stderr how
to ask for the next one.

Filters (combined with AND):
  --type <type>              ${EVENT_TYPES.join(', ')}
                             (repeat the flag, or separate with commas; any of them;
                             lower case is fine)
  --token-id <uuid>          events that touched this token
  --actor-token-id <uuid>    events done with this token
  --actor-client-id <id>     events done by this API client
  --actor-user-id <uuid>     events done by this user
  --since <time>             at or after: an RFC 3339 instant (2026-03-01T00:00:00Z, or with an
                             offset), or a span back from now: 90s, 15m, 24h, 7d
  --until <time>             strictly before (the same forms)

Pages:
  --page-size <1..${MAX_EVENT_PAGE_SIZE}>    events per page (default 50; ${MAX_EVENT_PAGE_SIZE} with --all)
  --page-token <token>       the next page of an earlier answer (printed on stderr); give the
                             same filters
  --all                      every page: each event once, none recorded meanwhile
  --quiet                    nothing on stderr but errors

Output:
  --format <table|json>      default: table on a terminal, JSON lines (one event per line,
                             every field) when piped

${CONNECTION}

Examples:
  tokenwarden events list --type token_revoked --since 24h
  tokenwarden events list --token-id <uuid> --all --format json

${EXIT_CODES_HELP}
`;

function eventsInput(v: { [K in keyof typeof LIST_OPTIONS]?: unknown }): ListTokenEventsRequest {
  const text = (k: keyof typeof LIST_OPTIONS) => v[k] as string | undefined;
  const input: Record<string, unknown> = {};
  const pageSize = integerFlag('page-size', text('page-size'), 0) ?? (v.all ? MAX_EVENT_PAGE_SIZE : undefined);
  if (pageSize !== undefined) input.page_size = pageSize;
  const types = listFlag(v.type as string[] | undefined)?.map((t) => enumFlag(t, EVENT_TYPES));
  if (types !== undefined) input.type = types;
  const simple = {
    'token-id': 'token_id',
    'actor-token-id': 'actor_token_id',
    'actor-client-id': 'actor_client_id',
    'actor-user-id': 'actor_user_id',
  };
  for (const [flag, parameter] of Object.entries(simple)) {
    const value = text(flag as keyof typeof LIST_OPTIONS);
    if (value !== undefined) input[parameter] = value;
  }
  const since = instantFlag(text('since'));
  if (since !== undefined) input.occurred_after = since;
  const until = instantFlag(text('until'));
  if (until !== undefined) input.occurred_before = until;
  const pageToken = text('page-token');
  if (pageToken !== undefined) input.page_token = pageToken;
  // Values are checked by the server (one source of truth); a bad one is a 400 naming its flag.
  return input as ListTokenEventsRequest;
}

async function listCommand(argv: string[], { io, term, connect }: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: LIST_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    await term.out(EVENTS_LIST_HELP);
    return EXIT.OK;
  }
  if (positionals.length > 0) throw new UsageError(`events list takes no arguments (got "${positionals[0]}")`);
  const format = formatFlag(values.format, ['table', 'json'], term);
  const input = eventsInput(values);
  const client = connect(values, io, term);
  const rows = (events: TokenEvent[]) => events.map((e) => (format === 'table' ? EVENT_TABLE.row(e) : jsonLine(e))).join('');
  const header = format === 'table' ? EVENT_TABLE.header() : '';
  const quiet = values.quiet === true;

  return namingFlags(term, FLAG_FOR_FIELD, async () => {
    if (!values.all) {
      const page = await client.events.list(input);
      await term.out(header + rows(page.events));
      if (!quiet) {
        const next = page.next_page_token ? `; next: --page-token ${page.next_page_token} (with the same filters), or --all` : '';
        term.err(`${count(page.events.length, 'event')}${next}\n`);
      }
      return EXIT.OK;
    }
    await term.out(header);
    let events = 0;
    let pages = 0;
    const live = !quiet && term.stderrIsTty;
    for await (const page of client.events.pages(input)) {
      pages += 1;
      events += page.events.length;
      if (live) term.err('\r\x1b[K');
      await term.out(rows(page.events));
      if (live) term.err(`fetched ${count(events, 'event')} (${count(pages, 'page')})`);
    }
    if (live) term.err('\r\x1b[K');
    if (!quiet) term.err(`done: ${count(events, 'event')} in ${count(pages, 'page')}\n`);
    return EXIT.OK;
  });
}

/** `tokenwarden events <command>`. */
export async function eventsCommand(command: string | undefined, argv: string[], context: CommandContext): Promise<number> {
  if (command === '--help' || command === '-h' || command === 'help') {
    await context.term.out(EVENTS_HELP);
    return EXIT.OK;
  }
  if (command === 'list') return listCommand(argv, context);
  throw new UsageError(command === undefined ? 'events needs a command: list' : `unknown command "events ${command}"`);
}
