import { describe, expect, it } from 'vitest';
import { Lru } from '../src/lru.js';

describe('Lru', () => {
  it('holds at most its capacity, forgetting the entry unread the longest', () => {
    const lru = new Lru<string, number>(8);
    for (let i = 0; i < 8; i++) lru.set(`k${i}`, i);
    for (let i = 0; i < 20; i++) lru.set(`n${i}`, i);
    expect(lru.size).toBe(8);
    for (let i = 0; i < 8; i++) expect(lru.peek(`k${i}`)).toBeUndefined();
    for (let i = 12; i < 20; i++) expect(lru.peek(`n${i}`)).toBe(i);
  });

  it('never evicts an entry read at least once per capacity/2 insertions', () => {
    const capacity = 64;
    const lru = new Lru<string, number>(capacity);
    lru.set('hot', 1);
    for (let i = 0; i < 10 * capacity; i++) {
      lru.set(`cold${i}`, i);
      if (i % (capacity / 2) === 0) expect(lru.get('hot'), `after ${i} insertions`).toBe(1);
    }
    expect(lru.get('hot')).toBe(1);
    expect(lru.size).toBe(capacity);
  });

  it('evicts an entry that is only peeked at: peek does not count as a use', () => {
    const lru = new Lru<string, number>(4);
    lru.set('a', 1);
    for (let i = 0; i < 4; i++) {
      expect(lru.peek('a')).toBe(1);
      lru.set(`x${i}`, i);
    }
    expect(lru.peek('a')).toBeUndefined();
  });

  it('replaces a value on set and forgets a deleted key', () => {
    const lru = new Lru<string, number>(4);
    lru.set('a', 1);
    lru.set('a', 2);
    expect(lru.get('a')).toBe(2);
    expect(lru.size).toBe(1);
    lru.delete('a');
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it('a read entry outlives entries inserted before the read (recency, not insertion order)', () => {
    const lru = new Lru<string, number>(4);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    lru.set('d', 4);
    expect(lru.get('a')).toBe(1); // a moves to the young end
    lru.set('e', 5); // evicts b, the oldest now
    expect(lru.peek('a')).toBe(1);
    expect(lru.peek('b')).toBeUndefined();
  });
});
