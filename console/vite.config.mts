import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The staff console: built into dist/console and served by Nest at /console; `vite` proxies the API. */
const api = process.env.CANDOR_API ?? 'http://localhost:3000';
const API_PREFIXES = [
  '/auth',
  '/users',
  '/audit',
  '/incidents',
  '/approvals',
  '/support',
  '/console-events',
  '/analyses',
  '/campaigns',
  '/compensation',
  '/number-change',
  '/notifications',
  '/status',
];

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    assetsDir: 'assets',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
    manifest: true,
  },
  server: { proxy: Object.fromEntries(API_PREFIXES.map((p) => [p, { target: api, changeOrigin: false }])) },
});
