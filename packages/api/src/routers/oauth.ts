import { IssueTokenRequest, IssueTokenResponse } from '@tokenwarden/contracts';
import { issueToken } from '../services/issuance.js';
import { publicProcedure } from '../trpc.js';

export const oauthRouter = {
  /** `POST /v1/iam/oauth/tokens`: no bearer token, the body's credentials authenticate. */
  issueToken: publicProcedure
    .input(IssueTokenRequest)
    .output(IssueTokenResponse)
    .mutation(({ ctx, input }) => issueToken(ctx.deps, input, { address: ctx.clientAddress })),
};
