import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
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

/** How every <time> spells its UTC title. */
const UTC_TITLE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/;

/** The page's clipboard, typed here because the tests compile without the DOM library. */
interface ClipboardPage {
  navigator: { clipboard: { readText(): Promise<string> } };
}

// A key's badge in the inventory: its lifecycle word (data-lifecycle) and what it says.
async function badge(label: string): Promise<{ state: string | null; text: string; title: string | null }> {
  const element = page.getByTestId(`key-${label}`).locator('.key-badge');
  return { state: await element.getAttribute('data-lifecycle'), text: (await element.innerText()).trim(), title: await element.locator('time').first().getAttribute('title').catch(() => null) };
}

async function generate(label: string, backendText: RegExp, algorithm?: string, expires?: string): Promise<void> {
  await page.getByRole('button', { name: 'Generate key' }).click();
  const form = page.getByRole('form', { name: 'Generate a key' });
  const backend = form.getByLabel('Held in');
  const option = await backend.locator('option').filter({ hasText: backendText }).first().getAttribute('value');
  await backend.selectOption(option!);
  if (algorithm) await form.getByLabel('Algorithm').selectOption(algorithm);
  if (expires) await form.getByLabel('Expires (optional)').fill(expires);
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
  await page.getByTestId('toast').filter({ hasText: 'Rotated “release 2027”: “release 2027 r2” signs from now on.' }).waitFor({ timeout: 15_000 });
  await page.getByTestId('key-release 2027 r2').waitFor({ timeout: 15_000 });
  // The list can show the successor (pushed by main) a moment before the answer selects it.
  await page.getByTestId('key-detail').getByRole('heading', { name: 'release 2027 r2' }).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('key-detail').innerText(), /Succeeds\s+release 2027/);
});

test('a rotated pair reads retiring (until its date) and active (rotated in on its date), and the detail times carry UTC', async () => {
  const old = await badge('release 2027');
  assert.equal(old.state, 'retiring');
  assert.match(old.text, /Retiring · until \S+/);
  assert.match(old.title ?? '', UTC_TITLE);
  const successor = await badge('release 2027 r2');
  assert.equal(successor.state, 'rotating');
  assert.match(successor.text, /Active · rotated in \S+/);
  assert.match(successor.title ?? '', UTC_TITLE);
  assert.doesNotMatch(await page.getByTestId('key-release 2027').innerText(), /Active/);

  await page.getByTestId('key-release 2027').getByRole('button', { name: 'release 2027' }).click();
  const detail = page.getByTestId('key-detail');
  await detail.getByRole('heading', { name: 'release 2027' }).waitFor();
  const times = await detail.locator('time').evaluateAll((items) => items.map((t) => ({ dateTime: t.getAttribute('datetime') ?? '', title: t.getAttribute('title') ?? '', text: t.textContent ?? '' })));
  assert.ok(times.length >= 3, `${times.length} times in the detail (created, retires, the badge)`);
  for (const time of times) {
    assert.match(time.title, UTC_TITLE, `${time.text} has its UTC moment on hover`);
    assert.equal(`${new Date(time.dateTime).toISOString().slice(0, 19).replace('T', ' ')} UTC`, time.title);
    assert.doesNotMatch(time.text, /\d{4}-\d{2}-\d{2}T/, 'the text is local, not a raw ISO string');
  }
  assert.match(await detail.innerText(), /Retires\s+.+\(in (7|6) days\)/);
});

test('a key that expires within 30 days reads "Expires in N days"', async () => {
  const soon = new Date(Date.now() + 5 * 86_400_000);
  const day = `${soon.getFullYear()}-${String(soon.getMonth() + 1).padStart(2, '0')}-${String(soon.getDate()).padStart(2, '0')}`;
  await generate('short lived', /Software key/, undefined, day);
  const shown = await badge('short lived');
  assert.equal(shown.state, 'expiring');
  assert.match(shown.text, /^\S*\s*Expires in (5|6) days$/);
  assert.match(shown.title ?? '', UTC_TITLE);
  await page.getByTestId('toast').filter({ hasText: 'Generated “short lived”.' }).waitFor();
});

test('Revoke and Destroy sit in a danger zone of their own, apart from Rotate and Export', async () => {
  await page.getByTestId('key-short lived').getByRole('button', { name: 'short lived' }).click();
  const detail = page.getByTestId('key-detail');
  await detail.getByRole('heading', { name: 'short lived' }).waitFor();
  const zone = detail.getByRole('region', { name: 'Danger zone' });
  await zone.waitFor();
  for (const name of ['Revoke…', 'Destroy…', 'Respond to a compromise…']) {
    const button = zone.getByRole('button', { name });
    assert.equal(await button.count(), 1, `${name} is in the danger zone`);
    assert.match((await button.getAttribute('class')) ?? '', /\bdanger\b/, `${name} is styled as destructive`);
  }
  for (const name of ['Rotate…', 'Export PEM', 'Export cosign.pub', 'Export JWK']) {
    assert.equal(await zone.getByRole('button', { name }).count(), 0, `${name} is not in the danger zone`);
    assert.equal(await detail.getByRole('button', { name }).count(), 1, `${name} is still offered`);
  }
  await page.screenshot({ path: join(SCREENSHOTS, 'keys-danger-zone.png'), fullPage: true });
});

test('the copy button puts the whole fingerprint on the clipboard and says "Copied"', async () => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.url).origin });
  const detail = page.getByTestId('key-detail');
  const fingerprint = /SHA256:[0-9a-f]{64}/.exec(await detail.innerText())?.[0];
  assert.ok(fingerprint, 'the detail shows the fingerprint');
  await detail.getByRole('button', { name: 'Copy the fingerprint', exact: true }).click();
  await detail.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => (globalThis as unknown as ClipboardPage).navigator.clipboard.readText()), fingerprint);
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

test('a revoked key reads "Revoked <date> · <reason>", a compromise with its own badge', async () => {
  const shown = await badge('docs signing');
  assert.equal(shown.state, 'compromised');
  assert.match(shown.text, /Revoked \S.* · key compromise$/);
  assert.match(shown.title ?? '', UTC_TITLE);
  await page.getByTestId('toast').filter({ hasText: 'Revoked “docs signing”.' }).waitFor();

  await page.getByTestId('key-short lived').getByRole('button', { name: 'short lived' }).click();
  const detail = page.getByTestId('key-detail');
  await detail.getByRole('heading', { name: 'short lived' }).waitFor();
  await detail.getByLabel('Reason').selectOption('superseded');
  await detail.getByRole('button', { name: 'Revoke…' }).click();
  await page.getByRole('dialog', { name: 'Revoke signing key' }).getByRole('button', { name: 'Confirm revoke' }).click();
  await page.locator('[data-testid="key-short lived"] .key-badge[data-lifecycle="revoked"]').waitFor({ timeout: 15_000 });
  assert.match((await badge('short lived')).text, /Revoked \S.* · superseded$/);
  assert.notEqual(await page.getByTestId('key-short lived').locator('.badge-icon').innerText(), await page.getByTestId('key-docs signing').locator('.badge-icon').innerText(), 'a compromise has its own icon');
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

test('audit details read as labelled values, with the logged JSON behind a toggle', async () => {
  const row = page.getByTestId('audit-entry').filter({ has: page.locator('td', { hasText: /^key\.revoke$/ }) }).first();
  await row.waitFor();
  const details = row.getByTestId('audit-details');
  const labels = await details.locator('dt').allInnerTexts();
  assert.ok(labels.length > 0, 'the details are a list of labels and values');
  for (const label of labels) assert.match(label, /^[A-Z][a-z0-9 ]*$/, `"${label}" is a label in words, not a JSON key`);
  assert.doesNotMatch(await details.innerText(), /[{}"]/, 'no JSON is shown until asked for');
  assert.match((await row.locator('time').first().getAttribute('title')) ?? '', UTC_TITLE);
  const toggle = details.getByRole('button', { name: 'Show JSON' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  const json = details.getByTestId('audit-json');
  const parsed: unknown = JSON.parse(await json.innerText());
  assert.equal(typeof parsed, 'object');
  assert.equal(await details.getByRole('button', { name: 'Hide JSON' }).getAttribute('aria-expanded'), 'true');
  await page.screenshot({ path: join(SCREENSHOTS, 'audit-details.png'), fullPage: true });
  await details.getByRole('button', { name: 'Hide JSON' }).click();
  assert.equal(await json.count(), 0);
});

test('the badges, the danger zone, copy buttons, a toast and open audit JSON pass an automated WCAG 2.1 AA audit (axe-core)', async () => {
  // The app's CSP allows no injected script, so the audit engine runs in a context of its own.
  const context = await stack.browser.newContext({ viewport: { width: 1440, height: 1000 }, bypassCSP: true });
  try {
    const audited = await context.newPage();
    const address = new URL(stack.url);
    address.search = '?screen=keys';
    await audited.goto(address.toString());
    await audited.getByTestId('key-release 2027').getByRole('button', { name: 'release 2027', exact: true }).click();
    await audited.getByTestId('danger-zone').waitFor();
    await audited.getByRole('button', { name: 'Generate key' }).click();
    const form = audited.getByRole('form', { name: 'Generate a key' });
    await form.getByLabel('Label').fill('axe check');
    await form.getByRole('button', { name: 'Generate' }).click();
    await audited.getByTestId('toast').filter({ hasText: 'Generated “axe check”.' }).waitFor({ timeout: 15_000 });
    await audited.getByTestId('key-release 2027').getByRole('button', { name: 'release 2027', exact: true }).click();
    await audited.getByTestId('danger-zone').waitFor();
    await audited.getByTestId('key-detail').getByRole('button', { name: 'Copy the fingerprint', exact: true }).click();
    const onKeys = await axe(audited);
    assert.equal(onKeys.length, 0, `Keys:\n${onKeys.join('\n')}`);
    await audited.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit' }).click();
    await audited.getByRole('button', { name: 'Show JSON' }).first().click();
    await audited.getByTestId('audit-json').waitFor();
    const onAudit = await axe(audited);
    assert.equal(onAudit.length, 0, `Audit:\n${onAudit.join('\n')}`);
  } finally {
    await context.close();
  }
});

// Runs axe-core's WCAG 2.1 A and AA rules on the page and names each violation with its first targets.
async function axe(target: Page): Promise<string[]> {
  await target.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  return target.evaluate(async () => {
    const scope = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } };
    const outcome = await scope.axe.run(scope.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return outcome.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
}
