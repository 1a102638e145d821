import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE, LoginThrottle } from '../src/services/login-throttle.js';

const S = 1_000_000;
const T0 = 1_800_000_000 * S;

describe('LoginThrottle', () => {
  it('blocks a (username, address) pair after 5 failures, doubling the wait, and only that pair', () => {
    const t = new LoginThrottle(DEFAULT_THROTTLE);
    for (let i = 0; i < 4; i++) {
      expect(t.check('alice', 'A', T0)).toBe(0);
      t.recordFailure('alice', 'A', T0);
    }
    expect(t.check('alice', 'A', T0)).toBe(0);
    t.recordFailure('alice', 'A', T0);
    expect(t.check('alice', 'A', T0)).toBe(30);
    expect(t.check('alice', 'A', T0 + 10 * S)).toBe(20);
    expect(t.check('alice', 'B', T0)).toBe(0); // another address
    expect(t.check('bob', 'A', T0)).toBe(0); // another user from the same address
    // After the wait, 5 more failures: twice as long.
    const t1 = T0 + 31 * S;
    expect(t.check('alice', 'A', t1)).toBe(0);
    for (let i = 0; i < 5; i++) t.recordFailure('alice', 'A', t1);
    expect(t.check('alice', 'A', t1)).toBe(60);
  });

  it('caps the wait at 15 minutes and forgives after a quiet window', () => {
    const t = new LoginThrottle(DEFAULT_THROTTLE);
    let now = T0;
    let wait = 0;
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 5; i++) t.recordFailure('alice', 'A', now);
      wait = t.check('alice', 'A', now);
      now += wait * S;
    }
    expect(wait).toBe(900);
    now += 901 * S; // a quiet window after the last block
    for (let i = 0; i < 5; i++) t.recordFailure('alice', 'A', now);
    expect(t.check('alice', 'A', now)).toBe(30);
  });

  it('a success from the address clears its pair', () => {
    const t = new LoginThrottle(DEFAULT_THROTTLE);
    for (let i = 0; i < 4; i++) t.recordFailure('alice', 'A', T0);
    t.recordSuccess('alice', 'A');
    for (let i = 0; i < 4; i++) t.recordFailure('alice', 'A', T0);
    expect(t.check('alice', 'A', T0)).toBe(0);
  });

  it('blocks an address after 50 failures of any credentials', () => {
    const t = new LoginThrottle(DEFAULT_THROTTLE);
    for (let i = 0; i < 50; i++) t.recordFailure(`user${i}`, 'A', T0);
    expect(t.check('someone-new', 'A', T0)).toBe(30);
    expect(t.check(undefined, 'A', T0)).toBe(30); // client credentials from there too
    expect(t.check('someone-new', 'B', T0)).toBe(0);
  });

  it('paces a username under attack for the attacking addresses, never for a clean one', () => {
    const t = new LoginThrottle(DEFAULT_THROTTLE);
    // 20 failures for alice from 20 addresses (one each: no pair reaches its limit).
    for (let i = 0; i < 20; i++) t.recordFailure('alice', `bot${i}`, T0);
    // An address that failed for alice: one attempt a second.
    expect(t.check('alice', 'bot3', T0)).toBe(0);
    expect(t.check('alice', 'bot3', T0)).toBe(1);
    expect(t.check('alice', 'bot4', T0)).toBe(1); // the pace is the username's, across its attacking addresses
    expect(t.check('alice', 'bot4', T0 + S)).toBe(0);
    // Alice herself, from an address with no failure for her: never held back.
    for (let i = 0; i < 10; i++) expect(t.check('alice', 'home', T0 + S)).toBe(0);
    // Other users are not affected at all.
    expect(t.check('bob', 'bot3', T0)).toBe(0);
  });

  it('a window without failures starts the counts over', () => {
    const t = new LoginThrottle(DEFAULT_THROTTLE);
    for (let i = 0; i < 4; i++) t.recordFailure('alice', 'A', T0);
    const later = T0 + 901 * S;
    t.recordFailure('alice', 'A', later);
    expect(t.check('alice', 'A', later)).toBe(0);
  });

  it('a limit of 0 is off', () => {
    const t = new LoginThrottle({ ...DEFAULT_THROTTLE, perUserAddress: 0, perAddress: 0, perUser: 0 });
    for (let i = 0; i < 100; i++) t.recordFailure('alice', 'A', T0);
    expect(t.check('alice', 'A', T0)).toBe(0);
  });
});
