import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const source = (path) => fileURLToPath(new URL(`../main/${path}`, import.meta.url));

// Main runs on Node inside Electron and the browser host: one bundle per entry, dependencies
// (zod, ws and the Node-API modules) left to node_modules so native code loads unchanged.
// The CLI is built on its own (vite.cli.config.mjs) into the same folder, after this build empties it.
export default defineConfig({
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: true,
    outDir: fileURLToPath(new URL('../out/main/', import.meta.url)),
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: {
        'electron/electron.main': source('electron/electron.main.ts'),
        'web/web.main': source('web/web.main.ts'),
      },
      external: ['electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
      output: { format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
  ssr: { target: 'node' },
});
