import { encodeQuery, type ListTokensRequest, type ListTokensResponse, type Token } from '@tokenwarden/contracts';
import { TokenwardenError } from './errors.js';

const TOKENS_PATH = '/v1/iam/oauth/tokens';

function joinBase(base: string | URL, path: string): string {
  return String(base).replace(/\/+$/, '') + path;
}

/**
 * The REST URL of List Token Information for an input, with the dotted query keys the
 * server expects (`page_params.page_size=…`, `page_params.first_request_timestamp.seconds=…`),
 * encoded by the contracts' own codec (the inverse of the server's decoder).
 */
export function restListUrl(base: string | URL, input: ListTokensRequest = {}): string {
  const query = encodeQuery(input);
  return joinBase(base, TOKENS_PATH) + (query ? `?${query}` : '');
}

/** The REST URL of one token (retrieve, revoke). */
export function restTokenUrl(base: string | URL, tokenId: string): string {
  return joinBase(base, `${TOKENS_PATH}/${encodeURIComponent(tokenId)}`);
}

export interface RestOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  url: string | URL;
  accessToken: string;
  fetch?: typeof fetch;
  acceptLanguage?: string;
  signal?: AbortSignal;
}

/** One REST call; a non-2xx answer or a network failure throws `TokenwardenError`. */
export async function restRequest<T>(o: RestOptions, method: 'GET' | 'DELETE', url: string): Promise<T> {
  const doFetch = o.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { authorization: `Bearer ${o.accessToken}`, accept: 'application/json' };
  if (o.acceptLanguage) headers['accept-language'] = o.acceptLanguage;
  let res: Response;
  try {
    res = await doFetch(url, { method, headers, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (cause) {
    throw TokenwardenError.network(cause);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) throw TokenwardenError.fromBody(res.status, body);
  if (body === undefined) {
    throw new TokenwardenError({ status: res.status, code: 13, message: `HTTP ${res.status} without a JSON body` });
  }
  return body as T;
}

/** `GET /v1/iam/oauth/tokens` for callers that cannot use tRPC. */
export function restListTokens(o: RestOptions, input: ListTokensRequest = {}): Promise<ListTokensResponse> {
  return restRequest<ListTokensResponse>(o, 'GET', restListUrl(o.url, input));
}

/** `GET /v1/iam/oauth/tokens/{token_id}`. */
export function restGetToken(o: RestOptions, tokenId: string): Promise<Token> {
  return restRequest<Token>(o, 'GET', restTokenUrl(o.url, tokenId));
}
