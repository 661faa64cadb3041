import { nodeBundle, NODE_BUILTINS } from './vite.node.mjs';

// The CLI starts a fresh process per command, so its pure-JS dependencies (zod, @sigstore/*, tweetnacl) are
// bundled in: a few chunks, each loaded only by the commands that import it, instead of hundreds of files
// resolved in node_modules. Chunks sit beside cli/, at the depth packageVersion() expects to find package.json from.
// Node-API modules load their binaries from node_modules; electron and ws are never reached by the CLI.
const config = nodeBundle({
  input: { 'cli/signet': 'cli/signet.ts', 'recovery/fresh-token.worker': 'recovery/fresh-token.worker.ts', 'platform/pkcs11-signer.worker': 'platform/pkcs11-signer.worker.ts' },
  emptyOutDir: false,
  chunkDir: 'cli-chunks',
  external: ['electron', 'ws', 'pkcs11js', '@napi-rs/keyring', ...NODE_BUILTINS],
  noExternal: true,
});

// `signet verify` runs from a cold start, where every module costs a resolve, a read and a compile-cache lookup: what it
// loads up front (the verify command, the settings and the data folder, with everything they import) is one chunk.
config.build.rollupOptions.output.codeSplitting = {
  groups: [{ name: 'verify', test: /main[\\/](cli[\\/]verify\.command|settings[\\/]settings\.service|app[\\/]paths)\.ts$/ }],
};

export default config;
