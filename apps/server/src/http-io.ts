import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ApiError } from '@tokenwarden/api';

export const MAX_BODY_BYTES = 64 * 1024;

const URL_BASE = 'http://localhost';

/**
 * A request target the WHATWG URL parser leaves as it is: a path of plain segments (nothing
 * to normalise: no '.', '%', '\\' or '//') and a query of printable ASCII without '#' (no
 * fragment to cut, nothing to strip or percent-encode; URLSearchParams also misreads some
 * raw non-ASCII next to a bad '%' escape, which the parser's encoding would have avoided).
 * Such a target is split at its '?' rather than parsed.
 */
const PLAIN_TARGET = /^\/(?:[\w-]+(?:\/[\w-]+)*\/?)?(?:\?[\x21\x22\x24-\x7e]*)?$/;

/** A request target (`req.url`) read as the WHATWG URL parser would, but without it when it can. */
export class RequestTarget {
  /** The path, normalised as `new URL()` has it. */
  readonly pathname: string;
  /**
   * The query with its '?', as `URL.search` has it: `new URLSearchParams()` drops that one '?'
   * and no more, so a query that itself starts with '?' is read as the URL parser reads it.
   */
  readonly search: string;
  #url: URL | undefined;

  constructor(readonly target: string) {
    if (PLAIN_TARGET.test(target)) {
      const q = target.indexOf('?');
      this.pathname = q < 0 ? target : target.slice(0, q);
      this.search = q < 0 ? '' : target.slice(q);
    } else {
      try {
        this.#url = new URL(target, URL_BASE);
      } catch {
        // An absolute-form target that is no URL (`http://[::1`, `//`): the caller's mistake.
        throw ApiError.invalid([{ field: 'path', reason: 'invalid' }]);
      }
      this.pathname = this.#url.pathname;
      this.search = this.#url.search;
    }
  }

  /** The target as a URL, parsed on demand: most requests need none. */
  url(): URL {
    this.#url ??= new URL(this.target, URL_BASE);
    return this.#url;
  }
}

/**
 * What the OAuth endpoints add to every answer, success or error (RFC 6749 5.1: tokens and
 * credentials are never cached); `Cache-Control: no-store` every JSON answer has already.
 */
export const OAUTH_HEADERS: Readonly<Record<string, string>> = { pragma: 'no-cache' };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const payload = JSON.stringify(body);
  const head: OutgoingHttpHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  };
  // Extra headers override the defaults; copied only when there are any (most calls have none).
  if (headers) Object.assign(head, headers);
  res.writeHead(status, head);
  res.end(payload);
}

/**
 * Reads a request body as an object: JSON, or form-encoded as OAuth clients send it.
 * Undefined when there is none; a 400/413 ApiError when it is not an object or too large.
 */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError('RESOURCE_EXHAUSTED', 'body.too_large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  const malformed = () => ApiError.invalid([{ field: 'body', reason: 'malformed_body' }]);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(text);
    const out: Record<string, unknown> = {};
    for (const [k, v] of form) {
      if (k in out) throw ApiError.invalid([{ field: k, reason: 'repeated' }]);
      out[k] = v;
    }
    return out;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed();
  return parsed as Record<string, unknown>;
}
