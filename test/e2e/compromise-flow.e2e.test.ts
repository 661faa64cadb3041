import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Client } from '../../shared/client.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { SignIntentView, SignPlan } from '../../shared/model/signing.model.ts';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { VerifyEngine } from '../../main/images/verify.engine.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { ImageFactory, type Pushed } from '../support/image-factory.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { connectToHost } from '../support/host-client.ts';

const LINUX = { os: 'linux', architecture: 'amd64' };
const HOUR = 3_600_000;

let registry: Registry;
let registryHost: string;
let keychain: Keychain;
let stack: BrowserStack;
let page: Page;
let main: { api: Client; close(): void };
let compromised: KeyRecord;
let images: Record<'old' | 'fresh' | 'bundled', Pushed>;
let invalidSince: Date;

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  keychain = await startKeychain();
  const home = join(await mkdtemp(join(tmpdir(), 'signet-compromise-e2e-')), 'home');
  const factory = new ImageFactory(registry.url);
  images = {
    old: await factory.image('team/old', 'v1', LINUX, 'signed before the compromise'),
    fresh: await factory.image('team/fresh', 'v1', LINUX, 'signed after, cosign'),
    bundled: await factory.image('team/bundled', 'v1', LINUX, 'signed after, bundle'),
  };

  // The key and its signatures are made before the host starts, in the same data folder and the same (private) keychain;
  // the clock is moved back for the image signed before "invalid since".
  let offset = -2 * HOUR;
  const app = await createTestApp({ probes: quietProbes, confirmations: new ScriptedConfirmation(), now: () => new Date(Date.now() + offset), env: { SIGNET_HOME: home } });
  try {
    await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
    compromised = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'release' }, 'cli');
    // The response publishes a signed revocation list, so an admin key is designated first.
    const admin = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'revocation admin' }, 'cli');
    await app.keys.setAdmin(admin.id, 'cli');
    await sign(app, `${registryHost}/team/old:v1`, 'cosign');
    offset = 0;
    invalidSince = new Date(Date.now() - HOUR);
    await sign(app, `${registryHost}/team/fresh:v1`, 'cosign');
    await sign(app, `${registryHost}/team/bundled:v1`, 'sigstore-bundle');
  } finally {
    await app.cleanup();
  }

  stack = await startBrowserStack({ ...keychain.env, SIGNET_HOME: home });
  main = await connectToHost(stack.url);
  page = await openScreen(stack.browser, stack.url, 'keys', 'Keys');
});

after(async () => {
  main?.close();
  await stack?.stop();
  await keychain?.stop();
  await registry?.stop();
});

async function sign(app: TestApp, reference: string, format: string): Promise<void> {
  const call = async <T,>(channel: string, input: unknown): Promise<T> => {
    const result = await app.dispatch(channel, input, { host: 'cli' });
    if (!result.ok) throw new Error(result.error.message);
    return result.value as T;
  };
  const plan = await call<SignPlan>('signing.plan', { reference });
  const intent = await call<SignIntentView>('signing.prepare', { reference, digest: plan.digest, manifests: [plan.digest], keyId: compromised.id, format });
  await call('signing.confirm', { intentId: intent.intentId });
}


// The local wall time a datetime-local input shows.
function localInput(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

test('a security officer responds to a stolen key: assess, review every digest, confirm, read and save the report', async () => {
  await page.getByTestId('key-release').getByRole('button', { name: 'release' }).click();
  await page.getByTestId('key-detail').getByRole('button', { name: 'Respond to a compromise…' }).click();
  const flow = page.getByTestId('compromise-flow');
  await flow.getByLabel('Invalid since').fill(localInput(invalidSince));
  await flow.getByRole('checkbox', { name: /local/ }).check();
  await flow.getByRole('button', { name: 'Assess' }).click();
  const assessment = flow.getByTestId('compromise-assessment');
  await assessment.waitFor({ timeout: 30_000 });
  const listed = await flow.getByTestId('affected-image').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-digest')));
  assert.deepEqual(listed.sort(), [images.fresh.digest, images.bundled.digest].sort(), 'only the images signed after "invalid since"');
  assert.match(await assessment.innerText(), /signed by this key before .* without a trusted timestamp/);
  await page.screenshot({ path: join(SCREENSHOTS, 'compromise-assess.png'), fullPage: true });

  await flow.getByRole('button', { name: 'Next: what to do' }).click();
  await flow.getByRole('checkbox', { name: /Remove the compromised signatures/ }).check();
  await flow.getByRole('button', { name: 'Review' }).click();
  const review = flow.getByTestId('compromise-review');
  await review.waitFor({ timeout: 30_000 });
  const facts = await review.innerText();
  assert.ok(facts.includes(images.fresh.digest) && facts.includes(images.bundled.digest), 'the review names every affected digest');
  assert.match(facts, /keyCompromise, invalid since/);
  await page.screenshot({ path: join(SCREENSHOTS, 'compromise-review.png'), fullPage: true });

  await review.getByRole('button', { name: 'Confirm the response' }).click();
  const report = flow.getByTestId('compromise-report');
  await report.waitFor({ timeout: 60_000 });
  assert.equal(await report.getAttribute('data-resigned'), '2');
  assert.equal(await report.getAttribute('data-verified'), '2');
  assert.equal(await report.getAttribute('data-removed'), '2');
  const timeline = await flow.getByTestId('compromise-timeline').innerText();
  for (const step of [/Rotated "release"/, /Revoked "release" for keyCompromise/, /Re-signed 1 image\(s\) as cosign/, /Re-signed 1 image\(s\) as sigstore bundle/, /Removed 2 compromised/, /Published the revocation list/, /audit log/]) assert.match(timeline, step);
  await page.screenshot({ path: join(SCREENSHOTS, 'compromise-report.png'), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), report.getByRole('button', { name: 'Save the revocation list' }).click()]);
  const saved = JSON.parse(await readFile((await download.path())!, 'utf8')) as { document: { entries: { fingerprint: string; reason: string }[] } };
  assert.deepEqual(saved.document.entries.map((e) => [e.fingerprint, e.reason]), [[compromised.fingerprint, 'keyCompromise']]);

  // What the registry now holds, judged by the engine: the successor verifies every affected image, the stolen key none.
  const inventory = await main.api.keys.list({});
  const successor = inventory.find((k) => k.predecessor === compromised.id)!;
  assert.equal(inventory.find((k) => k.id === compromised.id)!.status, 'revoked');
  const source = new RegistrySource(new RegistryClient({ baseUrl: registry.url }));
  const verdict = async (key: KeyRecord, repository: string, digest: string) =>
    (await new VerifyEngine(source).verify(repository, digest, { reference: `${registryHost}/${repository}`, keys: [createPublicKey(key.publicKeyPem)], inventory })).verdict;
  for (const [repository, image] of [['team/fresh', images.fresh], ['team/bundled', images.bundled]] as const) {
    assert.equal(await verdict(successor, repository, image.digest), 'verified', `${repository} with the successor`);
    assert.notEqual(await verdict(compromised, repository, image.digest), 'verified', `${repository} with the compromised key`);
  }
  // Signed before "invalid since" but without a trusted timestamp: the engine cannot place it before the compromise and refuses it.
  assert.equal(await verdict(compromised, 'team/old', images.old.digest), 'revoked');
});
