/**
 * The test setup every package shares (each package's vitest.config.ts re-exports one of
 * these): its own test/ folder, and a JSON report that `npm test` totals. Plain objects,
 * so the root needs no vitest of its own.
 */
const base = {
  include: ['test/**/*.test.ts'],
  reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default { test: base };

/**
 * Suites that run against a database run twice, the same files on each backend: the
 * `sqlite` and `postgres` projects (TOKENWARDEN_TEST_BACKEND tells the test harness
 * which). The PostgreSQL server is found or started once per run (globalSetup).
 */
export function backends(o: { postgresOnly?: string[] } = {}) {
  return {
    test: {
      ...base,
      globalSetup: [new URL('./packages/db/dist/testing/global-setup.js', import.meta.url).pathname],
      projects: [
        { extends: true, test: { name: 'sqlite', env: { TOKENWARDEN_TEST_BACKEND: 'sqlite' }, exclude: o.postgresOnly ?? [] } },
        { extends: true, test: { name: 'postgres', env: { TOKENWARDEN_TEST_BACKEND: 'postgres' } } },
      ],
    },
  };
}

export const bothBackends = backends();
