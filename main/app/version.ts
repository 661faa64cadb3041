import { readFileSync } from 'node:fs';

let cachedVersion: string | null = null;

// Read from package.json beside the code, so the CLI, the browser host and the app agree; a file of its own so `--version` loads nothing else.
export function packageVersion(): string {
  if (cachedVersion) return cachedVersion;
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'signet' && parsed.version) {
        cachedVersion = parsed.version;
        return cachedVersion;
      }
    } catch {
      continue;
    }
  }
  return '0.0.0';
}
