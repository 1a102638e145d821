import type { z } from 'zod';
import { ListTokenEventsInput, ListTokenEventsResponse } from './events.js';
import { IssueTokenRequest, IssueTokenResponse } from './issue.js';
import { ListTokensInput, ListTokensResponse } from './list.js';
import { RevokeByFilterInput, RevokeByFilterResponse, RevokeLeakedInput, RevokeLeakedResponse } from './revocation.js';
import { SCOPES } from './scopes.js';
import { TokenSummary, TokenSummaryInput } from './summary.js';
import { RevokeTokenInput, RevokeTokenResponse, Token, TokenIdInput } from './token.js';
import { IntrospectionResponse, TokenValueRequest } from './token-value.js';

export type AnyObject = z.ZodObject<z.ZodRawShape>;

/** Who may call: a bearer token with a scope, or anyone (the request itself authenticates), said explicitly. */
export type Access = { scope: string } | { public: string };

/** The parts of a REST request an operation's input is built from; each already decoded. */
export interface RestParts {
  /** The query, decoded by the binding's query schema (the dotted query codec). */
  query: unknown;
  /** Path parameters by `{name}`. */
  params: Record<string, string>;
  /** The parsed body (JSON or form), `undefined` when none was sent or the binding takes none. */
  body: unknown;
}

/** How an operation is served over plain HTTP. */
export interface RestBinding {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path template; `{name}` matches one segment. */
  path: string;
  /** The accepted query parameters; none when absent (any parameter is then 400). */
  query?: AnyObject;
  /** A schema with one key per `{name}` in the path, for the document. */
  params?: AnyObject;
  /** The body the operation reads, for the adapter (read it or not) and the document. */
  body?: { schema: z.ZodType; required: boolean };
  /**
   * The operation's input from the request. `'query'`: the decoded query is the input
   * itself (the query schema is the input schema), so it is not validated twice.
   */
  input: 'query' | ((parts: RestParts) => unknown);
}

export type Kind = 'query' | 'mutation';

/**
 * The public surface of one operation: its schemas, who may call it, whether it reads or
 * writes, and how REST serves it. The server implements each (`@tokenwarden/api`), the
 * typed client calls each: both are generated from `API`, so neither can miss one.
 */
export interface OperationContract<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
  A extends Access = Access,
  K extends Kind = Kind,
> {
  /** The REST operationId; the tRPC path is `group.key` in `API`. */
  id: string;
  /** A query reads (GET on tRPC, retried by the client); a mutation writes. */
  kind: K;
  input: I;
  output: O;
  access: A;
  rest: RestBinding;
}

/** Type inference for a contract literal. */
export function operation<I extends z.ZodType, O extends z.ZodType, A extends Access, K extends Kind>(
  c: OperationContract<I, O, A, K>,
): OperationContract<I, O, A, K> {
  return c;
}

// biome-ignore lint/suspicious/noExplicitAny: a contract of any input, output and access
export type AnyContract = OperationContract<any, any, any, Kind>;

/** Revoke's optional body: the contract's own `body` member, not a copy of it. */
export const RevokeTokenBody = RevokeTokenInput.shape.body.unwrap();

const OAUTH = '/v1/iam/oauth';
const TOKENS = `${OAUTH}/tokens`;

/** A body that is the whole input; no body at all is every field missing. */
const wholeBody = ({ body }: RestParts): unknown => body ?? {};

/**
 * Every operation of the service, by tRPC path (`group.key`). The tRPC router, the REST
 * table, the OpenAPI document and the typed client are all generated from this tree.
 */
export const API = {
  tokens: {
    list: operation({
      id: 'listTokens',
      kind: 'query',
      // No input at all means every default, as an empty REST query does.
      input: ListTokensInput.prefault({}),
      output: ListTokensResponse,
      access: { scope: SCOPES.list },
      rest: { method: 'GET', path: TOKENS, query: ListTokensInput, input: 'query' },
    }),
    get: operation({
      id: 'getToken',
      kind: 'query',
      input: TokenIdInput,
      output: Token,
      access: { scope: SCOPES.get },
      rest: { method: 'GET', path: `${TOKENS}/{token_id}`, params: TokenIdInput, input: ({ params }) => ({ token_id: params.token_id }) },
    }),
    revoke: operation({
      id: 'revokeToken',
      kind: 'mutation',
      input: RevokeTokenInput,
      output: RevokeTokenResponse,
      access: { scope: SCOPES.revoke },
      rest: {
        method: 'DELETE',
        path: `${TOKENS}/{token_id}`,
        params: TokenIdInput,
        body: { schema: RevokeTokenBody, required: false },
        input: ({ params, body }) => ({ token_id: params.token_id, ...(body ? { body } : {}) }),
      },
    }),
    revokeLeaked: operation({
      id: 'revokeLeakedTokens',
      kind: 'mutation',
      input: RevokeLeakedInput,
      output: RevokeLeakedResponse,
      access: { scope: SCOPES.revoke },
      rest: {
        method: 'POST',
        path: `${TOKENS}:revoke-leaked`,
        body: { schema: RevokeLeakedInput, required: true },
        input: wholeBody,
      },
    }),
    revokeByFilter: operation({
      id: 'revokeTokensByFilter',
      kind: 'mutation',
      input: RevokeByFilterInput,
      output: RevokeByFilterResponse,
      access: { scope: SCOPES.revoke },
      rest: {
        method: 'POST',
        path: `${TOKENS}:revoke`,
        body: { schema: RevokeByFilterInput, required: true },
        input: wholeBody,
      },
    }),
    summary: operation({
      id: 'summarizeTokens',
      kind: 'query',
      // No input at all means a new snapshot, as an empty REST query does.
      input: TokenSummaryInput.prefault({}),
      output: TokenSummary,
      access: { scope: SCOPES.list },
      // A custom method (AIP-136): one segment, so it never meets `tokens/{token_id}`.
      rest: { method: 'GET', path: `${TOKENS}:summary`, query: TokenSummaryInput, input: 'query' },
    }),
  },
  events: {
    list: operation({
      id: 'listTokenEvents',
      kind: 'query',
      input: ListTokenEventsInput.prefault({}),
      output: ListTokenEventsResponse,
      access: { scope: SCOPES.events },
      rest: { method: 'GET', path: '/v1/iam/oauth/token-events', query: ListTokenEventsInput, input: 'query' },
    }),
  },
  oauth: {
    issueToken: operation({
      id: 'issueToken',
      kind: 'mutation',
      input: IssueTokenRequest,
      output: IssueTokenResponse,
      access: { public: 'the body’s client or user credentials authenticate' },
      rest: {
        method: 'POST',
        path: TOKENS,
        body: { schema: IssueTokenRequest, required: true },
        input: wholeBody,
      },
    }),
    /** RFC 7662: what a token is, for a resource server holding one (never whether another entity's exists). */
    introspect: operation({
      id: 'introspectToken',
      // A mutation: the token travels in a POST body, never in a URL.
      kind: 'mutation',
      input: TokenValueRequest,
      output: IntrospectionResponse,
      access: { scope: SCOPES.introspect },
      rest: { method: 'POST', path: `${OAUTH}/introspect`, body: { schema: TokenValueRequest, required: true }, input: wholeBody },
    }),
    /** RFC 7009: revoke a token given by its value; `{}` whatever it was. */
    revoke: operation({
      id: 'revokeTokenByValue',
      kind: 'mutation',
      input: TokenValueRequest,
      output: RevokeTokenResponse,
      access: { scope: SCOPES.revoke },
      rest: { method: 'POST', path: `${OAUTH}/revoke`, body: { schema: TokenValueRequest, required: true }, input: wholeBody },
    }),
  },
} as const;

export type Api = typeof API;

/** A contract with its tRPC path. */
export interface NamedContract {
  path: string;
  contract: AnyContract;
}

/** Every contract of a tree of groups, with its `group.key` path, in the tree's order. */
export function contractList(groups: Record<string, Record<string, AnyContract>>): NamedContract[] {
  return Object.entries(groups).flatMap(([group, ops]) => Object.entries(ops).map(([key, contract]) => ({ path: `${group}.${key}`, contract })));
}
