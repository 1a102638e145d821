import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { callErrorEnvelope, describeError, invoke, OPERATIONS, type AnyOperation, type Context } from '@tokenwarden/api';
import type { Lang } from '@tokenwarden/contracts';
import { MAX_BODY_BYTES, OAUTH_HEADERS, type RequestTarget } from './http-io.js';

/*
 * A second transport path for the typed client's calls, not a second implementation of
 * any operation: a single (unbatched) tRPC call — `GET /trpc/<query>?input=<JSON>` or
 * `POST /trpc/<mutation>` with a JSON body, what `httpLink` sends — is looked up by its
 * path, its input validated by the contract's schema (`op.input`, the schema the tRPC
 * procedure validates with) and run by the same `invoke` as the procedure and REST run,
 * and answered with the envelope tRPC's adapter would write, byte for byte:
 * `{"result":{"data":…}}`, or `{"error":…}` made by the router's own error formatter
 * (`callErrorEnvelope`), with the same status and headers. What it saves is the adapter's
 * per-call machinery: a Fetch `Request` built from the Node request (headers copied, abort
 * signals and listeners), the resolver's call info and middleware chain, a `Response` and a
 * web stream piped back into the Node response — about half of a small list call's CPU time.
 *
 * It takes a request only when every step tRPC would take is known and the answer cannot
 * differ; everything else returns false and goes to tRPC's adapter as before: batches and
 * any query parameter but `input`, streaming (`Accept: application/jsonl`), HEAD and other
 * methods, a query called by POST or a mutation by GET, a path tRPC would first decode or
 * trim, a GET with a content type, a POST whose body is not declared `application/json` or
 * has no Content-Length within the adapter's limit, a Host header tRPC could not make a URL of.
 * test/trpc-single-call.test.ts sends a wide set of requests both ways and compares status,
 * headers and body.
 */

interface Call {
  /** The tRPC path (`tokens.list`), as the error envelope names it. */
  path: string;
  op: AnyOperation;
}

/** The tRPC paths of the OAuth endpoints: their answers are never cached (RFC 6749 5.1). */
const OAUTH_PATHS = new Set(OPERATIONS.filter(({ op }) => op.oauth).map(({ path }) => path));

/** Every operation by its request path; a path tRPC would normalise first (escapes, slashes) is none of these. */
const CALLS = new Map<string, Call>(
  OPERATIONS
    // The OAuth endpoints read their input the OAuth way and answer OAuth error codes, in a
    // middleware of their procedure (api/src/root.ts); they are few and cold: the adapter's.
    .filter(({ op }) => op.oauth === undefined)
    .map(({ path, op }) => [`/trpc/${path}`, { path, op }]),
);

/** Headers of every answer tRPC's adapter gives a single call. */
const JSON_TYPE = 'application/json';
const VARY = 'trpc-accept, accept';

/**
 * The headers tRPC's answer gets beyond content type and Vary (the adapter's
 * `responseMeta`, and this path's): for the OAuth endpoints no caching, success or error;
 * for errors no caching, and the RFC 6750 challenge or `Retry-After` of the first error that
 * has one. Undefined when there is nothing to add.
 */
export function callHeaders(paths: readonly string[] | undefined, errors: readonly unknown[], lang: Lang): Record<string, string> | undefined {
  const oauth = paths?.some((p) => OAUTH_PATHS.has(p)) === true;
  if (errors.length === 0) return oauth ? { 'cache-control': 'no-store', ...OAUTH_HEADERS } : undefined;
  const described = errors.map((e) => describeError(e, lang));
  const challenge = described.find((d) => d.wwwAuthenticate !== undefined)?.wwwAuthenticate;
  const retryAfter = described.find((d) => d.retryAfter !== undefined)?.retryAfter;
  // An error raised before a procedure is resolved would otherwise go out as text/plain.
  const headers: Record<string, string> = { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...(oauth ? OAUTH_HEADERS : {}) };
  if (challenge) headers['www-authenticate'] = challenge;
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return headers;
}

/** `new URL(req.url, 'http://' + host)` in tRPC's adapter fails for some Host values; asked once per value. */
const hostParses = new Map<string, boolean>();

function hostMakesUrl(host: string): boolean {
  let ok = hostParses.get(host);
  if (ok === undefined) {
    ok = URL.canParse(`http://${host}`);
    // Hosts a server sees are few; a caller sending many different ones only refills this.
    if (hostParses.size >= 64) hostParses.clear();
    hostParses.set(host, ok);
  }
  return ok;
}

/** tRPC reads a body as JSON when its media type, lower-cased and without parameters, is exactly this. */
function declaresJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.toLowerCase().split(';', 1)[0]?.trim() === JSON_TYPE;
}

/** The `input` parameter of a query string that has no other parameter; false when it has another. */
function onlyInput(search: string): string | null | false {
  if (search.length <= 1) return null;
  const params = new URLSearchParams(search);
  for (const key of params.keys()) if (key !== 'input') return false;
  return params.get('input');
}

/** What tRPC's JSON reader does with the text of the input: none when empty, else JSON or a 400. */
function parseInputText(text: string | null): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
  }
}

/** UTF-8 as a Fetch body's `text()` reads it: a leading BOM dropped, bad bytes replaced. */
const utf8 = new TextDecoder();

async function bodyText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return utf8.decode(Buffer.concat(chunks));
}

/**
 * The input validated as tRPC validates a zod schema: `parse`, or `parseAsync` when the
 * schema turns out to be asynchronous; a failure is BAD_REQUEST caused by the zod error.
 */
async function validated(op: AnyOperation, raw: unknown): Promise<unknown> {
  try {
    try {
      return op.input.parse(raw);
    } catch (error) {
      if (Array.isArray((error as { issues?: unknown } | undefined)?.issues)) throw error;
      return await op.input.parseAsync(raw);
    }
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', cause });
  }
}

/** Bytes outside ASCII: a head carrying them must be written apart from a string body. */
const NON_ASCII = /[\u0080-\uffff]/;

function send(req: IncomingMessage, res: ServerResponse, status: number, payload: string, head: OutgoingHttpHeaders): void {
  // Node writes a string body in one piece with the head, encoding both as UTF-8: right for
  // a head of ASCII, but a request id the caller sent with other bytes, echoed in the head,
  // would go out as other bytes than the adapter's (which writes the head apart, as Latin-1:
  // the bytes the caller sent). Then the body goes as bytes, and the head apart.
  const id = req.headers['x-request-id'];
  const body = id !== undefined && NON_ASCII.test(String(id)) ? Buffer.from(payload) : payload;
  head['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  res.writeHead(status, head);
  res.end(body);
}

/** An error answered as tRPC answers it: its default shape through the router's formatter, the status the envelope carries. */
function sendError(req: IncomingMessage, res: ServerResponse, ctx: Context, cause: unknown, path: string | undefined): void {
  const error = getTRPCErrorFromUnknown(cause);
  const envelope = callErrorEnvelope({ code: TRPC_ERROR_CODES_BY_KEY[error.code], data: { code: error.code, path } }, error, ctx);
  const head: OutgoingHttpHeaders = { vary: VARY, ...callHeaders(undefined, [error], ctx.lang) };
  send(req, res, envelope.data.httpStatus, JSON.stringify({ error: envelope }), head);
}

async function serve(req: IncomingMessage, res: ServerResponse, call: Call, ctx: Context, query: string | null | undefined): Promise<void> {
  let payload: string;
  try {
    let text: string | null;
    try {
      text = query === undefined ? await bodyText(req) : query;
    } catch {
      // The caller went away mid-body: nobody is left to answer.
      res.destroy();
      return;
    }
    const input = await validated(call.op, parseInputText(text));
    const data = await invoke(call.op, ctx, input);
    try {
      payload = JSON.stringify({ result: { data } });
    } catch (cause) {
      // tRPC fails here outside of the call, so its envelope names no path.
      sendError(req, res, ctx, cause, undefined);
      return;
    }
  } catch (cause) {
    sendError(req, res, ctx, cause, call.path);
    return;
  }
  send(req, res, 200, payload, { 'content-type': JSON_TYPE, vary: VARY });
}

/**
 * Serves a single tRPC call when it is one this path answers as tRPC would (see above);
 * false, having touched nothing, when tRPC's adapter must.
 */
export function serveSingleCall(
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
  context: (req: IncomingMessage, res: ServerResponse) => Context,
): boolean {
  const call = CALLS.get(target.pathname);
  if (call === undefined) return false;
  const { headers } = req;
  if (headers.host === undefined || !hostMakesUrl(headers.host)) return false;
  if (headers.accept?.includes('application/jsonl')) return false;
  if (target.search.length > 1 && req.method === 'POST') return false;
  let query: string | null | undefined;
  if (req.method === 'GET') {
    if (call.op.kind !== 'query' || headers['content-type'] !== undefined) return false;
    const input = onlyInput(target.search);
    if (input === false) return false;
    query = input;
  } else if (req.method === 'POST') {
    if (call.op.kind !== 'mutation' || !declaresJson(headers['content-type'])) return false;
    // A declared length within the limit (Node holds the body to it); chunked bodies go to the adapter.
    const length = headers['content-length'];
    if (length === undefined || headers['transfer-encoding'] !== undefined || !(Number(length) <= MAX_BODY_BYTES)) return false;
  } else return false;
  // serve answers its own failures; should anything escape it, the connection is dropped, never the process.
  serve(req, res, call, context(req, res), query).catch(() => res.destroy());
  return true;
}
