import { z } from 'zod';
import { GrantFlow } from './enums.js';
import { Uuid } from './token.js';

/**
 * A token named by its raw value, as RFC 7662 introspection and RFC 7009 revocation take
 * it (form-encoded or JSON). The hint is accepted and ignored: there is one kind of token
 * to search. Unknown fields are ignored, as OAuth servers do.
 */
export const TokenValueRequest = z.object({ token: z.string().min(1), token_type_hint: z.string().optional() });
export type TokenValueRequest = z.infer<typeof TokenValueRequest>;

/** What introspection says of anything it does not confirm: exactly this, nothing more. */
export const InactiveToken = z.object({ active: z.literal(false) }).strict();

/** RFC 7662 section 2.2 for an active token, plus the token object's own fields. */
export const ActiveToken = z
  .object({
    active: z.literal(true),
    /** Space-separated, as RFC 6749 writes scopes. */
    scope: z.string(),
    client_id: z.string(),
    token_type: z.literal('Bearer'),
    /** Expiry and issuance, Unix seconds. */
    exp: z.number().int(),
    iat: z.number().int(),
    /** The user the token acts for, else its client. */
    sub: z.string(),
    /** The token_id. */
    jti: Uuid,
    token_id: Uuid,
    grant_flow: GrantFlow,
    roles: z.array(z.string()),
    account_id: Uuid.nullable(),
    user_id: Uuid.nullable(),
  })
  .strict();

export const IntrospectionResponse = z.discriminatedUnion('active', [InactiveToken, ActiveToken]);
export type IntrospectionResponse = z.infer<typeof IntrospectionResponse>;
