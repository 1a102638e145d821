import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '@tokenwarden/db/testing/test-store';
import {
  bootstrapEntity,
  ClientSecrets,
  createApiClient,
  createCaller,
  createContext,
  createDeps,
  hashSecret,
  hmacSecret,
  secretKey,
  STORED_KEY_NAME,
  systemClock,
  type Deps,
  type Logger,
} from '../src/index.js';

// Client secrets as HMAC-SHA-256 under the server key, on the store of this run's backend.

let db: TestStore;
let entityPk: number;
const logged: { level: string; obj: object; msg?: string }[] = [];
const log: Logger = {
  info: (obj, msg) => logged.push({ level: 'info', obj, msg }),
  warn: (obj, msg) => logged.push({ level: 'warn', obj, msg }),
  error: (obj, msg) => logged.push({ level: 'error', obj, msg }),
};

const depsWith = (secretKeys: Buffer[] = []) => createDeps(db.store, { log, config: { secretKeys } });

beforeEach(async () => {
  db = await openTestStore();
  logged.length = 0;
  entityPk = (await bootstrapEntity(depsWith(), 'Entity A')).entity_pk;
});

afterEach(async () => {
  await db?.cleanup();
});

async function issue(deps: Deps, client_id: string, client_secret: string): Promise<boolean> {
  try {
    await createCaller(createContext(deps, {})).oauth.issueToken({ grant_type: 'client_credentials', client_id, client_secret });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'UNAUTHORIZED') return false;
    throw error;
  }
}

const storedHash = async (clientId: string) => (await db.store.directory.findClient(clientId))?.secretHash;

/** A client created through the directory with a given hash (as an older version stored it). */
async function legacyClient(hash: (secret: string) => Promise<string> | string) {
  const clientId = `legacy-${randomBytes(4).toString('hex')}`;
  const secret = `twcs_${randomBytes(32).toString('base64url')}`;
  await db.store.directory.createClient({
    entityPk,
    clientId,
    name: 'legacy',
    secretHash: await hash(secret),
    roles: [],
    scopes: ['*'],
    createdAt: 1,
  });
  return { clientId, secret };
}

describe('client secret hashes', () => {
  it('are HMACs under the key stored in the database when none is configured', async () => {
    const deps = depsWith();
    const c = await createApiClient(deps, entityPk, { name: 'svc', roles: [], scopes: ['*'] });
    const key = await db.store.directory.serverKey(STORED_KEY_NAME);
    expect(key?.length).toBe(32);
    const hash = await storedHash(c.client_id);
    expect(hash).toBe(hmacSecret(c.client_secret, secretKey(key as Buffer)));
    expect(hash).not.toContain(c.client_secret);
    expect(await issue(deps, c.client_id, c.client_secret)).toBe(true);
    expect(await issue(deps, c.client_id, `${c.client_secret}x`)).toBe(false);
  });

  it('use one stored key across processes that create it at the same time', async () => {
    // A fresh database (no key yet), and several "replicas" racing to create the key.
    await db.cleanup();
    db = await openTestStore();
    const secrets = Array.from({ length: 4 }, () => new ClientSecrets(db.store.directory, [], systemClock(), log));
    const hashes = await Promise.all(secrets.map((s) => s.hash('twcs_same-secret')));
    expect(new Set(hashes).size).toBe(1);
  });

  it('made by one process verify in another (replicas share the stored key)', async () => {
    const c = await createApiClient(depsWith(), entityPk, { name: 'svc', roles: [], scopes: ['*'] });
    expect(await issue(depsWith(), c.client_id, c.client_secret)).toBe(true);
  });

  it('use the configured key, and leave no key in the database', async () => {
    await db.cleanup();
    db = await openTestStore();
    const key = randomBytes(32);
    const deps = depsWith([key]);
    entityPk = (await bootstrapEntity(deps, 'Entity K')).entity_pk;
    const c = await createApiClient(deps, entityPk, { name: 'svc', roles: [], scopes: ['*'] });
    expect(await storedHash(c.client_id)).toBe(hmacSecret(c.client_secret, secretKey(key)));
    expect(await db.store.directory.serverKey(STORED_KEY_NAME)).toBeUndefined();
    expect(await issue(deps, c.client_id, c.client_secret)).toBe(true);
    // Another key cannot verify it.
    expect(await issue(depsWith([randomBytes(32)]), c.client_id, c.client_secret)).toBe(false);
  });
});

describe('upgrades on next use', () => {
  it('replace a scrypt hash with an HMAC once the secret verifies, and keep it on a wrong secret', async () => {
    const { clientId, secret } = await legacyClient(hashSecret);
    const deps = depsWith();
    expect(await issue(deps, clientId, `${secret}x`)).toBe(false);
    expect(await storedHash(clientId)).toMatch(/^scrypt\$/);
    expect(await issue(deps, clientId, secret)).toBe(true);
    const upgraded = await storedHash(clientId);
    expect(upgraded).toMatch(/^hmac-sha256\$/);
    expect(await issue(deps, clientId, secret)).toBe(true);
    expect(await storedHash(clientId)).toBe(upgraded);
    const line = logged.find((l) => l.msg === 'client secret hash upgraded');
    expect(line?.obj).toEqual({ clientId, scheme: 'scrypt' });
    expect(JSON.stringify(logged)).not.toContain(secret);
  });

  it('rehash under the configured key what the stored key made', async () => {
    const stored = await db.store.directory.serverKey(STORED_KEY_NAME);
    const { clientId, secret } = await legacyClient((s) => hmacSecret(s, secretKey(stored as Buffer)));
    const key = randomBytes(32);
    expect(await issue(depsWith([key]), clientId, secret)).toBe(true);
    expect(await storedHash(clientId)).toBe(hmacSecret(secret, secretKey(key)));
  });

  it('rotate keys: a previous key verifies and is replaced, a dropped key no longer verifies', async () => {
    const [k1, k2, k3] = [randomBytes(32), randomBytes(48), randomBytes(32)];
    const { clientId, secret } = await legacyClient((s) => hmacSecret(s, secretKey(k1)));
    const other = await legacyClient((s) => hmacSecret(s, secretKey(k1)));
    expect(await issue(depsWith([k2, k1]), clientId, secret)).toBe(true);
    expect(await storedHash(clientId)).toBe(hmacSecret(secret, secretKey(k2)));
    expect(await issue(depsWith([k3, k2]), clientId, secret)).toBe(true);
    expect(await issue(depsWith([k3, k2]), other.clientId, other.secret)).toBe(false);
  });

  it('never undo a change made meanwhile (compare-and-set), and stay within the entity', async () => {
    const { clientId } = await legacyClient(() => 'scrypt$old');
    const d = db.store.directory;
    expect(await d.replaceClientSecretHash(entityPk, clientId, 'scrypt$other', 'x')).toBe(false);
    expect(await d.replaceClientSecretHash(entityPk + 1, clientId, 'scrypt$old', 'x')).toBe(false);
    expect(await storedHash(clientId)).toBe('scrypt$old');
    expect(await d.replaceClientSecretHash(entityPk, clientId, 'scrypt$old', 'new')).toBe(true);
    expect(await storedHash(clientId)).toBe('new');
  });

  it('that fail still authenticate the client, and log no secret', async () => {
    const { clientId, secret } = await legacyClient(hashSecret);
    const directory = Object.create(db.store.directory) as typeof db.store.directory;
    directory.replaceClientSecretHash = () => Promise.reject(new Error('disk full'));
    const secrets = new ClientSecrets(directory, [], systemClock(), log);
    const client = await db.store.directory.findClient(clientId);
    expect(await secrets.verify(client, secret)).toBe(true);
    expect(await storedHash(clientId)).toMatch(/^scrypt\$/);
    expect(logged.find((l) => l.level === 'warn')?.msg).toBe('client secret hash upgrade failed');
    expect(JSON.stringify(logged)).not.toContain(secret);
  });
});

describe('malformed stored hashes', () => {
  it.each([
    ['no mac', (k: Buffer) => (s: string) => hmacSecret(s, secretKey(k)).replace(/\$[^$]+$/, '$')],
    ['an extra part', (k: Buffer) => (s: string) => `${hmacSecret(s, secretKey(k))}$x`],
    ['another scheme', (k: Buffer) => (s: string) => hmacSecret(s, secretKey(k)).replace('hmac-sha256', 'hmac-sha1')],
    ['a truncated mac', (k: Buffer) => (s: string) => hmacSecret(s, secretKey(k)).slice(0, -2)],
    ['empty', () => () => ''],
  ])('never verify: %s', async (_name, make) => {
    const key = randomBytes(32);
    const { clientId, secret } = await legacyClient(make(key));
    expect(await issue(depsWith([key]), clientId, secret)).toBe(false);
  });
});
