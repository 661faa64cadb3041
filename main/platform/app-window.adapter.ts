import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Browsers that can show a page as an app window of its own (no tabs, no address bar). */
const APP_MODE_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'brave-browser'];
/** How long the launch file waits for the window before it is removed anyway. */
const LAUNCH_FILE_LIFETIME_MS = 60_000;

export interface AppWindow {
  /** What showed the page: an app-mode browser by name, or the desktop's default browser. */
  openedWith: string;
  /** Removes the launch file now (the page has connected); safe to call more than once. */
  launched(): Promise<void>;
  /** Closes an app-mode window this process started; a default browser's tab is the person's to close. */
  close(): void;
}

export interface AppWindowOptions {
  /** A private folder of the data folder: the window's own browser profile and the launch file live there. */
  profileDir: string;
  env?: NodeJS.ProcessEnv;
}

// Whether a window can be shown at all: on Linux a display must be named; other desktops always have one.
function hasDisplay(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

// Opens the browser host's page in a window of its own; the secret address goes through a private file, never a command line others can read.
export async function openAppWindow(url: string, options: AppWindowOptions): Promise<AppWindow | null> {
  const env = options.env ?? process.env;
  if (!hasDisplay(env)) return null;
  await mkdir(options.profileDir, { recursive: true, mode: 0o700 });
  const launchDir = join(options.profileDir, 'launch');
  await mkdir(launchDir, { recursive: true, mode: 0o700 });
  const launchFile = join(launchDir, 'open.html');
  await writeFile(launchFile, launchPage(url), { mode: 0o600 });
  let removed = false;
  const launched = async () => {
    if (removed) return;
    removed = true;
    await rm(launchFile, { force: true });
  };
  setTimeout(() => void launched(), LAUNCH_FILE_LIFETIME_MS).unref();
  const target = pathToFileURL(launchFile).href;
  const browser = findOnPath(APP_MODE_BROWSERS, env);
  if (browser) {
    const args = [`--app=${target}`, `--user-data-dir=${join(options.profileDir, 'browser')}`, '--no-first-run', '--no-default-browser-check'];
    // Chromium will not start its sandbox for root; the window then shows only Signet's own loopback page, and says so.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) args.push('--no-sandbox');
    const child = start(browser.path, args, env);
    return { openedWith: asRoot ? `${browser.name}, without its sandbox because Signet runs as root` : browser.name, launched, close: () => stop(child) };
  }
  const opener = defaultOpener(env);
  if (!opener) {
    await launched();
    return null;
  }
  start(opener.command, [...opener.args, target], env);
  return { openedWith: 'the default browser', launched, close: () => undefined };
}

// The page the window opens first: it only forwards to the host, so the token stays out of every process list.
function launchPage(url: string): string {
  const escaped = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${escaped}"><title>Signet</title><p>Opening Signet…</p>\n`;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { env, stdio: 'ignore' });
  child.on('error', () => undefined);
  return child;
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

function findOnPath(names: string[], env: NodeJS.ProcessEnv): { name: string; path: string } | null {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  for (const name of names) {
    for (const dir of dirs) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return { name, path };
      } catch {
        continue;
      }
    }
  }
  return null;
}

function defaultOpener(env: NodeJS.ProcessEnv): { command: string; args: string[] } | null {
  if (process.platform === 'darwin') return { command: 'open', args: [] };
  const xdg = findOnPath(['xdg-open'], env);
  return xdg ? { command: xdg.path, args: [] } : null;
}
