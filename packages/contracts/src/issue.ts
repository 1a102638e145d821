import { z } from 'zod';
import { Rfc3339 } from './timestamp.js';
import { Uuid } from './token.js';

/** One scope as it may be granted or requested: dotted segments, `*` only as the whole last one. */
export const SCOPE_PATTERN = /^(?:[A-Za-z0-9_:-]+\.)*(?:[A-Za-z0-9_:-]+|\*)$/;
export const MAX_USERNAME_LENGTH = 256;
export const MAX_SECRET_LENGTH = 1024;

const Secret = z.string().min(1).max(MAX_SECRET_LENGTH);
const Username = z.string().min(1).max(MAX_USERNAME_LENGTH);

/** Space-separated scopes to narrow the token to (never to widen it). */
const ScopeList = z.string().min(1).max(4096);

const common = { account_id: Uuid.optional(), scope: ScopeList.optional() };

/** Body of `POST /v1/iam/oauth/tokens`, by `grant_type`. Unknown fields are ignored, as OAuth servers do. */
export const IssueTokenRequest = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal('client_credentials'), client_id: Secret, client_secret: Secret, ...common }),
  z.object({
    grant_type: z.literal('password'),
    client_id: Secret,
    client_secret: Secret,
    username: Username,
    password: Secret,
    ...common,
  }),
  z.object({ grant_type: z.literal('login'), username: Username, password: Secret, ...common }),
]);
export type IssueTokenRequest = z.infer<typeof IssueTokenRequest>;
export const GRANT_TYPES = ['client_credentials', 'password', 'login'] as const;

export const IssueTokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().min(0),
    token_id: Uuid,
    scopes: z.array(z.string()),
    roles: z.array(z.string()),
    created_at: Rfc3339,
    expires_at: Rfc3339,
  })
  .strict();
export type IssueTokenResponse = z.infer<typeof IssueTokenResponse>;
