import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import type { SignIntentView, SignPlan } from '../../shared/model/signing.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, startBrowserStack } from '../support/browser.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { EIGHT_PLATFORMS, ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startSoftHsm, type SoftHsm } from '../support/softhsm.fixture.ts';
import { compareScreenshot, type ScreenshotOutcome } from '../support/screenshot-compare.ts';

const BASELINES = fileURLToPath(new URL('./screenshots/', import.meta.url));
const UPDATE = process.env['SIGNET_UPDATE_SCREENSHOTS'] === '1';
const SCREENS = ['keys', 'images', 'sign', 'policies', 'scan', 'audit', 'workshop', 'system'] as const;
/** The longest label a key may have, stored so every screen that names keys shows it. */
const LONGEST_LABEL = 'release signing for the platform team and downstream consumers 1';
/** A label past the limit: generating with it is refused, so the form shows its error. */
const LONG_LABEL = `${LONGEST_LABEL} ${'and every downstream consumer '.repeat(6)}`.slice(0, 200);

let registry: Registry;
let registryHost: string;
let hsm: SoftHsm;
let stack: BrowserStack;

/** The page's own globals, typed here because the tests compile without the DOM library. */
interface ScrollPage {
  document: { scrollingElement: { scrollWidth: number; clientWidth: number } | null };
}

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  hsm = await startSoftHsm('screens-hsm');
  const home = await mkdtemp(join(tmpdir(), 'signet-screens-'));
  await new ImageFactory(registry.url).index('screens/app', 'v1', EIGHT_PLATFORMS.slice(0, 2), 'screens app');
  // The same keys, labels and signature every run, so each screen shows the same things.
  const app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain(), confirmations: new ScriptedConfirmation(), env: { SIGNET_HOME: home } });
  try {
    await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
    const key = await app.keys.generate({ backend: { kind: 'software' }, label: 'release', algorithm: 'ecdsa-p256' }, 'cli');
    await app.keys.generate({ backend: { kind: 'software' }, label: 'docs signing', algorithm: 'ed25519' }, 'cli');
    await app.keys.generate({ backend: { kind: 'software' }, label: LONGEST_LABEL, algorithm: 'ecdsa-p256' }, 'cli');
    const call = async <T>(channel: string, input: unknown): Promise<T> => {
      const result = await app.dispatch(channel, input, { host: 'cli' });
      if (!result.ok) throw new Error(result.error.message);
      return result.value as T;
    };
    const reference = `${registryHost}/screens/app:v1`;
    const plan = await call<SignPlan>('signing.plan', { reference });
    const intent = await call<SignIntentView>('signing.prepare', { reference, digest: plan.digest, manifests: plan.manifests.map((m) => m.digest), keyId: key.id, format: 'cosign' });
    await call('signing.confirm', { intentId: intent.intentId });
  } finally {
    await app.cleanup();
  }
  stack = await startBrowserStack({ SOFTHSM2_CONF: hsm.conf, SIGNET_HOME: home });
});

after(async () => {
  await stack?.stop();
  await hsm?.cleanup();
  await registry?.stop();
});

// Opens one screen by its address and waits until nothing on it is still loading.
async function show(page: Page, screen: string): Promise<void> {
  const address = new URL(stack.url);
  address.search = `?screen=${screen}`;
  await page.goto(address.toString());
  await page.getByRole('heading', { name: screen[0]!.toUpperCase() + screen.slice(1), level: 1 }).waitFor();
  await page.waitForLoadState('networkidle');
  await page.locator('.spinner').first().waitFor({ state: 'detached', timeout: 20_000 });
  if (screen === 'system') await page.getByTestId('pkcs11-module').first().waitFor({ timeout: 20_000 });
  if (screen === 'keys') await page.getByTestId('key-release').waitFor();
  await page.waitForTimeout(300);
}

async function hasNoSidewaysScroll(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => {
    const scroller = (globalThis as unknown as ScrollPage).document.scrollingElement;
    return { scrollWidth: scroller?.scrollWidth ?? 0, clientWidth: scroller?.clientWidth ?? 0 };
  });
}

// Names the deepest elements that reach past the window's right edge, to say what pushes the page sideways.
async function widest(page: Page, clientWidth: number): Promise<string> {
  return page.evaluate((limit) => {
    const scope = globalThis as unknown as { document: { querySelectorAll(selector: string): Iterable<OverflowElement> }; getComputedStyle(element: OverflowElement): { overflowX: string } };
    const clipped = (e: OverflowElement): boolean => e.parentElement !== null && (scope.getComputedStyle(e.parentElement).overflowX !== 'visible' || clipped(e.parentElement));
    const past = [...scope.document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > limit + 1 && !clipped(e));
    return past.filter((e) => !past.some((other) => other !== e && e.contains(other))).slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${e.className}`).join(', ');
  }, clientWidth);
}

interface OverflowElement {
  tagName: string;
  className: string;
  getBoundingClientRect(): { right: number };
  contains(other: OverflowElement): boolean;
  parentElement: OverflowElement | null;
}

test('every screen in light and dark, 1440 and 1024 wide, looks like its baseline', async () => {
  const outcomes: ScreenshotOutcome[] = [];
  for (const size of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }]) {
    const context: BrowserContext = await stack.browser.newContext({ viewport: size, deviceScaleFactor: 1, reducedMotion: 'reduce' });
    try {
      const page = await context.newPage();
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
        for (const screen of SCREENS) {
          await show(page, screen);
          // Times, digests, fingerprints, ids, the registry's port and the token's slot change from run to run.
          const mask = [page.locator('time'), page.locator('.mono'), page.locator('code'), page.getByTestId('pkcs11-module'), page.getByText(registryHost), page.getByText(/^Checked /)];
          // The audit log's entries carry fresh signatures and hashes whose length, and so row height, changes per run.
          if (screen === 'audit') mask.push(page.locator('table'), page.getByText(/audit-anchor:/));
          const image = await page.screenshot({ animations: 'disabled', caret: 'hide', mask, maskColor: '#888888' });
          outcomes.push(await compareScreenshot(BASELINES, `${screen}-${colorScheme}-${size.width}`, image, UPDATE));
        }
      }
    } finally {
      await context.close();
    }
  }
  const written = outcomes.filter((o) => o.result === 'written');
  const different = outcomes.filter((o) => o.result === 'different');
  assert.deepEqual(different.map((o) => `${o.name}: ${o.detail}`), [], 'screens that changed (actual and diff images are in test-results/screenshot-diffs/)');
  if (!UPDATE) assert.deepEqual(written.map((o) => `${o.name}: ${o.detail}`), [], 'baselines were missing; they are written now, check and commit them');
});

test('no screen scrolls sideways at 1024x768, at 1440x900, or at 200% zoom, with long labels, references and errors', async () => {
  const sizes = [
    { viewport: { width: 1024, height: 768 }, deviceScaleFactor: 1 },
    { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 },
    { viewport: { width: 720, height: 450 }, deviceScaleFactor: 2 },
  ];
  const longReference = `${registryHost}/${'A-Very-Long-Repository-Name-Not-Allowed-'.repeat(6)}app:v1`;
  const problems: string[] = [];
  for (const size of sizes) {
    const context = await stack.browser.newContext(size);
    try {
      const page = await context.newPage();
      const where = `${size.viewport.width}x${size.viewport.height}@${size.deviceScaleFactor}`;
      for (const screen of SCREENS) {
        await show(page, screen);
        if (screen === 'keys') {
          await page.getByRole('button', { name: 'Generate key' }).click();
          const form = page.getByRole('form', { name: 'Generate a key' });
          const backend = form.getByLabel('Held in');
          const softhsm = await backend.locator('option').filter({ hasText: /SoftHSM/ }).first().getAttribute('value');
          const software = await backend.locator('option').filter({ hasText: /Software key/ }).first().getAttribute('value');
          await backend.selectOption(software!);
          await form.getByLabel('Label').fill(LONG_LABEL);
          await form.getByRole('button', { name: 'Generate' }).click();
          await form.getByRole('alert').waitFor();
          if (!(await form.getByLabel('Label').isVisible())) problems.push(`${where} keys: the Label input vanished under the error`);
          if (softhsm) await backend.selectOption(softhsm);
        }
        if (screen === 'images') {
          await page.getByLabel('Image', { exact: true }).fill(longReference);
          await page.getByRole('button', { name: 'Inspect' }).click();
          await page.getByRole('alert').first().waitFor({ timeout: 20_000 });
        }
        if (screen === 'sign') {
          await page.getByLabel('Image reference').fill(longReference);
          await page.getByRole('button', { name: 'Resolve' }).click();
          await page.getByRole('alert').first().waitFor({ timeout: 20_000 });
        }
        const { scrollWidth, clientWidth } = await hasNoSidewaysScroll(page);
        if (scrollWidth > clientWidth) problems.push(`${where} ${screen}: ${scrollWidth} px wide in ${clientWidth} px (${await widest(page, clientWidth)})`);
      }
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(problems, []);
});
