import { randomBytes } from 'node:crypto';
import type { Clock, ClientRecord, DirectoryStore } from '@tokenwarden/db';
import type { Logger } from '../context.js';
import { hmacDecoy, hmacSecret, isScryptHash, secretKey, verifyHmacSecret, verifySecret, type SecretKey } from '../token-secrets.js';

/** The name of the database-stored key, used when no key is configured. */
export const STORED_KEY_NAME = 'client_secret_hmac';

interface Keyring {
  /** The key new hashes are made with. */
  current: SecretKey;
  /** Every key a stored hash may name: the current one, previous ones, the stored one. */
  byId: ReadonlyMap<string, SecretKey>;
  /** What an unknown client is checked against (see `hmacDecoy`). */
  decoy: string;
}

/**
 * Client secrets, hashed with HMAC-SHA-256 under the server's key and checked in constant
 * time: a client_credentials grant costs microseconds, not the tens of milliseconds of
 * scrypt, which passwords keep. The key is the first configured one (TOKENWARDEN_SECRET_KEY)
 * or else one kept in the database, created by the first process that needs it.
 *
 * Hashes made earlier are upgraded when their secret is next presented: a scrypt hash, or
 * an HMAC under a previous key (TOKENWARDEN_PREVIOUS_SECRET_KEYS, or the stored key after
 * a key is configured), is replaced by an HMAC under the current key.
 */
export class ClientSecrets {
  private keyring: Promise<Keyring> | undefined;

  constructor(
    private readonly directory: DirectoryStore,
    /** Configured keys, current first; none means the stored key. */
    private readonly configured: readonly Buffer[],
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async hash(secret: string): Promise<string> {
    return hmacSecret(secret, (await this.keys()).current);
  }

  /**
   * Whether `secret` is the client's. An unknown client (undefined) is checked against a
   * decoy, so it costs what a wrong secret costs and answers the same.
   */
  async verify(client: ClientRecord | undefined, secret: string): Promise<boolean> {
    const ring = await this.keys();
    const stored = client?.secretHash;
    if (!client || stored === undefined) {
      verifyHmacSecret(secret, ring.decoy, ring.byId);
      return false;
    }
    if (isScryptHash(stored)) {
      if (!(await verifySecret(secret, stored))) return false;
    } else {
      const key = verifyHmacSecret(secret, stored, ring.byId);
      if (!key) return false;
      if (key.id === ring.current.id) return true;
    }
    await this.upgrade(client, stored, hmacSecret(secret, ring.current));
    return true;
  }

  /** The server's keys, current first: what other keys are derived from (page tokens). */
  async serverKeys(): Promise<Buffer[]> {
    const ring = await this.keys();
    return [ring.current.key, ...[...ring.byId.values()].filter((k) => k !== ring.current).map((k) => k.key)];
  }

  /** Replaces an old hash; a failure is logged and the client still authenticated (the next use retries). */
  private async upgrade(client: ClientRecord, from: string, to: string): Promise<void> {
    try {
      const replaced = await this.directory.replaceClientSecretHash(client.entityPk, client.clientId, from, to);
      if (replaced) this.log.info({ clientId: client.clientId, scheme: from.slice(0, from.indexOf('$')) }, 'client secret hash upgraded');
    } catch (error) {
      this.log.warn({ clientId: client.clientId, err: (error as Error).name }, 'client secret hash upgrade failed');
    }
  }

  private keys(): Promise<Keyring> {
    this.keyring ??= this.loadKeys().catch((error: unknown) => {
      this.keyring = undefined; // the database may be back at the next request
      throw error;
    });
    return this.keyring;
  }

  private async loadKeys(): Promise<Keyring> {
    const configured = this.configured.map(secretKey);
    // With a configured key, a stored one (from before it was configured) is only read.
    const candidate = configured.length === 0 ? { key: randomBytes(32), createdAt: this.clock.nowMicros() } : undefined;
    const storedKey = await this.directory.serverKey(STORED_KEY_NAME, candidate);
    const keys = [...configured, ...(storedKey ? [secretKey(storedKey)] : [])];
    const current = keys[0];
    if (!current) throw new Error('no client secret key: the stored key could not be created');
    return { current, byId: new Map(keys.map((k) => [k.id, k])), decoy: hmacDecoy(current) };
  }
}
