import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createClient } from '../../shared/client.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, openScreen, startBrowserStack } from '../support/browser.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { connectToHost } from '../support/host-client.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';

let registry: Registry;
let registryHost: string;
let stack: BrowserStack;
let page: Page;
let home: string;
let work: string;

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  work = await mkdtemp(join(tmpdir(), 'signet-start-e2e-'));
  home = join(work, 'fresh');
  // An image signed elsewhere, by a key this fresh data folder has never heard of.
  const factory = new ImageFactory(registry.url);
  await factory.image('shop/app', 'v1', { os: 'linux', architecture: 'amd64' }, 'signed elsewhere');
  const elsewhere = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain(), confirmations: new ScriptedConfirmation(), env: { SIGNET_HOME: join(work, 'elsewhere') } });
  try {
    await elsewhere.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
    const client = createClient((channel, input) => elsewhere.dispatch(channel, input, { host: 'cli' }));
    const key = await elsewhere.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'someone else' }, 'cli');
    const reference = `${registryHost}/shop/app:v1`;
    const plan = await client.signing.plan({ reference });
    const intent = await client.signing.prepare({ reference, digest: plan.digest, manifests: [plan.digest], keyId: key.id, format: 'cosign' });
    await client.signing.confirm({ intentId: intent.intentId });
  } finally {
    await elsewhere.cleanup();
  }
  stack = await startBrowserStack({ SIGNET_HOME: home });
  page = await openScreen(stack.browser, stack.url, 'keys', 'Keys');
});

after(async () => {
  await stack?.stop();
  await registry?.stop();
});

const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name }).click();

test('a fresh data folder: each empty screen says what to do first and links to it', async () => {
  const keys = page.getByTestId('empty-keys');
  await keys.waitFor({ timeout: 15_000 });
  assert.match(await keys.innerText(), /No keys yet\. Generate one: a software key sealed by the OS keychain needs nothing else; for an HSM, make a SoftHSM token in System first\./);
  await keys.getByRole('button', { name: 'Generate your first key' }).click();
  await page.getByRole('form', { name: 'Generate a key' }).waitFor();
  await keys.getByRole('button', { name: 'Make a SoftHSM token in System' }).click();
  await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
  const card = page.getByTestId('softhsm-token-card');
  await card.waitFor({ timeout: 15_000 });
  assert.match(await card.innerText(), /in the terminal where Signet runs; this page never sees them/);
  assert.ok(await card.getByLabel('Token label').isVisible());
  assert.match(await page.getByRole('heading', { name: 'Registries' }).locator('..').innerText(), /No registry is configured yet\. Add one below/);

  await nav('Policies');
  const policies = page.getByTestId('empty-policies');
  await policies.waitFor({ timeout: 15_000 });
  await policies.getByRole('button', { name: 'Write your first policy' }).click();
  await page.locator('main').getByText('None saved yet.').waitFor();

  await nav('Scan');
  await page.getByText('No registry or image layout is configured yet, so there is nothing to scan.').waitFor({ timeout: 15_000 });

  await nav('Audit');
  const audit = page.getByTestId('empty-audit');
  await audit.waitFor({ timeout: 15_000 });
  await audit.getByRole('button', { name: 'Go to Keys' }).click();
  await page.getByRole('heading', { name: 'Keys', level: 1 }).waitFor();
});

test('Choose file… in a browser host without a terminal keeps nothing, says why, and saving the trust still says so', async () => {
  await nav('System');
  const trust = page.getByRole('heading', { name: 'Trust for verification' }).locator('..');
  await trust.waitFor({ timeout: 15_000 });
  const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEexample\n-----END PUBLIC KEY-----\n';
  await writeFile(join(work, 'team.pub'), pem);
  const keyFiles = trust.getByLabel('Public-key files');
  const before = await keyFiles.inputValue();
  await trust.getByTestId('file-input').first().setInputFiles(join(work, 'team.pub'));
  await trust.locator('.file-choice .error-box').first().waitFor({ timeout: 10_000 });
  assert.match(await trust.locator('.file-choice .error-box').first().innerText(), /confirmation typed at a terminal/);
  assert.equal(await keyFiles.inputValue(), before, 'no path lands in the list');
  assert.equal(existsSync(join(home, 'trust-files')) ? (await readdir(join(home, 'trust-files'))).length : 0, 0, 'main kept nothing nobody confirmed');
  await trust.getByRole('button', { name: 'Save trust' }).click();
  await page.getByTestId('toast').filter({ hasText: 'Settings saved.' }).waitFor({ timeout: 10_000 });
});

test('an untrusted signature links to System › Trust', async () => {
  const main = await connectToHost(stack.url);
  try {
    const settings = await main.api.settings.get({});
    await main.api.settings.update({ registries: [...settings.registries, { name: 'local', url: registry.url, insecure: false }], trust: { ...settings.trust, keyFiles: [] } });
  } finally {
    main.close();
  }
  await nav('Images');
  const reference = `${registryHost}/shop/app:v1`;
  await page.getByLabel('Image', { exact: true }).fill(reference);
  await page.getByRole('button', { name: 'Inspect' }).click();
  await page.locator(`[data-testid="chain-summary"][data-for="${reference}"]`).waitFor({ timeout: 30_000 });
  await page.locator('.chain-node[data-kind="signature"][data-verdict="untrusted"]').first().click();
  const details = page.getByRole('complementary', { name: 'Node details' });
  await details.getByTestId('why-untrusted').click();
  await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
  const heading = page.getByRole('heading', { name: 'Trust for verification' });
  await heading.waitFor({ timeout: 15_000 });
  const box = await heading.boundingBox();
  assert.ok(box !== null && box.y >= 0 && box.y < 1000, 'the Trust section is scrolled into view');
});
