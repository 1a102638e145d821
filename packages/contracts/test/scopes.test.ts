import { describe, expect, it } from 'vitest';
import { grantingScopes, SCOPE_PATTERN, scopeGrants, SCOPES, scopesGrant } from '../src/index.js';
import { rng } from './helpers.js';

describe('scopeGrants', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'iam.oauth.tokens.list.get', true],
    ['*', 'iam', true],
    ['*', 'anything.at.all', true],
    ['iam.oauth.*', 'iam.oauth.tokens.list.get', true],
    ['iam.oauth.*', 'iam.oauth.tokens.get', true],
    ['iam.oauth.*', 'iam.oauth.tokens', true],
    ['iam.oauth.*', 'iam.oauth', false],
    ['iam.oauth.*', 'iam', false],
    ['iam.oauth.*', 'iam.oauthx.tokens', false],
    ['iam.oauth.*', 'iam.oauth2.tokens.get', false],
    ['iam.*', 'iam.oauth.tokens.delete', true],
    ['iam.mfa.*', 'iam.oauth.x', false],
    ['iam.mfa.*', 'iam.mfa', false],
    ['iam.oauth.tokens.list.get', 'iam.oauth.tokens.list.get', true],
    ['iam.oauth.tokens.get', 'iam.oauth.tokens.get', true],
    ['iam.oauth.tokens.get', 'iam.oauth.tokens.list.get', false],
    ['iam.oauth.tokens.list.get', 'iam.oauth.tokens.list', false],
    ['iam.oauth.tokens.list', 'iam.oauth.tokens.list.get', false],
    ['iam.oauth.tokens', 'iam.oauth.tokens.get', false],
    ['IAM.OAUTH.*', 'iam.oauth.tokens.get', false],
    ['iam.oauth.tokens.get', 'IAM.OAUTH.TOKENS.GET', false],
    // `*` is a wildcard only as the last segment
    ['iam.*.tokens.get', 'iam.oauth.tokens.get', false],
    ['*.oauth.tokens.get', 'iam.oauth.tokens.get', false],
    ['iam.*.*', 'iam.oauth.tokens', false],
    ['iam.*.tokens.get', 'iam.*.tokens.get', true], // literal match of the literal segment
    // `*` must be a whole segment
    ['iam.oauth*', 'iam.oauth.tokens.get', false],
    ['iam.oauth.tok*', 'iam.oauth.tokens.get', false],
    ['iam.oauth.*x', 'iam.oauth.tokens', false],
    ['', 'iam.oauth.tokens.get', false],
    ['iam.oauth.tokens.get.', 'iam.oauth.tokens.get', false],
  ];
  it.each(cases)('held %j, required %j -> %s', (held, required, granted) => {
    expect(scopeGrants(held, required)).toBe(granted);
  });

  it('is reflexive for wildcard-free scopes and never grants a strictly shorter scope', () => {
    const r = rng(11);
    const segs = ['iam', 'oauth', 'tokens', 'get', 'list', 'mfa', 'x'];
    for (let i = 0; i < 500; i++) {
      const parts = Array.from({ length: r.int(1, 5) }, () => r.pick(segs));
      const scope = parts.join('.');
      expect(scopeGrants(scope, scope)).toBe(true);
      expect(scopeGrants('*', scope)).toBe(true);
      if (parts.length > 1) {
        const prefix = parts.slice(0, -1).join('.');
        expect(scopeGrants(`${prefix}.*`, scope)).toBe(true);
        expect(scopeGrants(`${prefix}.*`, prefix)).toBe(false);
        expect(scopeGrants(scope, prefix)).toBe(false);
        expect(scopeGrants(prefix, scope)).toBe(false);
      }
    }
  });
});

describe('scopesGrant', () => {
  it('grants when any held scope grants', () => {
    expect(scopesGrant(['iam.mfa.*', 'iam.oauth.tokens.list.get'], SCOPES.list)).toBe(true);
    expect(scopesGrant(['iam.mfa.*', 'iam.oauth.*'], SCOPES.revoke)).toBe(true);
    expect(scopesGrant(['iam.mfa.*', 'iam.oauth.tokens.get'], SCOPES.list)).toBe(false);
    expect(scopesGrant([], SCOPES.get)).toBe(false);
    expect(scopesGrant(['*'], SCOPES.get)).toBe(true);
  });

  it('names the scopes of the contract', () => {
    expect(SCOPES).toEqual({
      list: 'iam.oauth.tokens.list.get',
      get: 'iam.oauth.tokens.get',
      revoke: 'iam.oauth.tokens.delete',
      events: 'iam.oauth.token_events.list.get',
      introspect: 'iam.oauth.tokens.introspect',
    });
    // Granted by the wildcards that grant every other token scope.
    for (const held of ['iam.oauth.*', 'iam.oauth.tokens.*', '*']) expect(scopesGrant([held], SCOPES.introspect), held).toBe(true);
    expect(scopesGrant([SCOPES.get, SCOPES.list], SCOPES.introspect)).toBe(false);
  });
});

describe('wildcards need a non-empty rest', () => {
  it('does not let iam.oauth.* grant iam.oauth. or iam.oauth..x', () => {
    expect(scopeGrants('iam.oauth.*', 'iam.oauth.')).toBe(false);
    expect(scopeGrants('iam.oauth.*', 'iam.oauth..x')).toBe(false);
    expect(scopeGrants('iam.oauth.*', 'iam.oauth.x')).toBe(true);
  });
});

describe('grantingScopes', () => {
  it('is the scope itself and every wildcard above it', () => {
    expect(grantingScopes('iam.oauth.tokens.get').sort()).toEqual(['*', 'iam.*', 'iam.oauth.*', 'iam.oauth.tokens.*', 'iam.oauth.tokens.get'].sort());
    expect(grantingScopes('payments').sort()).toEqual(['*', 'payments']);
    expect(grantingScopes('*')).toEqual(['*']);
    expect(grantingScopes('iam.oauth.*').sort()).toEqual(['*', 'iam.*', 'iam.oauth.*']);
    // no repeats
    for (const s of ['a.a.a', 'a.*', '*', 'x']) expect(new Set(grantingScopes(s)).size).toBe(grantingScopes(s).length);
  });

  it('agrees with scopeGrants: held h grants s exactly when h is one of grantingScopes(s) (20,000 random pairs)', () => {
    const r = rng(20260401);
    // Few segment values so that prefixes and wildcards meet; held scopes also in forms no
    // valid grant has (empty segments, a * inside or glued to a word), which must grant nothing more.
    const segs = ['iam', 'oauth', 'tokens', 'get', 'a', 'A', 'x-y', 'b:c'];
    const heldSegs = [...segs, '*', '', '*x', 'oauth*'];
    const scope = (pool: string[], n: number, wildLast: boolean) => {
      const parts = Array.from({ length: n }, () => r.pick(pool));
      if (wildLast) parts[n - 1] = '*';
      return parts.join('.');
    };
    let granted = 0;
    for (let i = 0; i < 20_000; i++) {
      const required = scope(segs, r.int(1, 5), r.bool(0.2));
      expect(required).toMatch(SCOPE_PATTERN);
      const candidates = new Set(grantingScopes(required));
      // held: a candidate, a near miss of one, or random
      const held = r.bool(0.4)
        ? r.pick([...candidates])
        : r.bool(0.5)
          ? scope(heldSegs, r.int(1, 6), r.bool(0.4))
          : `${r.pick([...candidates])}${r.pick(['.x', 'x', '.*', ''])}`;
      const grants = scopeGrants(held, required);
      if (grants) granted++;
      expect(candidates.has(held), `held ${held}, required ${required}`).toBe(grants);
    }
    expect(granted).toBeGreaterThan(5000);
    expect(granted).toBeLessThan(15_000);
  });
});
