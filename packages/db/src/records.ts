import { GRANT_FLOWS, type GrantFlow, type Micros } from '@tokenwarden/contracts';

/** A token as the store knows it. `entityPk` is the tenant it belongs to. */
export interface TokenRecord {
  pk: number;
  entityPk: number;
  tokenId: string;
  clientId: string;
  userId: string | null;
  accountId: string | null;
  grantFlow: GrantFlow;
  roles: string[];
  scopes: string[];
  createdAt: Micros;
  expiresAt: Micros;
  revokedAt: Micros | null;
  lastUsedAt: Micros | null;
}

export type NewToken = Omit<TokenRecord, 'pk' | 'revokedAt' | 'lastUsedAt'> & { tokenHash: Buffer };

/** Stored grant_flow is the protobuf enum number (1-based, in GRANT_FLOWS order). */
export function grantFlowCode(flow: GrantFlow): number {
  return GRANT_FLOWS.indexOf(flow) + 1;
}

export function grantFlowOf(code: number): GrantFlow {
  const flow = GRANT_FLOWS[code - 1];
  if (!flow) throw new Error(`unknown grant flow code ${code}`);
  return flow;
}

/** The row shape of `TOKEN_COLUMNS`. */
export interface TokenRow {
  pk: number;
  entity_pk: number;
  token_id: string;
  client_id: string;
  user_id: string;
  account_id: string;
  grant_flow: number;
  roles: string;
  scopes: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_used_at: number;
}

export const TOKEN_COLUMNS =
  't.pk, t.entity_pk, t.token_id, t.client_id, t.user_id, t.account_id, t.grant_flow, t.roles, t.scopes, ' +
  't.created_at, t.expires_at, t.revoked_at, t.last_used_at';

export function toRecord(row: TokenRow): TokenRecord {
  return {
    pk: row.pk,
    entityPk: row.entity_pk,
    tokenId: row.token_id,
    clientId: row.client_id,
    userId: row.user_id === '' ? null : row.user_id,
    accountId: row.account_id === '' ? null : row.account_id,
    grantFlow: grantFlowOf(row.grant_flow),
    roles: JSON.parse(row.roles) as string[],
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at === 0 ? null : row.last_used_at,
  };
}
