import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { type BrowserStack, startBrowserStack } from '../support/browser.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let keychain: Keychain;
let registry: Registry;
let stack: BrowserStack;
let page: Page;

before(async () => {
  keychain = await startKeychain();
  registry = await startRegistry();
  const home = await mkdtemp(join(tmpdir(), 'signet-e2e-'));
  stack = await startBrowserStack({ ...keychain.env, SIGNET_HOME: home, SIGNET_TOOLS_DIR: join(root, '.tools/bin') });
  page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(stack.url);
  await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
});

after(async () => {
  await stack?.stop();
  await registry?.stop();
  await keychain?.stop();
});

test('a registry written as host:port is taken as its address', async () => {
  const bare = registry.url.replace(/^http:\/\//, '');
  await page.getByLabel('Name', { exact: true }).fill('bare');
  await page.getByLabel('URL', { exact: true }).fill(bare);
  await page.getByRole('button', { name: 'Add registry' }).click();
  const row = page.getByTestId('registry-bare');
  await row.getByText('Reachable').waitFor({ timeout: 15_000 });
  assert.match(await row.innerText(), new RegExp(`http://${bare.replace(/\./g, '\\.')}`));
});

test('a refused address is explained in words; the code and the raw issue wait behind Details', async () => {
  await page.getByLabel('Name', { exact: true }).fill('typo');
  await page.getByLabel('URL', { exact: true }).fill('not an address');
  await page.getByRole('button', { name: 'Add registry' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const shown = await alert.innerText();
  assert.match(shown, /Input not accepted/);
  assert.match(shown, /The registry address "not an address" is not a web address; write it like https:\/\/registry\.example\.com or 127\.0\.0\.1:5000\./);
  assert.doesNotMatch(shown, /settings\.update|registries\.\d/);
  assert.equal(await alert.getByRole('group').getByText(/registries\.\d+\.url/).isVisible(), false, 'the raw issue is folded away');
  await alert.getByText('Details', { exact: true }).click();
  await alert.getByText(/registries\.\d+\.url/).waitFor();
  assert.equal(await page.getByTestId('registry-typo').count(), 0, 'nothing was stored');
});
