import { initTRPC } from '@trpc/server';
import { authenticate } from './auth.js';
import type { Context } from './context.js';
import { describeError } from './errors.js';

const t = initTRPC.context<Context>().create({
  isDev: false,
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

/**
 * Requires a bearer token holding `scope`; adds `principal` to the context. Used after
 * `.input()`: input is validated first on tRPC as on REST (whose query must be decoded
 * before anything is called), so both answer a bad request the same way.
 */
export function requireScope(scope: string) {
  return t.middleware(({ ctx, next }) =>
    next({ ctx: { principal: authenticate(ctx.deps, ctx.authorization, scope) } }),
  );
}
