import { describe, expect, it } from 'vitest';
import { type Principal, visibleUser } from '../src/auth.js';
import { ApiError } from '../src/errors.js';
import { recordedFilters, visibleFilters } from '../src/operations/tokens.js';
import { revocableFilters } from '../src/services/bulk-revocation.js';

const ALICE = '0f8fad5b-d9cb-469f-a165-70867728950e';
const BOB = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

const principal = (o: Partial<Principal>): Principal => ({
  entityPk: 1,
  tokenPk: 1,
  tokenId: '249a0a2e-028a-4e15-a841-de9fd4e4cd84',
  clientId: 'c',
  grantFlow: 'GRANT_FLOW_PASSWORD',
  userId: ALICE,
  roles: [],
  scopes: ['*'],
  seesWholeEntity: false,
  ...o,
});

/** Whether it throws PERMISSION_DENIED (an ApiError, as the tRPC error's cause). */
const forbidden = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof ApiError && cause.status === 'PERMISSION_DENIED';
  }
  return false;
};

describe('visibleUser: the one rule of whose tokens a caller sees', () => {
  it('gives a caller that sees the whole entity the user it asked for, or none', () => {
    const admin = principal({ seesWholeEntity: true });
    expect(visibleUser(admin)).toBeUndefined();
    expect(visibleUser(admin, BOB)).toBe(BOB);
    expect(visibleUser(principal({ seesWholeEntity: true, userId: null }), BOB)).toBe(BOB);
  });

  it('confines any other user token to its own user, and refuses another user or a token without one', () => {
    const alice = principal({});
    expect(visibleUser(alice)).toBe(ALICE);
    expect(visibleUser(alice, ALICE)).toBe(ALICE);
    expect(forbidden(() => visibleUser(alice, BOB))).toBe(true);
    expect(forbidden(() => visibleUser(principal({ userId: null })))).toBe(true);
  });

  it('is the list’s: its filters carry the confined user whatever was asked', () => {
    expect(visibleFilters(principal({}), { status: ['ACTIVE'] })).toMatchObject({ userId: ALICE, statuses: ['ACTIVE'] });
    expect(visibleFilters(principal({ seesWholeEntity: true }), { user_id: BOB.toUpperCase() }).userId).toBe(BOB);
    expect(forbidden(() => visibleFilters(principal({}), { user_id: BOB }))).toBe(true);
  });
});

describe('revocableFilters', () => {
  it('narrows a selection to the tokens not revoked at the snapshot, within the statuses asked', () => {
    expect(revocableFilters({ role: 'R' })).toEqual({ role: 'R', statuses: ['ACTIVE', 'EXPIRED'] });
    expect(revocableFilters({ statuses: ['REVOKED', 'ACTIVE'] })?.statuses).toEqual(['ACTIVE']);
    expect(revocableFilters({ statuses: ['EXPIRED'] })?.statuses).toEqual(['EXPIRED']);
    // Revoked at the snapshot alone: nothing a revocation could still revoke.
    expect(revocableFilters({ statuses: ['REVOKED'] })).toBeUndefined();
  });
});

describe('recordedFilters', () => {
  it('writes the time bounds as RFC 3339 and each status once, by its short name, in order', () => {
    expect(recordedFilters({ client_id: 'c', created_after: 1_000_000, status: ['REVOKED', 'ACTIVE', 'REVOKED'] })).toEqual({
      client_id: 'c',
      created_after: '1970-01-01T00:00:01Z',
      status: ['ACTIVE', 'REVOKED'],
    });
  });
});
