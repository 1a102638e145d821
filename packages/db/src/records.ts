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
  /** Shared between records of the same grant set, and frozen: copy before changing. */
  roles: readonly string[];
  scopes: readonly string[];
  createdAt: Micros;
  expiresAt: Micros;
  revokedAt: Micros | null;
  /** The token_id of the token that revoked it; null when not revoked or revoked by the operator. */
  revokedBy: string | null;
  revokeReason: string | null;
  lastUsedAt: Micros | null;
  /** Where the last recorded use came from: the peer address and User-Agent. */
  lastUsedIp: string | null;
  lastUsedUserAgent: string | null;
}

/** What is only known once a token is used or revoked. */
type Later = 'revokedAt' | 'revokedBy' | 'revokeReason' | 'lastUsedAt' | 'lastUsedIp' | 'lastUsedUserAgent';

export type NewToken = Omit<TokenRecord, 'pk' | Later> & { tokenHash: Buffer };

/** A token to issue now: the store sets its creation time (and so its expiry) from its clock. */
export type NewTokenSpec = Omit<NewToken, 'createdAt' | 'expiresAt'> & { lifetimeMicros: Micros };

/** A token as imported with its history. */
export type HistoricalToken = NewToken & { revokedAt?: Micros | null; lastUsedAt?: Micros | null };

/** The fields of a token just issued: never used, never revoked. */
export const UNUSED: Pick<TokenRecord, Later> = Object.freeze({
  revokedAt: null,
  revokedBy: null,
  revokeReason: null,
  lastUsedAt: null,
  lastUsedIp: null,
  lastUsedUserAgent: null,
});

/** Stored grant_flow is the protobuf enum number (1-based, in GRANT_FLOWS order). */
export function grantFlowCode(flow: GrantFlow): number {
  return GRANT_FLOWS.indexOf(flow) + 1;
}

export function grantFlowOf(code: number): GrantFlow {
  const flow = GRANT_FLOWS[code - 1];
  if (!flow) throw new Error(`unknown grant flow code ${code}`);
  return flow;
}

/**
 * A token row as both adapters read it (rows as arrays, in this order: better-sqlite3 raw
 * mode, pg rowMode 'array'). The grant set comes by key; each store resolves it from its
 * cache of grant sets.
 */
export const TOKEN_COLUMNS =
  't.pk, t.entity_pk, t.token_id, t.client_id, t.user_id, t.account_id, t.grant_flow, t.grant_set_pk, ' +
  't.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.revoked_by, t.revoke_reason, t.last_used_ip, t.last_used_user_agent';

/** How many columns TOKEN_COLUMNS selects: a statement's further columns start at this index. */
export const TOKEN_COLUMN_COUNT = TOKEN_COLUMNS.split(',').length;
