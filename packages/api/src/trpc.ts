import { initTRPC } from '@trpc/server';
import type { Context } from './context.js';
import { describeError } from './errors.js';

const t = initTRPC.context<Context>().create({
  isDev: false,
  // A batch asked for as a stream (`trpc-accept` or `Accept: application/jsonl`) is JSON lines: say so.
  jsonl: { contentType: 'application/jsonl' },
  errorFormatter({ shape, error, ctx }) {
    const described = describeError(error, ctx?.lang ?? 'en');
    if (described.internal) ctx?.deps.log.error({ err: error, path: shape.data.path }, 'internal error');
    return {
      code: shape.code,
      message: described.body.message,
      data: { code: shape.data.code, httpStatus: described.httpStatus, path: shape.data.path, rpc: described.body },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;
export const middleware = t.middleware;
