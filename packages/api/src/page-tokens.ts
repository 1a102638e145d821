import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { randomDraw } from './random-pool.js';

/** What a page token is for: a token of one list is refused by another. */
export type PageTokenKind = 'tokens' | 'events' | 'revoked';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Opaque page tokens: the position of a walk (and what it is bound to: the entity, the
 * parameters' fingerprint, the snapshot) sealed with AES-256-GCM under a key derived from
 * the server's key, shared by every replica. A caller can neither read nor forge one: a
 * token altered, made under another key, of another kind or of another entity opens to
 * nothing, and the operation answers 400.
 */
export class PageTokens {
  private derived: Promise<Buffer[]> | undefined;

  constructor(
    /** The server's keys, current first (the first seals; every one opens, for key rotation). */
    private readonly serverKeys: () => Promise<readonly Buffer[]>,
  ) {}

  async seal(kind: PageTokenKind, entityPk: number, payload: unknown): Promise<string> {
    const [key] = await this.keys();
    // A random IV per token (GCM's limit of 2^32 random IVs per key is far off), copied out of the pool below.
    const iv = randomDraw(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key as Buffer, iv);
    cipher.setAAD(aad(kind, entityPk));
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The payload sealed in `token` for this kind and entity; undefined for anything else. */
  async open(kind: PageTokenKind, entityPk: number, token: string): Promise<unknown> {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
    for (const key of await this.keys()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad(kind, entityPk));
        decipher.setAuthTag(tag);
        const text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
        return JSON.parse(text) as unknown;
      } catch {
        // not sealed under this key (or altered): try the next one
      }
    }
    return undefined;
  }

  private keys(): Promise<Buffer[]> {
    this.derived ??= this.serverKeys()
      .then((keys) => keys.map((k) => Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'tokenwarden page tokens v1', 32))))
      .catch((error: unknown) => {
        this.derived = undefined; // the database may be back at the next request
        throw error;
      });
    return this.derived;
  }
}

function aad(kind: PageTokenKind, entityPk: number): Buffer {
  return Buffer.from(`${kind}:${entityPk}`, 'utf8');
}

/** A short digest of the parameters a page token is bound to (they must not change between pages). */
export function fingerprint(parameters: unknown): string {
  return createHash('sha256').update(JSON.stringify(parameters)).digest('base64url').slice(0, 22);
}
