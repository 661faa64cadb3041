#!/usr/bin/env node
import { enableCompileCache } from 'node:module';

// Node's compile cache (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE) keeps the bundle's compiled code between runs;
// it covers only what loads after this line, which is why the CLI itself is imported here and not above.
enableCompileCache?.();
await import('./cli.main.ts');
