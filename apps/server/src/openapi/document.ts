import { createRequire } from 'node:module';
import { ApiError, describeError } from '@tokenwarden/api';
import {
  ErrorBody,
  FieldViolation,
  IssueTokenRequest,
  IssueTokenResponse,
  ListTokensResponse,
  PaginationInfo,
  queryFields,
  RevokeTokenResponse,
  RPC,
  SCOPES,
  Token,
} from '@tokenwarden/contracts';
import { z } from 'zod';
import type { RestRoute } from '../rest.js';
import { OPERATIONS, RevokeTokenBody, type ErrorDoc, type OperationDoc } from './operations.js';

export type JsonObject = Record<string, unknown>;
type Io = 'input' | 'output';

const SCHEMAS = '#/components/schemas/';

/**
 * The named schemas of the document, straight from the contracts: what the server sends in
 * its output form, what a caller sends in its input form (defaults optional, unknown
 * fields allowed where the contract ignores them).
 */
const COMPONENTS: Record<Io, Record<string, z.ZodType>> = {
  output: { Token, PaginationInfo, ListTokensResponse, FieldViolation, ErrorBody, IssueTokenResponse, RevokeTokenResponse },
  input: { IssueTokenRequest, RevokeTokenRequest: RevokeTokenBody },
};

/** Drops what zod writes for a standalone document but not for a schema inside OpenAPI. */
function embedded(schema: object): JsonObject {
  const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
  return rest;
}

function componentSchemas(io: Io): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS[io])) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `${SCHEMAS}${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => [id, embedded(s)]));
}

/** A `$ref` when the schema is a named component, else the schema inline. */
function schemaFor(schema: z.ZodType, io: Io): JsonObject {
  const name = Object.entries(COMPONENTS[io]).find(([, s]) => s === schema)?.[0];
  return name ? { $ref: `${SCHEMAS}${name}` } : embedded(z.toJSONSchema(schema, { io }));
}

/** The JSON schema of one dotted key inside an object schema's JSON schema. */
function property(json: JsonObject, dotted: string): JsonObject {
  let node: JsonObject | undefined = json;
  for (const part of dotted.split('.')) {
    node = (node?.properties as Record<string, JsonObject> | undefined)?.[part];
  }
  if (!node) throw new Error(`openapi: no schema for ${dotted}`);
  return node;
}

/**
 * A parameter's `default` is what the server uses when the parameter is absent. A leaf
 * default inside an optional message without one (`first_request_timestamp.nanos`) applies
 * only when that message is sent, so it moves to the description: a client that sent it
 * by itself (as Swagger UI's try-it does with defaults) would send half a message.
 */
function queryParameter(json: JsonObject, name: string, description: string): JsonObject {
  const parts = name.split('.');
  const parents = parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
  const optionalParent = parents.find((p) => !('default' in property(json, p)));
  const { default: dflt, ...withoutDefault } = property(json, name);
  if (dflt === undefined || optionalParent === undefined) {
    return { name, in: 'query', required: false, description, schema: property(json, name) };
  }
  const note = `Default \`${JSON.stringify(dflt)}\` when \`${optionalParent}\` is given.`;
  return { name, in: 'query', required: false, description: `${description} ${note}`, schema: withoutDefault };
}

function described(names: readonly string[], descriptions: Record<string, string>, what: string): void {
  const missing = names.filter((n) => !descriptions[n]);
  const extra = Object.keys(descriptions).filter((n) => !names.includes(n));
  if (missing.length || extra.length) {
    throw new Error(`openapi: ${what} descriptions out of step (missing: ${missing.join(', ')}; unknown: ${extra.join(', ')})`);
  }
}

/** Query parameters under the dotted names the query codec accepts, with ranges, enums and defaults. */
function queryParameters(q: NonNullable<OperationDoc['query']>): JsonObject[] {
  const json = z.toJSONSchema(q.schema, { io: 'input' }) as JsonObject;
  const names = [...queryFields(q.schema).keys()];
  described(names, q.descriptions, 'query parameter');
  return names.map((name) => queryParameter(json, name, q.descriptions[name] as string));
}

function pathParameters(route: RestRoute, p: OperationDoc['path']): JsonObject[] {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  if (names.length === 0 && !p) return [];
  if (!p) throw new Error(`openapi: ${route.operationId} has path parameters but no path schema`);
  described(names, p.descriptions, `${route.operationId} path parameter`);
  const json = z.toJSONSchema(p.schema, { io: 'input' }) as JsonObject;
  return names.map((name) => ({
    name,
    in: 'path',
    required: true,
    description: p.descriptions[name],
    schema: property(json, name),
  }));
}

/** The error body the server writes for an error, through the server's own error mapping. */
function errorExample(error: ApiError): { value: JsonObject; wwwAuthenticate?: string } {
  const d = describeError(error, 'en');
  return { value: d.body, wwwAuthenticate: d.wwwAuthenticate };
}

function errorResponse(doc: ErrorDoc, status: keyof typeof RPC): JsonObject {
  const examples = Object.fromEntries(Object.entries(doc.examples).map(([name, error]) => [name, { value: errorExample(error).value }]));
  return {
    // RATE_LIMITED is google.rpc's RESOURCE_EXHAUSTED answered as 429.
    description: `${doc.description} (google.rpc code ${RPC[status].code} ${status === 'RATE_LIMITED' ? 'RESOURCE_EXHAUSTED' : status})`,
    headers: {
      'X-Request-Id': { $ref: '#/components/headers/XRequestId' },
      ...(status === 'UNAUTHENTICATED' ? { 'WWW-Authenticate': { $ref: '#/components/headers/WWWAuthenticate' } } : {}),
      ...(status === 'RATE_LIMITED'
        ? { 'Retry-After': { description: 'Seconds to wait before the next attempt.', schema: { type: 'integer', minimum: 1 } } }
        : {}),
    },
    content: { 'application/json': { schema: { $ref: `${SCHEMAS}ErrorBody` }, examples } },
  };
}

function operation(route: RestRoute, doc: OperationDoc): JsonObject {
  const security = doc.scope
    ? `**Scope:** \`${doc.scope}\` (a wildcard such as \`iam.oauth.*\` or \`*\` grants it).`
    : '**Public:** no bearer token; the body authenticates.';
  const responses: JsonObject = {
    '200': {
      description: doc.success.description,
      headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
      content: { 'application/json': { schema: schemaFor(doc.success.schema, 'output'), example: doc.success.example } },
    },
  };
  for (const [status, errorDoc] of Object.entries(doc.errors) as [keyof typeof RPC, ErrorDoc][]) {
    responses[String(RPC[status].http)] = errorResponse(errorDoc, status);
  }
  responses[String(RPC.INTERNAL.http)] = { $ref: '#/components/responses/Internal' };
  const body = doc.requestBody;
  return {
    operationId: route.operationId,
    tags: ['Tokens'],
    summary: doc.summary,
    description: `${doc.description}\n\n${security}`,
    security: doc.scope ? [{ bearerAuth: [doc.scope] }] : [],
    parameters: [
      ...pathParameters(route, doc.path),
      ...(doc.query ? queryParameters(doc.query) : []),
      { $ref: '#/components/parameters/AcceptLanguage' },
    ],
    ...(body
      ? {
          requestBody: {
            description: body.description,
            required: body.required,
            content: Object.fromEntries(body.mediaTypes.map((type) => [type, { schema: schemaFor(body.schema, 'input'), examples: body.examples }])),
          },
        }
      : {}),
    responses,
  };
}

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * The OpenAPI 3.1 document of the REST surface: one operation per route of the route table,
 * described by its entry in `operations`, every schema generated from the contracts.
 * Throws when a route has no entry (an undocumented route is a bug, caught by the tests).
 */
export function buildOpenApiDocument(routes: readonly RestRoute[], operations: Record<string, OperationDoc> = OPERATIONS): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const doc = operations[route.operationId];
    if (!doc) throw new Error(`openapi: no documentation for operation ${route.operationId}`);
    const item = paths[route.path] ?? {};
    paths[route.path] = item;
    item[route.method.toLowerCase()] = operation(route, doc);
  }
  const schemas = { ...componentSchemas('output'), ...componentSchemas('input') };
  const challenge = errorExample(new ApiError('UNAUTHENTICATED', 'auth.invalid')).wwwAuthenticate;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tokenwarden token API',
      version,
      description:
        'OAuth token service: issue access tokens, and list, retrieve and revoke the tokens of your entity. ' +
        'snake_case JSON, protobuf enums, dotted query keys for nested messages (`page_params.page_size`). ' +
        'Every error is a google.rpc.Status body (`ErrorBody`); messages follow `Accept-Language` (`en`, `es`).',
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [{ name: 'Tokens', description: 'OAuth access tokens of the caller’s entity.' }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An access token from `POST /v1/iam/oauth/tokens` (or the entity-setup token). Each operation names ' +
            `the scope it needs (${Object.values(SCOPES)
              .map((s) => `\`${s}\``)
              .join(', ')}); scopes match segment ` +
            'by segment and a trailing `*` segment is a wildcard.',
        },
      },
      parameters: {
        AcceptLanguage: {
          name: 'Accept-Language',
          in: 'header',
          required: false,
          description: 'Language of error messages: `en` (default) or `es`; q-values are honoured.',
          schema: { type: 'string', default: 'en' },
        },
      },
      headers: {
        XRequestId: {
          description: 'The request id: the caller’s `X-Request-Id` if sent, else a new UUID. Logged with the request.',
          schema: { type: 'string' },
        },
        WWWAuthenticate: {
          description: 'RFC 6750 bearer challenge (`error="invalid_token"` or `error="insufficient_scope"` with the scope).',
          schema: { type: 'string' },
          example: challenge,
        },
      },
      responses: {
        Internal: {
          description: 'A fault of the server (google.rpc code 13 INTERNAL); the body never carries internals.',
          headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
          content: {
            'application/json': {
              schema: { $ref: `${SCHEMAS}ErrorBody` },
              example: describeError(new Error('example'), 'en').body,
            },
          },
        },
      },
    },
  };
}
