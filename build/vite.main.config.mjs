import { nodeBundle, NODE_BUILTINS } from './vite.node.mjs';

// Main runs on Node inside Electron and the browser host: one bundle per entry, dependencies
// (zod, ws and the Node-API modules) left to node_modules so native code loads unchanged.
// The CLI is built on its own (vite.cli.config.mjs) into the same folder, after this build empties it.
export default nodeBundle({
  input: { 'electron/electron.main': 'electron/electron.main.ts', 'web/web.main': 'web/web.main.ts', 'recovery/fresh-token.worker': 'recovery/fresh-token.worker.ts', 'platform/pkcs11-signer.worker': 'platform/pkcs11-signer.worker.ts' },
  emptyOutDir: true,
  chunkDir: 'chunks',
  external: ['electron', ...NODE_BUILTINS],
  noExternal: false,
});
