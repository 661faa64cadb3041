import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { SignIntentView, SignPlan, SignProgress, SignResult } from '../../shared/model/signing.model.ts';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { overwriteDocument } from '../support/store-tamper.ts';
import { readDataItemText } from '../../main/storage/data-items.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import { startTimestampAuthority, type TimestampAuthority } from '../support/tsa.fixture.ts';
import { callChannel, refused } from '../support/dispatch.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
let registry: Registry;
let host: string;
let hsm: SoftHsm;
let tsa: TimestampAuthority;
let app: TestApp;
let work: string;
let factory: ImageFactory;
let softwareKey: KeyRecord;
let hsmKey: KeyRecord;
let clock = 0;
const confirmations = new ScriptedConfirmation();

before(async () => {
  registry = await startRegistry();
  host = new URL(registry.url).host;
  hsm = await startSoftHsm('signing-hsm');
  tsa = await startTimestampAuthority();
  work = await mkdtemp(join(tmpdir(), 'signet-signing-'));
  factory = new ImageFactory(registry.url);
  app = await createTestApp({ probes: quietProbes, confirmations, keychain: new MemoryKeychain(), now: () => new Date(Date.now() + clock) });
  await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, hsm.userPin);
  await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }], signing: { tsaUrl: tsa.url, rules: [] } });
  softwareKey = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'release' });
  hsmKey = await call<KeyRecord>('keys.generate', { backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, label: 'release hsm' });
});

after(async () => {
  await app?.cleanup();
  await tsa?.stop();
  await hsm?.cleanup();
  await registry?.stop();
});

async function call<T>(channel: string, input: unknown): Promise<T> {
  return callChannel<T>(app, channel, input);
}

async function tagExists(repository: string, tag: string): Promise<boolean> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' } });
  return response.status === 200;
}

async function signImage(reference: string, keyId: string, format: string, extra: Record<string, unknown> = {}): Promise<{ plan: SignPlan; intent: SignIntentView; result: SignResult }> {
  const plan = await call<SignPlan>('signing.plan', { reference });
  const intent = await call<SignIntentView>('signing.prepare', { reference, digest: plan.digest, manifests: plan.manifests.map((m) => m.digest), keyId, format, ...extra });
  const result = await call<SignResult>('signing.confirm', { intentId: intent.intentId });
  return { plan, intent, result };
}

const cosignEnv = () => ({ ...process.env, HOME: work, COSIGN_PASSWORD: '' });

test('cosign format: a multi-arch image is pinned, reviewed, signed on the HSM, pushed, verified, audited, and cosign 2.5 verifies it', async () => {
  const image = await factory.index('shop/app', 'v1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], 'app v1');
  const shownBefore = confirmations.shown.length;
  const { plan, intent, result } = await signImage(`${host}/shop/app:v1`, hsmKey.id, 'cosign', { annotations: { release: 'v1' } });
  assert.equal(plan.digest, image.index.digest);
  assert.equal(plan.manifests.length, 3);
  assert.deepEqual(intent.targets.map((t) => t.digest), [image.index.digest, ...image.children.map((c) => c.digest)]);
  const facts = Object.fromEntries(intent.facts.map((f) => [f.label, f.value]));
  assert.equal(facts['Tag v1 pinned to'], image.index.digest);
  assert.equal(facts['Key fingerprint (SHA-256)'], hsmKey.fingerprint);
  assert.match(facts['Transparency log']!, /nothing is published/);
  assert.ok(Date.parse(intent.expiresAt) - Date.now() <= 120_000);
  // main asked through its own channel, naming every digest and the key
  const asked = confirmations.shown.at(-1)!;
  assert.equal(confirmations.shown.length, shownBefore + 1);
  assert.ok(asked.facts.some((f) => f.value.includes(image.children[1]!.digest)));
  assert.ok(asked.facts.some((f) => f.value === hsmKey.fingerprint));

  assert.equal(result.signed.length, 3);
  for (const signed of result.signed) assert.equal(signed.verdict, 'verified', signed.reason);
  assert.ok(result.requests > 0);
  for (const digest of [image.index.digest, ...image.children.map((c) => c.digest)]) assert.ok(await tagExists('shop/app', `${digest.replace(':', '-')}.sig`));

  const audit = await app.audit.list({ action: 'image.sign', limit: 10 });
  assert.equal(audit[0]?.details.format, 'cosign');
  assert.deepEqual(audit[0]?.details.digests, [image.index.digest, ...image.children.map((c) => c.digest)]);

  await writeFile(join(work, 'hsm.pub'), hsmKey.publicKeyPem);
  const out = await run(join(tools, 'cosign'), ['verify', '--key', join(work, 'hsm.pub'), '--insecure-ignore-tlog', '--allow-http-registry', '--allow-insecure-registry', '-a', 'release=v1', `${host}/shop/app@${image.index.digest}`], { env: cosignEnv() });
  assert.match(out, /docker-manifest-digest/);
});

test('skopeo 1.18 accepts a Signet cosign signature under a containers-policy.json sigstoreSigned rule, and refuses an unsigned image', async () => {
  const signed = await factory.image('policy/app', 'signed', { os: 'linux', architecture: 'amd64' }, 'policy signed');
  await factory.image('policy/app', 'unsigned', { os: 'linux', architecture: 'amd64' }, 'policy unsigned');
  const { result } = await signImage(`${host}/policy/app:signed`, softwareKey.id, 'cosign');
  assert.equal(result.signed[0]!.digest, signed.digest);
  await writeFile(join(work, 'release.pub'), softwareKey.publicKeyPem);
  await writeFile(join(work, 'policy.json'), JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${host}/policy`]: [{ type: 'sigstoreSigned', keyPath: join(work, 'release.pub'), signedIdentity: { type: 'matchRepository' } }] }, oci: { '': [{ type: 'insecureAcceptAnything' }] } } }));
  await writeFile(join(work, 'registries.yaml'), `docker:\n  ${host}:\n    use-sigstore-attachments: true\n`);
  const copy = (tag: string) => run(join(tools, 'skopeo'), ['--policy', join(work, 'policy.json'), '--registries.d', work, 'copy', '--remove-signatures', '--src-tls-verify=false', `docker://${host}/policy/app:${tag}`, `oci:${join(work, `copy-${tag}`)}:x`]);
  await copy('signed');
  await assert.rejects(copy('unsigned'), /signature|rejected|no signature/i);
});

test('signatures already attached are kept: a cosign 2.5 signature survives, and concurrent signers both land', async () => {
  const image = await factory.image('shop/keep', 'v1', { os: 'linux', architecture: 'amd64' }, 'keep');
  await run(join(tools, 'cosign'), ['generate-key-pair', '--output-key-prefix', 'peer'], { cwd: work, env: cosignEnv() });
  await run(join(tools, 'cosign'), ['sign', '--yes', '--key', join(work, 'peer.key'), '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', `${host}/shop/keep@${image.digest}`], { cwd: work, env: cosignEnv() });
  const other = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'second signer' });
  const reference = `${host}/shop/keep:v1`;
  const plan = await call<SignPlan>('signing.plan', { reference });
  assert.deepEqual(plan.manifests[0]!.signedWith, ['cosign']);
  const intents = await Promise.all([softwareKey.id, other.id].map((keyId) => call<SignIntentView>('signing.prepare', { reference, digest: plan.digest, manifests: [plan.digest], keyId, format: 'cosign' })));
  const results = await Promise.all(intents.map((intent) => call<SignResult>('signing.confirm', { intentId: intent.intentId })));
  for (const result of results) assert.equal(result.signed[0]!.verdict, 'verified', result.signed[0]!.reason);
  const sig = await fetch(`${registry.url}/v2/shop/keep/manifests/${image.digest.replace(':', '-')}.sig`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const layers = ((await sig.json()) as { layers: unknown[] }).layers;
  assert.equal(layers.length, 3, 'the cosign signature and both Signet signatures');
  await run(join(tools, 'cosign'), ['verify', '--key', join(work, 'peer.pub'), '--insecure-ignore-tlog', '--allow-http-registry', '--allow-insecure-registry', `${host}/shop/keep@${image.digest}`], { env: cosignEnv() });
});

test('refused with a clear error and nothing pushed: no intent, replay, expiry, moved tag, unusable keys, a key outside the signing rules', async () => {
  const image = await factory.image('shop/refuse', 'v1', { os: 'linux', architecture: 'amd64' }, 'refuse v1');
  const reference = `${host}/shop/refuse:v1`;
  const sigTag = `${image.digest.replace(':', '-')}.sig`;
  const prepare = (keyId: string, extra: Record<string, unknown> = {}) => call<SignIntentView>('signing.prepare', { reference, digest: image.digest, manifests: [image.digest], keyId, format: 'cosign', ...extra });

  await refused(call('signing.confirm', { intentId: 'no-such-intent' }), 'Unauthorized');
  const declined = await prepare(softwareKey.id);
  confirmations.answer = false;
  await refused(call('signing.confirm', { intentId: declined.intentId }), 'Cancelled');
  confirmations.answer = true;

  const expiring = await prepare(softwareKey.id);
  clock = 121_000;
  await refused(call('signing.confirm', { intentId: expiring.intentId }), 'Expired');
  clock = 0;

  const moving = await prepare(softwareKey.id);
  const moved = await factory.image('shop/refuse', 'v1', { os: 'linux', architecture: 'amd64' }, 'refuse v1, replaced');
  await refused(call('signing.confirm', { intentId: moving.intentId }), 'Conflict', /moved/);
  await refused(prepare(softwareKey.id), 'Conflict', /resolve it again/);
  assert.equal(await tagExists('shop/refuse', sigTag), false);
  assert.equal(await tagExists('shop/refuse', `${moved.digest.replace(':', '-')}.sig`), false);

  const movedReference = { reference, digest: moved.digest, manifests: [moved.digest], format: 'cosign' };
  const used = await call<SignIntentView>('signing.prepare', { ...movedReference, keyId: softwareKey.id });
  await call('signing.confirm', { intentId: used.intentId });
  await refused(call('signing.confirm', { intentId: used.intentId }), 'Conflict', /already/);

  const expired = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'short lived', notAfter: new Date(Date.now() + 60_000).toISOString() });
  clock = 120_000;
  await refused(call('signing.prepare', { ...movedReference, keyId: expired.id }), 'Expired');
  clock = 0;
  const revoked = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'to revoke' });
  const pending = await call<SignIntentView>('signing.prepare', { ...movedReference, keyId: revoked.id });
  await app.keys.revoke(revoked.id, { reason: 'keyCompromise', invalidSince: new Date().toISOString() }, 'cli');
  await refused(call('signing.confirm', { intentId: pending.intentId }), 'Forbidden', /revoked/);
  await refused(call('signing.prepare', { ...movedReference, keyId: revoked.id }), 'Forbidden', /revoked/);
  const rotated = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'to retire' });
  await app.keys.rotate(rotated.id, { overlapDays: 0 }, 'cli');
  await refused(call('signing.prepare', { ...movedReference, keyId: rotated.id }), 'Forbidden', /retired/);

  await app.settings.update({ signing: { tsaUrl: tsa.url, rules: [{ scope: `${host}/shop/*`, keyIds: [hsmKey.id] }] } });
  await refused(call('signing.prepare', { ...movedReference, keyId: softwareKey.id }), 'Forbidden', /not allowed to sign/);
  await app.settings.update({ signing: { tsaUrl: tsa.url, rules: [] } });

  const sigManifest = await fetch(`${registry.url}/v2/shop/refuse/manifests/${moved.digest.replace(':', '-')}.sig`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(((await sigManifest.json()) as { layers: unknown[] }).layers.length, 1, 'only the one confirmed signature was pushed');
});

test('a damaged settings document stops signing with an error naming the store file; its signing rules never fall away to defaults', async () => {
  const image = await factory.image('shop/damaged', 'v1', { os: 'linux', architecture: 'amd64' }, 'damaged settings v1');
  const reference = { reference: `${host}/shop/damaged:v1`, digest: image.digest, manifests: [image.digest], format: 'cosign' };
  await app.settings.update({ signing: { tsaUrl: tsa.url, rules: [{ scope: `${host}/shop/*`, keyIds: [hsmKey.id] }] } });
  await refused(call('signing.prepare', { ...reference, keyId: softwareKey.id }), 'Forbidden', /not allowed to sign/);
  const pending = await call<SignIntentView>('signing.prepare', { ...reference, keyId: hsmKey.id });
  const good = await readDataItemText(app.dataDir, 'settings.json');
  assert.ok(good !== null);
  overwriteDocument(app.dataDir, 'settings', good.slice(0, good.length / 2));
  try {
    const named = new RegExp(`${join(app.dataDir, 'signet.db').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*settings.*damaged`);
    await refused(call('signing.prepare', { ...reference, keyId: softwareKey.id }), 'Conflict', named);
    await refused(call('signing.confirm', { intentId: pending.intentId }), 'Conflict', named);
    await refused(call('settings.get', {}), 'Conflict', named);
  } finally {
    overwriteDocument(app.dataDir, 'settings', good);
  }
  assert.equal(await tagExists('shop/damaged', `${image.digest.replace(':', '-')}.sig`), false, 'nothing was signed or pushed');
  await app.settings.update({ signing: { tsaUrl: tsa.url, rules: [] } });
});

test('sigstore bundle format: an OCI referrer with the tag-schema fallback, verified by Signet and by cosign 2.5 (verify-attestation)', async () => {
  const image = await factory.image('shop/bundle', 'v1', { os: 'linux', architecture: 'amd64' }, 'bundle v1');
  const { result } = await signImage(`${host}/shop/bundle:v1`, hsmKey.id, 'sigstore-bundle');
  assert.equal(result.signed[0]!.verdict, 'verified', result.signed[0]!.reason);
  assert.ok(result.signed[0]!.written.some((w) => w.startsWith(`${image.digest.replace(':', '-')} (`)), 'the fallback index tag was written');
  const index = (await (await fetch(`${registry.url}/v2/shop/bundle/manifests/${image.digest.replace(':', '-')}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } })).json()) as { manifests: { artifactType: string }[] };
  assert.equal(index.manifests[0]!.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  await writeFile(join(work, 'hsm.pub'), hsmKey.publicKeyPem);
  // cosign 2.5 reads image bundles only through verify-attestation (its `verify` gained bundles in 2.6); an empty trusted root keeps it offline.
  await writeFile(join(work, 'empty-root.json'), JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }));
  const verifyBundle = (keyFile: string) =>
    run(join(tools, 'cosign'), ['verify-attestation', '--new-bundle-format', '--key', keyFile, '--insecure-ignore-tlog', '--trusted-root', join(work, 'empty-root.json'), '--type', 'https://sigstore.dev/cosign/sign/v1', '--allow-http-registry', '--allow-insecure-registry', `${host}/shop/bundle@${image.digest}`], { env: cosignEnv() });
  await verifyBundle(join(work, 'hsm.pub'));
  await writeFile(join(work, 'release.pub'), softwareKey.publicKeyPem);
  await assert.rejects(verifyBundle(join(work, 'release.pub')), /threshold|no matching|verif/i, 'cosign refuses the bundle with another key');
});

test('Notation format: Signet acts as a CA on the HSM, the envelope carries every required field, verifies against a trust policy, and fails once the key is revoked', async () => {
  const image = await factory.image('shop/notation', 'v1', { os: 'linux', architecture: 'amd64' }, 'notation v1');
  const none = await call<{ exists: boolean }>('authority.get', {});
  assert.equal(none.exists, false);
  await refused(signImage(`${host}/shop/notation:v1`, softwareKey.id, 'notation'), 'NotFound', /certificate authority/);
  const authority = await call<{ rootPem: string; intermediatePem: string }>('authority.create', { name: 'Signet Test', backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label } });
  const signer = await call<KeyRecord>('keys.generate', { backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, label: 'notation signer' });
  const { result } = await signImage(`${host}/shop/notation:v1`, signer.id, 'notation', { timestamp: true, annotations: { build: '42' } });
  assert.equal(result.signed[0]!.verdict, 'verified', result.signed[0]!.reason);

  const referrerDigest = result.signed[0]!.written[0]!.replace('referrer ', '');
  const manifest = (await (await fetch(`${registry.url}/v2/shop/notation/manifests/${referrerDigest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { artifactType: string; subject: { digest: string }; layers: { mediaType: string; digest: string }[]; annotations: Record<string, string> };
  assert.equal(manifest.artifactType, 'application/vnd.cncf.notary.signature');
  assert.equal(manifest.subject.digest, image.digest);
  assert.equal(manifest.layers[0]!.mediaType, 'application/jose+json');
  const envelope = JSON.parse(await (await fetch(`${registry.url}/v2/shop/notation/blobs/${manifest.layers[0]!.digest}`)).text()) as { protected: string; payload: string; header: Record<string, unknown>; signature: string };
  const header = JSON.parse(Buffer.from(envelope.protected, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(header.alg, 'ES256');
  assert.equal(header.cty, 'application/vnd.cncf.notary.payload.v1+json');
  assert.deepEqual(header.crit, ['io.cncf.notary.signingScheme']);
  assert.equal(header['io.cncf.notary.signingScheme'], 'notary.x509');
  assert.match(String(header['io.cncf.notary.signingTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const payload = JSON.parse(Buffer.from(envelope.payload, 'base64url').toString()) as { targetArtifact: { digest: string; mediaType: string; size: number; annotations: Record<string, string> } };
  assert.deepEqual(payload.targetArtifact, { mediaType: image.mediaType, digest: image.digest, size: image.size, annotations: { build: '42' } });
  const chain = (envelope.header.x5c as string[]).map((c) => new X509Certificate(Buffer.from(c, 'base64')));
  assert.equal(chain.length, 3);
  assert.ok(chain[0]!.keyUsage?.includes('1.3.6.1.5.5.7.3.3'), 'the leaf is a code-signing certificate');
  assert.equal(chain[2]!.raw.toString('base64'), new X509Certificate(authority.rootPem).raw.toString('base64'));
  assert.equal(typeof envelope.header['io.cncf.notary.signingAgent'], 'string');
  assert.equal(typeof envelope.header['io.cncf.notary.timestampSignature'], 'string');
  assert.equal(manifest.annotations['io.cncf.notary.x509chain.thumbprint#S256'], JSON.stringify(chain.map((c) => c.fingerprint256.replace(/:/g, '').toLowerCase())));

  await app.settings.update({ trust: { keyFiles: [], caFiles: [], rekorKeyFiles: [], tsaFiles: [], notationStores: [], crlFiles: [], trustedRootFile: null, publicGood: false, identity: null, issuer: null, requireTlog: false } });
  const trusted = await call<ChainReport>('images.inspect', { reference: `${host}/shop/notation:v1` });
  const node = trusted.nodes.find((n) => n.kind === 'signature' && n.details.digest === referrerDigest)!;
  assert.equal(node.verdict, 'verified', node.reason);
  assert.match(node.reason, /Revocation checked/);

  await app.keys.revoke(signer.id, { reason: 'keyCompromise', invalidSince: new Date(Date.now() - 60_000).toISOString() }, 'cli');
  const crl = await call<{ text: string }>('authority.crl', {});
  await writeFile(join(work, 'crl.pem'), crl.text);
  const crlText = await run('openssl', ['crl', '-in', join(work, 'crl.pem'), '-noout', '-text']);
  assert.match(crlText, /Key Compromise/);
  const after = await call<ChainReport>('images.inspect', { reference: `${host}/shop/notation:v1` });
  const revokedNode = after.nodes.find((n) => n.kind === 'signature' && n.details.digest === referrerDigest)!;
  assert.notEqual(revokedNode.verdict, 'verified');
  assert.match(revokedNode.reason, /revoked/i);
});

test('an RFC 3161 timestamp from the configured TSA is attached to a cosign signature and trusted when the TSA is', async () => {
  await factory.image('shop/stamped', 'v1', { os: 'linux', architecture: 'amd64' }, 'stamped v1');
  await writeFile(join(work, 'tsa-root.pem'), tsa.rootPem);
  await app.settings.update({ trust: { keyFiles: [], caFiles: [], rekorKeyFiles: [], tsaFiles: [join(work, 'tsa-root.pem')], notationStores: [], crlFiles: [], trustedRootFile: null, publicGood: false, identity: null, issuer: null, requireTlog: false } });
  const { intent, result } = await signImage(`${host}/shop/stamped:v1`, softwareKey.id, 'cosign', { timestamp: true });
  assert.match(intent.facts.find((f) => f.label === 'Timestamp')!.value, /RFC 3161/);
  assert.equal(result.signed[0]!.verdict, 'verified', result.signed[0]!.reason);
  const bundled = await signImage(`${host}/shop/stamped:v1`, softwareKey.id, 'sigstore-bundle', { timestamp: true });
  assert.equal(bundled.result.signed[0]!.verdict, 'verified', bundled.result.signed[0]!.reason);
  const report = await call<ChainReport>('images.inspect', { reference: `${host}/shop/stamped:v1` });
  assert.ok(report.nodes.some((n) => n.kind === 'timestamp' && n.verdict === 'verified'));
  await app.settings.update({ signing: { tsaUrl: null, rules: [] } });
  await refused(call('signing.prepare', { reference: `${host}/shop/stamped:v1`, digest: result.signed[0]!.digest, manifests: [result.signed[0]!.digest], keyId: softwareKey.id, timestamp: true }), 'BadInput', /timestamp authority/);
  await app.settings.update({ signing: { tsaUrl: tsa.url, rules: [] } });
  await call('policies.remove', { policyId: 'impact-policy' });
});

test('bulk: every matching tag is listed in one intent, signed with progress, and a cancel stops the run', async () => {
  for (const n of [1, 2, 3, 4, 5, 6]) await factory.image('shop/bulk', `v${n}`, { os: 'linux', architecture: 'amd64' }, `bulk ${n}`);
  await factory.image('shop/bulk', 'dev', { os: 'linux', architecture: 'amd64' }, 'bulk dev');
  const intent = await call<SignIntentView>('signing.prepareBulk', { repository: `${host}/shop/bulk`, tagPattern: 'v*', keyId: hsmKey.id, format: 'cosign' });
  assert.deepEqual(intent.targets.map((t) => t.tag), ['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  const progress: number[] = [];
  const stop = app.events.subscribe((event, payload) => {
    if (event === 'signing.progress') progress.push((payload as SignProgress).done);
  });
  const result = await call<SignResult>('signing.confirm', { intentId: intent.intentId });
  stop();
  assert.equal(result.signed.length, 6);
  assert.ok(result.signed.every((s) => s.verdict === 'verified'));
  assert.deepEqual(progress, [0, 1, 2, 3, 4, 5, 6]);

  const second = await call<SignIntentView>('signing.prepareBulk', { repository: `${host}/shop/bulk`, tagPattern: 'v*', keyId: softwareKey.id, format: 'sigstore-bundle' });
  const stopAfterTwo = app.events.subscribe((event, payload) => {
    if (event === 'signing.progress' && (payload as SignProgress).done === 2) void call('signing.cancel', { intentId: second.intentId });
  });
  const cancelled = await call<SignResult>('signing.confirm', { intentId: second.intentId });
  stopAfterTwo();
  assert.equal(cancelled.cancelled, true);
  assert.ok(cancelled.signed.length >= 2 && cancelled.signed.length < 6, `stopped after the images in hand (${cancelled.signed.length})`);
  const pushed = await Promise.all(intent.targets.map(async (t) => (await fetch(`${registry.url}/v2/shop/bulk/manifests/${t.digest.replace(':', '-')}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.index.v1+json' } })).status === 200));
  assert.equal(pushed.filter(Boolean).length, cancelled.signed.length, 'a referrer index exists for exactly the images reported signed');
  const audit = await app.audit.list({ action: 'image.sign', limit: 1 });
  assert.equal(audit[0]?.details.cancelled, true);

  const dropped = await call<SignIntentView>('signing.prepareBulk', { repository: `${host}/shop/bulk`, tagPattern: 'dev', keyId: softwareKey.id });
  assert.deepEqual(await call('signing.cancel', { intentId: dropped.intentId }), { cancelled: true });
  await refused(call('signing.confirm', { intentId: dropped.intentId }), 'Unauthorized');
});

test('an OCI image layout on disk is signed in place, for offline work: the signature is written into the layout and verifies', async () => {
  await factory.image('shop/offline', 'v1', { os: 'linux', architecture: 'amd64' }, 'offline v1');
  const layout = join(work, 'offline-layout');
  await run(join(tools, 'skopeo'), ['copy', '--src-tls-verify=false', `docker://${host}/shop/offline:v1`, `oci:${layout}:v1`]);
  await refused(call('signing.plan', { reference: `oci:${layout}:v1` }), 'Forbidden', /not a configured image layout/);
  await app.settings.update({ layouts: [{ name: 'offline', path: layout }] });
  for (const format of ['cosign', 'sigstore-bundle'] as const) {
    const { result } = await signImage(`oci:${layout}:v1`, softwareKey.id, format);
    assert.equal(result.signed[0]!.verdict, 'verified', `${format}: ${result.signed[0]!.reason}`);
    assert.equal(result.requests, 0, 'nothing went over the network');
  }
  const report = await call<ChainReport>('images.inspect', { reference: `oci:${layout}:v1` });
  assert.equal(report.verdict, 'verified', report.reason);
  assert.equal(report.nodes.filter((n) => n.kind === 'signature' && n.verdict === 'verified').length, 2);
});

test('the impact preview of rotating or revoking a key lists the images it signed and the signing rules that name it', async () => {
  const image = await factory.image('shop/impact', 'v1', { os: 'linux', architecture: 'amd64' }, 'impact v1');
  const key = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'impact' });
  await signImage(`${host}/shop/impact:v1`, key.id, 'cosign');
  await app.settings.update({ signing: { tsaUrl: tsa.url, rules: [{ scope: `${host}/shop/impact*`, keyIds: [key.id] }] } });
  await call('policies.save', { id: 'impact-policy', name: 'Impact', rules: [{ scope: `${host}/shop/*`, signers: [{ kind: 'key', keyId: key.id }] }] });
  const rotate = await call<{ intentId: string; facts: { label: string; value: string }[] }>('keys.prepare', { action: 'rotate', keyId: key.id });
  const facts = Object.fromEntries(rotate.facts.map((f) => [f.label, f.value]));
  assert.equal(facts['Images signed with this key'], `1: ${host}/shop/impact@${image.digest}`);
  assert.match(facts['Signing rules naming this key']!, new RegExp(`^${host}/shop/impact\\* \\(add the successor`));
  assert.match(facts['Trust policies naming this key']!, new RegExp(`^Impact: ${host}/shop/\\*`));
  const revoke = await call<{ facts: { label: string; value: string }[] }>('keys.prepare', { action: 'revoke', keyId: key.id, reason: 'keyCompromise', invalidSince: new Date(Date.now() + 60_000).toISOString() });
  assert.equal(revoke.facts.find((f) => f.label === 'Images signed after "invalid since"')?.value, 'none');
  await app.settings.update({ signing: { tsaUrl: tsa.url, rules: [] } });
  await call('policies.remove', { policyId: 'impact-policy' });
});
