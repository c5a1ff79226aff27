/**
 * The page: `npm run web` (dev server, after `tsc -b`) or `npm run build -w @tapegrad/web` (static
 * build in dist/). The tapegrad packages resolve through their package.json `browser` exports
 * (their built dist/), as in any app that depends on them.
 */
import { defineConfig } from 'vite';
import { tapegradServer } from './server/data_plugin.js';

export default defineConfig({
  plugins: [tapegradServer()],
  build: {
    target: 'es2022',
    // gpu.js alone is about 600 kB minified; one chunk is fine for this page.
    chunkSizeWarningLimit: 2000,
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
});
