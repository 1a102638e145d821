import type { TokenRecord } from '@tokenwarden/db';
import type { Deps } from '../context.js';
import { newAccessToken } from '../token-secrets.js';
import { newEventId } from './audit.js';

export type MintSpec = Pick<TokenRecord, 'entityPk' | 'clientId' | 'userId' | 'accountId' | 'grantFlow' | 'roles' | 'scopes'> & {
  lifetimeSeconds: number;
};

/**
 * Creates and stores a token with its TOKEN_ISSUED event (the request's id when it came
 * over HTTP); the raw value is returned once and never stored.
 */
export async function mintToken(deps: Deps, spec: MintSpec, requestId: string | null = null): Promise<{ accessToken: string; record: TokenRecord }> {
  const { raw, hash, tokenId } = newAccessToken();
  const { lifetimeSeconds, ...token } = spec;
  const record = await deps.tokens.issue(
    { ...token, tokenId, tokenHash: hash, lifetimeMicros: lifetimeSeconds * 1_000_000 },
    { eventId: newEventId(), requestId },
  );
  deps.log.info({ event: 'token.issued', token_id: tokenId, grant_flow: spec.grantFlow, client_id: spec.clientId }, 'token issued');
  return { accessToken: raw, record };
}
