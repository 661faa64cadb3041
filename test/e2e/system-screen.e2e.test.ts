import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { type BrowserStack, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startSoftHsm, type SoftHsm } from '../support/softhsm.fixture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let hsm: SoftHsm;
let keychain: Keychain;
let registry: Registry;
let stack: BrowserStack;
let page: Page;
let url: string;

before(async () => {
  hsm = await startSoftHsm('workshop-hsm');
  keychain = await startKeychain();
  registry = await startRegistry();
  const home = await mkdtemp(join(tmpdir(), 'signet-e2e-'));
  stack = await startBrowserStack({ ...keychain.env, SOFTHSM2_CONF: hsm.conf, SIGNET_HOME: home, SIGNET_TOOLS_DIR: join(root, '.tools/bin') });
  url = stack.url;
  page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await stack?.stop();
  await registry?.stop();
  await keychain?.stop();
  await hsm?.cleanup();
});

test('the System screen shows the real token, keychain and tools detected by main', async () => {
  await page.goto(url);
  await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
  const module = page.getByTestId('pkcs11-module').filter({ hasText: 'SoftHSM' });
  await module.getByRole('cell', { name: hsm.label }).waitFor({ timeout: 20_000 });
  await assert.doesNotReject(module.getByText('Loaded').waitFor());
  assert.match(await page.getByTestId('keychain-detail').innerText(), /stored, read back and removed/);
  assert.match(await page.getByTestId('tool-skopeo').innerText(), /1\.18\.0/);
  assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address bar');
});

test('adding a registry in the UI stores it in main and shows it reachable; a bad URL is explained', async () => {
  await page.getByLabel('Name', { exact: true }).fill('lab');
  await page.getByLabel('URL', { exact: true }).fill(registry.url);
  await page.getByRole('button', { name: 'Add registry' }).click();
  const row = page.getByTestId('registry-lab');
  await row.getByText('Reachable').waitFor({ timeout: 15_000 });
  assert.match(await row.innerText(), /anonymous access/);

  await page.getByLabel('Name', { exact: true }).fill('remote');
  await page.getByLabel('URL', { exact: true }).fill('http://registry.example.com');
  await page.getByRole('button', { name: 'Add registry' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /plain HTTP is allowed only for loopback/);
  assert.equal(await page.getByTestId('registry-remote').count(), 0, 'nothing was stored');
  await page.screenshot({ path: join(SCREENSHOTS, 'system-screen.png'), fullPage: true });
});

test('the settings survive a reload, which reconnects with the same per-run token', async () => {
  await page.reload();
  await page.getByTestId('registry-lab').getByText('Reachable').waitFor({ timeout: 15_000 });
});

test('navigation reaches every screen by keyboard, and every screen is built', async () => {
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await nav.getByRole('button', { name: 'Keys' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Keys', level: 1 }).waitFor();
  assert.equal(await nav.getByRole('button', { name: 'Keys' }).getAttribute('aria-current'), 'page');
  for (const name of ['Images', 'Sign', 'Policies', 'Scan', 'Audit', 'Workshop']) {
    await nav.getByRole('button', { name }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /It will hold|not built yet/, name);
  }
});

test('a page without the token cannot reach main and says why', async () => {
  const stranger = await stack.browser.newPage();
  await stranger.goto(url.split('#')[0]!);
  const alert = stranger.getByRole('alert');
  await alert.waitFor({ timeout: 10_000 });
  assert.match(await alert.innerText(), /without its access token/);
  await stranger.close();
});
