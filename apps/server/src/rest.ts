import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { ApiError, invoke, oauthFailure, OPERATIONS, restInput, type AnyOperation, type Context } from '@tokenwarden/api';
import { decodeQuery, type DecodeResult } from '@tokenwarden/contracts';
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
  /** The operation this route serves. */
  op: AnyOperation;
  handle(r: RestRequest): Promise<unknown>;
}

const NoQuery = z.object({}).strict();

function decoded<T>(result: DecodeResult<T>): T {
  if (!result.ok) throw ApiError.invalid(result.violations);
  return result.value;
}

/**
 * A route of an operation: decode the query (400 for anything the binding does not
 * accept), read the body if the operation takes one, build and validate the input, then
 * `invoke`, the same entry the tRPC procedure runs. No caller proxy, no middleware: the
 * list, the hot path, costs what its handler costs. An OAuth endpoint answers any failure
 * of these steps with its OAuth error code, as its tRPC middleware does.
 */
function routeOf(op: AnyOperation): RestRoute {
  const { method, path, query = NoQuery, body } = op.rest;
  const { oauth } = op;
  /** The route's steps; `seen` (OAuth endpoints) gets the body once read, for the error code of a failure. */
  const steps = async ({ req, query: q, params, ctx }: RestRequest, seen?: { body?: unknown }) => {
    const decodedQuery = decoded(decodeQuery(query, q));
    // JSON or form-encoded, as OAuth clients send it.
    const parsedBody = body ? await readBody(req) : undefined;
    if (seen) seen.body = parsedBody;
    return invoke(op, ctx, restInput(op, ctx, { query: decodedQuery, params, body: parsedBody }));
  };
  const handle: RestRoute['handle'] = oauth
    ? async (r) => {
        const seen: { body?: unknown } = {};
        try {
          return await steps(r, seen);
        } catch (error) {
          throw oauthFailure(oauth, error, seen.body);
        }
      }
    : (r) => steps(r);
  return { method, path, operationId: op.id, op, handle };
}

/** The REST surface: one route per operation, in the operations' order. */
export const REST_ROUTES: RestRoute[] = OPERATIONS.map(({ op }) => routeOf(op));

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
