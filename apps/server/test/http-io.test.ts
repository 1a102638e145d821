import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ApiError } from '@tokenwarden/api';
import { RequestTarget, sendJson } from '../src/http-io.js';

describe('RequestTarget', () => {
  const TARGETS = [
    // split by hand
    '/',
    '/healthz',
    '/v1/iam/oauth/tokens',
    '/v1/iam/oauth/tokens/',
    '/v1/iam/oauth/tokens?page_params.page_size=5&order_params.order_key=created_at',
    '/v1/iam/oauth/tokens/0198c2d4-7a1e-7c3b-9f2e-3b4c5d6e7f80',
    '/a?',
    '/a??x=1',
    '/a?x=1&x=2&&y&=z',
    '/a?q=a+b%20c%2B',
    '/a?%ZZ=%&x=%E2%82&y=%',
    '/a?x=%E2%82%AC',
    '/a?x="<>`{}|^\'\\[]',
    '/a?x=/b/../c&y=?',
    // parsed as a URL
    '',
    '?x=1',
    'a/b',
    '/a?x=é€😀',
    '/a?é%ZZ%2e',
    '/a?x=\x7f',
    '/openapi.json',
    '/docs/init.js',
    '/a/../b',
    '/a/./b',
    '/a/%2e%2E/b',
    '/a/..%2Fb',
    '/a%2Fb',
    '/A/b.c',
    '/a//b',
    '//x/y?z=1',
    '/a\\b',
    '/a b',
    '/a?x=1#frag',
    '/a?x=%ZZ#?y=2',
    '/a#f?x=1',
    '/a?x=\t1',
    '/a?x=1\n',
    '/a?x=1 ',
    '/a?x=\x00',
    '/é',
    'http://example.com/x?y=1',
    '*',
    '/trpc/tokens.list?input=%7B%7D',
    '/a.b??x=1',
    '/a??x=1#f',
  ];

  it.each(TARGETS)('reads %j as new URL() does', (raw) => {
    const url = new URL(raw, 'http://localhost');
    const target = new RequestTarget(raw);
    expect(target.pathname).toBe(url.pathname);
    expect([...new URLSearchParams(target.search)]).toEqual([...url.searchParams]);
    expect(target.url().href).toBe(url.href);
  });

  it('refuses a target new URL() cannot parse as a bad request (400 naming path), not a TypeError', () => {
    expect(() => new URL('//', 'http://localhost')).toThrow(TypeError);
    for (const target of ['//', 'http://[::1', 'https://']) {
      let thrown: unknown;
      try {
        new RequestTarget(target);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, target).toBeInstanceOf(ApiError);
      expect((thrown as ApiError).status).toBe('INVALID_ARGUMENT');
      expect((thrown as ApiError).violations).toEqual([{ field: 'path', reason: 'invalid' }]);
    }
  });
});

describe('sendJson', () => {
  function capture() {
    const sent: { status?: number; headers?: Record<string, unknown>; body?: string } = {};
    const res = {
      writeHead(status: number, headers: Record<string, unknown>) {
        sent.status = status;
        sent.headers = headers;
      },
      end(body: string) {
        sent.body = body;
      },
    } as unknown as ServerResponse;
    return { res, sent };
  }

  it('sends JSON with its length and no-store', () => {
    const { res, sent } = capture();
    sendJson(res, 200, { note: '€' });
    expect(sent).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': 14, 'cache-control': 'no-store' },
      body: '{"note":"€"}',
    });
  });

  it('lets extra headers add to and override the defaults', () => {
    const { res, sent } = capture();
    sendJson(res, 401, {}, { 'cache-control': 'no-cache', 'www-authenticate': 'Bearer' });
    expect(Object.entries(sent.headers ?? {})).toEqual([
      ['content-type', 'application/json; charset=utf-8'],
      ['content-length', 2],
      ['cache-control', 'no-cache'],
      ['www-authenticate', 'Bearer'],
    ]);
  });
});
