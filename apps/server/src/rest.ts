import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { ApiError, createCaller, listTokens, type Context } from '@tokenwarden/api';
import { decodeQuery, ListTokensInput, type DecodeResult } from '@tokenwarden/contracts';
import { readBody } from './http-io.js';

export interface RestRequest {
  req: IncomingMessage;
  query: URLSearchParams;
  params: Record<string, string>;
  /** The request's context, as a tRPC call of it would have. */
  ctx: Context;
}

export interface RestRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path template; `{name}` matches one segment. */
  path: string;
  operationId: string;
  handle(r: RestRequest): Promise<unknown>;
}

const NoQuery = z.object({}).strict();

function decoded<T>(result: DecodeResult<T>): T {
  if (!result.ok) throw ApiError.invalid(result.violations);
  return result.value;
}

/**
 * The REST surface: a thin table that decodes each request with the contract schemas and
 * runs the tRPC implementation, so REST and tRPC share one. Issuance, retrieval and
 * revocation call their procedures through `createCaller`. The list, the hot path, calls
 * `listTokens`, the function its procedure runs, on the query decoded by the same schema:
 * tRPC's per-call machinery (caller proxy, a middleware level per step, a dozen awaits)
 * cost a small page about 8% of its throughput, and the list is what auditors page through
 * by the thousand. test/list-http.test.ts holds both paths to the same answers.
 */
export const REST_ROUTES: RestRoute[] = [
  {
    method: 'GET',
    path: '/v1/iam/oauth/tokens',
    operationId: 'listTokens',
    handle: ({ query, ctx }) => listTokens(ctx, decoded(decodeQuery(ListTokensInput, query))),
  },
  {
    method: 'POST',
    path: '/v1/iam/oauth/tokens',
    operationId: 'issueToken',
    handle: async ({ req, query, ctx }) => {
      decoded(decodeQuery(NoQuery, query));
      // JSON or form-encoded, as OAuth clients send it; no body at all is every field missing.
      const body = (await readBody(req)) ?? {};
      return createCaller(ctx).oauth.issueToken(body as never);
    },
  },
  {
    method: 'GET',
    path: '/v1/iam/oauth/tokens/{token_id}',
    operationId: 'getToken',
    handle: ({ query, params, ctx }) => {
      decoded(decodeQuery(NoQuery, query));
      return createCaller(ctx).tokens.get({ token_id: params.token_id ?? '' });
    },
  },
  {
    method: 'DELETE',
    path: '/v1/iam/oauth/tokens/{token_id}',
    operationId: 'revokeToken',
    handle: async ({ req, query, params, ctx }) => {
      decoded(decodeQuery(NoQuery, query));
      const body = await readBody(req);
      return createCaller(ctx).tokens.revoke({ token_id: params.token_id ?? '', ...(body ? { body } : {}) } as never);
    },
  },
];

export type RouteMatch = { route: RestRoute; params: Record<string, string> } | { allowed: string[] } | undefined;

/** One segment of a path template: a literal to compare, or the name of a `{param}`. */
interface Segment {
  text: string;
  param: boolean;
}

/** Templates split once, not on every request; keyed by the template, so never stale. */
const templates = new Map<string, readonly Segment[]>();

function segmentsOf(template: string): readonly Segment[] {
  let segments = templates.get(template);
  if (!segments) {
    segments = template
      .split('/')
      .map((p) => (p.startsWith('{') && p.endsWith('}') ? { text: p.slice(1, -1), param: true } : { text: p, param: false }));
    templates.set(template, segments);
  }
  return segments;
}

/** Finds the route for a method and path; `{ allowed }` when only the method is wrong. */
export function matchRoute(routes: readonly RestRoute[], method: string, pathname: string): RouteMatch {
  const segments = pathname.split('/');
  let allowed: string[] | undefined;
  for (const route of routes) {
    const pattern = segmentsOf(route.path);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const { text, param } = pattern[i] as Segment;
      const s = segments[i] as string;
      if (param) {
        try {
          params[text] = decodeURIComponent(s);
        } catch {
          throw ApiError.invalid([{ field: text, reason: 'invalid' }]);
        }
      } else ok = text === s;
    }
    if (!ok) continue;
    if (route.method === method) return { route, params };
    // biome-ignore lint/suspicious/noAssignInExpressions: hot path; the list is made only when a path matches with another method
    (allowed ??= []).push(route.method);
  }
  return allowed ? { allowed } : undefined;
}
