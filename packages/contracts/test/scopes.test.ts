import { describe, expect, it } from 'vitest';
import { scopeGrants, SCOPES, scopesGrant } from '../src/index.js';
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
