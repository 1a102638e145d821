import { API, SCOPES, type IssueTokenResponse } from '@tokenwarden/contracts';
import type { z } from 'zod';
import { ApiError, type OAuthFault } from '../errors.js';
import { isBasic, withBasicClient } from '../services/basic-client-auth.js';
import { issueToken as issue } from '../services/issuance.js';
import { implement } from './define.js';
import { EXAMPLE_ACCESS_TOKEN, EXAMPLE_TOKEN_ID, tooLarge } from './docs.js';
import { rawField } from './oauth-endpoint.js';

const clientCredentials = {
  grant_type: 'client_credentials',
  client_id: 'demo-admin',
  client_secret: 'twcs_demo-admin-secret-for-local-use-only',
} as const;

/**
 * The RFC 6749 section 5.2 code of a bad token request the service did not raise with its
 * own (it raises `invalid_client` and `invalid_grant` itself): a `grant_type` sent but
 * not one of ours, a scope list that is all that is wrong, or anything else malformed.
 */
function issuanceFault(error: ApiError, raw: unknown): OAuthFault | undefined {
  if (error.status !== 'INVALID_ARGUMENT') return undefined;
  const fields = error.violations.map((v) => v.field);
  const grantType = rawField(raw, 'grant_type');
  if (fields.includes('grant_type') && typeof grantType === 'string' && grantType !== '') return { error: 'unsupported_grant_type' };
  if (fields.length > 0 && fields.every((f) => f === 'scope')) return { error: 'invalid_scope' };
  return { error: 'invalid_request' };
}

const fault = (error: OAuthFault['error']) => ({ error });

/** `POST /v1/iam/oauth/tokens`: no bearer token; the body's (or HTTP Basic) credentials authenticate. */
export const issueToken = implement(API.oauth.issueToken, {
  handler: (ctx, _principal, input) =>
    issue(ctx.deps, input, { address: ctx.clientAddress, basic: isBasic(ctx.authorization), requestId: ctx.requestId }),
  oauth: { input: (raw, ctx) => withBasicClient(raw, ctx.authorization), fault: issuanceFault },
  docs: {
    summary: 'Issue a token',
    description:
      'Issues an OAuth access token. No bearer token: the body authenticates.\n\n' +
      '- `client_credentials`: `client_id`, `client_secret` → `GRANT_FLOW_CLIENT_CREDENTIALS`.\n' +
      '- `password`: client credentials plus `username`, `password` (a client acting for a user) → `GRANT_FLOW_PASSWORD`.\n' +
      '- `login`: `username`, `password` only (first-party sign-in, shorter lifetime) → `GRANT_FLOW_LOGIN`.\n\n' +
      'Optional: `account_id` binds the token to an account the user or client may act for; `scope` ' +
      '(space-separated) narrows the scopes below what the client or user holds. Unknown fields are ignored, and so ' +
      'are fields sent without a value (RFC 6749 3.2). The raw `access_token` is shown only in this answer.\n\n' +
      '**Client authentication**: `client_id` and `client_secret` in the body, or HTTP Basic (RFC 6749 2.3.1: ' +
      '`Authorization: Basic base64(urlencode(client_id):urlencode(client_secret))`); both at once must agree.\n\n' +
      '**Errors** carry, beside the google.rpc.Status, the RFC 6749 5.2 `error` and `error_description`: ' +
      '`invalid_request` (400: a missing, malformed or repeated parameter, conflicting credentials), ' +
      '`invalid_client` (401: unknown client or wrong secret; `WWW-Authenticate: Basic` only when the client used Basic), ' +
      '`invalid_grant` (400: wrong username or password, or an `account_id` the credentials may not act for), ' +
      '`unsupported_grant_type` (400), `invalid_scope` (400: a scope not held, or a malformed scope list). ' +
      'Every answer carries `Cache-Control: no-store` and `Pragma: no-cache`.',
    requestBody: {
      description:
        'The grant, as JSON or form-encoded as OAuth clients send it. With HTTP Basic client authentication, `client_id` and `client_secret` may be left out.',
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
        access_token: EXAMPLE_ACCESS_TOKEN,
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
          '`invalid_request`: a malformed body, a missing, malformed or repeated field, or client credentials that differ ' +
          'between the Authorization header and the body. `unsupported_grant_type`: a `grant_type` that is not one of ' +
          'the three. `invalid_grant`: the username or password is not valid (the same answer whether the user exists ' +
          'or not), or an `account_id` the credentials may not act for. `invalid_scope`: a `scope` the credentials ' +
          'do not hold, or a malformed one.',
        examples: {
          invalid_request: ApiError.invalid([{ field: 'client_secret', reason: 'required' }], fault('invalid_request')),
          unsupported_grant_type: ApiError.invalid([{ field: 'grant_type', reason: 'invalid' }], fault('unsupported_grant_type')),
          invalid_grant: new ApiError('INVALID_ARGUMENT', 'auth.user', [], {}, fault('invalid_grant')),
          invalid_grant_account: ApiError.invalid([{ field: 'account_id', reason: 'account_not_allowed' }], fault('invalid_grant')),
          invalid_scope: ApiError.invalid([{ field: 'scope', reason: 'scope_not_held', value: 'payments.create' }], fault('invalid_scope')),
        },
      },
      UNAUTHENTICATED: {
        description:
          '`invalid_client`: the client is unknown or its secret wrong; the same answer whether the client exists or ' +
          'not. With HTTP Basic client authentication the answer challenges for Basic (`WWW-Authenticate: Basic ' +
          'realm="tokenwarden"`); with credentials in the body it carries no challenge.',
        examples: { invalid_client: new ApiError('UNAUTHENTICATED', 'auth.client', [], {}, fault('invalid_client')) },
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
