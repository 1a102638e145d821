/**
 * The test setup every package shares (each package's vitest.config.ts re-exports it):
 * its own test/ folder, and a JSON report that `npm test` totals. A plain object, so the
 * root needs no vitest of its own.
 */
export default {
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
