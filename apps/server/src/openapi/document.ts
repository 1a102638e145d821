import { createRequire } from 'node:module';
import { ApiError, describeError, OPERATIONS, type AnyOperation, type ErrorDoc } from '@tokenwarden/api';
import {
  type AnyObject,
  ErrorBody,
  RevokeTokenBody,
  FieldViolation,
  IntrospectionResponse,
  IssueTokenRequest,
  IssueTokenResponse,
  ListTokensResponse,
  PaginationInfo,
  queryFields,
  RevokeTokenResponse,
  RPC,
  SCOPES,
  Token,
  TokenValueRequest,
} from '@tokenwarden/contracts';
import { z } from 'zod';

export type JsonObject = Record<string, unknown>;
type Io = 'input' | 'output';

const SCHEMAS = '#/components/schemas/';

/**
 * The named schemas of the document, straight from the contracts: what the server sends in
 * its output form, what a caller sends in its input form (defaults optional, unknown
 * fields allowed where the contract ignores them).
 */
const COMPONENTS: Record<Io, Record<string, z.ZodType>> = {
  output: { Token, PaginationInfo, ListTokensResponse, FieldViolation, ErrorBody, IssueTokenResponse, RevokeTokenResponse, IntrospectionResponse },
  input: { IssueTokenRequest, RevokeTokenRequest: RevokeTokenBody, TokenValueRequest },
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

/** Query parameters under the dotted names the query codec accepts, with ranges, enums and defaults. */
function queryParameters(op: AnyOperation, schema: AnyObject): JsonObject[] {
  const json = z.toJSONSchema(schema, { io: 'input' }) as JsonObject;
  return [...queryFields(schema).keys()].map((name) => queryParameter(json, name, op.docs.parameters?.[name] as string));
}

function pathNames(op: AnyOperation): string[] {
  return [...op.rest.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}

function pathParameters(op: AnyOperation): JsonObject[] {
  const names = pathNames(op);
  if (names.length === 0) return [];
  const schema = op.rest.params;
  if (!schema) throw new Error(`openapi: ${op.id} has path parameters but no path schema`);
  const json = z.toJSONSchema(schema, { io: 'input' }) as JsonObject;
  return names.map((name) => ({
    name,
    in: 'path',
    required: true,
    description: op.docs.parameters?.[name],
    schema: property(json, name),
  }));
}

/** Every query and path parameter has a description, and every description a parameter. */
function checkDescribed(op: AnyOperation): void {
  const names = [...pathNames(op), ...(op.rest.query ? queryFields(op.rest.query).keys() : [])];
  const descriptions = op.docs.parameters ?? {};
  const missing = names.filter((n) => !descriptions[n]);
  const extra = Object.keys(descriptions).filter((n) => !names.includes(n));
  if (missing.length || extra.length) {
    throw new Error(`openapi: ${op.id} parameter descriptions out of step (missing: ${missing.join(', ')}; unknown: ${extra.join(', ')})`);
  }
}

/** The error body the server writes for an error, through the server's own error mapping. */
function errorExample(error: ApiError): { value: JsonObject; wwwAuthenticate?: string } {
  const d = describeError(error, 'en');
  return { value: d.body, wwwAuthenticate: d.wwwAuthenticate };
}

/** Headers of every answer of an operation: the request id, and the OAuth endpoints' no-caching pair. */
function commonHeaders(op: AnyOperation): JsonObject {
  return {
    'X-Request-Id': { $ref: '#/components/headers/XRequestId' },
    ...(op.oauth ? { 'Cache-Control': { $ref: '#/components/headers/CacheControl' }, Pragma: { $ref: '#/components/headers/Pragma' } } : {}),
  };
}

/** A 401's challenge: RFC 6750 Bearer for a scoped operation; for the public token endpoint, Basic and only after Basic client authentication. */
function challengeHeader(op: AnyOperation): JsonObject {
  return 'public' in op.access ? { $ref: '#/components/headers/BasicChallenge' } : { $ref: '#/components/headers/WWWAuthenticate' };
}

function errorResponse(op: AnyOperation, doc: ErrorDoc, status: keyof typeof RPC): JsonObject {
  const examples = Object.fromEntries(Object.entries(doc.examples).map(([name, error]) => [name, { value: errorExample(error).value }]));
  return {
    // RATE_LIMITED is google.rpc's RESOURCE_EXHAUSTED answered as 429.
    description: `${doc.description} (google.rpc code ${RPC[status].code} ${status === 'RATE_LIMITED' ? 'RESOURCE_EXHAUSTED' : status})`,
    headers: {
      ...commonHeaders(op),
      ...(status === 'UNAUTHENTICATED' ? { 'WWW-Authenticate': challengeHeader(op) } : {}),
      ...(status === 'RATE_LIMITED'
        ? { 'Retry-After': { description: 'Seconds to wait before the next attempt.', required: true, schema: { type: 'integer', minimum: 1 } } }
        : {}),
    },
    content: { 'application/json': { schema: { $ref: `${SCHEMAS}ErrorBody` }, examples } },
  };
}

function operation(op: AnyOperation): JsonObject {
  checkDescribed(op);
  const { docs, access, rest, output } = op;
  const scope = 'scope' in access ? access.scope : null;
  const security = scope
    ? `**Scope:** \`${scope}\` (a wildcard such as \`iam.oauth.*\` or \`*\` grants it).`
    : `**Public:** no bearer token; ${access.public}.`;
  const responses: JsonObject = {
    '200': {
      description: docs.success.description,
      headers: commonHeaders(op),
      content: { 'application/json': { schema: schemaFor(output, 'output'), example: docs.success.example } },
    },
  };
  for (const [status, errorDoc] of Object.entries(docs.errors) as [keyof typeof RPC, ErrorDoc][]) {
    responses[String(RPC[status].http)] = errorResponse(op, errorDoc, status);
  }
  responses[String(RPC.INTERNAL.http)] = { $ref: '#/components/responses/Internal' };
  const body = rest.body;
  const bodyDocs = docs.requestBody;
  if (Boolean(body) !== Boolean(bodyDocs)) throw new Error(`openapi: ${op.id} request body and its documentation out of step`);
  return {
    operationId: op.id,
    tags: ['Tokens'],
    summary: docs.summary,
    description: `${docs.description}\n\n${security}`,
    // The public token endpoint's client may authenticate with HTTP Basic instead of its body: optional, hence `{}` too.
    security: scope ? [{ bearerAuth: [scope] }] : op.oauth ? [{}, { clientBasic: [] }] : [],
    parameters: [...pathParameters(op), ...(rest.query ? queryParameters(op, rest.query) : []), { $ref: '#/components/parameters/AcceptLanguage' }],
    ...(body && bodyDocs
      ? {
          requestBody: {
            description: bodyDocs.description,
            required: body.required,
            content: Object.fromEntries(
              bodyDocs.mediaTypes.map((type) => [type, { schema: schemaFor(body.schema, 'input'), examples: bodyDocs.examples }]),
            ),
          },
        }
      : {}),
    responses,
  };
}

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * The OpenAPI 3.1 document of the REST surface: one entry per operation, from the
 * operation's REST binding, schemas, scope and documentation. Throws when an operation's
 * documentation is out of step with its binding (a parameter without a description).
 */
export function buildOpenApiDocument(operations: readonly AnyOperation[] = OPERATIONS.map((o) => o.op)): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const op of operations) {
    const item = paths[op.rest.path] ?? {};
    paths[op.rest.path] = item;
    item[op.rest.method.toLowerCase()] = operation(op);
  }
  const schemas = { ...componentSchemas('output'), ...componentSchemas('input') };
  const challenge = errorExample(new ApiError('UNAUTHENTICATED', 'auth.invalid')).wwwAuthenticate;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tokenwarden token API',
      version,
      description:
        'OAuth token service: issue access tokens, and list, retrieve, introspect (RFC 7662) and revoke (also RFC 7009) ' +
        'the tokens of your entity. ' +
        'snake_case JSON, protobuf enums, dotted query keys for nested messages (`page_params.page_size`). ' +
        'Every error is a google.rpc.Status body (`ErrorBody`); messages follow `Accept-Language` (`en`, `es`). The OAuth ' +
        'endpoints add the RFC 6749 `error` and `error_description` to their 400 and 401 answers.',
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
        clientBasic: {
          type: 'http',
          scheme: 'basic',
          description:
            'Client authentication at the token endpoint (RFC 6749 2.3.1): `client_id` as the user name, `client_secret` as ' +
            'the password, each form-urlencoded first. An alternative to the two in the body.',
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
          required: true,
          schema: { type: 'string' },
        },
        WWWAuthenticate: {
          description: 'RFC 6750 bearer challenge (`error="invalid_token"` or `error="insufficient_scope"` with the scope).',
          required: true,
          schema: { type: 'string' },
          example: challenge,
        },
        BasicChallenge: {
          description:
            'Sent only when the client authenticated with HTTP Basic: `Basic realm="tokenwarden"`. A client that sent its ' +
            'credentials in the body gets no challenge (RFC 6749 5.2).',
          required: false,
          schema: { type: 'string' },
          example: 'Basic realm="tokenwarden"',
        },
        CacheControl: {
          description: '`no-store`: tokens and what is said of them are never cached (RFC 6749 5.1).',
          required: true,
          schema: { type: 'string', const: 'no-store' },
        },
        Pragma: {
          description: '`no-cache`, for HTTP/1.0 caches (RFC 6749 5.1).',
          required: true,
          schema: { type: 'string', const: 'no-cache' },
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
