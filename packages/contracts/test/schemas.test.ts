import { describe, expect, it } from 'vitest';
import {
  effectiveDirection,
  ErrorBody,
  GRANT_FLOWS,
  IntrospectionResponse,
  IssueTokenRequest,
  IssueTokenResponse,
  ListTokensResponse,
  ORDER_DIRECTIONS,
  PaginationInfo,
  RevokeTokenInput,
  RevokeTokenResponse,
  RPC,
  Token,
  TOKEN_STATUSES,
  TokenIdInput,
  TokenValueRequest,
} from '../src/index.js';

const TOKEN = {
  token_id: '249a0a2e-028a-4e15-a841-de9fd4e4cd84',
  client_id: 'client-1',
  account_id: null,
  user_id: '8e0d3c5a-1d2b-4c3d-9e4f-5a6b7c8d9e0f',
  grant_flow: 'GRANT_FLOW_PASSWORD',
  roles: ['ENTITY_ADMIN'],
  scopes: ['iam.oauth.tokens.list.get'],
  created_at: '2025-09-10T22:22:50.337Z',
  expires_at: '2025-09-10T23:22:50.337Z',
  expires_in: 3600,
  revoked_at: null,
  revoked_by: null,
  revoke_reason: null,
  status: 'TOKEN_STATUS_ACTIVE',
  last_used_at: null,
  last_used_ip: null,
  last_used_user_agent: null,
};

describe('enums', () => {
  it('lists grant flows in protobuf order and statuses of the contract', () => {
    expect(GRANT_FLOWS).toEqual(['GRANT_FLOW_CLIENT_CREDENTIALS', 'GRANT_FLOW_PASSWORD', 'GRANT_FLOW_ENTITY_SETUP', 'GRANT_FLOW_LOGIN']);
    expect(TOKEN_STATUSES).toEqual(['TOKEN_STATUS_ACTIVE', 'TOKEN_STATUS_EXPIRED', 'TOKEN_STATUS_REVOKED']);
  });

  it('treats ORDER_DIRECTION_ENUM_UNSPECIFIED as DESC', () => {
    expect(ORDER_DIRECTIONS.map(effectiveDirection)).toEqual(['ASC', 'DESC', 'DESC']);
  });
});

describe('Token', () => {
  it('accepts the documented token object', () => {
    expect(Token.parse(TOKEN)).toEqual(TOKEN);
  });

  it('rejects extra fields, so no hash or raw token can slip into a response', () => {
    expect(Token.safeParse({ ...TOKEN, token_hash: 'abc' }).success).toBe(false);
    expect(Token.safeParse({ ...TOKEN, access_token: 'abc' }).success).toBe(false);
  });

  it.each([
    ['token_id', 'nope'],
    ['account_id', 'nope'],
    ['grant_flow', 'GRANT_FLOW_UNSPECIFIED'],
    ['status', 'ACTIVE'],
    ['created_at', '2025-09-10 22:22:50Z'],
    ['created_at', '2025-09-10T22:22:50.337+00:00'],
    ['revoked_at', ''],
    ['expires_in', -1],
    ['expires_in', 1.5],
    ['roles', 'ENTITY_ADMIN'],
    ['user_id', undefined],
    ['revoked_by', 'nope'],
    ['revoke_reason', undefined],
    ['last_used_ip', 7],
  ])('rejects %s = %j', (field, value) => {
    expect(Token.safeParse({ ...TOKEN, [field]: value }).success).toBe(false);
  });
});

describe('issue', () => {
  it('accepts each grant type with its credentials', () => {
    expect(IssueTokenRequest.safeParse({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' }).success).toBe(true);
    expect(IssueTokenRequest.safeParse({ grant_type: 'password', client_id: 'c', client_secret: 's', username: 'u', password: 'p' }).success).toBe(
      true,
    );
    expect(IssueTokenRequest.safeParse({ grant_type: 'login', username: 'u', password: 'p' }).success).toBe(true);
  });

  it('rejects missing credentials, unknown grants and bad account ids', () => {
    expect(IssueTokenRequest.safeParse({ grant_type: 'client_credentials', client_id: 'c' }).success).toBe(false);
    expect(IssueTokenRequest.safeParse({ grant_type: 'password', client_id: 'c', client_secret: 's', username: 'u' }).success).toBe(false);
    expect(IssueTokenRequest.safeParse({ grant_type: 'login', username: '', password: 'p' }).success).toBe(false);
    expect(IssueTokenRequest.safeParse({ grant_type: 'refresh_token', client_id: 'c', client_secret: 's' }).success).toBe(false);
    expect(IssueTokenRequest.safeParse({ client_id: 'c', client_secret: 's' }).success).toBe(false);
    expect(IssueTokenRequest.safeParse({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's', account_id: 'x' }).success).toBe(
      false,
    );
    expect(IssueTokenRequest.safeParse({ grant_type: 'client_credentials', client_id: 'c', client_secret: 'x'.repeat(1025) }).success).toBe(false);
  });

  it('ignores unknown body fields', () => {
    const r = IssueTokenRequest.parse({ grant_type: 'login', username: 'u', password: 'p', extra: 1 });
    expect(r).toEqual({ grant_type: 'login', username: 'u', password: 'p' });
  });

  it('describes the issue response strictly', () => {
    const body = {
      access_token: 'raw',
      token_type: 'Bearer',
      expires_in: 3600,
      token_id: TOKEN.token_id,
      scopes: [],
      roles: [],
      created_at: TOKEN.created_at,
      expires_at: TOKEN.expires_at,
    };
    expect(IssueTokenResponse.safeParse(body).success).toBe(true);
    expect(IssueTokenResponse.safeParse({ ...body, token_type: 'bearer' }).success).toBe(false);
    expect(IssueTokenResponse.safeParse({ ...body, refresh_token: 'x' }).success).toBe(false);
  });
});

describe('list response', () => {
  const info = {
    total_elements: 21,
    total_pages: 3,
    current_page: 1,
    page_size: 10,
    first_request_timestamp: '2026-03-29T02:12:15.123456Z',
    next_page_token: 'AbC-_09',
  };
  it('accepts the documented response and rejects malformed pagination', () => {
    expect(ListTokensResponse.safeParse({ tokens: [TOKEN], pagination_info: info }).success).toBe(true);
    // next_page_token: a string, or null on the last page; never left out
    expect(PaginationInfo.safeParse({ ...info, next_page_token: null }).success).toBe(true);
    expect(PaginationInfo.safeParse({ ...info, next_page_token: undefined }).success).toBe(false);
    expect(PaginationInfo.safeParse({ ...info, next_page_token: 1 }).success).toBe(false);
    expect(PaginationInfo.safeParse({ ...info, total_elements: 0, total_pages: 0 }).success).toBe(true);
    expect(PaginationInfo.safeParse({ ...info, current_page: 0 }).success).toBe(false);
    expect(PaginationInfo.safeParse({ ...info, page_size: 0 }).success).toBe(false);
    expect(PaginationInfo.safeParse({ ...info, total_pages: -1 }).success).toBe(false);
    expect(PaginationInfo.safeParse({ ...info, first_request_timestamp: 1774750335 }).success).toBe(false);
    expect(ListTokensResponse.safeParse({ tokens: [], pagination_info: info, next: 'x' }).success).toBe(false);
  });
});

describe('token id inputs', () => {
  it('validates the path and body ids', () => {
    expect(TokenIdInput.safeParse({ token_id: TOKEN.token_id }).success).toBe(true);
    expect(TokenIdInput.safeParse({ token_id: 'x' }).success).toBe(false);
    expect(RevokeTokenInput.safeParse({ token_id: TOKEN.token_id }).success).toBe(true);
    expect(RevokeTokenInput.safeParse({ token_id: 'x' }).success).toBe(false);
    expect(RevokeTokenInput.safeParse({ token_id: TOKEN.token_id, surprise: 1 }).success).toBe(false);
    expect(RevokeTokenResponse.safeParse({}).success).toBe(true);
    expect(RevokeTokenResponse.safeParse({ ok: true }).success).toBe(false);
  });
});

describe('errors', () => {
  it('maps rpc codes to the HTTP statuses of the contract', () => {
    expect(RPC.INVALID_ARGUMENT).toEqual({ code: 3, http: 400 });
    expect(RPC.UNAUTHENTICATED).toEqual({ code: 16, http: 401 });
    expect(RPC.PERMISSION_DENIED).toEqual({ code: 7, http: 403 });
    expect(RPC.NOT_FOUND).toEqual({ code: 5, http: 404 });
    expect(RPC.FAILED_PRECONDITION).toEqual({ code: 9, http: 409 });
    expect(RPC.INTERNAL).toEqual({ code: 13, http: 500 });
  });

  it('shapes error bodies as google.rpc.Status', () => {
    const body = {
      code: 3,
      message: 'page_params.page_size must be between 1 and 100',
      details: [{ field: 'page_params.page_size', description: '…' }],
    };
    expect(ErrorBody.parse(body)).toEqual(body);
    expect(ErrorBody.safeParse({ ...body, stack: 'x' }).success).toBe(false);
    expect(ErrorBody.safeParse({ ...body, details: [{ field: 'a', description: 'b', extra: 1 }] }).success).toBe(false);
    expect(ErrorBody.safeParse({ code: 3, message: 'x' }).success).toBe(false);
  });

  it('lets the OAuth endpoints add the RFC 6749 error code and an ASCII description, and nothing else', () => {
    const body = { code: 16, message: 'the client credentials are not valid', details: [] };
    const oauth = { ...body, error: 'invalid_client', error_description: 'the client credentials are not valid' };
    expect(ErrorBody.parse(oauth)).toEqual(oauth);
    for (const error of ['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'invalid_scope']) {
      expect(ErrorBody.safeParse({ ...body, error }).success, error).toBe(true);
    }
    expect(ErrorBody.safeParse({ ...body, error: 'access_denied' }).success).toBe(false);
    // RFC 6749 5.2: error_description is printable ASCII without " and \.
    for (const bad of ['las credenciales no son válidas', 'a "quoted" word', 'back\\slash', 'tab\there']) {
      expect(ErrorBody.safeParse({ ...oauth, error_description: bad }).success, bad).toBe(false);
    }
  });
});

describe('token by value (RFC 7662, RFC 7009)', () => {
  it('takes a non-empty token and an optional hint, ignoring unknown fields', () => {
    expect(TokenValueRequest.parse({ token: 'x', token_type_hint: 'refresh_token', extra: 1 })).toEqual({
      token: 'x',
      token_type_hint: 'refresh_token',
    });
    expect(TokenValueRequest.safeParse({}).success).toBe(false);
    expect(TokenValueRequest.safeParse({ token: '' }).success).toBe(false);
    expect(TokenValueRequest.safeParse({ token: 1 }).success).toBe(false);
    expect(TokenValueRequest.safeParse({ token: 'x', token_type_hint: 1 }).success).toBe(false);
  });

  it('answers an inactive token with exactly {active: false}, an active one with its claims', () => {
    expect(IntrospectionResponse.parse({ active: false })).toEqual({ active: false });
    expect(IntrospectionResponse.safeParse({ active: false, client_id: 'x' }).success).toBe(false);
    const active = {
      active: true,
      scope: 'a.b c.*',
      client_id: 'client-1',
      token_type: 'Bearer',
      exp: 1757546570,
      iat: 1757542970,
      sub: TOKEN.user_id,
      jti: TOKEN.token_id,
      token_id: TOKEN.token_id,
      grant_flow: 'GRANT_FLOW_PASSWORD',
      roles: ['ENTITY_ADMIN'],
      account_id: null,
      user_id: TOKEN.user_id,
    };
    expect(IntrospectionResponse.parse(active)).toEqual(active);
    expect(IntrospectionResponse.safeParse({ ...active, exp: 1.5 }).success).toBe(false);
    expect(IntrospectionResponse.safeParse({ ...active, active: false }).success).toBe(false);
    const { scope: _scope, ...withoutScope } = active;
    expect(IntrospectionResponse.safeParse(withoutScope).success).toBe(false);
  });
});
