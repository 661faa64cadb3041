import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const builtins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// Node-API modules load their binaries from node_modules; electron and ws are never reached by the CLI.
const external = ['electron', 'ws', 'pkcs11js', '@napi-rs/keyring', ...builtins];

// The CLI starts a fresh process per command, so its pure-JS dependencies (zod, @sigstore/*, tweetnacl) are
// bundled in: a few chunks, each loaded only by the commands that import it, instead of hundreds of files
// resolved in node_modules. Chunks sit beside cli/, at the depth packageVersion() expects to find package.json from.
export default defineConfig({
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: true,
    outDir: fileURLToPath(new URL('../out/main/', import.meta.url)),
    emptyOutDir: false,
    target: 'node22',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: { 'cli/signet': fileURLToPath(new URL('../main/cli/signet.ts', import.meta.url)) },
      external,
      output: { format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'cli-chunks/[name]-[hash].js' },
    },
  },
  ssr: { target: 'node', noExternal: true, external },
});
