import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { ChainReportSchema } from '../../shared/model/chain.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { EIGHT_PLATFORMS, ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
const notationImage = resolve(root, process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'notation-go', 'signed-image');
const noNotation = existsSync(notationImage) ? false : `the Notation-signed image is not at ${notationImage} (set SIGNET_ACCEPTANCE_DIR)`;
if (noNotation) console.log(`Images screen Notation check skipped: ${noNotation}`);

let registry: Registry;
let registryHost: string;
let work: string;
let stack: BrowserStack;
let page: Page;

const cosign = (args: string[], password: string) => run(join(tools, 'cosign'), [...args], { cwd: work, env: { ...process.env, COSIGN_PASSWORD: password, HOME: work } });
const sign = (key: string, password: string, reference: string) => cosign(['sign', '--yes', '--key', key, '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', reference], password);

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  work = await mkdtemp(join(tmpdir(), 'signet-images-e2e-'));
  const home = join(work, 'home');
  const factory = new ImageFactory(registry.url);
  await cosign(['generate-key-pair', '--output-key-prefix', 'team'], 'team-pass');
  await cosign(['generate-key-pair', '--output-key-prefix', 'stolen'], 'stolen-pass');

  // A multi-arch image: the index and seven platforms signed, riscv64 left unsigned.
  const multi = await factory.index('shop/app', 'multi', EIGHT_PLATFORMS, 'app 1.0');
  await sign('team.key', 'team-pass', `${registryHost}/shop/app@${multi.index.digest}`);
  for (const child of multi.children.slice(0, 7)) await sign('team.key', 'team-pass', `${registryHost}/shop/app@${child.digest}`);

  // A signature copied from the signed image onto other content.
  const original = await factory.image('shop/app', 'original', { os: 'linux', architecture: 'amd64' }, 'original');
  await sign('team.key', 'team-pass', `${registryHost}/shop/app@${original.digest}`);
  const other = await factory.image('shop/app', 'tampered', { os: 'linux', architecture: 'amd64' }, 'something else');
  await run(join(tools, 'oras'), ['cp', '--from-plain-http', '--to-plain-http', `${registryHost}/shop/app:${original.digest.replace(':', '-')}.sig`, `${registryHost}/shop/app:${other.digest.replace(':', '-')}.sig`]);

  // Signed by a key the inventory later marks compromised.
  const leaked = await factory.image('shop/app', 'revoked', { os: 'linux', architecture: 'amd64' }, 'signed by a stolen key');
  await sign('stolen.key', 'stolen-pass', `${registryHost}/shop/app@${leaked.digest}`);

  // Signed, with an SLSA provenance attestation.
  const attested = await factory.image('shop/app', 'attested', { os: 'linux', architecture: 'amd64' }, 'attested');
  await sign('team.key', 'team-pass', `${registryHost}/shop/app@${attested.digest}`);
  await writeFile(join(work, 'provenance.json'), JSON.stringify({ builder: { id: 'https://ci.example.com/builder' }, buildType: 'https://example.com/build' }));
  await cosign(['attest', '--yes', '--key', 'team.key', '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', '--type', 'slsaprovenance', '--predicate', 'provenance.json', `${registryHost}/shop/app@${attested.digest}`], 'team-pass');

  const settings: Record<string, unknown> = { version: 1, pkcs11Modules: [], registries: [{ name: 'local', url: registry.url, insecure: false }], toolDirs: [], trust: { keyFiles: [join(work, 'team.pub')] } };
  if (!noNotation) {
    const image = `${registryHost}/notation/app:v2`;
    await run(join(tools, 'oras'), ['cp', '--to-plain-http', '--from-oci-layout', `${join(notationImage, 'oci-layout')}:v2`, image]);
    for (const [file, mediaType] of [['jws_signature.sig', 'application/jose+json'], ['cose_signature.sig', 'application/cose']] as const) {
      await writeFile(join(work, file), await readFile(join(notationImage, file)));
      await run(join(tools, 'oras'), ['attach', '--plain-http', '--artifact-type', 'application/vnd.cncf.notary.signature', image, `${file}:${mediaType}`], { cwd: work });
    }
    const leaf = (JSON.parse(await readFile(join(notationImage, 'jws_signature.sig'), 'utf8')) as { header: { x5c: string[] } }).header.x5c[0]!;
    await writeFile(join(work, 'notation-leaf.pem'), `-----BEGIN CERTIFICATE-----\n${leaf.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`);
    settings.trust = { keyFiles: [join(work, 'team.pub')], notationStores: [join(work, 'notation-leaf.pem')] };
  }
  const app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain(), env: { SIGNET_HOME: home } });
  try {
    await app.settings.update(settings as never);
    const stolen = await app.keys.importCosignKey(await readFile(join(work, 'stolen.key'), 'utf8'), 'stolen-pass', 'build bot', 'cli');
    await app.keys.revoke(stolen.id, { reason: 'keyCompromise', invalidSince: new Date(Date.now() - 86_400_000).toISOString() }, 'cli');
  } finally {
    await app.cleanup();
  }

  stack = await startBrowserStack({ SIGNET_HOME: home });
  page = await openScreen(stack.browser, stack.url, 'images', 'Images');
});

after(async () => {
  await stack?.stop();
  await registry?.stop();
});

async function inspect(reference: string): Promise<void> {
  await page.getByLabel('Image', { exact: true }).fill(reference);
  await page.getByRole('button', { name: 'Inspect' }).click();
  await shown(reference);
}

async function shown(reference: string): Promise<void> {
  await page.locator(`[data-testid="chain-summary"][data-for="${reference}"]`).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="chain-graph"][data-drawn="yes"]').waitFor();
  await page.locator('.progress').waitFor({ state: 'detached' });
}

const verdicts = (kind: string) => page.locator(`.chain-node[data-kind="${kind}"]`).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-verdict')));
const summary = () => page.getByTestId('chain-summary').getAttribute('data-verdict');

test('a multi-arch image: the index and seven platforms verify, the unsigned platform stands out', async () => {
  await inspect(`${registryHost}/shop/app:multi`);
  assert.equal(await summary(), 'verified');
  assert.deepEqual(await verdicts('index'), ['verified']);
  const platforms = await verdicts('manifest');
  assert.equal(platforms.length, 8);
  assert.equal(platforms.filter((v) => v === 'verified').length, 7);
  const unsigned = page.locator('.chain-node[data-kind="manifest"][data-verdict="unsigned"]');
  assert.match(await unsigned.innerText(), /linux\/riscv64[\s\S]*unsigned[\s\S]*no signature of its own/);
  assert.ok(await unsigned.evaluate((n) => n.classList.contains('stands-out')));
  await page.screenshot({ path: join(SCREENSHOTS, 'images-multi-arch.png') });

  // Details: the signature's payload, its compatibility, and the reason in words.
  await page.locator('.chain-node[data-kind="signature"]').first().click();
  const details = page.getByRole('complementary', { name: 'Node details' });
  assert.match(await details.getByTestId('node-reason').innerText(), /Signed by the trusted key SHA256:/);
  assert.match(await details.innerText(), /docker-manifest-digest/);
  assert.match(await details.getByRole('table', { name: 'Which verifiers can see this signature' }).innerText(), /containers-policy\.json\s+✓ yes/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-signature-details.png') });

  // Keyboard: a focused node opens its details with Enter.
  await page.getByRole('button', { name: 'Close the details' }).click();
  await page.locator('.react-flow__node', { has: page.locator('.chain-node[data-kind="index"]') }).focus();
  await page.keyboard.press('Enter');
  assert.match(await details.innerText(), /Raw manifest/);

  // Folding the index hides everything under it and says how much.
  const before = await page.locator('.chain-node').count();
  await page.getByRole('button', { name: /^Collapse Index/ }).click();
  const toggle = page.getByRole('button', { name: /^Expand Index \(\d+ hidden\)/ });
  await toggle.waitFor();
  assert.ok((await page.locator('.chain-node').count()) < before);
  await toggle.click();
  await page.locator('.chain-node').nth(before - 1).waitFor();
  assert.equal(await page.locator('.chain-node').count(), before);
});

test('the chain exports as a JSON report, a PNG and an SVG picture', async () => {
  const download = async (name: string) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
    return readFile((await file.path())!);
  };
  const report = ChainReportSchema.parse(JSON.parse((await download('Export JSON')).toString('utf8')));
  assert.equal(report.verdict, 'verified');
  assert.equal(report.nodes.filter((n) => n.kind === 'manifest').length, 8);
  const png = await download('Export PNG');
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(png.length > 10_000, 'the picture has content');
  const svg = (await download('Export SVG')).toString('utf8');
  assert.match(svg, /<svg[\s\S]*linux\/riscv64/);
});

test('a copied signature fails with its reason, a revoked key is shown as revoked, an attestation is shown', async () => {
  await inspect(`${registryHost}/shop/app:tampered`);
  assert.equal(await summary(), 'failed');
  assert.deepEqual(await verdicts('signature'), ['failed']);
  await page.locator('.chain-node[data-kind="signature"]').click();
  assert.match(await page.getByTestId('node-reason').innerText(), /The signature is for sha256:[0-9a-f]{64}, but the manifest is sha256:/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-tampered.png') });

  await inspect(`${registryHost}/shop/app:revoked`);
  assert.equal(await summary(), 'revoked');
  assert.deepEqual(await verdicts('signer'), ['revoked']);
  assert.match(await page.locator('.chain-node[data-kind="signer"]').innerText(), /build bot/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-revoked.png') });

  await inspect(`${registryHost}/shop/app:attested`);
  assert.equal(await summary(), 'verified');
  assert.deepEqual(await verdicts('attestation'), ['verified']);
  await page.locator('.chain-node[data-kind="attestation"]').click();
  assert.match(await page.getByRole('complementary', { name: 'Node details' }).innerText(), /slsa\.dev\/provenance[\s\S]*ci\.example\.com\/builder/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-attestation.png') });
});

test('a Notation-signed image shows both envelopes verified, with the certificate chain up to its anchor', { skip: noNotation }, async () => {
  await inspect(`${registryHost}/notation/app:v2`);
  assert.equal(await summary(), 'verified');
  assert.deepEqual(await verdicts('signature'), ['verified', 'verified']);
  assert.ok((await verdicts('certificate')).every((v) => v === 'verified'));
  await page.locator('.chain-node[data-kind="certificate"]').first().click();
  assert.match(await page.getByRole('complementary', { name: 'Node details' }).innerText(), /subject[\s\S]*validFrom[\s\S]*sha256/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-notation.png') });
});

test('browsing the registry leads to a tag; a bad reference and an unknown host are errors in words with a retry', async () => {
  await page.getByRole('navigation', { name: 'Browse registries and layouts' }).getByRole('button', { name: /local/ }).click();
  await page.getByRole('button', { name: 'shop/app', exact: true }).click();
  const tags = page.getByRole('navigation', { name: 'Browse registries and layouts' });
  await tags.getByRole('button', { name: 'attested', exact: true }).waitFor();
  assert.equal(await tags.getByRole('button', { name: /^sha256-/ }).count(), 0, 'signature tags are not listed as images');
  await tags.getByRole('button', { name: 'multi', exact: true }).click();
  await shown(`${registryHost}/shop/app:multi`);
  assert.equal(await summary(), 'verified');
  assert.match(await page.getByRole('group', { name: 'Recent images' }).innerText(), /shop\/app:attested/);

  await page.getByLabel('Image', { exact: true }).fill('UPPER/Case::bad');
  await page.getByRole('button', { name: 'Inspect' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /BadInput/);
  await page.getByLabel('Image', { exact: true }).fill('127.0.0.1:1/nothing/here:v1');
  await page.getByRole('button', { name: 'Inspect' }).click();
  await page.getByRole('alert').filter({ hasText: /could not be reached|Nothing is listening/ }).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByRole('alert').getByRole('button', { name: 'Try again' }).count(), 1);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-error.png') });
});
