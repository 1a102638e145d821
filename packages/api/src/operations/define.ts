import {
  violationsFromZod,
  type Access,
  type AnyContract,
  type Kind,
  type OperationContract,
  type RestParts,
  type RpcStatus,
} from '@tokenwarden/contracts';
import type { z } from 'zod';
import { authenticate, type Principal } from '../auth.js';
import type { Context } from '../context.js';
import { ApiError } from '../errors.js';
import { oauthInput, type OAuthEndpoint } from './oauth-endpoint.js';

/** A documented error answer: when it happens, and examples of what the server then sends. */
export interface ErrorDoc {
  description: string;
  /** Named examples, each the error the server raises; the body is rendered by the server's own error mapping. */
  examples: Record<string, ApiError>;
}

export type DocumentedStatus = Exclude<RpcStatus, 'UNIMPLEMENTED' | 'INTERNAL' | 'UNAVAILABLE'>;

/** What an operation's OpenAPI entry says beyond its schemas, scope, method and path. */
export interface OperationDocs {
  summary: string;
  description: string;
  /** A description per query parameter (dotted name) and path parameter; the document checks none is missing. */
  parameters?: Record<string, string>;
  requestBody?: {
    description: string;
    mediaTypes: readonly string[];
    examples: Record<string, { summary: string; value: unknown }>;
  };
  success: { description: string; example: unknown };
  /** Error answers by google.rpc status; every operation also documents 500 INTERNAL. */
  errors: Partial<Record<DocumentedStatus, ErrorDoc>>;
  /**
   * A valid request of this operation, as tRPC input and as REST parts: the tests send it
   * without credentials to every operation and expect 401 (or, for a public one, not 401).
   */
  example: { input: unknown; rest: { path: string; body?: unknown } };
}

type PrincipalOf<A extends Access> = A extends { scope: string } ? Principal : null;

/**
 * One operation: its contract (schemas, access, kind, REST binding: `API` in the
 * contracts), its documentation and its handler. The tRPC router, the REST table and the
 * OpenAPI document are generated from the list of these (`operations/index.ts`); the
 * handler runs after the input is valid and the caller authenticated, the same way on
 * both transports.
 */
export interface Operation<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType, A extends Access = Access, K extends Kind = Kind>
  extends OperationContract<I, O, A, K> {
  docs: OperationDocs;
  handler(ctx: Context, principal: PrincipalOf<A>, input: z.output<I>): Promise<z.output<O>>;
  /** Set for an OAuth endpoint: its parameters are read, and its errors answered, the OAuth way (see OAuthEndpoint). */
  oauth?: OAuthEndpoint;
  /** Whether the request lists from a new snapshot: see `Implementation.newSnapshot`. */
  newSnapshot?(input: z.output<I>): boolean;
}

/** What the server adds to a contract: documentation and a handler (the principal follows the contract's access). */
export interface Implementation<C extends AnyContract> {
  docs: OperationDocs;
  handler(ctx: Context, principal: PrincipalOf<C['access']>, input: z.output<C['input']>): Promise<z.output<C['output']>>;
  oauth?: OAuthEndpoint;
  /**
   * Whether this request lists from a new snapshot of the caller's entity: the caller is then
   * authenticated and the bound taken in one round trip (`TokenStore.findByHashWithSnapshot`),
   * and the handler finds it in `principal.snapshot`.
   */
  newSnapshot?(input: z.output<C['input']>): boolean;
}

/** An operation of a contract. */
export function implement<I extends z.ZodType, O extends z.ZodType, A extends Access, K extends Kind>(
  contract: OperationContract<I, O, A, K>,
  impl: Implementation<OperationContract<I, O, A, K>>,
): Operation<I, O, A, K> {
  return { ...contract, ...impl };
}

// biome-ignore lint/suspicious/noExplicitAny: a list of operations of any input, output and access
export type AnyOperation = Operation<any, any, any, Kind>;

/**
 * Runs an operation on a valid input: authenticates the caller against the operation's
 * scope (unless it is public), then the handler. The one entry of both transports.
 */
export function invoke<I extends z.ZodType, O extends z.ZodType, A extends Access>(
  op: Operation<I, O, A, Kind>,
  ctx: Context,
  input: z.output<I>,
): Promise<z.output<O>> {
  const access: Access = op.access;
  if ('public' in access) return op.handler(ctx, null as PrincipalOf<A>, input);
  return authenticate(ctx, access.scope, op.newSnapshot?.(input) ?? false).then((principal) => op.handler(ctx, principal as PrincipalOf<A>, input));
}

/** The operation's input from a REST request's decoded parts, validated by its schema (400 naming the field). */
export function restInput(op: AnyOperation, ctx: Context, parts: RestParts): unknown {
  const { input } = op.rest;
  if (input === 'query') return parts.query;
  const raw = input(parts);
  const parsed = op.input.safeParse(op.oauth ? oauthInput(op.oauth, raw, ctx) : raw);
  if (!parsed.success) throw ApiError.invalid(violationsFromZod(parsed.error));
  return parsed.data;
}
