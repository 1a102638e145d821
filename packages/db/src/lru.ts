/**
 * A bounded map that forgets the least recently used entry first, approximately. A hit
 * moves its entry to the young end only once a quarter of the capacity has been inserted
 * since the entry last moved: a hot entry costs one lookup per hit instead of a delete and
 * a re-insert (the keys are strings of tens of characters, which makes those the cache's
 * main cost). So an entry read at least once per capacity/2 insertions is never evicted,
 * and one never read again goes after `capacity` newer ones.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, { value: V; moved: number }>();
  /** Insertions and moves so far: the age of an entry is `clock - moved`. */
  private clock = 0;
  private readonly moveAfter: number;

  constructor(readonly capacity: number) {
    this.moveAfter = Math.max(1, Math.floor(capacity / 4));
  }

  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (this.clock - entry.moved >= this.moveAfter) {
      this.map.delete(key);
      entry.moved = ++this.clock;
      this.map.set(key, entry);
    }
    return entry.value;
  }

  /** The value without refreshing its recency. */
  peek(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, { value, moved: ++this.clock });
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
