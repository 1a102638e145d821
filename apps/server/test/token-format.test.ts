import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashAccessToken } from '@tokenwarden/api';
import { ACCESS_TOKEN_SCANNER, accessTokenFormat, BASE62_ALPHABET, ErrorBody, IssueTokenResponse } from '@tokenwarden/contracts';
import { getJson, newEntity, request, startServer, type TestServer } from './support/harness.js';

/*
 * The checksummed token format over HTTP: issued tokens have it; tokens of the format
 * before it still authenticate; a token whose checksum is wrong is refused as
 * `auth.invalid` before any database lookup.
 */
const TOKENS = '/v1/iam/oauth/tokens';
let server: TestServer;
let entity: Awaited<ReturnType<typeof newEntity>>;

beforeAll(async () => {
  server = await startServer();
  entity = await newEntity(server.deps, 'Formats');
});
afterAll(() => server?.close());

/** A token stored as the server stored them before the checksum: `twat_` + 43 base64url characters. */
async function legacyToken(): Promise<string> {
  const raw = `twat_${randomBytes(32).toString('base64url')}`;
  await server.deps.tokens.issue(
    {
      entityPk: entity.entity_pk,
      tokenId: randomUUID(),
      tokenHash: hashAccessToken(raw),
      clientId: entity.client_id,
      userId: null,
      accountId: null,
      grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
      roles: ['ENTITY_ADMIN'],
      scopes: ['*'],
      lifetimeMicros: 3600 * 1_000_000,
    },
    { eventId: randomUUID(), requestId: null },
  );
  return raw;
}

/** The token with one character of its random part changed to another base62 character: the shape holds, the checksum does not. */
function corrupted(token: string, at = 20): string {
  const c = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + c + token.slice(at + 1);
}

describe('issued tokens', () => {
  it('are in the checksummed format, over REST and tRPC, and the scanner regex finds them', async () => {
    const body = { grant_type: 'client_credentials', client_id: entity.client_id, client_secret: entity.client_secret };
    const rest = IssueTokenResponse.parse((await request(`${server.url}${TOKENS}`, 'POST', { body })).body);
    const trpc = IssueTokenResponse.parse((await request(`${server.url}/trpc/oauth.issueToken`, 'POST', { body })).body.result.data);
    for (const { access_token } of [rest, trpc]) {
      expect(access_token).toHaveLength(54);
      expect(accessTokenFormat(access_token)).toBe('checksummed');
      expect(`token: ${access_token}.`.match(ACCESS_TOKEN_SCANNER)?.[0]).toBe(access_token);
      expect((await getJson(`${server.url}${TOKENS}?page_params.page_size=1`, access_token)).status).toBe(200);
    }
    // The entity-setup token minted by the operator command is one too.
    expect(accessTokenFormat(entity.access_token)).toBe('checksummed');
  });
});

describe('tokens of the format before the checksum', () => {
  it('still authenticate over REST and tRPC', async () => {
    const legacy = await legacyToken();
    expect(accessTokenFormat(legacy)).toBe('legacy');
    expect((await getJson(`${server.url}${TOKENS}?page_params.page_size=1`, legacy)).status).toBe(200);
    const trpc = await getJson(`${server.url}/trpc/tokens.list?input=${encodeURIComponent('{}')}`, legacy);
    expect(trpc.status).toBe(200);
    // ...and an unknown one of that format is looked up, and refused as unknown.
    expect((await getJson(`${server.url}${TOKENS}`, `twat_${randomBytes(32).toString('base64url')}`)).status).toBe(401);
  });
});

describe('a token whose checksum is wrong', () => {
  it('is refused with 401 auth.invalid and never reaches the store', async () => {
    const valid = entity.admin;
    const lookups = spyLookups();
    try {
      // The same token with its checksum right is looked up once: the spies see real lookups.
      expect((await getJson(`${server.url}${TOKENS}?page_params.page_size=1`, valid)).status).toBe(200);
      expect(lookups.count()).toBe(1);
      lookups.clear();
      const wrong = [corrupted(valid), corrupted(valid, 50), `${valid.slice(0, 48)}${'0'.repeat(6)}`, `twat_${'Z'.repeat(49)}`];
      for (const token of wrong) {
        expect(accessTokenFormat(token)).toBe('malformed');
        for (const url of [`${server.url}${TOKENS}`, `${server.url}/trpc/tokens.list?input=${encodeURIComponent('{}')}`]) {
          const res = await getJson(url, token);
          expect(res.status, token).toBe(401);
          const body = ErrorBody.parse(url.includes('/trpc/') ? res.body.error.data.rpc : res.body);
          expect(body).toEqual({ code: 16, message: 'the bearer token is malformed, unknown, expired or revoked', details: [] });
          expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tokenwarden", error="invalid_token"');
        }
      }
      expect(lookups.count()).toBe(0);
    } finally {
      lookups.restore();
    }
  });

  it('is caught whichever base62 character of it is changed', async () => {
    const valid = entity.admin;
    const lookups = spyLookups();
    try {
      for (let at = 5; at < valid.length; at += 7) {
        const c = BASE62_ALPHABET[(BASE62_ALPHABET.indexOf(valid[at]!) + 1) % 62]!;
        const token = valid.slice(0, at) + c + valid.slice(at + 1);
        expect((await getJson(`${server.url}${TOKENS}`, token)).status, `position ${at}`).toBe(401);
      }
      expect(lookups.count()).toBe(0);
    } finally {
      lookups.restore();
    }
  });
});

/** Spies on both ways a bearer token is looked up (a new listing's takes its snapshot too). */
function spyLookups() {
  const spies = [vi.spyOn(server.deps.tokens, 'findByHash'), vi.spyOn(server.deps.tokens, 'findByHashWithSnapshot')];
  return {
    count: () => spies.reduce((n, s) => n + s.mock.calls.length, 0),
    clear: () => {
      for (const s of spies) s.mockClear();
    },
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

describe("the README's token format section", () => {
  it('gives the scanner regex of the contracts, and an example token whose checksum holds', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = /<!-- section:token-format -->([\s\S]*?)<!-- \/section:token-format -->/.exec(readme)?.[1] ?? '';
    expect(section).toContain(ACCESS_TOKEN_SCANNER.source);
    const examples = readme.match(/twat_[0-9A-Za-z]{49}\b/g) ?? [];
    expect(examples.length).toBeGreaterThan(0);
    for (const t of examples) expect(accessTokenFormat(t), t).toBe('checksummed');
  });
});
