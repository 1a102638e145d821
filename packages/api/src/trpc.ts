import { initTRPC, type TRPCError } from '@trpc/server';
import type { Context } from './context.js';
import { describeError } from './errors.js';

/** What tRPC's default error shape says of a call before the formatter: its JSON-RPC code, tRPC code and path. */
export interface CallErrorShape {
  code: number;
  data: { code: TRPCError['code']; path?: string | undefined };
}

/**
 * The error envelope of a tRPC call: tRPC's codes, the google.rpc.Status localized in the
 * caller's language as `data.rpc` (its message also the envelope's), the HTTP status the
 * REST adapter would answer. The router's error formatter, and the server's path for single
 * calls (apps/server/src/trpc-single-call.ts), which must answer byte for byte as tRPC does.
 */
export function callErrorEnvelope(shape: CallErrorShape, error: TRPCError, ctx: Context | undefined) {
  const described = describeError(error, ctx?.lang ?? 'en');
  if (described.internal) ctx?.deps.log.error({ err: error, path: shape.data.path }, 'internal error');
  return {
    code: shape.code,
    message: described.body.message,
    data: { code: shape.data.code, httpStatus: described.httpStatus, path: shape.data.path, rpc: described.body },
  };
}

const t = initTRPC.context<Context>().create({
  isDev: false,
  // A batch asked for as a stream (`trpc-accept` or `Accept: application/jsonl`) is JSON lines: say so.
  jsonl: { contentType: 'application/jsonl' },
  errorFormatter: ({ shape, error, ctx }) => callErrorEnvelope(shape, error, ctx),
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;
export const middleware = t.middleware;
