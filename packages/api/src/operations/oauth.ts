import { API, SCOPES, type IssueTokenResponse } from '@tokenwarden/contracts';
import type { z } from 'zod';
import { ApiError } from '../errors.js';
import { issueToken as issue } from '../services/issuance.js';
import { implement } from './define.js';
import { EXAMPLE_TOKEN_ID, tooLarge } from './docs.js';

const clientCredentials = {
  grant_type: 'client_credentials',
  client_id: 'demo-admin',
  client_secret: 'twcs_demo-admin-secret-for-local-use-only',
} as const;

/** `POST /v1/iam/oauth/tokens`: no bearer token, the body's credentials authenticate. */
export const issueToken = implement(API.oauth.issueToken, {
  handler: (ctx, _principal, input) => issue(ctx.deps, input, { address: ctx.clientAddress, requestId: ctx.requestId }),
  docs: {
    summary: 'Issue a token',
    description:
      'Issues an OAuth access token. No bearer token: the body authenticates.\n\n' +
      '- `client_credentials`: `client_id`, `client_secret` → `GRANT_FLOW_CLIENT_CREDENTIALS`.\n' +
      '- `password`: client credentials plus `username`, `password` (a client acting for a user) → `GRANT_FLOW_PASSWORD`.\n' +
      '- `login`: `username`, `password` only (first-party sign-in, shorter lifetime) → `GRANT_FLOW_LOGIN`.\n\n' +
      'Optional: `account_id` binds the token to an account the user or client may act for; `scope` ' +
      '(space-separated) narrows the scopes below what the client or user holds. Unknown fields are ignored. ' +
      'The raw `access_token` is shown only in this answer.',
    requestBody: {
      description: 'The grant, as JSON or form-encoded as OAuth clients send it.',
      mediaTypes: ['application/json', 'application/x-www-form-urlencoded'],
      examples: {
        client_credentials: { summary: 'Client credentials', value: clientCredentials },
        password: {
          summary: 'A client acting for a user, narrowed to one scope',
          value: {
            grant_type: 'password',
            client_id: 'demo-reporting',
            client_secret: 'twcs_demo-reporting-secret-for-local-use-only',
            username: 'bob',
            password: 'bob-demo-password',
            scope: SCOPES.list,
          },
        },
        login: {
          summary: 'First-party sign-in',
          value: { grant_type: 'login', username: 'alice', password: 'alice-demo-password' },
        },
      },
    },
    success: {
      description: 'The new token. Keep `access_token` secret: only its hash is stored.',
      example: {
        access_token: 'twat_3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        token_type: 'Bearer',
        expires_in: 3600,
        token_id: EXAMPLE_TOKEN_ID,
        scopes: ['iam.oauth.*', 'accounts.read'],
        roles: ['ENTITY_ADMIN'],
        created_at: '2025-09-10T22:22:50.337Z',
        expires_at: '2025-09-10T23:22:50.337Z',
      } satisfies z.input<typeof IssueTokenResponse>,
    },
    errors: {
      INVALID_ARGUMENT: {
        description:
          'Malformed body, unsupported `grant_type`, a missing field, a `scope` the credentials do not hold, ' +
          'or an `account_id` they may not act for.',
        examples: {
          grant_type: ApiError.invalid([{ field: 'grant_type', reason: 'invalid' }]),
          scope: ApiError.invalid([{ field: 'scope', reason: 'scope_not_held', value: 'payments.create' }]),
        },
      },
      UNAUTHENTICATED: {
        description: 'Bad credentials; the same answer whether the client or user exists or not.',
        examples: { credentials: new ApiError('UNAUTHENTICATED', 'auth.credentials') },
      },
      RESOURCE_EXHAUSTED: tooLarge,
      RATE_LIMITED: {
        description:
          'Too many failed sign-ins: from this address for this username (5 in 15 min), from this address for any ' +
          'credentials (50 in 15 min), or, paced to one a second, for this username from an address that already failed ' +
          'for it (after 20 from anywhere). `Retry-After` says how many seconds to wait.',
        examples: { throttled: new ApiError('RATE_LIMITED', 'auth.throttled', [], { retry_after: '30' }) },
      },
    },
    example: { input: clientCredentials, rest: { path: '/v1/iam/oauth/tokens', body: clientCredentials } },
  },
});
