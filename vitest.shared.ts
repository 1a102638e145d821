import { defineConfig } from 'vitest/config';

/** The test setup every package shares: its own test/ folder, and a JSON report that `npm test` totals. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
