import { ListTokensInput, RevokeTokenInput, SCOPES, TokenIdInput, formatTimestamp } from '@tokenwarden/contracts';
import type { TokenFilters } from '@tokenwarden/db';
import type { Principal } from '../auth.js';
import type { Deps } from '../context.js';
import { fail } from '../errors.js';
import { presentToken } from '../presenter.js';
import { publicProcedure, requireScope } from '../trpc.js';

/**
 * The list's filters as the caller may have them: a user token without an admin role
 * sees only its own user's tokens, and asking for another user is 403.
 */
function visibleFilters(principal: Principal, input: ListTokensInput): TokenFilters {
  const userId = input.user_id?.toLowerCase();
  const filters: TokenFilters = {
    accountId: input.account_id?.toLowerCase(),
    userId,
    grantFlow: input.grant_flow,
    role: input.role,
  };
  if (!principal.seesWholeEntity) {
    if (userId !== undefined && userId !== principal.userId) fail('PERMISSION_DENIED', 'forbidden.other_user');
    filters.userId = principal.userId ?? '';
  }
  return filters;
}

/** A token the principal may see, or 404 (unknown, of another entity, or of another user). */
function visibleToken(ctx: { deps: Deps; principal: Principal }, tokenId: string) {
  const token = ctx.deps.tokens.get(ctx.principal.entityPk, tokenId.toLowerCase());
  if (!token || (!ctx.principal.seesWholeEntity && token.userId !== ctx.principal.userId)) {
    fail('NOT_FOUND', 'not_found.token');
  }
  return token;
}

export const tokensRouter = {
  list: publicProcedure
    // No input at all means every default, as an empty REST query does.
    .input(ListTokensInput.prefault({}))
    .use(requireScope(SCOPES.list))
    .query(async ({ ctx, input }) => {
      const now = ctx.deps.clock.nowMicros();
      const filters = visibleFilters(ctx.principal, input);
      const result = await ctx.deps.lister.list(ctx.principal.entityPk, input, filters, now);
      const size = input.page_params.page_size;
      return {
        tokens: result.records.map((r) => presentToken(r, now)),
        pagination_info: {
          total_elements: result.total,
          total_pages: Math.ceil(result.total / size),
          current_page: input.page_params.page_number,
          page_size: size,
          first_request_timestamp: formatTimestamp(result.snapshot),
        },
      };
    }),

  get: publicProcedure
    .input(TokenIdInput)
    .use(requireScope(SCOPES.get))
    .query(({ ctx, input }) => presentToken(visibleToken(ctx, input.token_id), ctx.deps.clock.nowMicros())),

  revoke: publicProcedure
    .input(RevokeTokenInput)
    .use(requireScope(SCOPES.revoke))
    .mutation(({ ctx, input }) => {
      const bodyId = input.body?.token_id;
      if (bodyId !== undefined && bodyId.toLowerCase() !== input.token_id.toLowerCase()) {
        fail('INVALID_ARGUMENT', undefined, [{ field: 'body.token_id', reason: 'mismatch' }]);
      }
      const token = visibleToken(ctx, input.token_id);
      const outcome = ctx.deps.tokens.revoke(ctx.principal.entityPk, token.tokenId, ctx.deps.clock.nowMicros());
      if (outcome === 'not_found') fail('NOT_FOUND', 'not_found.token');
      if (outcome === 'already_revoked') fail('FAILED_PRECONDITION', 'revoked.already');
      ctx.deps.log.info({ event: 'token.revoked', token_id: token.tokenId, by: ctx.principal.tokenId }, 'token revoked');
      return {};
    }),
};
