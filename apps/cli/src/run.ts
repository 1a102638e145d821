import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createTokenwardenClient, csvHeader, csvRow, TokenwardenError, type TokenwardenClient } from '@tokenwarden/client';
import { parseTimestamp, type ListTokensRequest, type ListTokensResponse } from '@tokenwarden/contracts';
import { eventsCommand } from './commands/events.js';
import { revokeCommand } from './commands/revoke.js';
import { revokeLeakedCommand } from './commands/revoke-leaked.js';
import { EXIT, exitCodeFor, UsageError } from './exit-codes.js';
import { CONNECTION_OPTIONS, formatFlag, integerFlag } from './flags.js';
import { GET_HELP, LIST_HELP, MAIN_HELP, TOKENS_HELP } from './help.js';
import { FORMATS, jsonLine, tableHeader, tableRow, tokenDetail, type Format } from './output.js';
import { reportApiError } from './report.js';

/** What the CLI reads and writes; the process's own streams in production. */
export interface Io {
  stdout: { write(text: string): boolean; once(event: 'drain', listener: () => void): unknown; isTTY?: boolean };
  stderr: { write(text: string): boolean; isTTY?: boolean };
  /** Read by commands that take input (a typed confirmation, strings from `-`). */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

const LIST_OPTIONS = {
  ...CONNECTION_OPTIONS,
  'page-size': { type: 'string' },
  page: { type: 'string' },
  snapshot: { type: 'string' },
  'order-key': { type: 'string' },
  'order-direction': { type: 'string' },
  'account-id': { type: 'string' },
  'user-id': { type: 'string' },
  'grant-flow': { type: 'string' },
  role: { type: 'string' },
  status: { type: 'string', multiple: true },
  'client-id': { type: 'string' },
  scope: { type: 'string' },
  'created-after': { type: 'string' },
  'created-before': { type: 'string' },
  'expires-after': { type: 'string' },
  'expires-before': { type: 'string' },
  'last-used-after': { type: 'string' },
  'last-used-before': { type: 'string' },
  'never-used': { type: 'boolean' },
  used: { type: 'boolean' },
  'page-token': { type: 'string' },
  all: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies ParseArgsConfig['options'];

/** The flag a caller wrote for each parameter the server may name in a 400. */
const FLAG_FOR_FIELD: Record<string, string> = {
  'page_params.page_size': '--page-size',
  'page_params.page_number': '--page',
  'page_params.first_request_timestamp': '--snapshot',
  'page_params.first_request_timestamp.seconds': '--snapshot',
  'page_params.first_request_timestamp.nanos': '--snapshot',
  'order_params.order_key': '--order-key',
  'order_params.order_direction': '--order-direction',
  account_id: '--account-id',
  user_id: '--user-id',
  grant_flow: '--grant-flow',
  role: '--role',
  page_token: '--page-token',
  status: '--status',
  client_id: '--client-id',
  scope: '--scope',
  created_after: '--created-after',
  created_before: '--created-before',
  expires_after: '--expires-after',
  expires_before: '--expires-before',
  last_used_after: '--last-used-after',
  last_used_before: '--last-used-before',
  never_used: '--never-used / --used',
  token_id: '<token_id>',
};

/** The flags that are passed to the server as they are written, by list parameter. */
const TEXT_FLAGS = {
  'account-id': 'account_id',
  'user-id': 'user_id',
  role: 'role',
  'client-id': 'client_id',
  scope: 'scope',
  'created-after': 'created_after',
  'created-before': 'created_before',
  'expires-after': 'expires_after',
  'expires-before': 'expires_before',
  'last-used-after': 'last_used_after',
  'last-used-before': 'last_used_before',
  'page-token': 'page_token',
} as const;

/** Writes to the process's streams; every secret it was told of is masked on stderr. */
export class Terminal {
  private readonly secrets: string[] = [];
  constructor(private readonly io: Io) {}

  hideSecret(secret: string): void {
    if (secret.length >= 4) this.secrets.push(secret);
  }

  async out(text: string): Promise<void> {
    if (text && !this.io.stdout.write(text)) await new Promise<void>((resolve) => this.io.stdout.once('drain', resolve));
  }

  err(text: string): void {
    let safe = text;
    for (const s of this.secrets) safe = safe.split(s).join('[redacted]');
    this.io.stderr.write(safe);
  }

  get stdoutIsTty(): boolean {
    return this.io.stdout.isTTY === true;
  }

  get stderrIsTty(): boolean {
    return this.io.stderr.isTTY === true;
  }
}

/** `password` → `GRANT_FLOW_PASSWORD`; a full enum name (or anything else) is sent as written. */
function grantFlowFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[a-z_]+$/.test(value) ? `GRANT_FLOW_${value.toUpperCase()}` : value;
}

function connect(values: { url?: string; token?: string; lang?: string; retries?: string }, io: Io, term: Terminal): TokenwardenClient {
  const url = values.url ?? io.env.TOKENWARDEN_URL;
  const token = (values.token ?? io.env.TOKENWARDEN_TOKEN)?.trim();
  if (token) term.hideSecret(token);
  if (!url) throw new UsageError('no server URL: pass --url or set TOKENWARDEN_URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('--url (or TOKENWARDEN_URL) is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError('--url (or TOKENWARDEN_URL) must be an http or https URL');
  }
  if (!token) throw new UsageError('no access token: set TOKENWARDEN_TOKEN (or pass --token)');
  const retries = integerFlag('retries', values.retries, 0) ?? 2;
  return createTokenwardenClient({
    url: parsed,
    accessToken: token,
    ...(values.lang ? { acceptLanguage: values.lang } : {}),
    retry: retries > 0 ? { attempts: retries + 1 } : false,
  });
}

/** `--status ACTIVE --status expired,revoked`: every value, upper-cased (the server checks them). */
function statusFlag(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => v.trim().toUpperCase());
}

function listInput(v: Record<string, string | boolean | string[] | undefined>): ListTokensRequest {
  const str = (k: string) => v[k] as string | undefined;
  const pageSize = integerFlag('page-size', str('page-size'), 0) ?? (v.all ? 100 : undefined);
  const pageNumber = integerFlag('page', str('page'), 0);
  let snapshot: { seconds: number; nanos: number } | undefined;
  const snapshotText = str('snapshot');
  if (snapshotText !== undefined) {
    try {
      snapshot = parseTimestamp(snapshotText);
    } catch {
      throw new UsageError('--snapshot must be an RFC 3339 UTC timestamp, e.g. 2026-03-29T02:12:15.123456Z');
    }
  }
  const input: Record<string, unknown> = {};
  const pageParams: Record<string, unknown> = {};
  if (pageSize !== undefined) pageParams.page_size = pageSize;
  if (pageNumber !== undefined) pageParams.page_number = pageNumber;
  if (snapshot) pageParams.first_request_timestamp = snapshot;
  if (Object.keys(pageParams).length > 0) input.page_params = pageParams;
  const orderParams: Record<string, unknown> = {};
  if (str('order-key') !== undefined) orderParams.order_key = str('order-key');
  if (str('order-direction') !== undefined) orderParams.order_direction = str('order-direction');
  if (Object.keys(orderParams).length > 0) input.order_params = orderParams;
  for (const [flag, parameter] of Object.entries(TEXT_FLAGS)) {
    if (str(flag) !== undefined) input[parameter] = str(flag);
  }
  if (str('grant-flow') !== undefined) input.grant_flow = grantFlowFlag(str('grant-flow'));
  const status = statusFlag(v.status as string[] | undefined);
  if (status !== undefined) input.status = status;
  if (v['never-used'] && v.used) throw new UsageError('--never-used and --used exclude each other');
  if (v['never-used']) input.never_used = true;
  if (v.used) input.never_used = false;
  // Values are checked by the server (one source of truth); a bad one is a 400 naming it.
  return input as ListTokensRequest;
}

function rowsOf(page: ListTokensResponse, format: Format): string {
  const row = format === 'csv' ? csvRow : format === 'table' ? tableRow : jsonLine;
  return page.tokens.map((t) => row(t)).join('');
}

function headerOf(format: Format): string {
  return format === 'csv' ? csvHeader() : format === 'table' ? tableHeader() : '';
}

/** Progress of `--all` on stderr: one line rewritten on a terminal, a line per tenth otherwise. */
class Progress {
  private lastTenth = -1;
  constructor(
    private readonly term: Terminal,
    private readonly quiet: boolean,
  ) {}

  page(p: ListTokensResponse, fetched: number): void {
    if (this.quiet) return;
    const { current_page, total_pages, total_elements } = p.pagination_info;
    const text = `fetched page ${current_page}/${total_pages} (${fetched}/${total_elements} tokens)`;
    if (this.term.stderrIsTty) {
      this.term.err(`\r\x1b[K${text}`);
      return;
    }
    const tenth = total_pages === 0 ? 10 : Math.floor((current_page * 10) / total_pages);
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.term.err(`${text}\n`);
    }
  }

  /** Wipes the progress line before rows go out, in case stdout is the same terminal. */
  clear(): void {
    if (!this.quiet && this.term.stderrIsTty) this.term.err('\r\x1b[K');
  }

  done(fetched: number, pages: number, snapshot: string): void {
    if (this.quiet) return;
    this.clear();
    this.term.err(`done: ${fetched} tokens in ${pages} pages, snapshot ${snapshot}\n`);
  }
}

async function listCommand(argv: string[], io: Io, term: Terminal): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: LIST_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    await term.out(LIST_HELP);
    return EXIT.OK;
  }
  if (positionals.length > 0) throw new UsageError(`tokens list takes no arguments (got "${positionals[0]}")`);
  const format = formatFlag(values.format, FORMATS, term);
  const input = listInput(values);
  const client = connect(values, io, term);

  if (!values.all) {
    const page = await client.tokens.list(input);
    await term.out(headerOf(format) + rowsOf(page, format));
    if (!values.quiet) {
      const { current_page, total_pages, total_elements, first_request_timestamp, next_page_token } = page.pagination_info;
      // The next page: by its token (with the same other flags), or by number and snapshot. The token
      // is joined to its flag with `=`: it may begin with '-', which would read as a flag of its own.
      const next = next_page_token
        ? `; next: --page-token=${next_page_token} (with the same other flags), or --page ${current_page + 1} --snapshot ${first_request_timestamp}`
        : '';
      term.err(`page ${current_page} of ${total_pages} (${total_elements} tokens, snapshot ${first_request_timestamp})${next}\n`);
    }
    return EXIT.OK;
  }

  const progress = new Progress(term, values.quiet === true);
  await term.out(headerOf(format));
  let fetched = 0;
  let pages = 0;
  let snapshot = '';
  for await (const page of client.tokens.pages(input)) {
    pages += 1;
    fetched += page.tokens.length;
    snapshot = page.pagination_info.first_request_timestamp;
    progress.clear();
    await term.out(rowsOf(page, format));
    progress.page(page, fetched);
  }
  progress.done(fetched, pages, snapshot);
  return EXIT.OK;
}

function oneTokenId(command: string, positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`tokens ${command} takes exactly one <token_id>`);
  return positionals[0] as string;
}

async function getCommand(argv: string[], io: Io, term: Terminal): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: CONNECTION_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    await term.out(GET_HELP);
    return EXIT.OK;
  }
  const tokenId = oneTokenId('get', positionals);
  const format = formatFlag(values.format, FORMATS, term);
  const token = await connect(values, io, term).tokens.get({ token_id: tokenId });
  await term.out(format === 'csv' ? csvHeader() + csvRow(token) : format === 'table' ? tokenDetail(token) : jsonLine(token));
  return EXIT.OK;
}

function reportError(error: TokenwardenError, term: Terminal): void {
  reportApiError(error, term, FLAG_FOR_FIELD);
}

const COMMANDS: Record<string, { run: (argv: string[], io: Io, term: Terminal) => Promise<number> }> = {
  list: { run: listCommand },
  get: { run: getCommand },
  revoke: { run: (argv, io, term) => revokeCommand(argv, { io, term, connect }) },
  'revoke-leaked': { run: (argv, io, term) => revokeLeakedCommand(argv, { io, term, connect }) },
};

async function dispatch(argv: string[], io: Io, term: Terminal): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === '--help' || group === '-h' || group === 'help') {
    await term.out(MAIN_HELP);
    return EXIT.OK;
  }
  if (group === undefined) {
    term.err(MAIN_HELP);
    return EXIT.USAGE;
  }
  if (group === 'events') return eventsCommand(command, rest, { io, term, connect });
  if (group !== 'tokens') throw new UsageError(`unknown command "${group}"`);
  if (command === '--help' || command === '-h' || command === 'help') {
    await term.out(TOKENS_HELP);
    return EXIT.OK;
  }
  const cmd = command === undefined ? undefined : COMMANDS[command];
  if (!cmd)
    throw new UsageError(
      command === undefined ? 'tokens needs a command: list, get, revoke or revoke-leaked' : `unknown command "tokens ${command}"`,
    );
  return cmd.run(rest, io, term);
}

function isParseArgsError(error: unknown): error is Error {
  const code: unknown = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** Runs one command line; resolves with the exit status. */
export async function run(argv: string[], io: Io): Promise<number> {
  const term = new Terminal(io);
  // The token may also sit in the environment: never echo it, whatever goes wrong.
  const envToken = io.env.TOKENWARDEN_TOKEN?.trim();
  if (envToken) term.hideSecret(envToken);
  const tokenFlag = argv.findIndex((a) => a === '--token' || a.startsWith('--token='));
  if (tokenFlag >= 0) {
    const arg = argv[tokenFlag] as string;
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[tokenFlag + 1];
    if (value) term.hideSecret(value.trim());
  }
  try {
    return await dispatch(argv, io, term);
  } catch (error) {
    if (error instanceof TokenwardenError) {
      reportError(error, term);
      return exitCodeFor(error);
    }
    if (error instanceof UsageError || isParseArgsError(error)) {
      term.err(`tokenwarden: ${error.message}\nRun "tokenwarden --help" for usage.\n`);
      return EXIT.USAGE;
    }
    term.err(`tokenwarden: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.UNEXPECTED;
  }
}
