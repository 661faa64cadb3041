import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { RequestFailed, type Client } from '../../shared/client.ts';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import { TrustSettingsSchema } from '../../shared/model/settings.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack, watchStates } from '../support/browser.ts';
import { ImageFactory, type Pushed } from '../support/image-factory.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startTimestampAuthority, type TimestampAuthority } from '../support/tsa.fixture.ts';
import { connectToHost } from '../support/host-client.ts';

const THREE_PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

let registry: Registry;
let registryHost: string;
let keychain: Keychain;
let tsa: TimestampAuthority;
let stack: BrowserStack;
let page: Page;
let main: { api: Client; close(): void };
let hostUrl: string;
let multi: { index: Pushed; children: Pushed[] };
let untouched: { index: Pushed; children: Pushed[] };
let bulk: { tag: string; digest: string; children: string[] }[];
let outside: Pushed;
let many: { tag: string; digest: string }[];
let stamped: Record<'cosign' | 'bundle', Pushed>;
let notary: { index: Pushed; children: Pushed[] };
let factory: ImageFactory;

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  keychain = await startKeychain();
  tsa = await startTimestampAuthority();
  const work = await mkdtemp(join(tmpdir(), 'signet-sign-e2e-'));
  const home = join(work, 'home');
  factory = new ImageFactory(registry.url);

  multi = await factory.index('shop/app', 'v1', THREE_PLATFORMS, 'app 1.0');
  untouched = await factory.index('shop/cancel', 'v1', THREE_PLATFORMS.slice(0, 2), 'left unsigned');
  // Three tags match `v1.*` (one of them multi-arch); `v2.0` does not and must stay unsigned.
  const v10 = await factory.image('shop/bulk', 'v1.0', { os: 'linux', architecture: 'amd64' }, 'bulk 1.0');
  const v11 = await factory.image('shop/bulk', 'v1.1', { os: 'linux', architecture: 'amd64' }, 'bulk 1.1');
  const v12 = await factory.index('shop/bulk', 'v1.2', THREE_PLATFORMS.slice(0, 2), 'bulk 1.2');
  outside = await factory.image('shop/bulk', 'v2.0', { os: 'linux', architecture: 'amd64' }, 'bulk 2.0');
  bulk = [
    { tag: 'v1.0', digest: v10.digest, children: [] },
    { tag: 'v1.1', digest: v11.digest, children: [] },
    { tag: 'v1.2', digest: v12.index.digest, children: v12.children.map((c) => c.digest) },
  ];
  stamped = {
    cosign: await factory.image('shop/stamped', 'cosign', { os: 'linux', architecture: 'amd64' }, 'stamped cosign'),
    bundle: await factory.image('shop/stamped', 'bundle', { os: 'linux', architecture: 'amd64' }, 'stamped bundle'),
  };
  notary = await factory.index('shop/notary', 'v1', THREE_PLATFORMS.slice(0, 2), 'notation');
  many = [];
  for (let i = 1; i <= 40; i++) {
    const tag = `r${String(i).padStart(2, '0')}`;
    many.push({ tag, digest: (await factory.image('shop/many', tag, { os: 'linux', architecture: 'amd64' }, `many ${i}`)).digest });
  }

  // The keys are made before the host starts, in the same data folder and the same (private) keychain.
  const app = await createTestApp({ probes: quietProbes, env: { SIGNET_HOME: home } });
  try {
    // The test timestamp authority is the one to ask, and its root is trusted, so a timestamp can verify.
    await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }], signing: { tsaUrl: tsa.url, rules: [] }, trust: TrustSettingsSchema.parse({ tsaFiles: [tsa.chainFile] }) });
    await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'release signing' }, 'cli');
    const old = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'old release key' }, 'cli');
    await app.keys.revoke(old.id, { reason: 'superseded', invalidSince: new Date().toISOString() }, 'cli');
  } finally {
    await app.cleanup();
  }

  stack = await startBrowserStack({ ...keychain.env, SIGNET_HOME: home });
  hostUrl = stack.url;
  main = await connectToHost(hostUrl);
  page = await openScreen(stack.browser, hostUrl, 'sign', 'Sign');
});

after(async () => {
  main?.close();
  await stack?.stop();
  await tsa?.stop();
  await keychain?.stop();
  await registry?.stop();
});



const hex = (digest: string) => digest.slice('sha256:'.length);

async function manifestStatus(repository: string, reference: string): Promise<number> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, { headers: { accept: MANIFEST_TYPES } });
  await response.arrayBuffer();
  return response.status;
}

async function registryJson(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${registry.url}/v2/${path}`, { headers: { accept: MANIFEST_TYPES } });
  assert.equal(response.status, 200, `GET ${path}`);
  return (await response.json()) as Record<string, unknown>;
}

// Reads the cosign signature straight from the registry: the `.sig` manifest, its signature annotation and the signed payload.
async function cosignPayload(repository: string, digest: string): Promise<{ payload: { critical: { image: { 'docker-manifest-digest': string } }; optional?: Record<string, string> }; signature: string }> {
  const manifest = (await registryJson(`${repository}/manifests/sha256-${hex(digest)}.sig`)) as { layers: { digest: string; annotations?: Record<string, string> }[] };
  const layer = manifest.layers[0];
  assert.ok(layer, 'the .sig manifest has a layer');
  const signature = layer.annotations?.['dev.cosignproject.cosign/signature'] ?? '';
  const blob = await fetch(`${registry.url}/v2/${repository}/blobs/${layer.digest}`);
  return { payload: JSON.parse(await blob.text()), signature };
}

async function audit(): Promise<AuditEntry[]> {
  return main.api.audit.list({ limit: 5000 });
}

const signEntriesFor = (entries: AuditEntry[], digest: string) => entries.filter((e) => e.action === 'image.sign' && JSON.stringify(e.details).includes(digest));

async function openSign(): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Sign' }).click();
  await page.getByRole('heading', { name: 'Sign', level: 1 }).waitFor();
}

async function resolve(reference: string): Promise<void> {
  await page.getByLabel('Image reference').fill(reference);
  await page.getByRole('button', { name: 'Resolve' }).click();
  await page.getByTestId('pinned-digest').waitFor({ timeout: 30_000 });
}

async function chooseKey(label: string): Promise<void> {
  const select = page.getByLabel('Signing key');
  const value = await select.locator('option').filter({ hasText: label }).first().getAttribute('value');
  await select.selectOption(value!);
}

test('one multi-arch image: the tag is pinned to its digest, reviewed, confirmed, signed with cosign and verified', async () => {
  await openSign();
  await resolve(`${registryHost}/shop/app:v1`);
  assert.equal(await page.getByTestId('pinned-digest').innerText(), multi.index.digest, 'the pinned digest is the index digest');
  assert.equal(await page.getByTestId('plan-kind').getAttribute('data-kind'), 'index');
  const choices = page.getByTestId('manifest-choice');
  const listed = await choices.evaluateAll((items) => items.map((i) => i.getAttribute('data-digest')));
  assert.deepEqual(listed, [multi.index.digest, ...multi.children.map((c) => c.digest)]);
  for (const checkbox of await page.getByTestId('sign-plan').getByRole('checkbox').all()) assert.equal(await checkbox.isChecked(), true);
  assert.match(await choices.nth(2).innerText(), /linux\/arm64[\s\S]*no signature yet/);

  // What is attached already: nothing, so the chain says unsigned.
  await page.getByTestId('sign-chain-summary').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('sign-chain-summary').getAttribute('data-verdict'), 'unsigned');

  // The revoked key is listed but cannot be chosen; the timestamp authority from the settings is offered.
  const keyOptions = page.getByLabel('Signing key').locator('option');
  assert.equal(await keyOptions.filter({ hasText: 'old release key' }).isDisabled(), true);
  assert.match(await keyOptions.filter({ hasText: 'old release key' }).innerText(), /revoked/);
  await chooseKey('release signing');
  await page.getByLabel('cosign signature (.sig tag)').check();
  await page.getByRole('button', { name: 'Add annotation' }).click();
  await page.getByLabel('Annotation key 1').fill('org.example/release');
  await page.getByLabel('Annotation value 1').fill('1.0');
  assert.match(await page.locator('#sign-timestamp-note').innerText(), new RegExp(tsa.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  await page.getByRole('button', { name: 'Review' }).click();
  const review = page.getByRole('region', { name: 'Review what will be signed' });
  await review.waitFor({ timeout: 30_000 });
  const reviewText = await review.innerText();
  for (const digest of [multi.index.digest, ...multi.children.map((c) => c.digest)]) assert.ok(reviewText.includes(digest), `the review lists ${digest} in full`);
  assert.match(reviewText, /release signing/);
  assert.match(reviewText, /org\.example\/release=1\.0/);
  assert.equal(await review.getByTestId('sign-target').count(), 4);
  assert.match(await review.getByTestId('sign-expiry').innerText(), /Confirm before .+ left/);
  const intentId = (await review.getAttribute('data-intent'))!;
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-review.png'), fullPage: true });

  await review.getByRole('button', { name: 'Confirm and sign' }).click();
  const result = page.getByTestId('sign-result');
  await result.waitFor({ timeout: 60_000 });
  const rows = result.getByTestId('signed-target');
  assert.equal(await rows.count(), 4);
  const signed = await rows.evaluateAll((items) => items.map((i) => ({ digest: i.getAttribute('data-digest'), verdict: i.getAttribute('data-verdict') })));
  assert.deepEqual(
    signed.map((s) => s.digest),
    [multi.index.digest, ...multi.children.map((c) => c.digest)],
  );
  for (const row of signed) assert.equal(row.verdict, 'verified', `${row.digest} verified`);
  assert.match(await rows.first().innerText(), /sha256-[0-9a-f]{64}\.sig[\s\S]*verified/);
  assert.ok(Number(await result.getByTestId('sign-requests').innerText()) > 0, 'the registry requests are counted');
  await page.getByTestId('toast').filter({ hasText: 'Signed: 4 manifests, 4 verified.' }).waitFor();
  assert.match((await result.locator('time').first().getAttribute('title')) ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/, 'the finish time has its UTC moment on hover');
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-result.png'), fullPage: true });

  // The registry itself holds a cosign signature for every digest, over exactly that digest and the annotation.
  for (const digest of [multi.index.digest, ...multi.children.map((c) => c.digest)]) {
    const { payload, signature } = await cosignPayload('shop/app', digest);
    assert.equal(payload.critical.image['docker-manifest-digest'], digest);
    assert.equal(payload.optional?.['org.example/release'], '1.0');
    assert.ok(signature.length > 40, 'the .sig layer carries its signature');
  }
  assert.equal(signEntriesFor(await audit(), multi.index.digest).length, 1, 'one image.sign audit entry names the signed index');

  // The same intent cannot sign a second time.
  await assert.rejects(main.api.signing.confirm({ intentId }), (error: unknown) => error instanceof RequestFailed && ['Conflict', 'Unauthorized', 'Expired'].includes(error.error.code));

  // The chain beside the result now shows the signatures, and Inspect opens the image on the Images screen.
  await page.locator('[data-testid="sign-chain-summary"][data-verdict="verified"]').waitFor({ timeout: 30_000 });
  await rows.first().getByRole('button', { name: `Inspect ${multi.index.digest}` }).click();
  await page.getByRole('heading', { name: 'Images', level: 1 }).waitFor();
  await page.locator(`[data-testid="chain-summary"][data-for="${registryHost}/shop/app@${multi.index.digest}"]`).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('chain-summary').getAttribute('data-verdict'), 'verified');
});

test('cancelling the review signs nothing: no .sig tag, no referrer, no audit entry, and the intent is gone', async () => {
  await openSign();
  await page.getByRole('button', { name: 'Sign again' }).click();
  await resolve(`${registryHost}/shop/cancel:v1`);
  assert.equal(await page.getByTestId('pinned-digest').innerText(), untouched.index.digest);
  await chooseKey('release signing');
  await page.getByLabel('cosign signature (.sig tag)').check();
  await page.getByRole('button', { name: 'Review' }).click();
  const review = page.getByRole('region', { name: 'Review what will be signed' });
  await review.waitFor({ timeout: 30_000 });
  const intentId = (await review.getAttribute('data-intent'))!;
  await review.getByRole('button', { name: 'Cancel' }).click();
  await review.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Review' }).waitFor();
  assert.equal(await page.getByTestId('sign-result').count(), 0);
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-cancelled.png'), fullPage: true });

  for (const digest of [untouched.index.digest, ...untouched.children.map((c) => c.digest)]) {
    assert.equal(await manifestStatus('shop/cancel', `sha256-${hex(digest)}.sig`), 404, `no .sig tag for ${digest}`);
    assert.equal(await manifestStatus('shop/cancel', `sha256-${hex(digest)}`), 404, `no referrers index for ${digest}`);
  }
  const entries = await audit();
  assert.equal(signEntriesFor(entries, untouched.index.digest).length, 0, 'no image.sign entry for the cancelled image');
  assert.equal(entries.filter((e) => e.action === 'image.sign' && JSON.stringify(e.details).includes('shop/cancel')).length, 0);
  // Main dropped the intent: confirming it afterwards is refused and still signs nothing.
  await assert.rejects(main.api.signing.confirm({ intentId }), (error: unknown) => error instanceof RequestFailed);
  assert.equal(await manifestStatus('shop/cancel', `sha256-${hex(untouched.index.digest)}.sig`), 404);
});

test('a tag that moves after it was resolved is refused with its reason, and resolving again pins the new digest', async () => {
  const first = await factory.image('shop/moving', 'v1', { os: 'linux', architecture: 'amd64' }, 'first build');
  await openSign();
  await page.getByRole('tab', { name: 'One image' }).click();
  const again = page.getByRole('button', { name: 'Sign again' });
  if ((await again.count()) > 0) await again.click();
  await resolve(`${registryHost}/shop/moving:v1`);
  assert.equal(await page.getByTestId('pinned-digest').innerText(), first.digest);
  const second = await factory.image('shop/moving', 'v1', { os: 'linux', architecture: 'amd64' }, 'second build');
  await chooseKey('release signing');
  await page.getByLabel('cosign signature (.sig tag)').check();
  await page.getByRole('button', { name: 'Review' }).click();
  const error = page.getByTestId('sign-error');
  await error.waitFor({ timeout: 30_000 });
  assert.equal(await error.getAttribute('data-code'), 'Conflict');
  assert.ok((await error.getByRole('alert').innerText()).includes(first.digest), 'the error names the digest that was reviewed');
  assert.equal(await page.getByRole('region', { name: 'Review what will be signed' }).count(), 0);
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-tag-moved.png'), fullPage: true });
  await error.getByRole('button', { name: 'Resolve again' }).click();
  await page.locator(`[data-testid="pinned-digest"]:text-is("${second.digest}")`).waitFor({ timeout: 30_000 });
  for (const digest of [first.digest, second.digest]) assert.equal(await manifestStatus('shop/moving', `sha256-${hex(digest)}.sig`), 404);
});

test('an RFC 3161 timestamp from the configured authority is attached and verifies, in a cosign signature and in a sigstore bundle', async () => {
  for (const [tag, format] of [
    ['cosign', 'cosign signature (.sig tag)'],
    ['bundle', 'sigstore bundle v0.3 (OCI referrer)'],
  ] as const) {
    await openSign();
    await page.getByRole('tab', { name: 'One image' }).click();
    const again = page.getByRole('button', { name: 'Sign again' });
    if ((await again.count()) > 0) await again.click();
    await resolve(`${registryHost}/shop/stamped:${tag}`);
    assert.equal(await page.getByTestId('pinned-digest').innerText(), stamped[tag].digest);
    assert.equal(await page.getByTestId('plan-kind').getAttribute('data-kind'), 'manifest');
    await chooseKey('release signing');
    await page.getByLabel(format).check();
    await page.getByLabel('Ask the timestamp authority for an RFC 3161 timestamp').check();
    await page.getByRole('button', { name: 'Review' }).click();
    const review = page.getByRole('region', { name: 'Review what will be signed' });
    await review.waitFor({ timeout: 30_000 });
    assert.match(await review.innerText(), /RFC 3161 from http:\/\/127\.0\.0\.1/);
    await review.getByRole('button', { name: 'Confirm and sign' }).click();
    const result = page.getByTestId('sign-result');
    await result.waitFor({ timeout: 60_000 });
    const row = result.getByTestId('signed-target');
    assert.equal(await row.count(), 1);
    assert.equal(await row.getAttribute('data-verdict'), 'verified', `${format} with a timestamp: ${await row.innerText()}`);
    if (tag === 'bundle') await page.screenshot({ path: join(SCREENSHOTS, 'sign-timestamped-bundle.png'), fullPage: true });
  }

  // The registry holds the timestamps: an annotation on the cosign layer, and verification material in the bundle.
  const sig = (await registryJson(`shop/stamped/manifests/sha256-${hex(stamped.cosign.digest)}.sig`)) as { layers: { annotations?: Record<string, string> }[] };
  assert.ok(sig.layers[0]?.annotations?.['dev.sigstore.cosign/rfc3161timestamp'], 'the cosign layer carries the timestamp');
  const index = (await registryJson(`shop/stamped/manifests/sha256-${hex(stamped.bundle.digest)}`)) as { manifests: { digest: string }[] };
  const referrer = (await registryJson(`shop/stamped/manifests/${index.manifests[0]!.digest}`)) as { layers: { digest: string }[] };
  const bundle = (await (await fetch(`${registry.url}/v2/shop/stamped/blobs/${referrer.layers[0]!.digest}`)).json()) as { verificationMaterial: { timestampVerificationData?: { rfc3161Timestamps: unknown[] } } };
  assert.equal(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length, 1);
});

test('Notation: the screen says when the certificate authority is missing; with it, a JWS with its chain is pushed and verifies', async () => {
  await openSign();
  await page.getByRole('tab', { name: 'One image' }).click();
  const again = page.getByRole('button', { name: 'Sign again' });
  if ((await again.count()) > 0) await again.click();
  await resolve(`${registryHost}/shop/notary:v1`);
  await chooseKey('release signing');
  await page.getByLabel('Ask the timestamp authority for an RFC 3161 timestamp').uncheck();
  await page.getByLabel('Notation JWS with an X.509 chain').check();
  const missing = page.getByText('certificate authority for Notation does not exist yet');
  await missing.waitFor();

  await main.api.authority.create({ name: 'Signet Test CA', backend: { kind: 'software' } });
  await page.getByLabel('cosign signature (.sig tag)').check();
  await page.getByLabel('Notation JWS with an X.509 chain').check();
  await missing.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Review' }).click();
  const review = page.getByRole('region', { name: 'Review what will be signed' });
  await review.waitFor({ timeout: 30_000 });
  assert.match(await review.innerText(), /Notation JWS/);
  await review.getByRole('button', { name: 'Confirm and sign' }).click();
  const result = page.getByTestId('sign-result');
  await result.waitFor({ timeout: 60_000 });
  const rows = await result.getByTestId('signed-target').evaluateAll((items) => items.map((i) => ({ digest: i.getAttribute('data-digest'), verdict: i.getAttribute('data-verdict'), text: i.textContent ?? '' })));
  assert.deepEqual(
    rows.map((r) => r.digest),
    [notary.index.digest, ...notary.children.map((c) => c.digest)],
  );
  for (const row of rows) assert.equal(row.verdict, 'verified', row.text);
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-notation-result.png'), fullPage: true });
  const index = (await registryJson(`shop/notary/manifests/sha256-${hex(notary.index.digest)}`)) as { manifests: { artifactType?: string }[] };
  assert.ok(index.manifests.some((m) => m.artifactType === 'application/vnd.cncf.notary.signature'), 'a Notation signature refers to the index');
});

test('bulk: every tag matching v1.* is listed, signed as sigstore bundles with progress, and verified', async () => {
  await openSign();
  await page.getByRole('tab', { name: 'Bulk: matching tags' }).click();
  await page.getByLabel('Repository', { exact: true }).fill(`${registryHost}/shop/bulk`);
  await page.getByLabel('Tag pattern').fill('v1.*');
  assert.equal(await page.getByLabel('Include platform manifests').isChecked(), true);
  await chooseKey('release signing');
  await page.getByLabel('sigstore bundle v0.3 (OCI referrer)').check();
  await page.getByLabel('Ask the timestamp authority for an RFC 3161 timestamp').uncheck();
  await page.getByRole('button', { name: 'Review' }).click();

  const review = page.getByRole('region', { name: 'Review what will be signed' });
  await review.waitFor({ timeout: 30_000 });
  const expected = bulk.flatMap((b) => [b.digest, ...b.children]);
  const targets = await review.getByTestId('sign-target').evaluateAll((rows) => rows.map((r) => ({ digest: r.getAttribute('data-digest'), tag: r.children[1]?.textContent ?? '' })));
  assert.deepEqual(targets.map((t) => t.digest).sort(), [...expected].sort());
  for (const { tag, digest } of bulk) assert.equal(targets.find((t) => t.digest === digest)?.tag, tag, `${digest} is listed with its tag`);
  assert.ok(!targets.some((t) => t.digest === outside.digest), 'v2.0 does not match v1.*');
  assert.match(await review.innerText(), new RegExp(`${expected.length} manifests to sign from 3 tags`));
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-bulk-review.png'), fullPage: true });

  const progressSeen = await watchStates(page, 'sign-progress', ['data-done', 'data-total']);
  await review.getByRole('button', { name: 'Confirm and sign' }).click();
  const result = page.getByTestId('sign-result');
  await result.waitFor({ timeout: 90_000 });
  const seen = await progressSeen();
  assert.ok(seen.length > 0, 'a progress bar was shown while signing');
  assert.ok(seen.every((s) => s.endsWith(`/${expected.length}`)), `progress counts against ${expected.length}: ${seen.join(', ')}`);

  const rows = await result.getByTestId('signed-target').evaluateAll((items) => items.map((i) => ({ digest: i.getAttribute('data-digest'), verdict: i.getAttribute('data-verdict'), text: i.textContent ?? '' })));
  assert.deepEqual(rows.map((r) => r.digest).sort(), [...expected].sort());
  for (const row of rows) assert.equal(row.verdict, 'verified', `${row.digest}: ${row.text}`);
  assert.equal(await result.getAttribute('data-cancelled'), 'false');
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-bulk-result.png'), fullPage: true });

  // Distribution 2.8 has no referrers API, so each bundle is listed in the sha256-<hex> fallback index.
  for (const digest of expected) {
    const index = (await registryJson(`shop/bulk/manifests/sha256-${hex(digest)}`)) as { manifests: { artifactType?: string; digest: string }[] };
    assert.ok(index.manifests.some((m) => /sigstore\.bundle/.test(m.artifactType ?? '')), `a sigstore bundle refers to ${digest}`);
  }
  assert.equal(await manifestStatus('shop/bulk', `sha256-${hex(outside.digest)}`), 404, 'the tag outside the pattern stays unsigned');
});

test('bulk cancel: the run stops after the image in hand and only what is listed was signed', async () => {
  await openSign();
  const again = page.getByRole('button', { name: 'Sign again' });
  if ((await again.count()) > 0) await again.click();
  await page.getByRole('tab', { name: 'Bulk: matching tags' }).click();
  await page.getByLabel('Repository', { exact: true }).fill(`${registryHost}/shop/many`);
  await page.getByLabel('Tag pattern').fill('r*');
  await chooseKey('release signing');
  await page.getByLabel('cosign signature (.sig tag)').check();
  await page.getByLabel('Ask the timestamp authority for an RFC 3161 timestamp').uncheck();
  await page.getByRole('button', { name: 'Review' }).click();
  const review = page.getByRole('region', { name: 'Review what will be signed' });
  await review.waitFor({ timeout: 30_000 });
  assert.equal(await review.getByTestId('sign-target').count(), many.length);
  await review.getByRole('button', { name: 'Confirm and sign' }).click();
  await page.locator('[data-testid="sign-progress"]:not([data-done="0"])').waitFor({ timeout: 30_000 });
  await review.getByRole('button', { name: 'Cancel' }).click();
  const result = page.getByTestId('sign-result');
  await result.waitFor({ timeout: 60_000 });
  assert.equal(await result.getAttribute('data-cancelled'), 'true', 'the run was cancelled before the end');
  const signed = new Set(await result.getByTestId('signed-target').evaluateAll((items) => items.map((i) => i.getAttribute('data-digest')!)));
  assert.ok(signed.size > 0 && signed.size < many.length, `${signed.size} of ${many.length} signed before the stop`);
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-bulk-cancelled.png'), fullPage: true });
  for (const { digest } of many) assert.equal(await manifestStatus('shop/many', `sha256-${hex(digest)}.sig`), signed.has(digest) ? 200 : 404, digest);
});

test('after a rotation the successor is chosen by default; the retiring key stays choosable with its badge', async () => {
  await openSign();
  const again = page.getByRole('button', { name: 'Sign again' });
  if ((await again.count()) > 0) await again.click();
  await page.getByRole('tab', { name: 'One image' }).click();
  await resolve(`${registryHost}/shop/app:v1`);
  await chooseKey('release signing');
  const keys = await main.api.keys.list({});
  const old = keys.find((k) => k.label === 'release signing');
  assert.ok(old, 'the release key exists');
  const intent = await main.api.keys.prepare({ action: 'rotate', keyId: old.id, overlapDays: 7 });
  const successor = await main.api.keys.confirm({ intentId: intent.intentId });

  // The page hears of the rotation and gives up the key that is now retiring for its successor.
  const select = page.getByLabel('Signing key');
  await page.waitForFunction((id) => (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document.querySelector('#sign-key')?.value === id, successor.id, { timeout: 15_000 });
  assert.equal(await select.inputValue(), successor.id);
  assert.equal(await page.getByTestId('sign-key-status').locator('.key-badge').getAttribute('data-lifecycle'), 'rotating');
  const retiring = select.locator('option').filter({ hasText: /^release signing — / });
  assert.equal(await retiring.isDisabled(), false, 'the retiring key can still be chosen');
  assert.match(await retiring.innerText(), /retiring · until .+, still signs/);

  // Chosen on purpose, the retiring key stays chosen and shows its badge with its date.
  await select.selectOption(old.id);
  const badge = page.getByTestId('sign-key-status').locator('.key-badge');
  assert.equal(await badge.getAttribute('data-lifecycle'), 'retiring');
  assert.match(await badge.innerText(), /Retiring · until \S+/);
  assert.equal(await select.inputValue(), old.id);
  await page.screenshot({ path: join(SCREENSHOTS, 'sign-retiring-key.png'), fullPage: true });

  // A fresh page starts with the rotation's successor, never the retiring or the revoked one.
  const fresh = await openScreen(stack.browser, hostUrl, 'sign', 'Sign');
  try {
    await fresh.getByLabel('Image reference').fill(`${registryHost}/shop/app:v1`);
    await fresh.getByRole('button', { name: 'Resolve' }).click();
    await fresh.getByTestId('pinned-digest').waitFor({ timeout: 30_000 });
    await fresh.getByTestId('sign-key-status').waitFor();
    const chosen = await fresh.getByLabel('Signing key').inputValue();
    const revoked = keys.find((k) => k.label === 'old release key');
    assert.equal(chosen, successor.id, 'the successor of the rotation is the default');
    assert.notEqual(chosen, old.id, 'the retiring key is not the default');
    assert.notEqual(chosen, revoked?.id, 'the revoked key is not the default');
    assert.match((await fresh.getByTestId('sign-key-status').locator('.key-badge').getAttribute('data-lifecycle')) ?? '', /^(active|rotating)$/);
  } finally {
    await fresh.close();
  }
});
