// Type-checks every world (tsc -b), then bundles what each host runs with Vite: main, CLI, preload, renderer.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isStale() {
  const marker = join(root, 'out', 'renderer', 'index.html');
  const cli = join(root, 'out', 'main', 'cli', 'signet.js');
  if (!existsSync(marker) || !existsSync(cli)) return true;
  const built = Math.min(statSync(marker).mtimeMs, statSync(cli).mtimeMs);
  return ['main', 'shared', 'renderer', 'build', 'test'].some((dir) => newestSource(join(root, dir)) > built);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${[command, ...args].join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
run(bin('tsc'), ['-b']);
run(bin('vite'), ['build', '--config', join(root, 'build', 'vite.main.config.mjs')]);
run(bin('vite'), ['build', '--config', join(root, 'build', 'vite.cli.config.mjs')]);
run(bin('vite'), ['build', '--config', join(root, 'build', 'vite.renderer.config.mjs')]);
run(bin('vite'), ['build', '--config', join(root, 'build', 'vite.preload.config.mjs')]);
chmodSync(join(root, 'out', 'main', 'cli', 'signet.js'), 0o755);
