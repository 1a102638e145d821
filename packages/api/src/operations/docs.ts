import { checksummedAccessToken, type Token } from '@tokenwarden/contracts';
import type { z } from 'zod';
import { ApiError } from '../errors.js';
import type { ErrorDoc } from './define.js';

/** Pieces of documentation several operations share. */

export const EXAMPLE_TOKEN_ID = '249a0a2e-028a-4e15-a841-de9fd4e4cd84';

/** A token of the right format (its checksum holds) that no server issued: the bytes 1 to 32 as its random part. */
export const EXAMPLE_ACCESS_TOKEN = checksummedAccessToken(Uint8Array.from({ length: 32 }, (_, i) => i + 1));

export const exampleToken: z.input<typeof Token> = {
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
  revoked_by: null,
  revoke_reason: null,
  status: 'TOKEN_STATUS_EXPIRED',
  last_used_at: '2025-09-10T22:40:00Z',
  last_used_ip: '203.0.113.7',
  last_used_user_agent: 'tokenwarden-cli/0.1.0',
};

export const unauthenticated = (scope: string): ErrorDoc => ({
  description:
    'The bearer token is missing, malformed, unknown, expired or revoked, or does not carry the scope ' +
    `\`${scope}\`. The \`WWW-Authenticate\` header carries the RFC 6750 challenge.`,
  examples: {
    missing: new ApiError('UNAUTHENTICATED', 'auth.missing'),
    invalid: new ApiError('UNAUTHENTICATED', 'auth.invalid'),
    insufficient_scope: new ApiError('UNAUTHENTICATED', 'auth.scope', [], { scope }),
  },
});

export const notFound: ErrorDoc = {
  description: 'No such token in the caller’s entity (or, for a user token without an admin role, of another user).',
  examples: { not_found: new ApiError('NOT_FOUND', 'not_found.token') },
};

export const tooLarge: ErrorDoc = {
  description: 'The request body is larger than 64 KiB.',
  examples: { too_large: new ApiError('RESOURCE_EXHAUSTED', 'body.too_large') },
};

export const TOKEN_ID_DESCRIPTION = 'The token’s public identifier (a UUID, any version, any case).';

export const snapshotPurged: ErrorDoc = {
  description:
    'The `first_request_timestamp` sent back predates a retention purge (or one is running): the set it selected lost ' +
    'tokens, so its pages are no longer answered. Start again without it.',
  examples: { purged: new ApiError('FAILED_PRECONDITION', 'snapshot.purged') },
};
