import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@tokenwarden/api';

export const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
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
