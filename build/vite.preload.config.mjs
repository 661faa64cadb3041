import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const outDir = fileURLToPath(new URL('../out/preload/', import.meta.url));

// One sandboxed preload, bundled alone into one CommonJS file: it may only require('electron'), so no chunk is shared.
function preload(source, fileName, emptyOutDir) {
  return {
    consumer: 'client',
    build: {
      outDir,
      emptyOutDir,
      target: 'node22',
      minify: false,
      lib: { entry: fileURLToPath(new URL(source, import.meta.url)), formats: ['cjs'], fileName: () => fileName },
      rollupOptions: { external: ['electron'] },
    },
  };
}

// The app's preload carries the contract's channel guard; the PIN prompt's preload only its own two channels.
export default defineConfig({
  logLevel: 'warn',
  publicDir: false,
  environments: {
    client: preload('../main/electron/preload.ts', 'preload.cjs', true),
    pin: preload('../main/electron/pin.preload.ts', 'pin-preload.cjs', false),
  },
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments.client);
      await builder.build(builder.environments.pin);
    },
  },
});
