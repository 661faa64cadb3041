import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { type Client } from '../../shared/client.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { POLICY_TARGET_NAMES, PolicyTargetSchema } from '../../shared/model/policy.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { ImageFactory, type Pushed } from '../support/image-factory.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { connectToHost } from '../support/host-client.ts';

const POLICY_NAME = 'Shop release images';
const POLICY_ID = 'shop-release-images';
// A partner's key that is in no inventory: pasted into the editor as PEM.
const PARTNER_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

let registry: Registry;
let registryHost: string;
let keychain: Keychain;
let stack: BrowserStack;
let page: Page;
let main: { api: Client; close(): void };
let app: Pushed;
let outside: Pushed;
let first: KeyRecord;
let second: KeyRecord;

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  keychain = await startKeychain();
  const work = await mkdtemp(join(tmpdir(), 'signet-policies-e2e-'));
  const home = join(work, 'home');
  const factory = new ImageFactory(registry.url);
  app = await factory.image('shop/app', 'v1', { os: 'linux', architecture: 'amd64' }, 'shop app 1.0');
  outside = await factory.image('tools/lint', 'v1', { os: 'linux', architecture: 'amd64' }, 'a tool no rule covers');

  // The keys are made before the host starts, in the same data folder and the same (private) keychain.
  const setup = await createTestApp({ probes: quietProbes, env: { SIGNET_HOME: home } });
  try {
    await setup.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
    first = await setup.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'release one' }, 'cli');
    second = await setup.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'release two' }, 'cli');
  } finally {
    await setup.cleanup();
  }

  stack = await startBrowserStack({ ...keychain.env, SIGNET_HOME: home });
  main = await connectToHost(stack.url);
  // The image carries one signature, by the first key, before the policy is written.
  await signWith(first, `${registryHost}/shop/app:v1`);
  page = await openScreen(stack.browser, stack.url, 'policies', 'Policies');
});

after(async () => {
  main?.close();
  await stack?.stop();
  await keychain?.stop();
  await registry?.stop();
});


// Signs one image with one key in the cosign format the way the Sign screen does: plan, review, confirm.
async function signWith(key: KeyRecord, reference: string): Promise<void> {
  const plan = await main.api.signing.plan({ reference });
  const review = await main.api.signing.prepare({ reference, digest: plan.digest, manifests: [plan.digest], keyId: key.id, format: 'cosign', timestamp: false, annotations: {} });
  const result = await main.api.signing.confirm({ intentId: review.intentId });
  assert.deepEqual(
    result.signed.map((s) => s.verdict),
    ['verified'],
    `${key.label} signed ${reference}`,
  );
}

async function chooseInventoryKey(rule: Locator, label: string): Promise<void> {
  const select = rule.getByLabel('Inventory key');
  const value = await select.locator('option').filter({ hasText: label }).first().getAttribute('value');
  assert.ok(value, `the key picker offers ${label}`);
  await select.selectOption(value);
  await rule.getByRole('button', { name: 'Add signer' }).click();
}

async function evaluate(reference: string): Promise<{ verdict: string | null; admitted: string | null; text: string }> {
  await page.getByLabel('Image reference').fill(reference);
  await page.getByRole('button', { name: 'Evaluate' }).click();
  const panel = page.getByTestId('policy-verdict');
  const refused = page.getByTestId('policy-trial').locator('.error-box');
  await panel.or(refused).waitFor({ timeout: 60_000 });
  if (await refused.isVisible()) assert.fail(`main refused the evaluation: ${await refused.innerText()}`);
  return { verdict: await panel.getAttribute('data-verdict'), admitted: await panel.getAttribute('data-admitted'), text: await panel.innerText() };
}

const mentions = (text: string, key: KeyRecord) => text.includes(key.label) || text.includes(key.id) || text.includes(key.fingerprint.slice(0, 12));

test('a policy written in the editor: two inventory keys, threshold 2, refused by main until it is valid, saved and listed after a reload', async () => {
  // The list is read from main after the screen opens: wait for it instead of reading the placeholder.
  await page.locator('main').getByText(/No policies yet/).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'New policy' }).click();
  const editor = page.getByTestId('policy-editor');
  await editor.waitFor();
  await editor.getByLabel('Name', { exact: true }).fill(POLICY_NAME);
  assert.equal(await editor.getByLabel('Id', { exact: true }).inputValue(), POLICY_ID, 'the id follows the name');
  await editor.getByLabel('Description').fill('Every shop image is signed by both release keys.');

  const rule = page.getByRole('group', { name: 'Rule 1', exact: true });
  await rule.getByLabel('Repository scope').fill(`${registryHost}/shop/*`);
  // The picker lists every inventory key with its fingerprint and status.
  const options = await rule.getByLabel('Inventory key').locator('option').allInnerTexts();
  for (const key of [first, second]) assert.ok(options.some((o) => o.includes(key.label) && o.includes(key.fingerprint.slice(0, 16)) && /active/.test(o)), `${key.label} is offered: ${options.join(' | ')}`);
  await chooseInventoryKey(rule, 'release one');
  await chooseInventoryKey(rule, 'release two');
  const signers = rule.getByTestId('policy-signer');
  assert.equal(await signers.count(), 2);
  assert.match(await signers.nth(1).innerText(), /release two/);

  // Three of two signers: main refuses and says why, beside the rule.
  await rule.getByTestId('policy-threshold').fill('3');
  assert.match(await rule.innerText(), /at least[\s\S]*of these 2 signers/);
  await editor.getByRole('button', { name: 'Save policy' }).click();
  await page.getByTestId('policy-save-error').waitFor({ timeout: 30_000 });
  assert.match(await rule.getByRole('alert', { name: 'Problems with rule 1' }).innerText(), /threshold/i);
  assert.deepEqual(await main.api.policies.list({}), [], 'nothing was saved');

  await rule.getByTestId('policy-threshold').fill('2');
  assert.equal(await rule.getByLabel('Enforce', { exact: true }).isChecked(), true, 'a new rule enforces');
  for (const box of await rule.getByRole('group', { name: 'Formats that count', exact: true }).getByRole('checkbox').all()) assert.equal(await box.isChecked(), true);
  // An attestation can be added from the suggestions and removed again.
  await rule.getByRole('button', { name: /Require SLSA provenance v1/ }).click();
  assert.match(await rule.getByRole('list', { name: 'Attestations rule 1 requires' }).innerText(), /https:\/\/slsa\.dev\/provenance\/v1/);
  await rule.getByRole('button', { name: 'Remove https://slsa.dev/provenance/v1 from rule 1' }).click();

  // A second rule, for partner images: any two of three signers, one of them a pasted public key.
  await editor.getByRole('button', { name: 'Add rule' }).click();
  const partner = page.getByRole('group', { name: 'Rule 2', exact: true });
  await partner.getByLabel('Repository scope').fill(`${registryHost}/partner/*`);
  await chooseInventoryKey(partner, 'release one');
  await chooseInventoryKey(partner, 'release two');
  await partner.getByLabel('Kind of signer').selectOption({ label: 'Public key (PEM)' });
  await partner.getByLabel('Signer name').fill('partner build');
  await partner.getByLabel('Public key (PEM)').fill(PARTNER_PEM);
  await partner.getByRole('button', { name: 'Add signer' }).click();
  assert.equal(await partner.getByTestId('policy-signer').count(), 3);
  await partner.getByTestId('policy-threshold').fill('2');
  assert.match(await partner.innerText(), /of these 3 signers/);
  await page.screenshot({ path: join(SCREENSHOTS, 'policies-editor.png'), fullPage: true });

  await editor.getByRole('button', { name: 'Save policy' }).click();
  await page.getByTestId('policy-notice').waitFor({ timeout: 30_000 });
  await editor.waitFor({ state: 'detached' });

  // Main holds exactly what the editor showed.
  const saved = await main.api.policies.list({});
  assert.equal(saved.length, 1);
  assert.equal(saved[0]?.id, POLICY_ID);
  assert.equal(saved[0]?.rules[0]?.threshold, 2);
  assert.deepEqual(saved[0]?.rules[0]?.signers, [
    { kind: 'key', keyId: first.id },
    { kind: 'key', keyId: second.id },
  ]);
  assert.deepEqual(saved[0]?.rules[0]?.attestations, []);
  assert.equal(saved[0]?.rules[1]?.scope, `${registryHost}/partner/*`);
  assert.equal(saved[0]?.rules[1]?.threshold, 2);
  const pasted = saved[0]?.rules[1]?.signers[2];
  assert.ok(pasted?.kind === 'publicKey' && pasted.name === 'partner build' && pasted.pem.trim() === PARTNER_PEM.trim(), 'the pasted key is kept as pasted');

  // A reload starts the page afresh (on the System screen: the address bar keeps neither token nor screen).
  await page.reload();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Policies' }).click();
  await page.getByRole('heading', { name: 'Policies', level: 1 }).waitFor();
  const row = page.getByTestId(`policy-${POLICY_ID}`);
  await row.waitFor({ timeout: 30_000 });
  assert.match(await row.innerText(), new RegExp(POLICY_NAME));
  assert.equal(await row.getByTestId('policy-rule-count').innerText(), String(saved[0]?.rules.length));

  // Edit shows the saved rule again, signers and threshold included.
  await row.getByRole('button', { name: `Edit ${POLICY_NAME}` }).click();
  const again = page.getByRole('group', { name: 'Rule 1', exact: true });
  assert.equal(await again.getByTestId('policy-signer').count(), 2);
  assert.equal(await again.getByTestId('policy-threshold').inputValue(), '2');
  assert.equal(await page.getByLabel('Id', { exact: true }).getAttribute('readonly'), '', 'a saved id cannot change');
  await page.getByRole('button', { name: 'Close' }).click();
});

test('Try it: one signature of two fails and names the missing signer; with the second signature it passes', async () => {
  await page.getByTestId(`policy-${POLICY_ID}`).getByRole('button', { name: `${POLICY_NAME}: try it and export` }).click();
  const failing = await evaluate(`${registryHost}/shop/app:v1`);
  assert.equal(failing.verdict, 'fail', failing.text);
  assert.equal(failing.admitted, 'false', 'an enforced rule that fails does not admit');
  assert.match(failing.text, /Fail/);
  assert.match(failing.text, /Not admitted/);
  assert.equal(await page.getByTestId('policy-verdict-digest').innerText(), app.digest);
  assert.match(await page.getByTestId('policy-verdict-rule').innerText(), new RegExp(`${registryHost}/shop/\\*`.replace(/[.]/g, '\\.')));
  const reasons = await page.getByTestId('policy-reasons').innerText();
  assert.ok(mentions(reasons, second), `a reason names the missing signer ${second.label}: ${reasons}`);
  const accepted = await page.getByTestId('policy-verdict').getByRole('list', { name: 'Accepted signers' }).innerText();
  assert.ok(mentions(accepted, first), `the first key is accepted: ${accepted}`);
  assert.ok(!mentions(accepted, second), `the second key is not accepted yet: ${accepted}`);
  await page.screenshot({ path: join(SCREENSHOTS, 'policies-verdict-fail.png'), fullPage: true });

  await signWith(second, `${registryHost}/shop/app:v1`);
  const passing = await evaluate(`${registryHost}/shop/app:v1`);
  assert.equal(passing.verdict, 'pass', passing.text);
  assert.equal(passing.admitted, 'true');
  assert.match(passing.text, /Pass/);
  const both = await page.getByTestId('policy-verdict').getByRole('list', { name: 'Accepted signers' }).innerText();
  assert.ok(mentions(both, first) && mentions(both, second), `both keys are accepted: ${both}`);
  await page.screenshot({ path: join(SCREENSHOTS, 'policies-verdict.png'), fullPage: true });

  // A repository no rule covers gets no verdict from any rule, and says so.
  const uncovered = await evaluate(`${registryHost}/tools/lint:v1`);
  assert.equal(uncovered.verdict, 'no-rule', uncovered.text);
  assert.equal(await page.getByTestId('policy-verdict-digest').innerText(), outside.digest);
  assert.match(await page.getByTestId('policy-verdict-rule').innerText(), /No rule/);
});

test('Export: every target gives its files in full; the gaps are listed, the 2-of-3 threshold among them for containers-policy.json and not for Kyverno', async () => {
  await page.getByTestId(`policy-${POLICY_ID}`).getByRole('button', { name: `${POLICY_NAME}: try it and export` }).click();
  const panel = page.getByTestId('policy-export');
  for (const target of PolicyTargetSchema.options) {
    await panel.getByLabel(POLICY_TARGET_NAMES[target]).check();
    await panel.getByRole('button', { name: `Export ${POLICY_ID}` }).click();
    const result = panel.locator(`[data-testid="policy-export-result"][data-target="${target}"]`);
    const refused = panel.locator('.error-box');
    await result.or(refused).waitFor({ timeout: 30_000 });
    if (await refused.isVisible()) assert.fail(`main refused the ${target} export: ${await refused.innerText()}`);
    const files = result.getByTestId('policy-export-file');
    const count = await files.count();
    assert.ok(count > 0, `${target} gives at least one file`);
    for (let i = 0; i < count; i++) {
      const file = files.nth(i);
      const filename = (await file.getAttribute('data-filename')) ?? '';
      assert.ok(filename.length > 0, `${target} file ${i} has a name`);
      assert.ok((await file.locator('pre').innerText()).trim().length > 0, `${filename} is shown in full`);
      await file.getByRole('button', { name: `Save ${filename}` }).waitFor();
    }
    const gaps = Number(await result.getAttribute('data-gaps'));
    const alert = result.getByRole('alert').filter({ hasText: 'What this target cannot express' });
    assert.equal(await alert.count(), gaps > 0 ? 1 : 0, `${target}: the gaps are shown when there are any`);
    const gapLines = gaps > 0 ? await alert.getByRole('listitem').allInnerTexts() : [];
    assert.equal(gapLines.length, gaps, `${target}: every gap is listed`);
    const thresholdGap = gapLines.filter((line) => line.includes(`${registryHost}/partner/*`) && /threshold|2 of 3/i.test(line));
    if (target === 'containers-policy') {
      assert.equal(thresholdGap.length, 1, `containers-policy.json cannot count 2 of 3 signers, and says so: ${gapLines.join(' | ')}`);
      await page.screenshot({ path: join(SCREENSHOTS, 'policies-export-gaps.png'), fullPage: true });
    }
    if (target === 'kyverno') assert.deepEqual(thresholdGap, [], `Kyverno counts attestors, so the threshold is no gap: ${gapLines.join(' | ')}`);
    if (target === 'kyverno') {
      const text = await result.getByTestId('policy-export-file').first().locator('pre').innerText();
      assert.match(text, /ClusterPolicy/);
    }
  }
  // A file's Save button hands exactly the text on screen to the browser as a download.
  const shown = panel.getByTestId('policy-export-file').first();
  const filename = (await shown.getAttribute('data-filename')) ?? '';
  const [download] = await Promise.all([page.waitForEvent('download'), shown.getByRole('button', { name: `Save ${filename}` }).click()]);
  assert.equal(download.suggestedFilename(), filename);
  assert.equal((await readFile((await download.path())!, 'utf8')).trim(), (await shown.locator('pre').innerText()).trim());
});

test('Delete asks in the page first; keeping it changes nothing, confirming removes it from main', async () => {
  const row = page.getByTestId(`policy-${POLICY_ID}`);
  await row.getByRole('button', { name: `Delete ${POLICY_NAME}` }).click();
  const confirm = page.getByTestId('policy-delete-confirm');
  await confirm.waitFor();
  assert.match(await confirm.innerText(), new RegExp(`Delete the policy “${POLICY_NAME}”`));
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await confirm.waitFor({ state: 'detached' });
  assert.equal((await main.api.policies.list({})).length, 1, 'keeping it changes nothing');

  await row.getByRole('button', { name: `Delete ${POLICY_NAME}` }).click();
  await confirm.getByRole('button', { name: `Delete ${POLICY_NAME}` }).click();
  await row.waitFor({ state: 'detached', timeout: 30_000 });
  assert.deepEqual(await main.api.policies.list({}), []);
});
