import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, manualClock } from '@tokenwarden/api';
import { newEntity, startServer, type TestServer } from './support/harness.js';

/*
 * Failed sign-ins throttled per (username, address), per address and per username, as a
 * real client sees it: 429, google.rpc code 8, Retry-After. Each caller connects from its
 * own loopback address (127.0.0.x), which the server sees as the peer address.
 */
const clock = manualClock(Date.UTC(2026, 5, 1) * 1000);
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ clock });
  const e = await newEntity(server.deps, 'Throttled');
  for (const username of ['victim', 'other']) {
    await createUser(server.deps, e.entity_pk, { username, password: `${username}-password`, roles: ['AUDITOR'], scopes: ['iam.oauth.*'] });
  }
});
afterAll(() => server?.close());

/** POSTs a login from `from` (a loopback address); status, Retry-After and body. */
function login(from: string, username: string, password: string, path = '/v1/iam/oauth/tokens', lang = 'en') {
  const url = new URL(server.url);
  const payload = JSON.stringify({ grant_type: 'login', username, password });
  return new Promise<{
    status: number;
    retryAfter: string | undefined;
    body: { code?: number; message?: string; error?: { data?: { rpc?: { code: number } } } };
  }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'accept-language': lang },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('failed sign-ins', () => {
  it('5 wrong passwords for a user from one address: that address waits (429, code 8, Retry-After), even with the right password', async () => {
    // A wrong password is invalid_grant (400, RFC 6749 5.2); five of them block the pair.
    for (let i = 0; i < 5; i++) {
      const wrong = await login('127.0.0.2', 'victim', 'wrong');
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ code: 3, error: 'invalid_grant' });
    }
    const blocked = await login('127.0.0.2', 'victim', 'victim-password');
    expect(blocked.status).toBe(429);
    expect(blocked.retryAfter).toBe('30');
    expect(blocked.body).toMatchObject({ code: 8, message: 'too many failed sign-in attempts; retry in 30 s' });
    const es = await login('127.0.0.2', 'victim', 'victim-password', '/v1/iam/oauth/tokens', 'es');
    expect(es.body.message).toMatch(/demasiados intentos/);
    const trpc = await login('127.0.0.2', 'victim', 'victim-password', '/trpc/oauth.issueToken');
    expect(trpc.status).toBe(429);
    expect(trpc.retryAfter).toMatch(/^\d+$/);
    expect(trpc.body.error?.data?.rpc?.code).toBe(8);
  });

  it('does not lock the user out from another address, nor another user out from that address', async () => {
    expect((await login('127.0.0.3', 'victim', 'victim-password')).status).toBe(200);
    expect((await login('127.0.0.2', 'other', 'other-password')).status).toBe(200);
  });

  it('lets the blocked address try again once the wait is over', async () => {
    clock.advance(31 * 1_000_000);
    expect((await login('127.0.0.2', 'victim', 'victim-password')).status).toBe(200);
  });

  it('paces a username attacked from many addresses, for those addresses only', async () => {
    for (let i = 0; i < 20; i++) expect((await login(`127.0.1.${i + 1}`, 'other', 'wrong')).status).toBe(400);
    const first = await login('127.0.1.1', 'other', 'wrong');
    expect(first.status).toBe(400); // the paced slot of this second
    const paced = await login('127.0.1.2', 'other', 'wrong');
    expect(paced.status).toBe(429);
    expect(paced.retryAfter).toBe('1');
    // The user, from an address that never failed for it, is not held back.
    expect((await login('127.0.0.4', 'other', 'other-password')).status).toBe(200);
  });
});
