import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { SpawnOptions } from 'node:child_process';
import { start, waitFor, type Started } from './processes.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

export interface Display {
  name: string;
  stop(): Promise<void>;
}

// A real X display for a headed Chromium, so screenshots show what a person would see.
export async function startXvfb(): Promise<Display> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const number = 90 + Math.floor(Math.random() * 400);
    if (existsSync(`/tmp/.X11-unix/X${number}`) || existsSync(`/tmp/.X${number}-lock`)) continue;
    const xvfb: Started = start('Xvfb', [`:${number}`, '-screen', '0', '1440x1000x24', '-nolisten', 'tcp']);
    try {
      await waitFor('Xvfb', async () => existsSync(`/tmp/.X11-unix/X${number}`), 10_000, xvfb.output);
      return { name: `:${number}`, stop: () => xvfb.stop() };
    } catch {
      await xvfb.stop();
    }
  }
  throw new Error('no free X display for Xvfb');
}

// Debian's Chromium with the flags this closed network needs.
export async function launchChromium(display: string | null): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: display === null,
    env: { ...process.env, ...(display ? { DISPLAY: display } : {}) },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface BrowserHost extends Started {
  /** The page address with its per-run token, as the host prints it. */
  url: string;
}

// The built browser host in its own process, as `npm start` runs it where Electron is missing; answers once it prints its address.
export async function startBrowserHost(options: SpawnOptions = {}): Promise<BrowserHost> {
  const host = start(process.execPath, [fileURLToPath(new URL('../../out/main/web/web.main.js', import.meta.url))], options);
  await waitFor('the browser host', async () => /Open (http:\S+)/.test(host.output()), 15_000, host.output);
  return Object.assign(host, { url: /Open (http:\S+)/.exec(host.output())![1]! });
}
