import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH, StoreUnavailableError, TurnBatch } from '@tokenwarden/db';

/** A write whose completion the test controls, recording each call's items and how many ran at once. */
function gatedWrite() {
  const calls: number[][] = [];
  const gates: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const write = async (items: number[]) => {
    calls.push(items);
    running++;
    most = Math.max(most, running);
    await new Promise<void>((open) => gates.push(open));
    running--;
    if (items.includes(13)) throw new Error('13 refused');
    return items.map((n) => n * 10);
  };
  return { write, calls, open: () => gates.shift()?.(), most: () => most };
}

describe('TurnBatch', () => {
  it('writes the items of one turn in one call, each caller getting its own result', async () => {
    const calls: number[][] = [];
    const batch = new TurnBatch((items: number[]) => {
      calls.push(items);
      return items.map((n) => n + 1);
    });
    expect(await Promise.all([1, 2, 3].map((n) => batch.add(n)))).toEqual([2, 3, 4]);
    expect(await batch.add(7)).toBe(8);
    expect(calls).toEqual([[1, 2, 3], [7]]);
  });

  it('keeps one write in flight: what arrives meanwhile is written next, together', async () => {
    const w = gatedWrite();
    const batch = new TurnBatch(w.write);
    const first = batch.add(1);
    await turn();
    expect(w.calls).toEqual([[1]]);
    // Added over several turns while the first write awaits its database.
    const later = [batch.add(2)];
    await turn();
    later.push(batch.add(3));
    await turn();
    later.push(batch.add(4));
    await turn();
    expect(w.calls).toEqual([[1]]);
    w.open();
    expect(await first).toBe(10);
    // The next write starts a turn after the first ended.
    await turn();
    await turn();
    expect(w.calls).toEqual([[1], [2, 3, 4]]);
    w.open();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    expect(w.most()).toBe(1);
    // Idle again: the next item is written in its own turn.
    const next = batch.add(5);
    await turn();
    expect(w.calls.at(-1)).toEqual([5]);
    w.open();
    expect(await next).toBe(50);
  });

  it('writes a failed batch item by item, failing only the bad item', async () => {
    const w = gatedWrite();
    const batch = new TurnBatch(w.write);
    const results = [12, 13, 14].map((n) =>
      batch.add(n).then(
        (r) => ({ ok: r }),
        (e: Error) => ({ error: e.message }),
      ),
    );
    let settled = false;
    const all = Promise.all(results).finally(() => {
      settled = true;
    });
    while (!settled) {
      await turn();
      w.open();
    }
    expect(await all).toEqual([{ ok: 120 }, { error: '13 refused' }, { ok: 140 }]);
    expect(w.calls).toEqual([[12, 13, 14], [12], [13], [14]]);
  });

  it('fails every item at once when the database is away', async () => {
    let calls = 0;
    const batch = new TurnBatch((_items: number[]) => {
      calls++;
      throw new StoreUnavailableError();
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batch.add(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toBe(1);
  });
});

describe('TurnBatch limits', () => {
  it('writes at most MAX_BATCH items a call, the rest in the calls that follow, a turn apart', async () => {
    const calls: number[] = [];
    let timerRan = false;
    const batch = new TurnBatch((items: number[]) => {
      calls.push(items.length);
      return items;
    });
    setImmediate(() => {
      timerRan = true;
    });
    const all = Array.from({ length: 2 * MAX_BATCH + 5 }, (_, i) => batch.add(i));
    expect(await Promise.all(all)).toEqual(Array.from({ length: 2 * MAX_BATCH + 5 }, (_, i) => i));
    expect(calls).toEqual([MAX_BATCH, MAX_BATCH, 5]);
    expect(timerRan).toBe(true);
  });
});
