import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('../renderer/', import.meta.url));
const outDir = fileURLToPath(new URL('../out/renderer/', import.meta.url));
const PIN_FOLDER = 'pin/';

// The renderer is a plain static bundle: no inline scripts or styles, so the strict CSP holds.
// The PIN prompt page is bundled on its own into pin/, the only folder its origin (app://pin) serves, sharing no chunk with the app.
export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir,
    target: 'es2023',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  environments: {
    client: { build: { emptyOutDir: true, rollupOptions: { input: { index: `${root}index.html` } } } },
    pin: {
      consumer: 'client',
      build: {
        emptyOutDir: false,
        rollupOptions: {
          input: { pin: `${root}pin/pin.html` },
          output: { entryFileNames: `${PIN_FOLDER}[name]-[hash].js`, chunkFileNames: `${PIN_FOLDER}[name]-[hash].js`, assetFileNames: `${PIN_FOLDER}[name]-[hash][extname]` },
        },
      },
    },
  },
  // The prompt's origin serves pin/ as its root, so its own files are linked from there.
  experimental: { renderBuiltUrl: (filename) => (filename.startsWith(PIN_FOLDER) ? `/${filename.slice(PIN_FOLDER.length)}` : undefined) },
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments.client);
      await builder.build(builder.environments.pin);
    },
  },
});
