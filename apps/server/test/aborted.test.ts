import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

/** Sends the head and part of a body, then closes the connection. */
function abandon(method: string, path: string): Promise<void> {
  const port = Number(new URL(server.url).port);
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => {
      c.write(`${method} ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"grant_type":`);
      setTimeout(() => c.destroy(), 100);
    });
    c.on('error', reject);
    c.on('close', () => setTimeout(resolve, 300));
  });
}

describe('a client that aborts its request', () => {
  it.each([
    ['REST issuance', 'POST', '/v1/iam/oauth/tokens'],
    ['REST revoke', 'DELETE', '/v1/iam/oauth/tokens/3556f68a-6290-4a95-8fe5-0c02bc845d42'],
    ['tRPC', 'POST', '/trpc/oauth.issueToken'],
  ])('%s: logged as an aborted request (info), not as an internal error', async (_, method, path) => {
    const before = server.logLines.length;
    await abandon(method, path);
    const lines = server.logLines.slice(before).map((l) => JSON.parse(l) as { level: number; msg: string; event?: string; stack?: string });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.some((l) => l.msg === 'internal error')).toBe(false);
    if (path.startsWith('/v1/')) expect(lines.find((l) => l.event === 'request.aborted')).toMatchObject({ level: 30 });
    // The server is still healthy.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
