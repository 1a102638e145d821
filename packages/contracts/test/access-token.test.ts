import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN_LENGTH,
  ACCESS_TOKEN_PREFIX,
  ACCESS_TOKEN_SCANNER,
  accessTokenFormat,
  BASE62_ALPHABET,
  checksummedAccessToken,
  crc32OfAscii,
} from '../src/index.js';
import { rng } from './helpers.js';

/** The random part of a token read back as the number it encodes, by a reading independent of the encoder. */
function randomPartValue(token: string): bigint {
  let n = 0n;
  for (const c of token.slice(ACCESS_TOKEN_PREFIX.length, ACCESS_TOKEN_PREFIX.length + 43)) n = n * 62n + BigInt(BASE62_ALPHABET.indexOf(c));
  return n;
}

const bytesValue = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

/** Tokens from seeded bytes, plus the extremes of the random part. */
function sampleTokens(count: number): string[] {
  const r = rng(7);
  const tokens = [checksummedAccessToken(new Uint8Array(32)), checksummedAccessToken(new Uint8Array(32).fill(0xff))];
  for (let i = 0; i < count; i++) tokens.push(checksummedAccessToken(Uint8Array.from({ length: 32 }, () => r.int(0, 255))));
  return tokens;
}

describe('crc32OfAscii', () => {
  it('is the standard CRC-32 (ISO-HDLC, as zlib): its published check values', () => {
    expect(crc32OfAscii('123456789')).toBe(0xcbf43926);
    expect(crc32OfAscii('')).toBe(0);
    expect(crc32OfAscii('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
    expect(crc32OfAscii('a')).toBe(0xe8b7be43);
  });
});

describe('checksummed access tokens', () => {
  it('are twat_ + 43 base62 characters encoding the 32 bytes + a 6-character base62 CRC-32 of the rest', () => {
    for (const bytes of [new Uint8Array(32), new Uint8Array(32).fill(0xff), randomBytes(32), randomBytes(32)]) {
      const token = checksummedAccessToken(bytes);
      expect(token).toHaveLength(ACCESS_TOKEN_LENGTH);
      expect(token).toHaveLength(54);
      expect(token).toMatch(/^twat_[0-9A-Za-z]{49}$/);
      expect(randomPartValue(token)).toBe(bytesValue(bytes));
      const checksum = token.slice(48);
      let crc = 0n;
      for (const c of checksum) crc = crc * 62n + BigInt(BASE62_ALPHABET.indexOf(c));
      expect(Number(crc)).toBe(crc32OfAscii(token.slice(0, 48)));
      expect(accessTokenFormat(token)).toBe('checksummed');
    }
    // Left-padded: all-zero bytes are 43 zeros, and the largest value still fits.
    expect(checksummedAccessToken(new Uint8Array(32)).slice(5, 48)).toBe('0'.repeat(43));
    expect(checksummedAccessToken(new Uint8Array(32).fill(0xff))[5]).not.toBe('0');
  });

  it('round-trip: every token made is recognized, distinct bytes make distinct tokens', () => {
    const tokens = sampleTokens(500);
    for (const t of tokens) expect(accessTokenFormat(t), t).toBe('checksummed');
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('take exactly 32 random bytes', () => {
    expect(() => checksummedAccessToken(new Uint8Array(31))).toThrow(RangeError);
    expect(() => checksummedAccessToken(new Uint8Array(33))).toThrow(RangeError);
  });

  it('catch every single-character corruption, by the checksum or by the shape', () => {
    // Every position, every other character a token may hold and a few it may not.
    const replacements = [...BASE62_ALPHABET, '_', '-', '.', ' ', 'é', '\u0000'];
    let checked = 0;
    let byChecksum = 0;
    for (const token of sampleTokens(30)) {
      for (let i = 0; i < token.length; i++) {
        for (const c of replacements) {
          if (c === token[i]) continue;
          const corrupted = token.slice(0, i) + c + token.slice(i + 1);
          const format = accessTokenFormat(corrupted);
          expect(format, `${token} at ${i} -> ${c}`).not.toBe('checksummed');
          // A base62 change after the prefix keeps the shape: only the checksum can catch it.
          if (i >= 5 && BASE62_ALPHABET.includes(c)) {
            expect(format).toBe('malformed');
            byChecksum++;
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100_000);
    expect(byChecksum).toBeGreaterThan(90_000);
  });

  it('catch adjacent transpositions, deletions and insertions', () => {
    for (const token of sampleTokens(20)) {
      for (let i = 0; i + 1 < token.length; i++) {
        if (token[i] === token[i + 1]) continue;
        const swapped = token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2);
        expect(accessTokenFormat(swapped)).toBe('malformed');
      }
      expect(accessTokenFormat(token.slice(0, -1))).toBe('malformed');
      expect(accessTokenFormat(`${token}0`)).toBe('malformed');
      expect(accessTokenFormat(token.slice(1))).toBe('malformed');
    }
  });
});

describe('accessTokenFormat', () => {
  it('knows the tokens issued before the checksum as legacy: twat_ + 43 base64url characters', () => {
    for (let i = 0; i < 50; i++) expect(accessTokenFormat(`twat_${randomBytes(32).toString('base64url')}`)).toBe('legacy');
    expect(accessTokenFormat(`twat_${'-_'.repeat(21)}A`)).toBe('legacy');
    expect(accessTokenFormat(`twat_${'A'.repeat(43)}`)).toBe('legacy');
  });

  it('calls anything else malformed', () => {
    const t = checksummedAccessToken(randomBytes(32));
    for (const raw of [
      '',
      'twat_',
      'twat_x',
      `twat_${'A'.repeat(42)}`,
      `twat_${'A'.repeat(44)}`,
      `twat_${'A'.repeat(49)}`, // the checksummed shape, a wrong checksum
      `TWAT_${t.slice(5)}`,
      `twcs_${t.slice(5)}`,
      `Bearer ${t}`,
      ` ${t}`,
      `${t} `,
      `twat_${'A'.repeat(42)}é`,
      `twat_${'A'.repeat(48)}_`,
      'x'.repeat(54),
    ]) {
      expect(accessTokenFormat(raw), JSON.stringify(raw)).toBe('malformed');
    }
  });
});

describe('ACCESS_TOKEN_SCANNER', () => {
  it('finds a token in text, whole, between word boundaries', () => {
    const t = checksummedAccessToken(randomBytes(32));
    const scanner = new RegExp(ACCESS_TOKEN_SCANNER.source, 'g');
    const text = `curl -H "Authorization: Bearer ${t}" ...\nTOKEN=${t}\n{"access_token":"${t}"}`;
    expect([...text.matchAll(scanner)].map((m) => m[0])).toEqual([t, t, t]);
    // Not inside a longer word, and not a prefix of one.
    expect(`x${t}`.match(ACCESS_TOKEN_SCANNER)).toBeNull();
    expect(`${t}0`.match(ACCESS_TOKEN_SCANNER)).toBeNull();
    expect(`${t}_`.match(ACCESS_TOKEN_SCANNER)).toBeNull();
    expect(`${t}.`.match(ACCESS_TOKEN_SCANNER)?.[0]).toBe(t);
  });
});
