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
