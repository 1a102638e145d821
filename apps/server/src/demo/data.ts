import { bootstrapEntity, createAccount, createApiClient, createUser, mintToken, type Deps } from '@tokenwarden/api';
import { seededRandom, seededUuid, writeSyntheticTokens } from '@tokenwarden/db';

/**
 * The demo tenant. Its credentials are fixed so the README's examples work as written;
 * they are for a local demo database only.
 */
export const DEMO = {
  entityName: 'Demo Fintech',
  admin: { clientId: 'demo-admin', clientSecret: 'twcs_demo-admin-secret-for-local-use-only' },
  reporting: { clientId: 'demo-reporting', clientSecret: 'twcs_demo-reporting-secret-for-local-use-only' },
  users: [
    { username: 'alice', password: 'alice-demo-password', roles: ['ENTITY_ADMIN'], scopes: ['iam.oauth.*', 'accounts.read'] },
    { username: 'bob', password: 'bob-demo-password', roles: ['AUDITOR'], scopes: ['iam.oauth.tokens.list.get', 'iam.oauth.tokens.get'] },
    {
      username: 'carol',
      password: 'carol-demo-password',
      roles: ['TELLER'],
      scopes: ['iam.oauth.tokens.list.get', 'accounts.read', 'payments.create'],
    },
    {
      username: 'dave',
      password: 'dave-demo-password',
      roles: ['PAYMENTS_OPERATOR', 'SUPPORT'],
      scopes: ['iam.oauth.tokens.list.get', 'payments.*'],
    },
  ],
  roles: ['ENTITY_ADMIN', 'AUDITOR', 'TELLER', 'PAYMENTS_OPERATOR', 'SUPPORT', 'REPORTING', 'COMPLIANCE', 'DEVELOPER'],
  other: { entityName: 'Other Corp', clientId: 'other-admin', clientSecret: 'twcs_other-admin-secret-for-local-use-only' },
} as const;

const DAY = 24 * 3600 * 1_000_000;
const MONTH = 30 * DAY;
/** The share of demo tokens that live for days (integrations, service accounts): the overview's active and expiring tokens. */
const LONG_LIVED_SHARE = 1 / 50;

export interface DemoOptions {
  seed: number;
  tokens: number;
  onProgress?: (written: number, total: number) => void;
}

/** The demo entity's id for a seed (reproducible). */
export function demoEntityId(seed: number): string {
  return seededUuid(seededRandom(seed));
}

/**
 * Seeds the demo tenant (and a small second tenant) on first run: clients and users
 * through the real creation paths (scrypt-hashed secrets), accounts, and `tokens`
 * historical tokens over six months (a fiftieth of them long-lived, see below). Returns false when the data is already there.
 */
export async function ensureDemoData(deps: Deps, o: DemoOptions): Promise<boolean> {
  const rand = seededRandom(o.seed);
  const entityId = seededUuid(rand);
  if (await deps.directory.findEntity(entityId)) return false;
  const entity = await bootstrapEntity(deps, DEMO.entityName, { entityId, ...DEMO.admin });
  await createApiClient(deps, entity.entity_pk, {
    name: 'Reporting service',
    roles: ['REPORTING'],
    scopes: ['iam.oauth.tokens.list.get', 'payments.*'],
    ...DEMO.reporting,
  });
  const accounts = [];
  for (let i = 0; i < 6; i++) accounts.push(await createAccount(deps, entity.entity_pk, `Demo account ${i + 1}`, seededUuid(rand)));
  const users = [];
  for (const [i, u] of DEMO.users.entries()) {
    const accountIds = [accounts[i % accounts.length]!.account_id, accounts[(i + 3) % accounts.length]!.account_id];
    const created = await createUser(deps, entity.entity_pk, {
      ...u,
      roles: [...u.roles],
      scopes: [...u.scopes],
      accountIds,
      userId: seededUuid(rand),
    });
    users.push({ userId: created.user_id, accountIds });
  }
  const anchor = deps.clock.nowMicros() - 1_000_000;
  const population = {
    entityPk: entity.entity_pk,
    clientIds: [DEMO.admin.clientId, DEMO.reporting.clientId],
    users,
    accountIds: accounts.map((a) => a.account_id),
    roles: DEMO.roles,
  };
  // Most tokens live an hour or less, over six months; a few live 7 to 90 days, issued over
  // the last two months, so some are active, some expire within the week and some lie unused.
  const longLived = Math.floor(o.tokens * LONG_LIVED_SHARE);
  const shortLived = o.tokens - longLived;
  await writeSyntheticTokens(deps.tokens, population, {
    count: shortLived,
    seed: o.seed + 1,
    anchor,
    spanMicros: 6 * MONTH,
    onProgress: (n) => o.onProgress?.(n, o.tokens),
  });
  if (longLived > 0) {
    await writeSyntheticTokens(deps.tokens, population, {
      count: longLived,
      seed: o.seed + 3,
      anchor,
      spanMicros: 2 * MONTH,
      lifetime: (_flow, rand) => (7 + Math.floor(rand() * 84)) * DAY,
      onProgress: (n) => o.onProgress?.(shortLived + n, o.tokens),
    });
  }
  const other = await bootstrapEntity(deps, DEMO.other.entityName, { entityId: seededUuid(rand), ...DEMO.other });
  await writeSyntheticTokens(
    deps.tokens,
    { entityPk: other.entity_pk, clientIds: [DEMO.other.clientId], users: [], accountIds: [], roles: ['ENTITY_ADMIN', 'OPERATOR'] },
    { count: Math.min(500, o.tokens), seed: o.seed + 2, anchor, spanMicros: MONTH },
  );
  await deps.store.optimize();
  return true;
}

/** A fresh client-credentials token of the demo admin client, for the start-up banner. */
export async function issueDemoToken(deps: Deps, seed: number): Promise<string> {
  const entity = await deps.directory.findEntity(demoEntityId(seed));
  if (!entity) throw new Error('the demo entity is missing');
  const { accessToken } = await mintToken(deps, {
    entityPk: entity.pk,
    clientId: DEMO.admin.clientId,
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
    roles: ['ENTITY_ADMIN'],
    scopes: ['*'],
    lifetimeSeconds: deps.config.lifetimes.client_credentials,
  });
  return accessToken;
}
