import type { TRPCMutationProcedure, TRPCQueryProcedure } from '@trpc/server';
import type { z } from 'zod';
import { invoke, OPERATION_GROUPS, type AnyOperation, type Operation, type OperationGroups } from './operations/index.js';
import { oauthFailure, oauthInput, type OAuthEndpoint } from './operations/oauth-endpoint.js';
import { createCallerFactory, middleware, publicProcedure, router } from './trpc.js';

/**
 * An OAuth endpoint's middleware, around input validation and the procedure: the input
 * read the OAuth way before the schema sees it, every failure answered with its OAuth
 * error code (as the REST adapter does around the same steps).
 */
const oauthMiddleware = (endpoint: OAuthEndpoint) =>
  middleware(async ({ ctx, getRawInput, next }) => {
    let raw: unknown;
    const result = await next({
      getRawInput: async () => {
        raw = await getRawInput();
        return oauthInput(endpoint, raw, ctx);
      },
    });
    if (!result.ok) throw oauthFailure(endpoint, result.error, raw);
    return result;
  });

/**
 * A tRPC procedure per operation: the operation's schema validates the input, then
 * `invoke` authenticates and runs the handler, as the REST adapter does. Nothing else
 * (but for the few OAuth endpoints): every middleware level of tRPC copies the call's
 * options and context and adds two awaits, about a tenth of a small list request's time.
 */
function procedureOf(op: AnyOperation) {
  const base = op.oauth ? (publicProcedure.use(oauthMiddleware(op.oauth)) as unknown as typeof publicProcedure) : publicProcedure;
  const built = base.input(op.input);
  const resolve = ({ ctx, input }: { ctx: Parameters<typeof invoke>[1]; input: unknown }) => invoke(op, ctx, input);
  return op.kind === 'query' ? built.query(resolve) : built.mutation(resolve);
}

type ErrorShape = ReturnType<typeof procedureOf>['_def']['$types']['errorShape'];

/** The tRPC procedure type of an operation: its input as a caller writes it, its output, its kind. */
type ProcedureOf<Op> =
  // biome-ignore lint/suspicious/noExplicitAny: matches an operation of any access
  Op extends Operation<infer I, infer O, any, infer K>
    ? K extends 'query'
      ? TRPCQueryProcedure<{ input: z.input<I>; output: z.output<O>; meta: object; errorShape: ErrorShape }>
      : TRPCMutationProcedure<{ input: z.input<I>; output: z.output<O>; meta: object; errorShape: ErrorShape }>
    : never;

type ProcedureTree<T> = { [G in keyof T]: { [K in keyof T[G]]: ProcedureOf<T[G][K]> } };

function procedureTree<T extends Record<string, Record<string, AnyOperation>>>(groups: T): ProcedureTree<T> {
  return Object.fromEntries(
    Object.entries(groups).map(([group, ops]) => [group, Object.fromEntries(Object.entries(ops).map(([key, op]) => [key, procedureOf(op)]))]),
  ) as unknown as ProcedureTree<T>;
}

export const appRouter = router(procedureTree<OperationGroups>(OPERATION_GROUPS));
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
