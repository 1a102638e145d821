import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      // The end-to-end tests open a database for the server they start. @tokenwarden/db is
      // not (yet) a devDependency of this package, so it is resolved from the workspace.
      '@tokenwarden/db': fileURLToPath(new URL('../db/dist/index.js', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
