import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { NextFlight } from '@tokenwarden/db';

/** Work whose end the test controls; each call records when it started (a counter, as a clock would). */
function gated() {
  let now = 0;
  const started: number[] = [];
  const gates: ((fail?: boolean) => void)[] = [];
  const work = () => {
    const at = ++now;
    started.push(at);
    return new Promise<number>((resolve, reject) => gates.push((fail) => (fail ? reject(new Error(`call ${at} failed`)) : resolve(at))));
  };
  return { work, started, end: (fail?: boolean) => gates.shift()?.(fail), tick: () => ++now, now: () => now };
}

describe('NextFlight', () => {
  it('runs one call per key at a time; callers arriving meanwhile share the next, started after they asked', async () => {
    const g = gated();
    const flights = new NextFlight<string, number>();
    const first = flights.run('e', g.work);
    // Asked while the first call runs, at a later time: they must not get its (older) result.
    const asked = g.tick();
    const waiting = [flights.run('e', g.work), flights.run('e', g.work), flights.run('e', g.work)];
    expect(g.started).toEqual([1]);
    g.end();
    expect(await first).toBe(1);
    await turn();
    expect(g.started).toEqual([1, 3]);
    g.end();
    const results = await Promise.all(waiting);
    expect(results).toEqual([3, 3, 3]);
    expect(results.every((r) => r > asked)).toBe(true);
    expect(flights.size).toBe(0);
  });

  it('keeps keys apart, and starts afresh once idle', async () => {
    const g = gated();
    const flights = new NextFlight<number, number>();
    const a = flights.run(1, g.work);
    const b = flights.run(2, g.work);
    expect(g.started).toEqual([1, 2]);
    g.end();
    g.end();
    expect([await a, await b]).toEqual([1, 2]);
    expect(flights.size).toBe(0);
    const c = flights.run(1, g.work);
    expect(g.started).toEqual([1, 2, 3]);
    g.end();
    expect(await c).toBe(3);
  });

  it('a failed call fails its own callers only; the next call runs all the same', async () => {
    const g = gated();
    const flights = new NextFlight<string, number>();
    const first = flights.run('e', g.work);
    const next = flights.run('e', g.work);
    g.end(true);
    await expect(first).rejects.toThrow('call 1 failed');
    await turn();
    g.end();
    expect(await next).toBe(2);
    expect(flights.size).toBe(0);
  });
});
