import { API, SCOPES, type IntrospectionResponse, type RevokeTokenResponse } from '@tokenwarden/contracts';
import type { z } from 'zod';
import { ApiError } from '../errors.js';
import { introspect } from '../services/introspection.js';
import { revokeVisibleToken } from '../services/revocation.js';
import { visibleTokenByValue } from '../services/token-by-value.js';
import type { OperationDocs } from './define.js';
import { implement } from './define.js';
import { EXAMPLE_ACCESS_TOKEN, EXAMPLE_TOKEN_ID, tooLarge, unauthenticated } from './docs.js';
import { invalidRequestOnly } from './oauth-endpoint.js';

/** The two endpoints that take a token by value (RFC 7662, RFC 7009): the same body, the same bad requests. */
const byValue = (path: string, scope: string) => {
  const body = { token: EXAMPLE_ACCESS_TOKEN, token_type_hint: 'access_token' };
  return {
    requestBody: {
      description:
        '`token`: the raw access token; `token_type_hint`: optional and ignored (there is one kind of token). Form-encoded ' +
        'as RFC 7662 and RFC 7009 send it, or JSON. Unknown fields, and fields sent without a value, are ignored.',
      mediaTypes: ['application/x-www-form-urlencoded', 'application/json'],
      examples: { token: { summary: 'A token, with the hint', value: body } },
    },
    errors: {
      INVALID_ARGUMENT: {
        description: '`token` is missing (or empty), or a field has the wrong type; `error` is `invalid_request`.',
        examples: { invalid_request: ApiError.invalid([{ field: 'token', reason: 'required' }], { error: 'invalid_request' }) },
      },
      UNAUTHENTICATED: unauthenticated(scope),
      RESOURCE_EXHAUSTED: tooLarge,
    },
    example: { input: body, rest: { path, body } },
  } satisfies Partial<OperationDocs>;
};

/** `POST /v1/iam/oauth/introspect` (RFC 7662). */
export const introspectToken = implement(API.oauth.introspect, {
  handler: (ctx, principal, input) => introspect(ctx.deps, principal, input.token),
  oauth: invalidRequestOnly,
  docs: {
    summary: 'Introspect a token (RFC 7662)',
    description:
      'Says whether a token is active and, if it is, what it carries: `scope` (space-separated), `client_id`, ' +
      '`token_type`, `exp` and `iat` (Unix seconds), `sub` (the user, else the client), `jti` (the `token_id`), and ' +
      'the token object’s `token_id`, `grant_flow`, `roles`, `account_id`, `user_id`.\n\n' +
      'Only a token of the caller’s entity that the caller may see (a user token without an admin role sees its own ' +
      'user’s tokens) is ever active. Anything else, unknown, malformed, expired, revoked, of another entity or of ' +
      'another user, is exactly `{"active":false}`: the answer never tells whether such a token exists. ' +
      'Introspection does not count as a use of the token (`last_used_at`). Answers carry `Cache-Control: no-store`.',
    ...byValue('/v1/iam/oauth/introspect', SCOPES.introspect),
    success: {
      description: 'The token’s state: active with its claims, or `{"active":false}`.',
      example: {
        active: true,
        scope: 'iam.oauth.* accounts.read',
        client_id: 'demo-admin',
        token_type: 'Bearer',
        exp: 1757546570,
        iat: 1757542970,
        sub: '0f8fad5b-d9cb-469f-a165-70867728950e',
        jti: EXAMPLE_TOKEN_ID,
        token_id: EXAMPLE_TOKEN_ID,
        grant_flow: 'GRANT_FLOW_PASSWORD',
        roles: ['ENTITY_ADMIN'],
        account_id: null,
        user_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      } satisfies z.input<typeof IntrospectionResponse>,
    },
  },
});

/** `POST /v1/iam/oauth/revoke` (RFC 7009): the same revocation as `DELETE /v1/iam/oauth/tokens/{token_id}`. */
export const revokeTokenByValue = implement(API.oauth.revoke, {
  async handler(ctx, principal, input) {
    // What happened is nobody's business here: RFC 7009 answers 200 whatever the token was.
    await revokeVisibleToken(ctx, principal, await visibleTokenByValue(ctx.deps, principal, input.token));
    return {};
  },
  oauth: invalidRequestOnly,
  docs: {
    summary: 'Revoke a token by its value (RFC 7009)',
    description:
      'Revokes the token if it is of the caller’s entity and the caller may see it (as `DELETE ' +
      '/v1/iam/oauth/tokens/{token_id}` would); it stops authenticating at once. The answer is `{}` (200) in every ' +
      'other case too, unknown, malformed, already revoked, of another entity, as RFC 7009 requires, so it tells ' +
      'nothing about the token.',
    ...byValue('/v1/iam/oauth/revoke', SCOPES.revoke),
    success: { description: 'Done, or nothing to do: an empty JSON object.', example: {} satisfies z.input<typeof RevokeTokenResponse> },
  },
});
