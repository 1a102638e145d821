import type { TokenRecord } from '@tokenwarden/db';
import type { Deps } from '../context.js';
import { newAccessToken } from '../token-secrets.js';

export type MintSpec = Pick<TokenRecord, 'entityPk' | 'clientId' | 'userId' | 'accountId' | 'grantFlow' | 'roles' | 'scopes'> & {
  lifetimeSeconds: number;
};

/** Creates and stores a token; the raw value is returned once and never stored. */
export function mintToken(deps: Deps, spec: MintSpec): { accessToken: string; record: TokenRecord } {
  const { raw, hash, tokenId } = newAccessToken();
  const createdAt = deps.clock.nowMicros();
  const record = {
    entityPk: spec.entityPk,
    tokenId,
    clientId: spec.clientId,
    userId: spec.userId,
    accountId: spec.accountId,
    grantFlow: spec.grantFlow,
    roles: [...spec.roles],
    scopes: [...spec.scopes],
    createdAt,
    expiresAt: createdAt + spec.lifetimeSeconds * 1_000_000,
  };
  deps.tokens.insert([{ ...record, tokenHash: hash }]);
  const stored = deps.tokens.get(spec.entityPk, tokenId);
  if (!stored) throw new Error('minted token was not stored');
  deps.log.info(
    { event: 'token.issued', token_id: tokenId, grant_flow: spec.grantFlow, client_id: spec.clientId },
    'token issued',
  );
  return { accessToken: raw, record: stored };
}
