import type { AppRouter } from '@tokenwarden/api';
import {
  API,
  type AnyContract,
  type Api,
  type ListTokenEventsRequest,
  type ListTokensRequest,
  type RevokeByFilterRequest,
} from '@tokenwarden/contracts';
import { createTRPCClient, getUntypedClient, httpLink, retryLink, TRPCClientError, type TRPCLink } from '@trpc/client';
import type { z } from 'zod';
import { isErrorBody, NonJsonResponseError, TokenwardenError } from './errors.js';
import { followPageTokens, walkPages, walkTokens } from './pagination.js';
import { retryPolicy, type RetryOptions } from './retry.js';
import { walkRevocation } from './revocation.js';

export interface TokenwardenClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080` (tRPC is served under `/trpc`). */
  url: string | URL;
  /** Bearer token for `tokens.*`; `oauth.issueToken` needs none (its body authenticates). */
  accessToken?: string;
  /** A `fetch` other than the global one (tests, proxies, instrumentation). */
  fetch?: typeof fetch;
  /** Sent as `Accept-Language`: `en` (default) or `es` error messages. */
  acceptLanguage?: string;
  /**
   * Retries queries (list, get) after a 5xx answer or a network failure, with exponential
   * backoff. Off by default; `true` for 3 attempts from 200 ms. Mutations (issueToken,
   * revoke) are never retried: they are not idempotent. The one exception is
   * `tokens.revokeByFilterPages`, whose calls all carry one idempotency key.
   */
  retry?: boolean | RetryOptions;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * A contract's method: its input as a caller writes it (optional when the contract takes
 * none), its output as the server answers it. Queries (list, get) may be retried;
 * mutations never are.
 */
export type MethodOf<C> = C extends AnyContract
  ? undefined extends z.input<C['input']>
    ? (input?: z.input<C['input']>, opts?: CallOptions) => Promise<z.output<C['output']>>
    : (input: z.input<C['input']>, opts?: CallOptions) => Promise<z.output<C['output']>>
  : never;

/** A method per operation of the contracts' `API`, under its group and key. */
export type Methods<T> = { [G in keyof T]: { [K in keyof T[G]]: MethodOf<T[G][K]> } };

function statusOf(error: TRPCClientError<AppRouter>): number {
  const data: unknown = error.data;
  if (typeof data === 'object' && data !== null && typeof (data as { httpStatus?: unknown }).httpStatus === 'number') {
    return (data as { httpStatus: number }).httpStatus;
  }
  if (error.cause instanceof NonJsonResponseError) return error.cause.status;
  const response = error.meta?.response;
  if (typeof response === 'object' && response !== null && typeof (response as { status?: unknown }).status === 'number') {
    return (response as { status: number }).status;
  }
  return 0;
}

/** Any failure of a tRPC call as the one error type of this package. */
export function toTokenwardenError(error: unknown): TokenwardenError {
  if (error instanceof TokenwardenError) return error;
  if (error instanceof TRPCClientError) {
    const e = error as TRPCClientError<AppRouter>;
    const status = statusOf(e);
    const data: unknown = e.data;
    const rpc = typeof data === 'object' && data !== null ? (data as { rpc?: unknown }).rpc : undefined;
    if (isErrorBody(rpc)) return TokenwardenError.fromBody(status, rpc, error);
    if (status === 0) return TokenwardenError.network(e.cause ?? error);
    return TokenwardenError.fromBody(status, undefined, error);
  }
  return TokenwardenError.network(error);
}

/**
 * A `fetch` that turns a non-JSON error answer (an HTML 502 from a proxy) into an error
 * carrying its status, which the tRPC link would otherwise reduce to a JSON parse error.
 */
function statusPreservingFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    const type = res.headers.get('content-type') ?? '';
    if (!res.ok && !type.includes('json')) {
      await res.body?.cancel().catch(() => undefined);
      throw new NonJsonResponseError(res.status);
    }
    return res;
  };
}

/**
 * The typed Tokenwarden client. Every method's input and output types come from the
 * server's router (`AppRouter`, imported as a type only) and the contracts; every failure
 * is a `TokenwardenError`.
 */
export function createTokenwardenClient(options: TokenwardenClientOptions) {
  const base = String(options.url).replace(/\/+$/, '');
  const innerFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const policy = retryPolicy(options.retry);
  const links: TRPCLink<AppRouter>[] = [];
  if (policy.attempts > 1) {
    links.push(
      retryLink<AppRouter>({
        // Only idempotent calls, only failures that may pass, never what the caller aborted.
        retry: ({ op, error, attempts }) =>
          op.type === 'query' && attempts < policy.attempts && op.signal?.aborted !== true && toTokenwardenError(error).isTransient,
        retryDelayMs: (attempt) => policy.delayMs(attempt),
      }),
    );
  }
  links.push(
    httpLink<AppRouter>({
      url: `${base}/trpc`,
      fetch: statusPreservingFetch(innerFetch),
      headers: () => {
        const headers: Record<string, string> = {};
        if (options.accessToken) headers.authorization = `Bearer ${options.accessToken}`;
        if (options.acceptLanguage) headers['accept-language'] = options.acceptLanguage;
        return headers;
      },
    }),
  );
  const trpc = createTRPCClient<AppRouter>({ links });
  const untyped = getUntypedClient(trpc);

  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toTokenwardenError(error);
    }
  }

  /** A method per contract of `API`: a query or a mutation by its kind, every failure a TokenwardenError. */
  const methods = Object.fromEntries(
    Object.entries(API).map(([group, ops]) => [
      group,
      Object.fromEntries(
        Object.entries(ops as Record<string, AnyContract>).map(([key, contract]) => {
          const path = `${group}.${key}`;
          const method = (input?: unknown, opts: CallOptions = {}) =>
            call(() => (contract.kind === 'query' ? untyped.query(path, input, opts) : untyped.mutation(path, input, opts)));
          return [key, method];
        }),
      ),
    ]),
  ) as unknown as Methods<Api>;

  const { list, revokeByFilter } = methods.tokens;
  const listEvents = methods.events.list;
  /**
   * Every page of the trail the filters select, newest first, following `next_page_token`
   * (a `page_token` in the input resumes a walk). Events recorded meanwhile are newer than
   * the first page and never appear; none repeats and none is skipped.
   */
  const eventPages = (input: ListTokenEventsRequest = {}, opts: CallOptions = {}) =>
    followPageTokens(
      (i: ListTokenEventsRequest) => listEvents(i, opts),
      input,
      (page) => page.next_page_token,
    );
  return {
    ...methods,
    tokens: {
      ...methods.tokens,
      /** Every page of one snapshot, from the input's page (1 by default) to the last. */
      pages: (input: ListTokensRequest = {}, opts: CallOptions = {}) => walkPages((i) => list(i, opts), input),
      /** Every token of one snapshot, each exactly once, in the list's order. */
      all: (input: ListTokensRequest = {}, opts: CallOptions = {}) => walkTokens((i) => list(i, opts), input),
      /**
       * A revocation by filter driven to its end: every answer, the first (with the counts)
       * and then each next page of revoked ids, all with the request's one idempotency key
       * (see `walkRevocation`). Failures that may pass are retried under `retry`.
       */
      revokeByFilterPages: (request: RevokeByFilterRequest, opts: CallOptions & { stillRunningDelayMs?: number } = {}) =>
        walkRevocation((r) => revokeByFilter(r, { signal: opts.signal }), request, {
          retry: policy,
          signal: opts.signal,
          stillRunningDelayMs: opts.stillRunningDelayMs,
        }),
    },
    events: {
      ...methods.events,
      pages: eventPages,
      /** Every event the filters select, newest first (see `pages`). */
      all: async function* (input: ListTokenEventsRequest = {}, opts: CallOptions = {}) {
        for await (const page of eventPages(input, opts)) yield* page.events;
      },
    },
    /** The underlying tRPC client, for what this wrapper does not cover (errors are not mapped). */
    trpc,
  };
}

export type TokenwardenClient = ReturnType<typeof createTokenwardenClient>;
