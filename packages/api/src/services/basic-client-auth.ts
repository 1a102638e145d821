import { ApiError, asTRPCError } from '../errors.js';

/** Client credentials as the token endpoint's body names them. */
export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

const SCHEME = /^basic(?: |$)/i;
const BASIC = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i;

/** Whether the request authenticates its client with HTTP Basic (RFC 6749 section 2.3.1). */
export const isBasic = (authorization: string | undefined): boolean => authorization !== undefined && SCHEME.test(authorization);

const malformed = (): never => {
  throw asTRPCError(ApiError.invalid([{ field: 'authorization', reason: 'invalid' }], { error: 'invalid_request' }));
};

/** `application/x-www-form-urlencoded` decoding, as RFC 6749 section 2.3.1 encodes each half. */
const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));

/**
 * The client credentials of an `Authorization: Basic base64(urlencode(id):urlencode(secret))`
 * header; undefined without one. A header that does not decode is a 400 naming
 * `authorization` (`invalid_request`), never a guess.
 */
export function basicClientCredentials(authorization: string | undefined): ClientCredentials | undefined {
  if (!isBasic(authorization)) return undefined;
  const encoded = BASIC.exec(authorization as string)?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0) return malformed();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return malformed();
  try {
    return { client_id: formDecode(decoded.slice(0, colon)), client_secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return malformed();
  }
}

/**
 * A token request with its HTTP Basic client credentials in it, so the body's schema
 * checks them as if they had been sent in the body. The same value in both places is
 * fine; different values are a 400 naming the field (`invalid_request`).
 */
export function withBasicClient(raw: unknown, authorization: string | undefined): unknown {
  const basic = basicClientCredentials(authorization);
  if (!basic || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const body = raw as Record<string, unknown>;
  const conflicts = (['client_id', 'client_secret'] as const).filter((k) => body[k] !== undefined && body[k] !== basic[k]);
  if (conflicts.length > 0) {
    throw asTRPCError(
      ApiError.invalid(
        conflicts.map((field) => ({ field, reason: 'conflict' as const })),
        { error: 'invalid_request' },
      ),
    );
  }
  return { ...body, ...basic };
}
