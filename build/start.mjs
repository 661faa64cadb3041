// `npm start`: the desktop app where Electron can run; otherwise the same app through the browser host.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function electronBinary() {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

function whyNoElectron() {
  const binary = electronBinary();
  if (!binary) return 'the Electron binary is not installed (its download is blocked or failed)';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'there is no display to open a window on';
  return null;
}

const reason = whyNoElectron();
if (reason === null) {
  const child = spawn(electronBinary(), [root], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Signet: ${reason}; starting the browser host instead.`);
  // Where a display exists the host opens the app in a window of its own; the printed address stays for headless machines.
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) process.env.SIGNET_OPEN_WINDOW = '1';
  await import(new URL('../out/main/web/web.main.js', import.meta.url).href);
}
