import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// A sandboxed preload may only require('electron'), so the contract's channel guard is bundled into one CommonJS file.
export default defineConfig({
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../out/preload/', import.meta.url)),
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    lib: {
      entry: fileURLToPath(new URL('../main/electron/preload.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rollupOptions: { external: ['electron'] },
  },
});
