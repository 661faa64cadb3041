import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Where Signet keeps its own state; SIGNET_HOME moves it (tests, workshops, portable installs).
export function dataDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SIGNET_HOME) return env.SIGNET_HOME;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Signet');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Signet');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'signet');
}

// The built renderer sits in out/renderer, found from either the compiled code or the source tree.
export function rendererDirectory(): string {
  const here = new URL('.', import.meta.url);
  const compiled = new URL('../../renderer/', here);
  const fromSource = new URL('../../out/renderer/', here);
  for (const candidate of [compiled, fromSource]) {
    if (existsSync(new URL('index.html', candidate))) return fileURLToPath(candidate);
  }
  throw new Error('The renderer is not built; run `npm run build` first.');
}
