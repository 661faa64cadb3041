#!/usr/bin/env node
// Node's compile cache (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE) keeps the bundle's compiled code between runs;
// it covers only what loads after this line, which is why the CLI itself is imported here and not above. The function is
// taken from the loaded module: importing node:module as ESM first builds its whole export list, source maps included.
process.getBuiltinModule('node:module').enableCompileCache?.();
// The TPM's PKCS#11 library and the TSS2 stack under it log to stderr when a token module is loaded; Signet reports what
// failed in its own words, so they are quiet unless the person set their own level.
process.env.TSS2_LOG ??= 'all+none';
process.env.TPM2_PKCS11_LOG_LEVEL ??= '0';
await import('./cli.main.ts');
