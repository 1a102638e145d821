import { randomUUID } from 'node:crypto';
import type { Deps } from '../context.js';
import { hashSecret, newClientSecret } from '../token-secrets.js';
import { mintToken } from './mint.js';

export interface NewClient {
  name: string;
  roles: string[];
  /** Scopes the client's tokens may carry (wildcards allowed). */
  scopes: string[];
  /** A fixed id (demo data); a random UUID otherwise. */
  clientId?: string;
  /** A fixed secret (demo data); a fresh random secret otherwise. */
  clientSecret?: string;
}

/** Creates an API client; the secret is returned once and stored only as a keyed hash (see ClientSecrets). */
export async function createApiClient(deps: Deps, entityPk: number, c: NewClient) {
  const clientId = c.clientId ?? randomUUID();
  const clientSecret = c.clientSecret ?? newClientSecret();
  await deps.directory.createClient({
    entityPk,
    clientId,
    name: c.name,
    secretHash: await deps.clientSecrets.hash(clientSecret),
    roles: c.roles,
    scopes: c.scopes,
    createdAt: deps.clock.nowMicros(),
  });
  return { client_id: clientId, client_secret: clientSecret, roles: c.roles, scopes: c.scopes };
}

export interface NewUser {
  username: string;
  password: string;
  roles: string[];
  scopes: string[];
  accountIds?: string[];
  userId?: string;
}

export async function createUser(deps: Deps, entityPk: number, u: NewUser) {
  const user = await deps.directory.createUser({
    entityPk,
    userId: u.userId ?? randomUUID(),
    username: u.username,
    passwordHash: await hashSecret(u.password),
    roles: u.roles,
    scopes: u.scopes,
    accountIds: u.accountIds ?? [],
    createdAt: deps.clock.nowMicros(),
  });
  return { user_id: user.userId, username: user.username, roles: user.roles, scopes: user.scopes, account_ids: u.accountIds ?? [] };
}

export async function createAccount(deps: Deps, entityPk: number, name: string, accountId: string = randomUUID()) {
  const account = await deps.directory.createAccount({ entityPk, accountId, name, createdAt: deps.clock.nowMicros() });
  return { account_id: account.accountId, name: account.name };
}

/**
 * Creates an entity with its first API client (ENTITY_ADMIN, every scope) and its
 * first, short-lived, all-powerful ENTITY_SETUP token.
 */
export async function bootstrapEntity(deps: Deps, name: string, fixed: { entityId?: string } & Pick<NewClient, 'clientId' | 'clientSecret'> = {}) {
  const entity = await deps.directory.createEntity({
    entityId: fixed.entityId ?? randomUUID(),
    name,
    createdAt: deps.clock.nowMicros(),
  });
  const client = await createApiClient(deps, entity.pk, {
    name: `${name} setup client`,
    roles: ['ENTITY_ADMIN'],
    scopes: ['*'],
    clientId: fixed.clientId,
    clientSecret: fixed.clientSecret,
  });
  const { accessToken, record } = await mintToken(deps, {
    entityPk: entity.pk,
    clientId: client.client_id,
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_ENTITY_SETUP',
    roles: ['ENTITY_ADMIN'],
    scopes: ['*'],
    lifetimeSeconds: deps.config.lifetimes.entity_setup,
  });
  return {
    entity_pk: entity.pk,
    entity_id: entity.entityId,
    client_id: client.client_id,
    client_secret: client.client_secret,
    access_token: accessToken,
    token_id: record.tokenId,
  };
}
