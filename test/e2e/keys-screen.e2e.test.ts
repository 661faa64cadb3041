import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { OsKeychain } from '../../main/platform/keychain.adapter.ts';
import { KeychainPins } from '../../main/keys/pin.source.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';

let hsm: SoftHsm;
let keychain: Keychain;
let stack: BrowserStack;
let page: Page;

before(async () => {
  hsm = await startSoftHsm('officer-hsm');
  keychain = await startKeychain();
  await new KeychainPins(new OsKeychain()).remember({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, hsm.userPin);
  const home = await mkdtemp(join(tmpdir(), 'signet-keys-e2e-'));
  stack = await startBrowserStack({ ...keychain.env, SOFTHSM2_CONF: hsm.conf, SIGNET_HOME: home });
  page = await openScreen(stack.browser, stack.url, 'keys', 'Keys');
});

after(async () => {
  await stack?.stop();
  await keychain?.stop();
  await hsm?.cleanup();
});

async function generate(label: string, backendText: RegExp, algorithm?: string): Promise<void> {
  await page.getByRole('button', { name: 'Generate key' }).click();
  const form = page.getByRole('form', { name: 'Generate a key' });
  const backend = form.getByLabel('Held in');
  const option = await backend.locator('option').filter({ hasText: backendText }).first().getAttribute('value');
  await backend.selectOption(option!);
  if (algorithm) await form.getByLabel('Algorithm').selectOption(algorithm);
  await form.getByLabel('Label').fill(label);
  await form.getByRole('button', { name: 'Generate' }).click();
  await page.getByTestId(`key-${label}`).waitFor({ timeout: 15_000 });
}

test('a security officer generates keys on the HSM and in software', async () => {
  await generate('release 2027', /SoftHSM token “officer-hsm”/);
  await generate('docs signing', /Software key/, 'ed25519');
  const row = page.getByTestId('key-release 2027');
  assert.match(await row.innerText(), /Active\s+ECDSA P-256\s+token officer-hsm/);
  assert.match(await page.getByTestId('key-docs signing').innerText(), /Ed25519\s+software/);
  await page.screenshot({ path: join(SCREENSHOTS, 'keys-generated.png'), fullPage: true });
});

test('a duplicate label is refused with its reason and nothing is added', async () => {
  await page.getByRole('button', { name: 'Generate key' }).click();
  const form = page.getByRole('form', { name: 'Generate a key' });
  await form.getByLabel('Label').fill('Release 2027');
  await form.getByRole('button', { name: 'Generate' }).click();
  await form.getByRole('alert').waitFor();
  assert.match(await form.getByRole('alert').innerText(), /already exists/);
  assert.equal(await page.getByTestId('key-Release 2027').count(), 0);
  await page.getByRole('button', { name: 'Close' }).click();
});

test('rotation is reviewed, confirmed, and links the old key to its successor', async () => {
  await page.getByTestId('key-release 2027').getByRole('button', { name: 'release 2027' }).click();
  const detail = page.getByTestId('key-detail');
  await detail.getByRole('button', { name: 'Rotate…' }).click();
  const review = page.getByRole('dialog', { name: 'Rotate signing key' });
  await review.waitFor();
  assert.match(await review.innerText(), /Fingerprint \(SHA-256\)/);
  await page.screenshot({ path: join(SCREENSHOTS, 'keys-rotate-review.png'), fullPage: true });
  await review.getByRole('button', { name: 'Confirm rotate' }).click();
  await page.getByTestId('key-release 2027 r2').waitFor({ timeout: 15_000 });
  // The list can show the successor (pushed by main) a moment before the answer selects it.
  await page.getByTestId('key-detail').getByRole('heading', { name: 'release 2027 r2' }).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('key-detail').innerText(), /Succeeds\s+release 2027/);
});

test('revocation is reviewed with its reason, and the key shows as revoked', async () => {
  await page.getByTestId('key-docs signing').getByRole('button', { name: 'docs signing' }).click();
  const detail = page.getByTestId('key-detail');
  await detail.getByLabel('Reason').selectOption('keyCompromise');
  await detail.getByRole('button', { name: 'Revoke…' }).click();
  const review = page.getByRole('dialog', { name: 'Revoke signing key' });
  assert.match(await review.innerText(), /keyCompromise/);
  await review.getByRole('button', { name: 'Confirm revoke' }).click();
  await page.getByTestId('key-docs signing').getByText('Revoked').waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(SCREENSHOTS, 'keys-revoked.png'), fullPage: true });
});

test('destroy stays disabled until the label is typed back exactly', async () => {
  await page.getByTestId('key-docs signing').getByRole('button', { name: 'docs signing' }).click();
  await page.getByTestId('key-detail').getByRole('button', { name: 'Destroy…' }).click();
  const review = page.getByRole('dialog', { name: 'Destroy signing key' });
  const confirm = review.getByRole('button', { name: 'Confirm destroy' });
  await review.getByLabel(/Type “docs signing”/).fill('docs signin');
  assert.equal(await confirm.isDisabled(), true);
  await review.getByLabel(/Type “docs signing”/).fill('docs signing');
  await confirm.click();
  await page.getByTestId('key-docs signing').getByText('Destroyed').waitFor({ timeout: 15_000 });
});

test('the Audit screen shows every operation and an intact chain', async () => {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit' }).click();
  await page.getByTestId('audit-verification').getByText('Chain intact').waitFor({ timeout: 10_000 });
  const text = await page.locator('main').innerText();
  for (const action of ['key.generate', 'key.rotate', 'key.revoke', 'key.destroy']) assert.match(text, new RegExp(action.replace('.', '\\.')));
  await page.screenshot({ path: join(SCREENSHOTS, 'audit.png'), fullPage: true });
});
