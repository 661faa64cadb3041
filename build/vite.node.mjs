import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Main's hosts and the CLI are bundled the same way for Node into out/main; they differ only in entries and in what stays outside.
export function nodeBundle({ input, emptyOutDir, chunkDir, external, noExternal }) {
  return defineConfig({
    logLevel: 'warn',
    publicDir: false,
    build: {
      ssr: true,
      outDir: fileURLToPath(new URL('../out/main/', import.meta.url)),
      emptyOutDir,
      target: 'node22',
      minify: false,
      sourcemap: true,
      rollupOptions: {
        input: Object.fromEntries(Object.entries(input).map(([name, path]) => [name, fileURLToPath(new URL(`../main/${path}`, import.meta.url))])),
        external,
        output: { format: 'esm', entryFileNames: '[name].js', chunkFileNames: `${chunkDir}/[name]-[hash].js` },
      },
    },
    ssr: noExternal ? { target: 'node', noExternal: true, external } : { target: 'node' },
  });
}
