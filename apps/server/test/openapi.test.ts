import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapEntity, OPERATION_GROUPS, OPERATIONS, type Deps, type MintSpec } from '@tokenwarden/api';
import {
  GRANT_FLOWS,
  ListTokensInput,
  ORDER_DIRECTIONS,
  ORDER_KEYS,
  queryFields,
  SCOPES,
  STATUS_FILTERS,
  TOKEN_STATUSES,
  translate,
} from '@tokenwarden/contracts';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import { openApiDocument } from '../src/openapi/docs-routes.js';
import { REST_ROUTES } from '../src/rest.js';
import { mintTestToken, startTestServer, type TestServer } from '../src/testing.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the generated JSON document (and response bodies) by path; a wrong path fails an assertion
type Json = any;

const LIST = '/v1/iam/oauth/tokens';
const ONE = '/v1/iam/oauth/tokens/{token_id}';
const INTROSPECT = '/v1/iam/oauth/introspect';
const REVOKE = '/v1/iam/oauth/revoke';
const DOC_URI = 'https://tokenwarden.invalid/openapi.json';

let server: TestServer;
let deps: Deps;
let base: string;
let setup: Awaited<ReturnType<typeof bootstrapEntity>>;
const doc = openApiDocument() as Json;

// ajv-formats is CommonJS with a default export; take the plugin function either way.
const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (a: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, DOC_URI);

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** Resolves a local `$ref` of the document (responses, parameters, headers). */
function deref(node: Json): Json {
  if (!node?.$ref) return node;
  return (node.$ref as string)
    .slice(2)
    .split('/')
    .reduce((n: Json, p: string) => n?.[p.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

function validatorAt(path: string[]) {
  return ajv.compile({ $ref: `${DOC_URI}#/${pointer(...path)}` });
}

async function mint(scopes: string[], extra: Partial<MintSpec> = {}): Promise<string> {
  return (await mintTestToken(deps, { entityPk: setup.entity_pk, clientId: setup.client_id, scopes, ...extra })).accessToken;
}

async function call(method: string, path: string, init: { token?: string; body?: string; type?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.type ? { 'content-type': init.type } : {}),
      ...init.headers,
    },
    body: init.body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Json };
}

/**
 * Asserts that a real answer is one the document describes for the operation: its status is
 * documented, its JSON body validates against that response's schema, and the headers the
 * document says are always sent (`required`) are present.
 */
function expectDocumented(method: string, template: string, res: Awaited<ReturnType<typeof call>>) {
  const op = doc.paths[template]?.[method];
  expect(op, `${method} ${template} in the document`).toBeDefined();
  const status = String(res.status);
  const response = deref(op.responses[status]);
  expect(response, `${op.operationId} documents ${status}`).toBeDefined();
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const schemaPath = op.responses[status].$ref
    ? [...(op.responses[status].$ref as string).slice(2).split('/'), 'content', 'application/json', 'schema']
    : ['paths', template, method, 'responses', status, 'content', 'application/json', 'schema'];
  const validate = validatorAt(schemaPath);
  const ok = validate(res.body);
  expect(ok, `${op.operationId} ${status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(res.body)}`).toBe(true);
  const headers = Object.entries(response.headers ?? {}).map(([name, h]) => [name, deref(h)] as const);
  expect(headers.length, `${op.operationId} ${status} documents its headers`).toBeGreaterThan(0);
  for (const [name, header] of headers) {
    expect(typeof header.required, `${op.operationId} ${status} header ${name} says whether it is always sent`).toBe('boolean');
    if (header.required) expect(res.headers.get(name), `${op.operationId} ${status} header ${name}`).not.toBeNull();
    if (header.schema?.const !== undefined && res.headers.get(name) !== null) expect(res.headers.get(name)).toBe(header.schema.const);
  }
}

beforeAll(async () => {
  server = await startTestServer();
  deps = server.deps;
  base = server.url;
  setup = await bootstrapEntity(deps, 'OpenAPI test entity');
});
afterAll(() => server?.close());

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
  });

  it('is one the validator would reject if broken (the check above can fail)', async () => {
    const broken = structuredClone(doc);
    broken.paths[LIST].get.responses = 'none';
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
  });

  it('is served at GET /openapi.json as JSON', async () => {
    const res = await fetch(`${base}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
    const head = await fetch(`${base}/openapi.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const post = await call('POST', '/openapi.json');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('holds every route the server serves, and nothing else', () => {
    const served = REST_ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort();
    const documented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(item)) documented.push(`${method.toUpperCase()} ${path} ${op.operationId}`);
    }
    expect(documented.sort()).toEqual(served);
  });

  it('serves a REST route for every operation, each operationId once', () => {
    const ids = OPERATIONS.map(({ op }) => op.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(REST_ROUTES.map((r) => r.operationId)).toEqual(ids);
    expect(REST_ROUTES.map((r) => r.op)).toEqual(OPERATIONS.map(({ op }) => op));
  });

  it('refuses to document an operation whose parameters and descriptions are out of step', () => {
    const list = OPERATION_GROUPS.tokens.list;
    const { role: _role, ...parameters } = list.docs.parameters ?? {};
    expect(() => buildOpenApiDocument([{ ...list, docs: { ...list.docs, parameters } }])).toThrow(/listTokens.*missing: role/);
    const extra = { ...list.docs.parameters, page_size: 'a stray' };
    expect(() => buildOpenApiDocument([{ ...list, docs: { ...list.docs, parameters: extra } }])).toThrow(/listTokens.*unknown: page_size/);
    const { requestBody: _body, ...withoutBody } = OPERATION_GROUPS.oauth.issueToken.docs;
    expect(() => buildOpenApiDocument([{ ...OPERATION_GROUPS.oauth.issueToken, docs: withoutBody }])).toThrow(/issueToken.*body/);
  });

  it('describes operations the server really serves (no 404 route, no 405)', async () => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const method of Object.keys(item)) {
        const res = await call(method.toUpperCase(), path.replace('{token_id}', randomUUID()));
        expect(res.status, `${method} ${path}`).not.toBe(405);
        expect(res.body.message, `${method} ${path}`).not.toBe(translate('en', 'not_found.route'));
      }
    }
  });

  it('names the scope each operation needs on the bearer scheme; issuing a token is public, its client may use Basic', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.clientBasic).toMatchObject({ type: 'http', scheme: 'basic' });
    const expected: Record<string, unknown> = {
      issueToken: [{}, { clientBasic: [] }],
      listTokens: [{ bearerAuth: [SCOPES.list] }],
      getToken: [{ bearerAuth: [SCOPES.get] }],
      revokeToken: [{ bearerAuth: [SCOPES.revoke] }],
      listTokenEvents: [{ bearerAuth: [SCOPES.events] }],
      revokeLeakedTokens: [{ bearerAuth: [SCOPES.revoke] }],
      introspectToken: [{ bearerAuth: [SCOPES.introspect] }],
      revokeTokenByValue: [{ bearerAuth: [SCOPES.revoke] }],
      summarizeTokens: [{ bearerAuth: [SCOPES.list] }],
      revokeTokensByFilter: [{ bearerAuth: [SCOPES.revoke] }],
    };
    for (const r of REST_ROUTES) {
      expect(doc.paths[r.path][r.method.toLowerCase()].security, r.operationId).toEqual(expected[r.operationId]);
    }
    expect(OPERATION_GROUPS.oauth.issueToken.access).toEqual({ public: expect.any(String) });
  });

  it('documents scopes the server really enforces', async () => {
    const unrelated = await mint(['payments.read']);
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(item)) {
        const scope = op.security[0]?.bearerAuth?.[0] as string | undefined;
        if (!scope) continue;
        const url = path.replace('{token_id}', randomUUID());
        // The operation's documented example body, where it needs one (a token to introspect or revoke).
        const example = REST_ROUTES.find((r) => r.operationId === op.operationId)!.op.docs.example.rest.body;
        const body = example === undefined ? {} : { body: JSON.stringify(example), type: 'application/json' };
        const allowed = await call(method.toUpperCase(), url, { token: await mint([scope]), ...body });
        expect(allowed.status, `${op.operationId} with ${scope}`).not.toBe(401);
        expect([200, 404], op.operationId).toContain(allowed.status);
        const denied = await call(method.toUpperCase(), url, { token: unrelated, ...body });
        expect(denied.status, op.operationId).toBe(401);
        expect(denied.headers.get('www-authenticate')).toContain(`scope="${scope}"`);
        checked++;
      }
    }
    expect(checked).toBe(9);
  });

  it('lists the query parameters under their dotted names with ranges, enums and defaults', () => {
    const params = (doc.paths[LIST].get.parameters as Json[]).map(deref);
    const query = params.filter((p) => p.in === 'query');
    expect(query.map((p) => p.name)).toEqual([...queryFields(ListTokensInput).keys()]);
    const byName = Object.fromEntries(query.map((p) => [p.name, p]));
    expect(byName['page_params.page_size'].schema).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 10 });
    expect(byName['page_params.page_number'].schema).toMatchObject({ type: 'integer', minimum: 1, default: 1 });
    expect(byName['page_params.first_request_timestamp.seconds'].schema).toMatchObject({
      type: 'integer',
      minimum: -62135596800,
      maximum: 253402300799,
    });
    // nanos defaults to 0 only inside a sent timestamp, so it has no parameter default.
    expect(byName['page_params.first_request_timestamp.nanos'].schema).toEqual({ type: 'integer', minimum: 0, maximum: 999999999 });
    expect(byName['page_params.first_request_timestamp.nanos'].description).toContain('Default `0`');
    expect(byName['order_params.order_key'].schema).toMatchObject({ enum: [...ORDER_KEYS], default: 'created_at' });
    expect(byName['order_params.order_direction'].schema).toMatchObject({ enum: [...ORDER_DIRECTIONS], default: 'DESC' });
    expect(byName.grant_flow.schema.enum).toEqual([...GRANT_FLOWS]);
    expect(byName.account_id.schema.format).toBe('uuid');
    expect(byName.role.schema.pattern).toBeDefined();
    // The newer filters: status repeats (a form-exploded array), never_used is a boolean, the bounds RFC 3339 text.
    expect(byName.status.schema).toMatchObject({ type: 'array', minItems: 1, maxItems: 6, items: { enum: [...STATUS_FILTERS, ...TOKEN_STATUSES] } });
    expect(byName.status.style ?? 'form').toBe('form');
    expect(byName.status.explode ?? true).toBe(true);
    expect(byName.never_used.schema).toEqual({ type: 'boolean' });
    expect(byName.client_id.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 1024 });
    expect(byName.scope.schema).toMatchObject({ type: 'string', maxLength: 256, pattern: expect.any(String) });
    expect(byName.page_token.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 1024 });
    for (const bound of ['created_after', 'created_before', 'expires_after', 'expires_before', 'last_used_after', 'last_used_before']) {
      expect(byName[bound].schema, bound).toMatchObject({ type: 'string', maxLength: 40 });
      expect(byName[bound].description, bound).toContain('RFC 3339');
    }
    expect(byName.status.description).toContain('at the snapshot');
    expect(doc.paths[LIST].get.description).toContain('next_page_token');
    const info = doc.components.schemas.PaginationInfo;
    expect(info.required).toContain('next_page_token');
    expect(JSON.stringify(info.properties.next_page_token)).toContain('null');
    for (const p of query) {
      expect(p.required).toBe(false);
      expect(p.description, p.name).toBeTruthy();
    }
    expect(params.some((p) => p.in === 'header' && p.name === 'Accept-Language')).toBe(true);
    const pathParams = (doc.paths[ONE].get.parameters as Json[]).filter((p) => p.in === 'path');
    expect(pathParams).toEqual([expect.objectContaining({ name: 'token_id', required: true, schema: expect.objectContaining({ format: 'uuid' }) })]);
  });

  it('documents ranges, enums and defaults the server really applies', async () => {
    const token = await mint([SCOPES.list]);
    const seconds = Math.floor(Date.now() / 1000);
    const query = (doc.paths[LIST].get.parameters as Json[]).map(deref).filter((p) => p.in === 'query');
    const get = (q: Record<string, string | number>) =>
      call('GET', `${LIST}?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]))}`, { token });
    for (const p of query) {
      // a nanos value is sent inside a timestamp, with its seconds
      const ctx: Record<string, number> = p.name.endsWith('.nanos') ? { 'page_params.first_request_timestamp.seconds': seconds } : {};
      const s = p.schema;
      const good: (string | number)[] = [];
      const bad: (string | number)[] = [];
      if (s.type === 'integer') {
        good.push(s.minimum, s.maximum);
        bad.push(s.minimum - 1, s.maximum + 1);
      }
      if (s.enum) {
        good.push(...s.enum);
        bad.push('NOT_A_VALUE');
      }
      if (s.format === 'uuid') {
        good.push(randomUUID());
        bad.push('not-a-uuid');
      }
      if (s.type === 'array' && s.items?.enum) {
        good.push(...s.items.enum);
        bad.push('NOT_A_VALUE');
      }
      if (s.type === 'boolean') {
        good.push('true', 'false');
        bad.push('yes');
      }
      for (const v of good) expect((await get({ ...ctx, [p.name]: v })).status, `${p.name}=${v}`).toBe(200);
      for (const v of bad) {
        const res = await get({ ...ctx, [p.name]: v });
        expect(res.status, `${p.name}=${v}`).toBe(400);
        expect(res.body.details[0].field).toBe(p.name);
      }
    }
    const defaults = (await get({})).body.pagination_info;
    const byName = Object.fromEntries(query.map((p) => [p.name, p.schema]));
    expect(defaults.page_size).toBe(byName['page_params.page_size'].default);
    expect(defaults.current_page).toBe(byName['page_params.page_number'].default);
  });

  it('documents the request bodies from the contracts', async () => {
    const issue = OPERATION_GROUPS.oauth.issueToken.docs;
    expect(issue.requestBody?.mediaTypes).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    const schemas = doc.components.schemas;
    expect(schemas.IssueTokenRequest.oneOf.map((o: Json) => o.properties.grant_type.const)).toEqual(['client_credentials', 'password', 'login']);
    expect(schemas.RevokeTokenRequest).toMatchObject({ type: 'object', properties: { token_id: { format: 'uuid' } } });
    expect(schemas.TokenValueRequest).toMatchObject({ type: 'object', required: ['token'], properties: { token: { minLength: 1 } } });
    for (const path of [INTROSPECT, REVOKE]) {
      const body = doc.paths[path].post.requestBody;
      expect(body.required).toBe(true);
      expect(Object.keys(body.content)).toEqual(['application/x-www-form-urlencoded', 'application/json']);
      expect(body.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/TokenValueRequest' });
    }
    const revoke = doc.paths[ONE].delete.requestBody;
    expect(revoke.required).toBe(false);
    expect(revoke.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RevokeTokenRequest' });
    // issueToken's body, documented from its metadata on the route it is served on
    const issueOnly = buildOpenApiDocument([OPERATION_GROUPS.oauth.issueToken]) as Json;
    const post = issueOnly.paths[LIST].post;
    // No bearer token; the client may authenticate with HTTP Basic instead of its body.
    expect(post.security).toEqual([{}, { clientBasic: [] }]);
    expect(post.requestBody.required).toBe(true);
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      expect(post.requestBody.content[type].schema).toEqual({ $ref: '#/components/schemas/IssueTokenRequest' });
      expect(Object.keys(post.requestBody.content[type].examples)).toEqual(['client_credentials', 'password', 'login']);
    }
    expect(Object.keys(post.responses).sort()).toEqual(['200', '400', '401', '413', '429', '500']);
    expect((await new Validator().validate(issueOnly)).valid).toBe(true);
  });

  it('documents every answer of every operation, errors as google.rpc.Status', () => {
    const expected: Record<string, string[]> = {
      issueToken: ['200', '400', '401', '413', '429', '500'],
      listTokens: ['200', '400', '401', '403', '409', '500'],
      getToken: ['200', '400', '401', '404', '500'],
      revokeToken: ['200', '400', '401', '404', '409', '413', '500'],
      listTokenEvents: ['200', '400', '401', '403', '500'],
      revokeLeakedTokens: ['200', '400', '401', '403', '413', '500'],
      introspectToken: ['200', '400', '401', '413', '500'],
      revokeTokenByValue: ['200', '400', '401', '413', '500'],
      summarizeTokens: ['200', '400', '401', '403', '409', '500'],
      revokeTokensByFilter: ['200', '400', '401', '403', '409', '413', '500'],
    };
    for (const route of REST_ROUTES) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      expect(Object.keys(op.responses).sort(), route.operationId).toEqual(expected[route.operationId]);
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (status === '200') continue;
        expect(deref(response).content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorBody' });
      }
      expect(deref(op.responses['401']).headers['WWW-Authenticate']).toBeDefined();
    }
    expect(doc.components.schemas.ErrorBody.required).toEqual(['code', 'message', 'details']);
  });

  it('has examples that validate against their own schemas', () => {
    let checked = 0;
    const visit = (node: Json, path: string[]) => {
      if (!node || typeof node !== 'object') return;
      if (node.schema && (node.example !== undefined || node.examples)) {
        const validate = validatorAt([...path, 'schema']);
        const values = node.example !== undefined ? [node.example] : Object.values(node.examples).map((e: Json) => e.value);
        for (const value of values) {
          checked++;
          expect(validate(value), `${path.join('/')}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        }
      }
      for (const [k, v] of Object.entries(node)) if (k !== 'schema') visit(v, [...path, k]);
    };
    visit(doc.paths, ['paths']);
    visit(doc.components, ['components']);
    expect(checked).toBeGreaterThan(20);
    // and an example that does not fit is caught
    expect(validatorAt(['components', 'schemas', 'Token'])({ token_id: 'x' })).toBe(false);
  });
});

describe('real answers validate against the document', () => {
  it('list 200, and 400, 401, 403 of the list', async () => {
    const admin = await mint(['*']);
    expectDocumented('get', LIST, await call('GET', `${LIST}?page_params.page_size=5`, { token: admin }));
    const bad = await call('GET', `${LIST}?page_params.page_size=0`, { token: admin, headers: { 'accept-language': 'es' } });
    expect(bad.status).toBe(400);
    expectDocumented('get', LIST, bad);
    const missing = await call('GET', LIST);
    expect(missing.status).toBe(401);
    expectDocumented('get', LIST, missing);
    const user = await mint([SCOPES.list], { grantFlow: 'GRANT_FLOW_PASSWORD', userId: randomUUID(), roles: ['TELLER'] });
    const forbidden = await call('GET', `${LIST}?user_id=${randomUUID()}`, { token: user });
    expect(forbidden.status).toBe(403);
    expectDocumented('get', LIST, forbidden);
  });

  it('get 200, 400, 404', async () => {
    const admin = await mint(['*']);
    const found = await call('GET', `${LIST}/${setup.token_id}`, { token: admin });
    expect(found.status).toBe(200);
    expectDocumented('get', ONE, found);
    const malformed = await call('GET', `${LIST}/not-a-uuid`, { token: admin });
    expect(malformed.status).toBe(400);
    expectDocumented('get', ONE, malformed);
    const missing = await call('GET', `${LIST}/${randomUUID()}`, { token: admin });
    expect(missing.status).toBe(404);
    expectDocumented('get', ONE, missing);
  });

  it('revoke 200, 409, 400 (mismatch) and 413', async () => {
    const admin = await mint(['*']);
    const victim = (
      await mintTestToken(deps, {
        entityPk: setup.entity_pk,
        clientId: setup.client_id,
        scopes: [],
        lifetimeSeconds: 60,
      })
    ).record.tokenId;
    const path = `${LIST}/${victim}`;
    const mismatch = await call('DELETE', path, { token: admin, type: 'application/json', body: JSON.stringify({ token_id: randomUUID() }) });
    expect(mismatch.status).toBe(400);
    expectDocumented('delete', ONE, mismatch);
    const big = await call('DELETE', path, { token: admin, type: 'application/json', body: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }) });
    expect(big.status).toBe(413);
    expectDocumented('delete', ONE, big);
    const revoked = await call('DELETE', path, { token: admin, type: 'application/json', body: JSON.stringify({ token_id: victim }) });
    expect(revoked.status).toBe(200);
    expectDocumented('delete', ONE, revoked);
    const again = await call('DELETE', path, { token: admin });
    expect(again.status).toBe(409);
    expectDocumented('delete', ONE, again);
  });

  it('issue 200 (JSON and form), 400 and 401', async () => {
    const json = await call('POST', LIST, {
      type: 'application/json',
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: setup.client_id, client_secret: setup.client_secret }),
    });
    expect(json.status).toBe(200);
    expectDocumented('post', LIST, json);
    const form = await call('POST', LIST, {
      type: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: setup.client_id, client_secret: setup.client_secret }).toString(),
    });
    expect(form.status).toBe(200);
    expectDocumented('post', LIST, form);
    const unsupported = await call('POST', LIST, { type: 'application/json', body: JSON.stringify({ grant_type: 'implicit' }) });
    expect(unsupported.status).toBe(400);
    expectDocumented('post', LIST, unsupported);
    const wrong = await call('POST', LIST, {
      type: 'application/json',
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: setup.client_id, client_secret: 'wrong-secret' }),
    });
    expect(wrong.status).toBe(401);
    expectDocumented('post', LIST, wrong);
  });

  it('issue 401 with a Basic challenge, 400 invalid_grant, 200 by Basic: no-store and no-cache on each', async () => {
    const basic = (secret: string) => ({ authorization: `Basic ${Buffer.from(`${setup.client_id}:${secret}`).toString('base64')}` });
    const form = { type: 'application/x-www-form-urlencoded', body: 'grant_type=client_credentials' };
    const byBasic = await call('POST', LIST, { ...form, headers: basic(setup.client_secret) });
    expect(byBasic.status).toBe(200);
    expectDocumented('post', LIST, byBasic);
    const wrongBasic = await call('POST', LIST, { ...form, headers: basic('wrong-secret') });
    expect(wrongBasic.status).toBe(401);
    expect(wrongBasic.headers.get('www-authenticate')).toBe('Basic realm="tokenwarden"');
    expectDocumented('post', LIST, wrongBasic);
    const grant = await call('POST', LIST, {
      type: 'application/json',
      body: JSON.stringify({ grant_type: 'login', username: 'nobody', password: 'x' }),
    });
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe('invalid_grant');
    expectDocumented('post', LIST, grant);
    for (const res of [byBasic, wrongBasic, grant]) expect(res.headers.get('pragma')).toBe('no-cache');
  });

  it('introspect 200 (active and inactive), 400 and 401; RFC 7009 revoke 200, 400 and 401', async () => {
    const admin = await mint(['*']);
    const form = (token: string) => ({ token: admin, type: 'application/x-www-form-urlencoded', body: new URLSearchParams({ token }).toString() });
    const active = await call('POST', INTROSPECT, form(admin));
    expect(active.body.active).toBe(true);
    expectDocumented('post', INTROSPECT, active);
    const inactive = await call('POST', INTROSPECT, form('not-a-token'));
    expect(inactive.body).toEqual({ active: false });
    expectDocumented('post', INTROSPECT, inactive);
    for (const path of [INTROSPECT, REVOKE]) {
      const missing = await call('POST', path, { token: admin, type: 'application/x-www-form-urlencoded', body: 'token_type_hint=access_token' });
      expect(missing.status).toBe(400);
      expectDocumented('post', path, missing);
      const refused = await call('POST', path, { type: 'application/json', body: JSON.stringify({ token: admin }) });
      expect(refused.status).toBe(401);
      expectDocumented('post', path, refused);
    }
    const victim = await mint([]);
    const revoked = await call('POST', REVOKE, form(victim));
    expect(revoked.body).toEqual({});
    expectDocumented('post', REVOKE, revoked);
  });

  it('catches an answer the document does not allow', () => {
    const validate = validatorAt(['paths', LIST, 'get', 'responses', '200', 'content', 'application/json', 'schema']);
    expect(validate({ tokens: [], pagination_info: { total_elements: 0 } })).toBe(false);
    expect(
      validate({
        tokens: [],
        pagination_info: { total_elements: 0, total_pages: 0, current_page: 1, page_size: 10, first_request_timestamp: '2026-01-01T00:00:00Z' },
        extra: 1,
      }),
    ).toBe(false);
  });
});
