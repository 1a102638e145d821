import { describe, expect, it } from 'vitest';
import { generatorBound, p5Target, setVsP3, starved, vsP3Target, type HttpRow } from '../src/http.js';

/** A measured row: req/s of each round, CPU shares of the server and the generator. */
function row(workload: string, server: string, rounds: number[], cpu: { server: number; generator: number }, errors = 0): HttpRow {
  return {
    workload,
    server,
    rps: rounds[0]!,
    rounds,
    p50: 1,
    p99: 2,
    vsP3: Number.NaN,
    rssMb: 100,
    errors,
    serverCpu: cpu.server,
    generatorCpu: cpu.generator,
  };
}

const MID = 'mid, page 1, size 50, fixed snapshot';
const BIG = 'big, page 1, size 50, fixed snapshot';
const SMALL_PAGE = 'big, page 1, size 10, fixed snapshot';
const busyServer = { server: 0.98, generator: 0.2 };

describe('HTTP targets', () => {
  it('take each ratio to P3 within rounds, and judge the worst workload at page size 50', () => {
    const rows = [
      row(MID, 'P3 Fastify', [1000, 2000], busyServer),
      row(MID, 'P5 tRPC wire (autocannon GET)', [900, 1900], busyServer),
      row(MID, 'P5 tRPC via @tokenwarden/client', [800, 1000], { server: 0.6, generator: 0.97 }),
      row(BIG, 'P3 Fastify', [2000, 2000], busyServer),
      row(BIG, 'P5 tRPC wire (autocannon GET)', [1900, 1900], busyServer),
      row(BIG, 'P5 tRPC via @tokenwarden/client', [1500, 1600], busyServer),
      // Not at page size 50: never judged.
      row(SMALL_PAGE, 'P3 Fastify', [2000, 2000], busyServer),
      row(SMALL_PAGE, 'P5 tRPC via @tokenwarden/client', [100, 100], busyServer),
    ];
    setVsP3(rows);
    // Rounds 0.8 and 0.5: the median of two is the lower one (summarize's rank).
    expect(rows[2]!.vsP3).toBe(0.5);
    expect(rows[5]!.vsP3).toBe(0.75);
    expect(generatorBound(rows[2]!)).toBe(true);
    expect(generatorBound(rows[5]!)).toBe(false);
    expect(starved(rows[5]!)).toBe(false);
    const t = p5Target(rows, 'P5', 'P3');
    expect(t.target).toBe('P5 (tRPC via the client) >= 0.7x P3 at page_size 50');
    expect(t.measured).toBe('mid 0.50x (load generator saturated), big 0.75x; wire (autocannon) mid 0.90x, big 0.95x');
    expect(t.ok).toBe(false);
    rows[2]!.rounds = [1800, 1800];
    setVsP3(rows);
    expect(p5Target(rows, 'P5', 'P3').ok).toBe(true);
  });

  it('say when the machine, not the server, set a figure', () => {
    const rows = [row(MID, 'P3 Fastify', [1000], busyServer), row(MID, 'P5 tRPC via @tokenwarden/client', [300], { server: 0.3, generator: 0.45 })];
    setVsP3(rows);
    expect(starved(rows[1]!)).toBe(true);
    expect(p5Target(rows, 'P5', 'P3').measured).toBe('mid 0.30x (busy machine)');
  });

  it('are not met with errors, nor when nothing was measured', () => {
    const rows = [row(MID, 'P3 Fastify', [1000], busyServer), row(MID, 'P4 Tokenwarden REST', [950], busyServer, 3)];
    setVsP3(rows);
    const t = vsP3Target(rows, 'P4 throughput >= 0.8x P3 at page_size 50', 0.8, (r) => r.server.startsWith('P4'));
    expect(t).toEqual({ target: 'P4 throughput >= 0.8x P3 at page_size 50', measured: 'mid 0.95x; 3 errors', ok: false });
    expect(p5Target(rows, 'P5', 'P3')).toMatchObject({ measured: 'not measured', ok: false });
  });
});
