import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQuery, ListTokensInput, parseTimestamp } from '@tokenwarden/contracts';
import {
  createTokenwardenClient,
  restGetToken,
  restListTokens,
  restListUrl,
  restTokenUrl,
  retryPolicy,
  TokenwardenError,
  walkTokens,
} from '../src/index.js';
import { mint, newEntity, startServer, type TestServer } from './support/server.js';

describe('restListUrl', () => {
  it('writes dotted query keys that the server’s decoder reads back to the same input', () => {
    const input = {
      page_params: { page_size: 50, page_number: 3, first_request_timestamp: parseTimestamp('2026-03-29T02:12:15.123456Z') },
      order_params: { order_key: 'expires_at', order_direction: 'ASC' },
      account_id: '249a0a2e-028a-4e15-a841-de9fd4e4cd84',
      grant_flow: 'GRANT_FLOW_PASSWORD',
      role: 'AUDITOR',
    } as const;
    const url = restListUrl('http://h:8080/', input);
    expect(url).toBe(
      'http://h:8080/v1/iam/oauth/tokens?page_params.page_size=50&page_params.page_number=3' +
        '&page_params.first_request_timestamp.seconds=1774750335&page_params.first_request_timestamp.nanos=123456000' +
        '&order_params.order_key=expires_at&order_params.order_direction=ASC' +
        '&account_id=249a0a2e-028a-4e15-a841-de9fd4e4cd84&grant_flow=GRANT_FLOW_PASSWORD&role=AUDITOR',
    );
    const decoded = decodeQuery(ListTokensInput, new URL(url).searchParams);
    expect(decoded).toEqual({ ok: true, value: input });
    expect(restListUrl('http://h:8080')).toBe('http://h:8080/v1/iam/oauth/tokens');
    expect(restTokenUrl('http://h', 'a/b')).toBe('http://h/v1/iam/oauth/tokens/a%2Fb');
  });
});

describe('REST helpers against a running server', () => {
  let server: TestServer;
  let entity: Awaited<ReturnType<typeof newEntity>>;
  beforeAll(async () => {
    server = await startServer();
    entity = await newEntity(server.deps, 'Rest Corp');
    // Stored before any test lists them (an issuance resolves once it is stored).
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => mint(server.deps, { entityPk: entity.entity_pk, roles: i % 2 ? ['AUDITOR'] : ['TELLER'] })),
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('REST and tRPC answer the same page', async () => {
    const rest = { url: server.url, accessToken: entity.access_token };
    const client = createTokenwardenClient(rest);
    const first = await client.tokens.list({ page_params: { page_size: 5 }, role: 'TELLER' });
    const snapshot = parseTimestamp(first.pagination_info.first_request_timestamp);
    const input = { page_params: { page_size: 5, page_number: 2, first_request_timestamp: snapshot }, role: 'TELLER' };
    const [viaRest, viaTrpc] = await Promise.all([restListTokens(rest, input), client.tokens.list(input)]);
    expect(viaRest.tokens.map((t) => t.token_id)).toEqual(viaTrpc.tokens.map((t) => t.token_id));
    expect(viaRest.tokens).toHaveLength(1);
    expect(viaRest.pagination_info).toEqual(viaTrpc.pagination_info);
    expect(await restGetToken(rest, entity.token_id)).toMatchObject({ token_id: entity.token_id });
  });

  it('walkTokens iterates REST pages on one snapshot too', async () => {
    const rest = { url: server.url, accessToken: entity.access_token };
    const ids: string[] = [];
    for await (const t of walkTokens((input) => restListTokens(rest, input), { page_params: { page_size: 5 } })) {
      ids.push(t.token_id);
      if (ids.length === 1) mint(server.deps, { entityPk: entity.entity_pk, roles: ['LATE'] });
    }
    expect(ids).toHaveLength(13);
    expect(new Set(ids).size).toBe(13);
    expect(ids).toContain(entity.token_id);
  });

  it('REST failures are the same TokenwardenError as tRPC failures', async () => {
    const rest = { url: server.url, accessToken: entity.access_token, acceptLanguage: 'es' };
    const client = createTokenwardenClient(rest);
    const viaRest = await restListTokens(rest, { page_params: { page_size: 0 } }).catch((e: unknown) => e);
    const viaTrpc = await client.tokens.list({ page_params: { page_size: 0 } }).catch((e: unknown) => e);
    expect(viaRest).toBeInstanceOf(TokenwardenError);
    expect((viaRest as TokenwardenError).toJSON()).toEqual((viaTrpc as TokenwardenError).toJSON());
    expect((viaRest as TokenwardenError).status).toBe(400);

    const missing = await restGetToken(rest, randomUUID()).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 5 });
    const unauth = await restGetToken({ ...rest, accessToken: 'nope' }, entity.token_id).catch((e: unknown) => e);
    expect(unauth).toMatchObject({ status: 401, code: 16 });
  });
});

describe('retryPolicy', () => {
  it('is one attempt unless asked, and doubles its delay up to the bound', () => {
    expect(retryPolicy(undefined).attempts).toBe(1);
    expect(retryPolicy(false).attempts).toBe(1);
    expect(retryPolicy(true).attempts).toBe(3);
    const top = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, attempts: 9 }, () => 1);
    expect([1, 2, 3, 4, 5, 6].map((a) => top.delayMs(a))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const bottom = retryPolicy({ baseDelayMs: 100 }, () => 0);
    expect([1, 2, 3].map((a) => bottom.delayMs(a))).toEqual([50, 100, 200]);
  });
});

describe('runs in browsers as in Node', () => {
  const srcDir = new URL('../src/', import.meta.url);
  const distDir = new URL('../dist/', import.meta.url);

  it('source uses no Node built-ins', () => {
    const files = readdirSync(srcDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const text = readFileSync(new URL(f, srcDir), 'utf8');
      expect(text, f).not.toMatch(/from ['"]node:|require\(|\bprocess\.|\bBuffer\b/);
    }
  });

  it('the build imports only @trpc/client and the contracts at run time (the router is a type)', () => {
    const specifiers = new Set<string>();
    for (const f of readdirSync(distDir).filter((name) => name.endsWith('.js'))) {
      const text = readFileSync(new URL(f, distDir), 'utf8');
      for (const m of text.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) if (!m[1]!.startsWith('./')) specifiers.add(m[1]!);
    }
    expect([...specifiers].sort()).toEqual(['@tokenwarden/contracts', '@trpc/client']);
  });
});
