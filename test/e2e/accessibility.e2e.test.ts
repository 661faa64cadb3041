import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { SignIntentView, SignPlan } from '../../shared/model/signing.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { type BrowserStack, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { EIGHT_PLATFORMS, ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** WCAG 2.1 A and AA, the level the screens are held to. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let registry: Registry;
let registryHost: string;
let stack: BrowserStack;
let context: BrowserContext;
let page: Page;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  const home = await mkdtemp(join(tmpdir(), 'signet-a11y-'));
  const keychain = new MemoryKeychain();
  const factory = new ImageFactory(registry.url);
  await factory.index('a11y/app', 'v1', EIGHT_PLATFORMS.slice(0, 3), 'a11y app');
  // The image is signed by Signet itself, so the screens show a real chain with a signer from the inventory.
  const app = await createTestApp({ probes: quietProbes, keychain, confirmations: new ScriptedConfirmation(), env: { SIGNET_HOME: home } });
  try {
    await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
    const key = await app.keys.generate({ backend: { kind: 'software' }, label: 'release', algorithm: 'ecdsa-p256' }, 'cli');
    const call = async <T>(channel: string, input: unknown): Promise<T> => {
      const result = await app.dispatch(channel, input, { host: 'cli' });
      if (!result.ok) throw new Error(result.error.message);
      return result.value as T;
    };
    const reference = `${registryHost}/a11y/app:v1`;
    const plan = await call<SignPlan>('signing.plan', { reference });
    const intent = await call<SignIntentView>('signing.prepare', { reference, digest: plan.digest, manifests: plan.manifests.slice(0, 3).map((m) => m.digest), keyId: key.id, format: 'cosign' });
    await call('signing.confirm', { intentId: intent.intentId });
  } finally {
    await app.cleanup();
  }
  stack = await startBrowserStack({ SIGNET_HOME: home });
  // The app's CSP allows no injected script; the audit engine is added only in this test's own context.
  context = await stack.browser.newContext({ viewport: { width: 1440, height: 960 }, bypassCSP: true });
  page = await context.newPage();
  await page.goto(stack.url);
});

after(async () => {
  await stack?.stop();
  await registry?.stop();
});

async function audit(name: string): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: axeSource });
  const result = await page.evaluate(async (tags) => {
    const scope = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[]; passes: unknown[] }> } };
    const outcome = await scope.axe.run(scope.document, { runOnly: { type: 'tag', values: tags } });
    return { violations: outcome.violations, passes: outcome.passes.length };
  }, AXE_TAGS);
  await page.screenshot({ path: join(SCREENSHOTS, `a11y-${name}.png`) });
  assert.ok(result.passes >= 10, `the audit ran its rules on ${name} (${result.passes} passed)`);
  return result.violations;
}

function describe(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n  ')}`).join('\n');
}

async function open(screen: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: screen }).click();
  await page.getByRole('heading', { name: screen, level: 1 }).waitFor();
}

test('every built screen passes an automated WCAG 2.1 AA audit (axe-core): names, roles, contrast, structure', async () => {
  for (const screen of ['System', 'Keys', 'Audit']) {
    await open(screen);
    await page.waitForLoadState('networkidle');
    const violations = await audit(screen.toLowerCase());
    assert.equal(violations.length, 0, `${screen}:\n${describe(violations)}`);
  }
});

test('the chain inspector with a drawn chain and open details passes the same audit, and every node has a readable name', async () => {
  await open('Images');
  await page.getByLabel('Image', { exact: true }).fill(`${registryHost}/a11y/app:v1`);
  await page.getByRole('button', { name: 'Inspect' }).click();
  await page.locator('[data-testid="chain-graph"][data-drawn="yes"]').waitFor({ timeout: 30_000 });
  await page.locator('.chain-node[data-kind="signature"]').first().click();
  await page.getByRole('complementary', { name: 'Node details' }).waitFor();
  const violations = await audit('images');
  assert.equal(violations.length, 0, describe(violations));
  const names = await page.locator('.react-flow__node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
  assert.ok(names.length >= 8, `${names.length} nodes`);
  for (const name of names) assert.match(name, /: (verified|failed|untrusted|revoked|expired|unsigned|not checked)\. /, `node name "${name}" says its verdict in words`);
});

test('the Sign screen review passes the same audit', async () => {
  await open('Sign');
  await page.getByLabel('Image reference').fill(`${registryHost}/a11y/app:v1`);
  await page.getByRole('button', { name: 'Resolve' }).click();
  await page.getByRole('button', { name: 'Review' }).waitFor();
  const violations = await audit('sign');
  assert.equal(violations.length, 0, describe(violations));
});

test('with the system set to dark, every built screen and the chain inspector pass the same audit', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  try {
    for (const screen of ['System', 'Keys', 'Audit', 'Sign', 'Images']) {
      await open(screen);
      await page.waitForLoadState('networkidle');
      if (screen === 'Images') {
        await page.getByLabel('Image', { exact: true }).fill(`${registryHost}/a11y/app:v1`);
        await page.getByRole('button', { name: 'Inspect' }).click();
        await page.locator('[data-testid="chain-graph"][data-drawn="yes"]').waitFor({ timeout: 30_000 });
      }
      const violations = await audit(`${screen.toLowerCase()}-dark`);
      assert.equal(violations.length, 0, `${screen} (dark):\n${describe(violations)}`);
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
});
