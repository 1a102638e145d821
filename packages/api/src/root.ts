import { tokensRouter } from './routers/tokens.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  tokens: router(tokensRouter),
});
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
