#!/usr/bin/env node
import { enableCompileCache } from 'node:module';

// Compiled code is cached on disk between runs, so a command starts in a fraction of the first run's time.
enableCompileCache?.();
await import('./cli.main.ts');
