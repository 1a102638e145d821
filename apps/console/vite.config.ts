import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console is served by the Tokenwarden server at /console from these built files.
 * Nothing inline (the server's Content-Security-Policy allows only its own scripts and
 * styles) and nothing from elsewhere (it works offline): system fonts, no CDN.
 */
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // The polyfill would be one more script; every browser the console supports has modulepreload.
    modulePreload: { polyfill: false },
    // Every asset a file of its own (no data: URLs inlined into CSS or JS).
    assetsInlineLimit: 0,
  },
  // `pnpm --filter @tokenwarden/console dev`: the console with hot reload against a server on :8080.
  server: { proxy: { '/trpc': 'http://127.0.0.1:8080', '/v1': 'http://127.0.0.1:8080' } },
});
