import { createHash, createHmac, randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { checksummedAccessToken } from '@tokenwarden/contracts';

/** A recognizable prefix so secret scanners can spot a leaked value (access tokens: `ACCESS_TOKEN_PREFIX`). */
export const CLIENT_SECRET_PREFIX = 'twcs_';

/** A new access token: 256 bits from the OS CSPRNG in the checksummed format (see `accessTokenFormat`). */
export function newAccessToken(): { raw: string; hash: Buffer; tokenId: string } {
  const raw = checksummedAccessToken(randomBytes(32));
  return { raw, hash: hashAccessToken(raw), tokenId: randomUUID() };
}

export function newClientSecret(): string {
  return CLIENT_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** Access tokens carry 256 bits of entropy, so one SHA-256 is a safe, fast lookup key. */
export function hashAccessToken(raw: string): Buffer {
  return createHash('sha256').update(raw, 'utf8').digest();
}

// scrypt parameters (N=2^15, r=8, p=1: 32 MiB, tens of ms) recorded in each hash so they can be raised later.
const SCRYPT = { N: 32768, r: 8, p: 1, keylen: 32 };

function scryptAsync(secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, keylen, { ...opts, maxmem: 128 * opts.N! * opts.r! * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export const isScryptHash = (stored: string): boolean => stored.startsWith('scrypt$');

/** Hashes a password (or, before HMAC hashes, a client secret): `scrypt$N$r$p$salt$key` (base64url). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT.keylen, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Verifies in constant time; a malformed stored hash never verifies. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash to verify against when the client or user does not exist, so an unknown
 * name costs the same scrypt work as a wrong secret.
 */
export const DECOY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** A key of client secret hashes, with the id recorded in each hash it makes. */
export interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The id of a key: 72 bits of a hash of it, so a stored hash names its key without revealing it. */
export function secretKey(key: Buffer): SecretKey {
  return { id: createHash('sha256').update('tokenwarden secret key id\u0000').update(key).digest().subarray(0, 9).toString('base64url'), key };
}

/**
 * Hashes a client secret: `hmac-sha256$keyid$mac` (base64url). Client secrets are 256
 * random bits, so a fast keyed hash is as safe as a slow one: nothing is left to guess.
 */
export function hmacSecret(secret: string, k: SecretKey): string {
  return `hmac-sha256$${k.id}$${mac(secret, k).toString('base64url')}`;
}

const mac = (secret: string, k: SecretKey): Buffer => createHmac('sha256', k.key).update(secret, 'utf8').digest();

/** A stored hash that verifies nothing: what an unknown client is checked against. */
export const hmacDecoy = (k: SecretKey): string => `hmac-sha256$${k.id}$${Buffer.alloc(32).toString('base64url')}`;

/**
 * Verifies an HMAC hash in constant time with the key it names, if that key is one of
 * `keys`; a malformed hash or an unknown key never verifies. Resolves the key used.
 */
export function verifyHmacSecret(secret: string, stored: string, keys: ReadonlyMap<string, SecretKey>): SecretKey | undefined {
  const [scheme, id, encoded, extra] = stored.split('$');
  const k = id === undefined ? undefined : keys.get(id);
  if (scheme !== 'hmac-sha256' || !k || !encoded || extra !== undefined) return undefined;
  const expected = Buffer.from(encoded, 'base64url');
  const actual = mac(secret, k);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? k : undefined;
}
