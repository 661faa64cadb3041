import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { OsKeychain } from '../../main/platform/keychain.adapter.ts';
import { KeychainPins } from '../../main/keys/pin.source.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';

const SOFTWARE_KEYS = ['release 2027', 'docs signing'];
const TOKEN_KEY = 'hsm root';
const CUSTODIANS = ['Alice', 'Bob', 'Carol'];
const VAULT = 'backup-vault';

let hsm: SoftHsm;
let keychain: Keychain;
let stack: BrowserStack;
let page: Page;
let outputDir: string;
/** Every frame main sent to the page, and the page's HTML after each step, searched for share lines at the end. */
const frames: string[] = [];
const snapshots: string[] = [];
let backupFile = '';
let sheets: string[] = [];

before(async () => {
  hsm = await startSoftHsm('backup-hsm', [VAULT]);
  keychain = await startKeychain();
  for (const tokenLabel of [hsm.label, VAULT]) await new KeychainPins(new OsKeychain()).remember({ modulePath: SOFTHSM_MODULE, tokenLabel }, hsm.userPin);
  const home = await mkdtemp(join(tmpdir(), 'signet-backups-e2e-'));
  outputDir = await mkdtemp(join(tmpdir(), 'signet-backups-out-'));
  stack = await startBrowserStack({ ...keychain.env, SOFTHSM2_CONF: hsm.conf, SIGNET_HOME: home });
  page = await openScreen(stack.browser, stack.url, 'keys', 'Keys', (opening) => opening.on('websocket', (socket) => socket.on('framereceived', (frame) => frames.push(String(frame.payload)))));
});

after(async () => {
  await stack?.stop();
  await keychain?.stop();
  await hsm?.cleanup();
});

async function snapshot(): Promise<void> {
  snapshots.push(await page.content());
}

async function generate(label: string, backendText: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Generate key' }).click();
  const form = page.getByRole('form', { name: 'Generate a key' });
  const backend = form.getByLabel('Held in');
  const option = await backend.locator('option').filter({ hasText: backendText }).first().getAttribute('value');
  await backend.selectOption(option!);
  await form.getByLabel('Label').fill(label);
  await form.getByRole('button', { name: 'Generate' }).click();
  await page.getByTestId(`key-${label}`).waitFor({ timeout: 15_000 });
}

async function drillLine(label: string): Promise<string> {
  await page.getByTestId(`key-${label}`).getByRole('button', { name: label }).click();
  const detail = page.getByTestId('key-detail');
  await detail.getByRole('heading', { name: label }).waitFor();
  return detail.getByTestId('key-drill').innerText();
}

async function fillSheets(paths: string[]): Promise<void> {
  const open = page.getByRole('form', { name: 'Open a backup' });
  while ((await open.getByLabel(/^Sheet \d+$/).count()) < paths.length) await open.getByRole('button', { name: 'Add sheet' }).click();
  while ((await open.getByLabel(/^Sheet \d+$/).count()) > paths.length) await open.getByRole('button', { name: /^Remove sheet/ }).last().click();
  for (const [i, path] of paths.entries()) await open.getByLabel(`Sheet ${i + 1}`, { exact: true }).fill(path);
}

test('two software keys and a token key are made, and none has been drilled', async () => {
  for (const label of SOFTWARE_KEYS) await generate(label, /Software key/);
  await generate(TOKEN_KEY, /SoftHSM token “backup-hsm”/);
  for (const label of SOFTWARE_KEYS) assert.match(await drillLine(label), /never drilled/);
  assert.match(await drillLine(TOKEN_KEY), /not in backups: held on token “backup-hsm”/);
});

test('a backup for 2 of 3 custodians is reviewed, confirmed and written as one file and a sheet per custodian', async () => {
  const card = page.getByTestId('backups-card');
  const form = card.getByRole('form', { name: 'Create a backup' });
  await form.getByLabel('Output folder (absolute path)').fill('relative/folder');
  await form.getByRole('button', { name: 'Review backup…' }).click();
  assert.match(await card.getByTestId('backup-create').getByRole('alert').innerText(), /absolute path/);

  await form.getByLabel('Output folder (absolute path)').fill(outputDir);
  await form.getByRole('button', { name: 'Add custodian' }).click();
  assert.equal(await form.getByLabel(/^Custodian \d+$/).count(), 4);
  await form.getByRole('button', { name: 'Remove custodian 4' }).click();
  for (const [i, name] of CUSTODIANS.entries()) await form.getByLabel(`Custodian ${i + 1}`, { exact: true }).fill(name);
  const threshold = form.getByLabel(/Custodians needed to open/);
  assert.equal(await threshold.getAttribute('max'), '3');
  await threshold.fill('2');
  await form.getByRole('button', { name: 'Review backup…' }).click();

  const review = card.getByTestId('backup-review');
  await review.waitFor({ timeout: 15_000 });
  const facts = await review.innerText();
  assert.match(facts, /any 2 of 3 custodians: Alice, Bob, Carol/);
  assert.match(facts, /Software keys \(2\)/);
  for (const label of SOFTWARE_KEYS) assert.ok(facts.includes(label), `the review names ${label}`);
  assert.match(facts, /Keys not included \(1\)/);
  assert.match(facts, new RegExp(`${TOKEN_KEY}.*held non-extractable on token "backup-hsm"`));
  assert.match(facts, /Make a twin/);
  assert.match(await review.getByRole('timer').innerText(), /Confirm before/);
  await snapshot();
  await review.screenshot({ path: join(SCREENSHOTS, 'backups-review.png') });

  await review.getByRole('button', { name: 'Confirm and write the backup' }).click();
  const result = card.getByTestId('backup-result');
  await result.waitFor({ timeout: 30_000 });
  backupFile = (await result.getByTestId('backup-file').innerText()).trim();
  const rows = await result.getByTestId('backup-sheet').allInnerTexts();
  assert.equal(rows.length, 3);
  sheets = rows.map((r, i) => {
    const [name, path] = r.split(/:\s+/, 2);
    assert.equal(name, CUSTODIANS[i]);
    return path!.trim();
  });
  for (const [i, sheet] of sheets.entries()) assert.match(basename(sheet), new RegExp(`sheet-${i + 1}-of-3-${CUSTODIANS[i]}\\.html$`));
  assert.equal(basename(backupFile).endsWith('.signet-backup'), true);
  for (const file of [backupFile, ...sheets]) assert.ok((await stat(file)).isFile(), `${file} was written`);
  const manifest = await result.getByTestId('backup-result-manifest').innerText();
  assert.match(manifest, /key inventory/);
  assert.match(manifest, /software key/);
  assert.match(await result.getByTestId('backup-result-manifest-not-included').innerText(), /hsm root.*held non-extractable on token "backup-hsm".*Make a twin/s);
  await snapshot();
  await card.screenshot({ path: join(SCREENSHOTS, 'backups-result.png') });
});

test('the manifest is read from the backup file without opening it', async () => {
  const open = page.getByRole('form', { name: 'Open a backup' });
  await open.getByLabel('Backup file (absolute path)').fill(backupFile);
  await open.getByRole('button', { name: 'Show manifest' }).click();
  const manifest = page.getByTestId('inspect-manifest');
  await manifest.waitFor({ timeout: 15_000 });
  const text = await manifest.innerText();
  assert.ok(text.includes(backupFile));
  assert.match(text, /any 2 of 3 custodians together: Alice, Bob, Carol/);
  assert.match(text, /Not included \(1\)/);
});

test('a drill with 2 of the 3 sheets passes for every software key, and the Keys screen says so', async () => {
  await fillSheets([sheets[0]!, sheets[2]!]);
  await page.getByRole('button', { name: 'Run restore drill' }).click();
  const drill = page.getByTestId('drill-result');
  await drill.waitFor({ timeout: 60_000 });
  assert.equal(await drill.getAttribute('data-passed'), 'true');
  assert.match(await drill.innerText(), /Drill passed/);
  for (const label of SOFTWARE_KEYS) {
    const key = drill.locator(`[data-testid="drill-key"][data-key="${label}"]`);
    assert.equal(await key.getAttribute('data-passed'), 'true');
    assert.match(await key.innerText(), /Passed.*signature verifies with the published public key.*placed on a fresh SoftHSM token, it signed there too/s);
  }
  assert.match(await drill.getByTestId('drill-fresh-token').innerText(), /A fresh SoftHSM token "signet-drill-[0-9a-f]{8}" .* was made in a temporary folder by a process of its own/);
  assert.match(await drill.getByTestId('drill-not-included').innerText(), /hsm root/);
  await snapshot();
  await page.getByTestId('backup-open').screenshot({ path: join(SCREENSHOTS, 'backups-drill.png') });

  for (const label of SOFTWARE_KEYS) assert.match(await drillLine(label), /last passed/);
  assert.match(await drillLine(TOKEN_KEY), /not in backups/);
  await page.screenshot({ path: join(SCREENSHOTS, 'backups-keys-drilled.png'), fullPage: true });
});

test('a drill with one sheet is refused in words and records nothing', async () => {
  await fillSheets([sheets[1]!]);
  await page.getByRole('button', { name: 'Run restore drill' }).click();
  const error = page.getByTestId('open-error-drill');
  await error.waitFor({ timeout: 30_000 });
  assert.match(await error.getByRole('alert').innerText(), /opens with 2 of its 3 shares; 1 distinct share was given.*Nothing was opened/s);
  assert.equal(await page.getByTestId('drill-result').count(), 0);
  for (const label of SOFTWARE_KEYS) assert.match(await drillLine(label), /last passed/);
  await snapshot();
  await page.getByTestId('backup-open').screenshot({ path: join(SCREENSHOTS, 'backups-drill-refused.png') });
});

test('a restore is reviewed with the warning that the inventory is replaced, and cancelling changes nothing', async () => {
  await fillSheets([sheets[0]!, sheets[1]!]);
  await page.getByRole('button', { name: 'Review restore…' }).click();
  const review = page.getByTestId('restore-review');
  await review.waitFor({ timeout: 30_000 });
  assert.match(await review.getByTestId('restore-warning').innerText(), /replaces the key inventory.*kept aside under recovery\/replaced\//s);
  assert.match(await review.innerText(), /Opened with\s+2 of 3 recovery sheets \(Alice, Bob\)/);
  await snapshot();
  await review.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await page.getByTestId('restore-review').count(), 0);
  assert.equal(await page.getByTestId('restore-result').count(), 0);
});

test('the backup key is made on a second token from the card; a token key generated wrappable then goes into the next backup, wrapped', async () => {
  const section = page.getByTestId('backup-key');
  await section.getByText(/No backup key yet/).waitFor();
  const form = section.getByRole('form', { name: 'Make the backup key' });
  const token = form.getByLabel('Token');
  assert.equal(await token.locator('option').filter({ hasText: /TPM/ }).count(), 0, 'a TPM is not offered');
  await token.selectOption((await token.locator('option').filter({ hasText: VAULT }).first().getAttribute('value'))!);
  await form.getByRole('button', { name: 'Make backup key' }).click();
  await section.getByText(new RegExp(`backup key on token “${VAULT}”`)).waitFor({ timeout: 15_000 });
  await section.screenshot({ path: join(SCREENSHOTS, 'backups-backup-key.png') });

  await page.getByRole('button', { name: 'Generate key' }).click();
  const generate = page.getByRole('form', { name: 'Generate a key' });
  const backend = generate.getByLabel('Held in');
  await backend.selectOption((await backend.locator('option').filter({ hasText: /SoftHSM token “backup-hsm”/ }).first().getAttribute('value'))!);
  await generate.getByLabel('Label').fill('hsm wrapped');
  await generate.getByLabel(/Backups may hold it, wrapped under the backup key/).check();
  await generate.getByRole('button', { name: 'Generate' }).click();
  await page.getByTestId('key-hsm wrapped').waitFor({ timeout: 15_000 });
  assert.match(await drillLine('hsm wrapped'), /never drilled/);

  const card = page.getByTestId('backups-card');
  await card.getByRole('button', { name: 'Make another backup' }).click();
  await card.getByRole('form', { name: 'Create a backup' }).getByRole('button', { name: 'Review backup…' }).click();
  const review = card.getByTestId('backup-review');
  await review.waitFor({ timeout: 15_000 });
  const facts = await review.innerText();
  assert.match(facts, /Token keys, wrapped \(1\)/);
  assert.match(facts, new RegExp(`hsm wrapped \\(k-[0-9a-f]{16}, token "backup-hsm"`));
  assert.match(facts, new RegExp(`under the backup key on token "${VAULT}"`));
  assert.match(facts, new RegExp(`${TOKEN_KEY}.*held non-extractable on token "backup-hsm"`));
  await review.screenshot({ path: join(SCREENSHOTS, 'backups-review-wrapped.png') });
  await review.getByRole('button', { name: 'Cancel' }).click();
});

test('no share line ever reached the page', async () => {
  const lines = await Promise.all(sheets.map(async (sheet) => /signet-share-v1\.[A-Za-z0-9_.-]+/.exec(await readFile(sheet, 'utf8'))?.[0]));
  assert.equal(lines.length, 3);
  snapshots.push(await page.content());
  assert.ok(frames.length > 0, 'the page spoke to main over the socket');
  for (const line of lines) {
    assert.ok(line && line.length > 40, 'each sheet holds a share line');
    const data = line.split('.').at(-2)!;
    for (const seen of [...snapshots, ...frames]) {
      assert.equal(seen.includes(line), false);
      assert.equal(seen.includes(data), false);
    }
  }
  for (const seen of [...snapshots, ...frames]) assert.equal(seen.includes('signet-share-v1'), false);
});
