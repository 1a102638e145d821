import { accessTokenFormat, API, MAX_LEAKED_TOKENS, SCOPES, type RevokeLeakedResponse } from '@tokenwarden/contracts';
import type { z } from 'zod';
import type { Principal } from '../auth.js';
import { ApiError, fail } from '../errors.js';
import { eventBy } from '../services/audit.js';
import { hashAccessToken } from '../token-secrets.js';
import { implement } from './define.js';
import { EXAMPLE_TOKEN_ID, tooLarge, unauthenticated } from './docs.js';

/** Whose tokens a principal may revoke: the whole entity's, or (a user token without an admin role) its own user's. */
export function revocableUser(principal: Principal): string | undefined {
  if (principal.seesWholeEntity) return undefined;
  if (principal.userId === null) fail('PERMISSION_DENIED', 'forbidden.other_user');
  return principal.userId;
}

export const revokeLeakedTokens = implement(API.tokens.revokeLeaked, {
  async handler(ctx, principal, input) {
    const { deps } = ctx;
    const userId = revocableUser(principal);
    // The shape and checksum are checked offline: a string that cannot be a token is never looked up.
    const wellFormed = input.tokens.filter((raw) => accessTokenFormat(raw) !== 'malformed');
    const hashes = [...new Set(wellFormed)].map(hashAccessToken);
    const malformed = input.tokens.length - wellFormed.length;
    const event = eventBy(ctx, principal, input.reason ?? null, { submitted: input.tokens.length, malformed });
    const result = await deps.tokens.revokeMany(principal.entityPk, { hashes }, { type: 'TOKENS_REVOKED_LEAKED', event, userId });
    deps.log.info(
      {
        event: 'tokens.revoked_leaked',
        submitted: input.tokens.length,
        matched: result.matched,
        revoked: result.revoked.length,
        by: principal.tokenId,
      },
      'leaked tokens revoked',
    );
    return {
      submitted: input.tokens.length,
      malformed,
      matched: result.matched,
      revoked: result.revoked.length,
      already_revoked: result.matched - result.revoked.length,
      revoked_token_ids: result.revoked,
      event_id: event.eventId,
    };
  },
  docs: {
    summary: 'Revoke leaked tokens',
    description:
      `Takes up to ${MAX_LEAKED_TOKENS} raw token strings found where they should not be (a repository, a log, a ticket) and ` +
      'revokes those that are tokens of the caller’s entity (for a user token without an admin role: of its own user). ' +
      'It answers how many matched, never which strings belong to other entities: such a string counts exactly like ' +
      'a string that is no token. Strings that cannot be tokens by their shape or checksum (see the token format) are ' +
      'counted as `malformed` and never looked up. The report is recorded as one TOKENS_REVOKED_LEAKED event (the raw strings never are).',
    requestBody: {
      description: 'The raw strings, and an optional reason kept with the revoked tokens and the event.',
      mediaTypes: ['application/json'],
      examples: {
        report: {
          summary: 'Two strings from a public repository',
          value: { tokens: ['twat_…', 'not-a-token'], reason: 'pushed to a public repository' },
        },
      },
    },
    success: {
      description: 'What the report did in the caller’s entity.',
      example: {
        submitted: 2,
        malformed: 1,
        matched: 1,
        revoked: 1,
        already_revoked: 0,
        revoked_token_ids: [EXAMPLE_TOKEN_ID],
        event_id: '5f0c7a52-3f0e-4c7e-9d2a-8c1f4e6b2a11',
      } satisfies z.input<typeof RevokeLeakedResponse>,
    },
    errors: {
      INVALID_ARGUMENT: {
        description: `No strings, more than ${MAX_LEAKED_TOKENS}, a string longer than 256 characters, or an empty reason.`,
        examples: { tokens: ApiError.invalid([{ field: 'tokens', reason: 'invalid' }]) },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.revoke),
      PERMISSION_DENIED: {
        description: 'A user token without a user (an imported one) has no tokens of its own to revoke.',
        examples: { other_user: new ApiError('PERMISSION_DENIED', 'forbidden.other_user') },
      },
      RESOURCE_EXHAUSTED: tooLarge,
    },
    example: {
      input: { tokens: ['twat_not-a-real-token'] },
      rest: { path: '/v1/iam/oauth/tokens:revoke-leaked', body: { tokens: ['twat_not-a-real-token'] } },
    },
  },
});
