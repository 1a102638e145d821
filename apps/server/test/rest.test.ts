import { describe, expect, it } from 'vitest';
import { ApiError, OPERATIONS, type AnyOperation } from '@tokenwarden/api';
import { DOCS_PATH, OPENAPI_PATH } from '../src/openapi/docs-routes.js';
import { matchRoute, REST_ROUTES, type RestRoute } from '../src/rest.js';

const TOKEN = '/v1/iam/oauth/tokens';
const byId = (method: string) => REST_ROUTES.find((r) => r.method === method && r.path.endsWith('{token_id}')) as RestRoute;

describe('matchRoute', () => {
  it('matches a literal path and a {param} path, decoding the parameter', () => {
    expect(matchRoute(REST_ROUTES, 'GET', TOKEN)).toEqual({ route: REST_ROUTES[0], params: {} });
    expect(matchRoute(REST_ROUTES, 'DELETE', `${TOKEN}/a%20b`)).toEqual({ route: byId('DELETE'), params: { token_id: 'a b' } });
  });

  it('lists the allowed methods when only the method is wrong', () => {
    expect(matchRoute(REST_ROUTES, 'PUT', TOKEN)).toEqual({ allowed: ['GET', 'POST'] });
    expect(matchRoute(REST_ROUTES, 'POST', `${TOKEN}/x`)).toEqual({ allowed: ['GET', 'DELETE'] });
  });

  it('answers a literal path as a scan of the table in order would, even behind a template', () => {
    const route = (method: RestRoute['method'], path: string): RestRoute => ({
      method,
      path,
      operationId: `${method} ${path}`,
      op: OPERATIONS[0]?.op as AnyOperation,
      handle: async () => null,
    });
    const table = [route('GET', '/a/{x}'), route('GET', '/a/b'), route('POST', '/a/b'), route('GET', '/c')];
    // The template comes first, so it takes GET /a/b, with its parameter.
    expect(matchRoute(table, 'GET', '/a/b')).toEqual({ route: table[0], params: { x: 'b' } });
    expect(matchRoute(table, 'POST', '/a/b')).toEqual({ route: table[2], params: {} });
    expect(matchRoute(table, 'GET', '/c')).toEqual({ route: table[3], params: {} });
    expect(matchRoute(table, 'DELETE', '/c')).toEqual({ allowed: ['GET'] });
    expect(matchRoute(table, 'GET', '/c/')).toBeUndefined();
  });

  it('matches nothing else', () => {
    for (const path of ['/', '/v1', TOKEN.toUpperCase(), `${TOKEN}/`.replace('tokens/', 'token/'), `${TOKEN}/x/y`, `${TOKEN}x`]) {
      expect(matchRoute(REST_ROUTES, 'GET', path), path).toBeUndefined();
    }
  });

  it('rejects a malformed percent-encoding in a parameter, naming it', () => {
    let error: unknown;
    try {
      matchRoute(REST_ROUTES, 'GET', `${TOKEN}/%ZZ`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 'INVALID_ARGUMENT', violations: [{ field: 'token_id', reason: 'invalid' }] });
  });

  // The server asks the route table before the docs, which is only right while they share no path.
  it('claims none of the API docs paths', () => {
    for (const path of [OPENAPI_PATH, DOCS_PATH, `${DOCS_PATH}/`, `${DOCS_PATH}/init.js`, `${DOCS_PATH}/assets/swagger-ui.css`]) {
      for (const method of ['GET', 'HEAD', 'POST', 'DELETE']) expect(matchRoute(REST_ROUTES, method, path), `${method} ${path}`).toBeUndefined();
    }
  });
});
