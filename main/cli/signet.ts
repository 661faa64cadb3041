#!/usr/bin/env node
// Node's compile cache (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE) keeps the bundle's compiled code between runs;
// it covers only what loads after this line, which is why the CLI itself is imported here and not above. The function is
// taken from the loaded module: importing node:module as ESM first builds its whole export list, source maps included.
process.getBuiltinModule('node:module').enableCompileCache?.();
await import('./cli.main.ts');
