/**
 * The access token format, checkable offline by anyone (the CLI, a browser console, a
 * secret scanner): plain TypeScript, no crypto, no database.
 *
 * A token is `twat_` + 43 base62 characters (256 random bits as one big-endian number,
 * left-padded with `0`) + 6 base62 characters of the CRC-32 of the 48 characters before
 * them, like GitHub's `ghp_` and Matrix MAS's `mat_` tokens. Base62 (`0-9A-Za-z`) only, so
 * a double-click selects the whole token and a scanner's `\b` bounds it. The checksum
 * tells a real token from a random string; it is no secret and proves nothing more.
 *
 * Tokens issued before the checksum (`twat_` + 43 base64url characters) are `legacy`:
 * still valid, just not checkable offline.
 */
export const ACCESS_TOKEN_PREFIX = 'twat_';

/** The base62 alphabet, in this order: digit values 0–61. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 62^43 > 2^256: 43 characters hold any 256-bit value. */
const RANDOM_CHARS = 43;
/** 62^6 > 2^32: 6 characters hold any CRC-32. */
const CHECKSUM_CHARS = 6;
const RANDOM_BYTES = 32;

/** Everything before the checksum: the prefix and the random part (48 characters). */
const BODY_LENGTH = ACCESS_TOKEN_PREFIX.length + RANDOM_CHARS;
export const ACCESS_TOKEN_LENGTH = BODY_LENGTH + CHECKSUM_CHARS;

/**
 * What a secret scanner searches for: a checksummed token between word boundaries. Check
 * each match with `accessTokenFormat` to drop look-alikes.
 */
export const ACCESS_TOKEN_SCANNER = /\btwat_[0-9A-Za-z]{49}\b/;

const CHECKSUMMED_SHAPE = /^twat_[0-9A-Za-z]{49}$/;
const LEGACY_SHAPE = /^twat_[A-Za-z0-9_-]{43}$/;

export type AccessTokenFormat = 'checksummed' | 'legacy' | 'malformed';

/** CRC-32 as zlib, PNG and GitHub's tokens compute it (ISO-HDLC: reflected, polynomial 0xEDB88320). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of an ASCII string (each character one byte); an unsigned 32-bit integer. */
export function crc32OfAscii(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A non-negative integer in base62, left-padded with `0` to `width` characters. */
function base62(value: bigint, width: number): string {
  let out = '';
  let n = value;
  while (n > 0n) {
    out = BASE62_ALPHABET.charAt(Number(n % 62n)) + out;
    n /= 62n;
  }
  return out.padStart(width, '0');
}

const checksumOf = (body: string): string => base62(BigInt(crc32OfAscii(body)), CHECKSUM_CHARS);

/** A new access token from 32 random bytes (the caller's CSPRNG: this module has none). */
export function checksummedAccessToken(random: Uint8Array): string {
  if (random.length !== RANDOM_BYTES) throw new RangeError(`an access token takes ${RANDOM_BYTES} random bytes`);
  let n = 0n;
  for (const byte of random) n = (n << 8n) | BigInt(byte);
  const body = ACCESS_TOKEN_PREFIX + base62(n, RANDOM_CHARS);
  return body + checksumOf(body);
}

/**
 * What a string is as an access token: `checksummed` (the current format, checksum right),
 * `legacy` (the format before the checksum) or `malformed` (anything else, a checksummed
 * shape with a wrong checksum included). Says nothing about whether the token exists.
 */
export function accessTokenFormat(raw: string): AccessTokenFormat {
  if (raw.length === ACCESS_TOKEN_LENGTH && CHECKSUMMED_SHAPE.test(raw)) {
    return raw.slice(BODY_LENGTH) === checksumOf(raw.slice(0, BODY_LENGTH)) ? 'checksummed' : 'malformed';
  }
  return LEGACY_SHAPE.test(raw) ? 'legacy' : 'malformed';
}
