import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
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

/** What every screen test runs against: an X display, the built browser host, and Chromium on that display. */
export interface BrowserStack {
  display: Display;
  host: BrowserHost;
  browser: Browser;
  /** The host's page address with its per-run token. */
  url: string;
  stop(): Promise<void>;
}

// Starts the three in order with the host's environment; if one fails, what already started is stopped again.
export async function startBrowserStack(env: NodeJS.ProcessEnv): Promise<BrowserStack> {
  const started: { display?: Display; host?: BrowserHost; browser?: Browser } = {};
  const stop = async () => {
    await started.browser?.close();
    await started.host?.stop();
    await started.display?.stop();
  };
  try {
    started.display = await startXvfb();
    started.host = await startBrowserHost({ env: { ...process.env, ...env } });
    started.browser = await launchChromium(started.display.name);
    return { display: started.display, host: started.host, browser: started.browser, url: started.host.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// Opens the app on one screen, as a link with ?screen= does, and waits for that screen's heading; `beforeLoad` sees the page before it loads (to listen to its socket).
export async function openScreen(browser: Browser, hostUrl: string, screen: string, heading: string, beforeLoad?: (page: Page) => void): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  beforeLoad?.(page);
  const address = new URL(hostUrl);
  address.search = `?screen=${screen}`;
  await page.goto(address.toString());
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  return page;
}

/** The page's own globals, typed here because the tests compile without the DOM library. */
interface WatchedPage {
  seenStates: string[];
  document: { body: WatchedElement; querySelector(selector: string): WatchedElement | null };
  MutationObserver: new (callback: () => void) => { observe(target: WatchedElement, options: Record<string, boolean>): void };
}
interface WatchedElement {
  getAttribute(name: string): string | null;
}

// Records every state an element (by test id) shows, however briefly, as its attributes joined by "/"; the returned function reads the record.
export async function watchStates(page: Page, testId: string, attributes: string[]): Promise<() => Promise<string[]>> {
  await page.evaluate(
    ({ testId, attributes }) => {
      const page = globalThis as unknown as WatchedPage;
      const seen: string[] = [];
      page.seenStates = seen;
      new page.MutationObserver(() => {
        const element = page.document.querySelector(`[data-testid="${testId}"]`);
        if (element) seen.push(attributes.map((name) => element.getAttribute(name)).join('/'));
      }).observe(page.document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    },
    { testId, attributes },
  );
  return () => page.evaluate(() => (globalThis as unknown as WatchedPage).seenStates);
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
