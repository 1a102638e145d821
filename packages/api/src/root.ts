import { oauthRouter } from './routers/oauth.js';
import { tokensRouter } from './routers/tokens.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  tokens: router(tokensRouter),
  oauth: router(oauthRouter),
});
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
