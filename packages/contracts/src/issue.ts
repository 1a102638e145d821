import { z } from 'zod';
import { Rfc3339 } from './timestamp.js';
import { Uuid } from './token.js';

const Secret = z.string().min(1).max(1024);
const Username = z.string().min(1).max(256);
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
