import react from '@vitejs/plugin-react';
import shared from '../../vitest.shared.js';

/**
 * The shared setup (test/ folder, JSON report for `npm test`) with the component tests'
 * needs: TSX, and a DOM (happy-dom) for every test file but the end-to-end one, which
 * drives a real browser against a real server from Node.
 */
export default {
  plugins: [react()],
  test: {
    ...shared.test,
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'happy-dom',
    globalSetup: ['test/support/server-setup.ts'],
    // The end-to-end run builds on a real server and browser: give it room on a busy machine.
    testTimeout: 60_000,
  },
};
