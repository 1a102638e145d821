import { contractList, type Api } from '@tokenwarden/contracts';
import type { AnyOperation } from './define.js';
import { listTokenEvents } from './events.js';
import { issueToken } from './oauth.js';
import { revokeLeakedTokens, revokeTokensByFilter } from './revocation.js';
import { introspectToken, revokeTokenByValue } from './token-value.js';
import { summarizeTokens } from './summary.js';
import { getToken, listTokens, revokeToken } from './tokens.js';

/** An implementation of every contract of `API`, under the same group and key (the compiler holds them to it). */
type Implementations<T> = { [G in keyof T]: { [K in keyof T[G]]: AnyOperation } };

/**
 * Every operation of the service, by tRPC path (`group.key`), as `API` in the contracts
 * lists them. The tRPC router, the REST table, the OpenAPI document and the
 * anonymous-caller test are generated from this tree; the typed client from `API`.
 */
export const OPERATION_GROUPS = {
  tokens: {
    list: listTokens,
    get: getToken,
    revoke: revokeToken,
    revokeLeaked: revokeLeakedTokens,
    revokeByFilter: revokeTokensByFilter,
    summary: summarizeTokens,
  },
  events: { list: listTokenEvents },
  oauth: { issueToken, introspect: introspectToken, revoke: revokeTokenByValue },
} as const satisfies Implementations<Api>;

export type OperationGroups = typeof OPERATION_GROUPS;

/** An operation with its tRPC path. */
export interface NamedOperation {
  path: string;
  op: AnyOperation;
}

/** The operations as a list, in the tree's order. */
export const OPERATIONS: readonly NamedOperation[] = contractList(OPERATION_GROUPS).map(({ path, contract }) => ({
  path,
  op: contract as AnyOperation,
}));

export { implement, invoke, restInput } from './define.js';
export { oauthFailure, type OAuthEndpoint } from './oauth-endpoint.js';
export type { AnyOperation, DocumentedStatus, ErrorDoc, Implementation, Operation, OperationDocs } from './define.js';
