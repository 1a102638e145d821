import { ApiError } from '@tokenwarden/api';
import {
  IssueTokenRequest,
  IssueTokenResponse,
  ListTokensInput,
  ListTokensResponse,
  MAX_PAGE_SIZE,
  RevokeTokenInput,
  RevokeTokenResponse,
  SCOPES,
  Token,
  TokenIdInput,
} from '@tokenwarden/contracts';
import type { z } from 'zod';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** A documented error answer: the google.rpc status, when it happens, and what the server then sends. */
export interface ErrorDoc {
  /** When this status is answered. */
  description: string;
  /** Named examples, each the error the server raises; the body is rendered by the server's own error mapping. */
  examples: Record<string, ApiError>;
}

/** The OpenAPI facts of one REST operation that the route table does not hold. */
export interface OperationDoc {
  summary: string;
  description: string;
  /** The scope the bearer token must carry; null for an operation authenticated by its body. */
  scope: string | null;
  /** Query parameters: a contract schema decoded by the dotted query codec, and a description per dotted key. */
  query?: { schema: AnyObject; descriptions: Record<string, string> };
  /** Path parameters: a contract schema with one key per `{name}` in the path. */
  path?: { schema: AnyObject; descriptions: Record<string, string> };
  requestBody?: {
    schema: z.ZodType;
    required: boolean;
    description: string;
    mediaTypes: readonly string[];
    examples: Record<string, { summary: string; value: unknown }>;
  };
  success: { schema: z.ZodType; description: string; example: unknown };
  /** Error answers by google.rpc status; every operation also documents 500 INTERNAL. */
  errors: Partial<
    Record<
      'INVALID_ARGUMENT' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND' | 'FAILED_PRECONDITION' | 'RESOURCE_EXHAUSTED' | 'RATE_LIMITED',
      ErrorDoc
    >
  >;
}

const EXAMPLE_TOKEN_ID = '249a0a2e-028a-4e15-a841-de9fd4e4cd84';

const exampleToken: z.input<typeof Token> = {
  token_id: EXAMPLE_TOKEN_ID,
  client_id: 'demo-admin',
  account_id: '5b0c7a52-3f0e-4c7e-9d2a-8c1f4e6b2a10',
  user_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  grant_flow: 'GRANT_FLOW_PASSWORD',
  roles: ['ENTITY_ADMIN'],
  scopes: ['iam.oauth.*', 'accounts.read'],
  created_at: '2025-09-10T22:22:50.337Z',
  expires_at: '2025-09-10T23:22:50.337Z',
  expires_in: 0,
  revoked_at: null,
  status: 'TOKEN_STATUS_EXPIRED',
  last_used_at: '2025-09-10T22:40:00Z',
};

const badToken = new ApiError('UNAUTHENTICATED', 'auth.invalid');
const unauthenticated = (scope: string): ErrorDoc => ({
  description:
    'The bearer token is missing, malformed, unknown, expired or revoked, or does not carry the scope ' +
    `\`${scope}\`. The \`WWW-Authenticate\` header carries the RFC 6750 challenge.`,
  examples: {
    missing: new ApiError('UNAUTHENTICATED', 'auth.missing'),
    invalid: badToken,
    insufficient_scope: new ApiError('UNAUTHENTICATED', 'auth.scope', [], { scope }),
  },
});
const notFound: ErrorDoc = {
  description: 'No such token in the caller’s entity (or, for a user token without an admin role, of another user).',
  examples: { not_found: new ApiError('NOT_FOUND', 'not_found.token') },
};
const tooLarge: ErrorDoc = {
  description: 'The request body is larger than 64 KiB.',
  examples: { too_large: new ApiError('RESOURCE_EXHAUSTED', 'body.too_large') },
};

const TOKEN_ID_PATH = {
  schema: TokenIdInput,
  descriptions: { token_id: 'The token’s public identifier (a UUID, any version, any case).' },
};

/** Revoke's optional body: the contract's own `body` member, not a copy of it. */
export const RevokeTokenBody = RevokeTokenInput.shape.body.unwrap();

/**
 * OpenAPI metadata of every REST operation, keyed by the route's operationId. The document
 * is built from the route table (method, path, operationId) joined with this table; a route
 * without an entry, or an entry without a route, fails the OpenAPI test.
 */
export const OPERATIONS: Record<string, OperationDoc> = {
  issueToken: {
    summary: 'Issue a token',
    description:
      'Issues an OAuth access token. No bearer token: the body authenticates.\n\n' +
      '- `client_credentials`: `client_id`, `client_secret` → `GRANT_FLOW_CLIENT_CREDENTIALS`.\n' +
      '- `password`: client credentials plus `username`, `password` (a client acting for a user) → `GRANT_FLOW_PASSWORD`.\n' +
      '- `login`: `username`, `password` only (first-party sign-in, shorter lifetime) → `GRANT_FLOW_LOGIN`.\n\n' +
      'Optional: `account_id` binds the token to an account the user or client may act for; `scope` ' +
      '(space-separated) narrows the scopes below what the client or user holds. Unknown fields are ignored. ' +
      'The raw `access_token` is shown only in this answer.',
    scope: null,
    requestBody: {
      schema: IssueTokenRequest,
      required: true,
      description: 'The grant, as JSON or form-encoded as OAuth clients send it.',
      mediaTypes: ['application/json', 'application/x-www-form-urlencoded'],
      examples: {
        client_credentials: {
          summary: 'Client credentials',
          value: {
            grant_type: 'client_credentials',
            client_id: 'demo-admin',
            client_secret: 'twcs_demo-admin-secret-for-local-use-only',
          },
        },
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
      schema: IssueTokenResponse,
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
  },

  listTokens: {
    summary: 'List Token Information',
    description:
      'Lists the tokens of the caller’s entity, a page at a time, in a total order (ties on the order key ' +
      'are broken by `token_id` in the same direction). Filters combine with AND.\n\n' +
      '**Snapshot**: only tokens created at or before `page_params.first_request_timestamp` are listed; ' +
      'when it is absent the server uses the time of the request and returns it in ' +
      '`pagination_info.first_request_timestamp`. Send it back (as seconds and nanos) with the next ' +
      '`page_number` and pages neither repeat nor skip while new tokens are issued.\n\n' +
      'Tokens of the client-credentials and entity-setup flows, and user tokens holding an admin role, see the ' +
      'whole entity; any other user token sees only its own user’s tokens.',
    scope: SCOPES.list,
    query: {
      schema: ListTokensInput,
      descriptions: {
        'page_params.page_size': `Tokens per page, 1 to ${MAX_PAGE_SIZE}.`,
        'page_params.page_number': 'Page to answer, from 1. A page past the last answers 200 with no tokens and true totals.',
        'page_params.first_request_timestamp.seconds':
          'Snapshot instant, Unix seconds (protobuf Timestamp, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z). ' + 'Required when `nanos` is given.',
        'page_params.first_request_timestamp.nanos': 'Snapshot instant, nanoseconds within the second.',
        'order_params.order_key': 'Field to order by.',
        'order_params.order_direction': '`ORDER_DIRECTION_ENUM_UNSPECIFIED` means the default, `DESC`.',
        account_id: 'Only tokens bound to this account.',
        user_id: 'Only tokens acting for this user. A user token without an admin role may name only its own user.',
        grant_flow: 'Only tokens of this grant flow.',
        role: 'Only tokens whose roles contain this role.',
      },
    },
    success: {
      schema: ListTokensResponse,
      description: 'One page of tokens and the true totals of the snapshot.',
      example: {
        tokens: [exampleToken],
        pagination_info: {
          total_elements: 21,
          total_pages: 3,
          current_page: 1,
          page_size: 10,
          first_request_timestamp: '2026-03-29T02:12:15.123456Z',
        },
      } satisfies z.input<typeof ListTokensResponse>,
    },
    errors: {
      INVALID_ARGUMENT: {
        description: 'An unknown, repeated, empty, malformed or out-of-range query parameter; the error names it.',
        examples: {
          page_size: ApiError.invalid([{ field: 'page_params.page_size', reason: 'invalid' }]),
          unknown: ApiError.invalid([{ field: 'page_size', reason: 'unknown_parameter' }]),
        },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.list),
      PERMISSION_DENIED: {
        description: 'A user token without an admin role asked for another user’s tokens.',
        examples: { other_user: new ApiError('PERMISSION_DENIED', 'forbidden.other_user') },
      },
    },
  },

  getToken: {
    summary: 'Retrieve a token',
    description: 'Retrieves one token of the caller’s entity by its `token_id`.',
    scope: SCOPES.get,
    path: TOKEN_ID_PATH,
    success: { schema: Token, description: 'The token.', example: exampleToken },
    errors: {
      INVALID_ARGUMENT: {
        description: 'The path id is not a UUID, or a query parameter was sent.',
        examples: { token_id: ApiError.invalid([{ field: 'token_id', reason: 'invalid' }]) },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.get),
      NOT_FOUND: notFound,
    },
  },

  revokeToken: {
    summary: 'Revoke a token',
    description:
      'Revokes a token of the caller’s entity; it stops authenticating at once. The optional body ' +
      '`{"token_id": "…"}` must name the same token as the path.',
    scope: SCOPES.revoke,
    path: TOKEN_ID_PATH,
    requestBody: {
      schema: RevokeTokenBody,
      required: false,
      description: 'Optional; when `token_id` is present it must equal the path id.',
      mediaTypes: ['application/json'],
      examples: { same_id: { summary: 'The path id, repeated', value: { token_id: EXAMPLE_TOKEN_ID } } },
    },
    success: {
      schema: RevokeTokenResponse,
      description: 'Revoked: an empty JSON object.',
      example: {} satisfies z.input<typeof RevokeTokenResponse>,
    },
    errors: {
      INVALID_ARGUMENT: {
        description: 'The path id is not a UUID, the body is malformed, or its `token_id` differs from the path id.',
        examples: {
          mismatch: ApiError.invalid([{ field: 'body.token_id', reason: 'mismatch' }]),
          body: ApiError.invalid([{ field: 'body', reason: 'malformed_body' }]),
        },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.revoke),
      NOT_FOUND: notFound,
      FAILED_PRECONDITION: {
        description: 'The token is already revoked.',
        examples: { already_revoked: new ApiError('FAILED_PRECONDITION', 'revoked.already') },
      },
      RESOURCE_EXHAUSTED: tooLarge,
    },
  },
};
