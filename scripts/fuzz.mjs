#!/usr/bin/env node
// `pnpm fuzz`: the fuzz suite's long run (apps/server/test/support/fuzz.ts) against a real
// server on a fresh database: 100,000 requests by default, on SQLite unless `--backend postgres`.
// Needs `pnpm install && pnpm build` first (it runs the built server). Exits 1 on any failure.
//
//   pnpm fuzz [--requests 100000] [--seed N] [--backend sqlite|postgres] [--concurrency 4]
//             [--time-limit-s 1800] [--progress-every 5000] [--from I]
//   FUZZ_SEED=N pnpm fuzz          # the seed, as the test sample takes it
//   pnpm fuzz --from 4711 --requests 1 --seed N   # replays request #4711 of a run
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const serverDir = join(root, 'apps/server');

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    backend: { type: 'string', default: 'sqlite' },
    concurrency: { type: 'string', default: '4' },
    'time-limit-s': { type: 'string', default: '1800' },
    'progress-every': { type: 'string', default: '5000' },
    from: { type: 'string', default: '0' },
    'issuance-share': { type: 'string', default: '0.03' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 9)
      .join('\n')
      .replace(/^\/\/ ?/gm, ''),
  );
  process.exit(0);
}
if (args.backend !== 'sqlite' && args.backend !== 'postgres') {
  console.error(`--backend must be sqlite or postgres, not ${args.backend}`);
  process.exit(2);
}
const testing = join(serverDir, 'dist/testing.js');
if (!existsSync(testing)) {
  console.error('apps/server/dist is missing: run `pnpm install && pnpm build` first.');
  process.exit(2);
}

// The fuzzer is TypeScript shared with the test suite. Transpiled (types stripped, nothing
// bundled) next to the server's node_modules, so it resolves @tokenwarden/api as the server does.
const ts = createRequire(join(root, 'package.json'))('typescript');
const source = readFileSync(join(serverDir, 'test/support/fuzz.ts'), 'utf8');
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  fileName: 'fuzz.ts',
});
const outDir = join(serverDir, 'node_modules/.cache/tokenwarden-fuzz');
mkdirSync(outDir, { recursive: true });
const compiled = join(outDir, 'fuzz.mjs');
writeFileSync(compiled, outputText);

process.env.TOKENWARDEN_TEST_BACKEND = args.backend;
const fuzz = await import(pathToFileURL(compiled).href);
const { startTestServer } = await import(pathToFileURL(testing).href);

const seed = args.seed !== undefined ? fuzz.seedFromEnv(args.seed) : fuzz.seedFromEnv();
const requests = Number(args.requests);
const from = Number(args.from);
console.log(
  `fuzz: seed ${seed} (--seed or FUZZ_SEED to change), ${requests} requests from #${from}, backend ${args.backend}, concurrency ${args.concurrency}`,
);

const started = Date.now();
const server = await startTestServer({ backend: args.backend });
let exitCode = 1;
try {
  const fixtures = await fuzz.createFixtures(server.deps);
  console.log(`fuzz: server at ${server.url}; fixtures ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const report = await fuzz.runFuzz({
    url: server.url,
    fixtures,
    seed,
    requests,
    from,
    concurrency: Number(args.concurrency),
    timeLimitMs: Number(args['time-limit-s']) * 1000,
    timeoutMs: 60_000,
    issuanceShare: Number(args['issuance-share']),
    progressEvery: Number(args['progress-every']),
    onProgress(done, r) {
      const s = (Date.now() - started) / 1000;
      const classes = Object.entries(r.byClass)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(`fuzz: ${done}/${requests} in ${s.toFixed(0)} s — ${classes} — failing requests ${r.failures.length}`);
    },
  });
  const final = await fuzz.finalChecks(server.url, server.logLines);
  console.log(fuzz.formatReport(report, final));
  const ok = report.failures.length === 0 && final.length === 0 && !report.stoppedByTime;
  console.log(ok ? 'fuzz: OK' : `fuzz: FAILED (${report.failures.length} failing requests, ${final.length} end-of-run problems)`);
  exitCode = ok ? 0 : 1;
} finally {
  await server.close();
}
process.exit(exitCode);
