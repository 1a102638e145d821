/** Latency summaries and the printed table. */

export interface Summary {
  n: number;
  /** Milliseconds. */
  median: number;
  p99: number;
}

export function summarize(samplesMs: readonly number[]): Summary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
  return { n: s.length, median: at(0.5), p99: at(0.99) };
}

export function median(xs: readonly number[]): number {
  return summarize(xs).median;
}

/** Times `fn` repeatedly: `minIters` calls at least, until `minMs` of work (capped at `maxIters`). */
export function timeCalls(fn: () => unknown, o: { minIters?: number; maxIters?: number; minMs?: number } = {}): number[] {
  const { minIters = 20, maxIters = 2000, minMs = 150 } = o;
  const out: number[] = [];
  const started = performance.now();
  while (out.length < maxIters && (out.length < minIters || performance.now() - started < minMs)) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function timeCallsAsync(
  fn: () => Promise<unknown>,
  o: { minIters?: number; maxIters?: number; minMs?: number } = {},
): Promise<number[]> {
  const { minIters = 20, maxIters = 2000, minMs = 150 } = o;
  const out: number[] = [];
  const started = performance.now();
  while (out.length < maxIters && (out.length < minIters || performance.now() - started < minMs)) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Times two functions call by call, alternately (which goes first swaps every pair), so a
 * slow spell of the shared machine, a GC or a cache eviction falls on both alike.
 */
export async function timePairs(
  a: () => unknown,
  b: () => unknown,
  o: { minPairs?: number; maxPairs?: number; minMs?: number } = {},
): Promise<{ a: number[]; b: number[] }> {
  const { minPairs = 20, maxPairs = 2000, minMs = 300 } = o;
  const out = { a: [] as number[], b: [] as number[] };
  const time = async (fn: () => unknown, into: number[]) => {
    const t0 = performance.now();
    const result = fn();
    // Only a promise is awaited: a synchronous function is timed without a microtask hop.
    if (result instanceof Promise) await result;
    into.push(performance.now() - t0);
  };
  const started = performance.now();
  for (let i = 0; i < maxPairs && (i < minPairs || performance.now() - started < minMs); i++) {
    if (i % 2 === 0) {
      await time(a, out.a);
      await time(b, out.b);
    } else {
      await time(b, out.b);
      await time(a, out.a);
    }
  }
  return out;
}

export const fmtMs = (ms: number): string =>
  Number.isNaN(ms) ? '-' : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
export const fmtRatio = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '-');
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A plain aligned text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
