import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { CompromiseAssessment, CompromiseIntent, CompromiseReport } from '../../shared/model/compromise.model.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { SignIntentView, SignPlan, SignResult } from '../../shared/model/signing.model.ts';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { VerifyEngine } from '../../main/images/verify.engine.ts';
import { sealCosignKey } from '../../main/keys/cosign-key.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { appendCosignSignature, simpleSigningPayload } from '../../main/signing/cosign.writer.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { callChannel, designateAdminKey } from '../support/dispatch.ts';

const LINUX = { os: 'linux', architecture: 'amd64' };
const HOUR = 3_600_000;
let registry: Registry;
let host: string;
let app: TestApp;
let factory: ImageFactory;
let source: RegistrySource;
/** Shifts the app's clock: images signed with a negative offset were signed "in the past". */
let offset = 0;
const confirmations = new ScriptedConfirmation();

before(async () => {
  registry = await startRegistry();
  host = new URL(registry.url).host;
  factory = new ImageFactory(registry.url);
  source = new RegistrySource(new RegistryClient({ baseUrl: registry.url }));
  app = await createTestApp({ probes: quietProbes, confirmations, keychain: new MemoryKeychain(), now: () => new Date(Date.now() + offset) });
  await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
});

after(async () => {
  await app?.cleanup();
  await registry?.stop();
});

async function call<T>(channel: string, input: unknown): Promise<T> {
  return callChannel<T>(app, channel, input);
}

// The admin key is designated through the confirmed key action, as the Keys screen and the CLI do.
const designateAdmin = (keyId: string) => designateAdminKey(app, keyId);

async function signImage(reference: string, keyId: string, format: string): Promise<SignResult> {
  const plan = await call<SignPlan>('signing.plan', { reference });
  const intent = await call<SignIntentView>('signing.prepare', { reference, digest: plan.digest, manifests: [plan.digest], keyId, format });
  return call<SignResult>('signing.confirm', { intentId: intent.intentId });
}

// The engine with exactly one trusted key, and the inventory so revoked keys are judged by their records.
async function verdictWith(key: KeyRecord, repository: string, digest: string): Promise<ChainReport['verdict']> {
  const report = await new VerifyEngine(source).verify(repository, digest, { reference: `${host}/${repository}`, keys: [createPublicKey(key.publicKeyPem)], inventory: await app.keys.list() });
  return report.verdict;
}

async function sigLayers(repository: string, digest: string): Promise<number> {
  const fetched = await source.tryManifest(repository, `${digest.replace(':', '-')}.sig`);
  return fetched ? ((JSON.parse(fetched.bytes.toString('utf8')) as { layers?: unknown[] }).layers ?? []).length : 0;
}

test('a compromised key: assess finds what it signed after "invalid since", and one confirmed response revokes, rotates, re-signs, removes and reports', async () => {
  // The key is imported from a cosign.key the test keeps, so the test can also sign as the thief would, outside Signet.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const compromised = await app.keys.importCosignKey(await sealCosignKey(privateKey, 'correct horse battery'), 'correct horse battery', 'release', 'cli');
  const bystander = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'other team' });
  const scopeFirst = { keyId: compromised.id, invalidSince: new Date(Date.now() - HOUR).toISOString(), registries: [], resign: false, removeCompromisedSignatures: false, exportTargets: [] };
  await assert.rejects(call('compromise.prepare', scopeFirst), /none can be signed now: No admin key is designated/);
  await designateAdmin(bystander.id);
  await app.policies.save({ id: 'prod', name: 'Production', description: '', rules: [{ scope: `${host}/app/*`, signers: [{ kind: 'key', keyId: compromised.id }], threshold: 1, formats: ['cosign', 'sigstore-bundle', 'notation'], attestations: [], enforcement: 'enforce' }] }, 'cli');

  const old = await factory.image('app/old', 'v1', LINUX, 'old');
  const fresh = await factory.image('app/fresh', 'v1', LINUX, 'fresh');
  const bundled = await factory.image('app/bundled', 'v1', LINUX, 'bundled');
  const stolen = await factory.image('app/stolen', 'v1', LINUX, 'stolen');
  const other = await factory.image('app/other', 'v1', LINUX, 'other');

  offset = -2 * HOUR;
  await signImage(`${host}/app/old:v1`, compromised.id, 'cosign');
  offset = 0;
  const invalidSince = new Date(Date.now() - HOUR).toISOString();
  await signImage(`${host}/app/fresh:v1`, compromised.id, 'cosign');
  await signImage(`${host}/app/bundled:v1`, compromised.id, 'sigstore-bundle');
  await signImage(`${host}/app/other:v1`, bystander.id, 'cosign');
  // The thief's own signature: in the registry, not in the audit log, with no trusted time.
  const payload = simpleSigningPayload(`${host}/app/stolen`, stolen.digest, {});
  await appendCosignSignature(source, source, 'app/stolen', stolen.digest, { payload, signature: sign('sha256', payload, privateKey), timestampResponse: null });

  const scope = { keyId: compromised.id, invalidSince, registries: [{ name: 'local', repositories: null }] };
  const assessment = await call<CompromiseAssessment>('compromise.assess', scope);
  const byDigest = new Map(assessment.affected.map((a) => [a.digest, a]));
  assert.deepEqual([...byDigest.keys()].sort(), [fresh.digest, bundled.digest, stolen.digest].sort(), 'exactly the images signed after "invalid since", and the undated one');
  assert.deepEqual(byDigest.get(fresh.digest)!.foundIn, ['audit-log', 'registry-scan']);
  assert.equal(byDigest.get(bundled.digest)!.format, 'sigstore-bundle');
  assert.deepEqual(byDigest.get(stolen.digest)!.foundIn, ['registry-scan']);
  assert.equal(byDigest.get(stolen.digest)!.signedAt, null);
  assert.ok(assessment.notes.some((n) => /1 image\(s\) were signed by this key before .* without a trusted timestamp/.test(n)), assessment.notes.join('\n'));

  const intent = await call<CompromiseIntent>('compromise.prepare', { ...scope, resign: true, removeCompromisedSignatures: true, exportTargets: ['kyverno'] });
  const shown = intent.facts.map((f) => `${f.label}: ${f.value}`).join('\n');
  for (const digest of [fresh.digest, bundled.digest, stolen.digest]) assert.ok(shown.includes(digest), `the intent names ${digest}`);
  assert.match(shown, /keyCompromise, invalid since/);
  assert.match(shown, /same backend/);
  assert.match(shown, /prod: kyverno/);
  assert.ok(new Date(intent.expiresAt).getTime() - Date.now() <= 120_000);

  const report = await call<CompromiseReport>('compromise.confirm', { intentId: intent.intentId });
  assert.equal(confirmations.shown.at(-1)!.title, `Respond to the compromise of "release"`);
  const successor = await app.keys.get(report.successorId!);
  assert.equal(successor.predecessor, compromised.id);
  assert.equal(successor.location.kind, 'software');
  assert.equal((await app.keys.get(compromised.id)).status, 'revoked');
  assert.deepEqual(report.resigned.map((r) => r.verdict), ['verified', 'verified', 'verified']);
  const steps = report.timeline.map((t) => t.what).join('\n');
  for (const pattern of [/Rotated "release" to the successor/, /Revoked "release" for keyCompromise/, /Re-signed 2 image\(s\) as cosign/, /Re-signed 1 image\(s\) as sigstore bundle/, /Removed 3 compromised signature/, /Published the revocation list/, /Exported 1 policy/, /audit log/]) {
    assert.match(steps, pattern);
  }
  assert.ok(report.timeline.every((t) => !Number.isNaN(Date.parse(t.time))));
  assert.ok(steps.indexOf('Rotated') < steps.indexOf('Revoked'), 'rotation comes before revocation');

  // Every affected image verifies with the successor and not with the stolen key.
  for (const [repository, digest] of [['app/fresh', fresh.digest], ['app/bundled', bundled.digest], ['app/stolen', stolen.digest]] as const) {
    assert.equal(await verdictWith(successor, repository, digest), 'verified', `${repository} with the successor`);
    assert.notEqual(await verdictWith(compromised, repository, digest), 'verified', `${repository} with the compromised key`);
  }
  // The removed signatures are gone: one layer left (the successor's) on each .sig tag, and the bundle referrer is deleted.
  assert.equal(await sigLayers('app/fresh', fresh.digest), 1);
  assert.equal(await sigLayers('app/stolen', stolen.digest), 1);
  const removedReferrer = report.removed.find((r) => r.reference.includes('app/bundled'))!.what.match(/sha256:[0-9a-f]{64}/)![0];
  assert.equal((await fetch(`${registry.url}/v2/app/bundled/manifests/${removedReferrer}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).status, 404);
  const fallback = JSON.parse((await source.getManifest('app/bundled', bundled.digest.replace(':', '-'))).bytes.toString('utf8')) as { manifests: { digest: string }[] };
  assert.ok(!fallback.manifests.some((m) => m.digest === removedReferrer), 'the fallback index no longer lists the deleted referrer');

  // Signed before "invalid since" without a trusted timestamp: a keyCompromise revocation leaves nothing to show it came first, so the engine refuses it.
  assert.equal(await verdictWith(compromised, 'app/old', old.digest), 'revoked');
  assert.equal(await sigLayers('app/old', old.digest), 1, 'images outside the affected list keep their signatures');
  assert.equal(await verdictWith(bystander, 'app/other', other.digest), 'verified', "another key's image is untouched");

  const revocations = JSON.parse(report.revocationList.text) as { document: { entries: { fingerprint: string; reason: string; invalidSince: string }[] } };
  assert.deepEqual(revocations.document.entries.map((e) => [e.fingerprint, e.reason, e.invalidSince]), [[compromised.fingerprint, 'keyCompromise', invalidSince]]);
  assert.equal(report.exports.length, 1);
  assert.ok(report.exports[0]!.files.length > 0);
  assert.ok(report.exports[0]!.gaps.some((g) => /names the revoked key "release" but not its successor/.test(g)));

  const [entry] = await app.audit.list({ action: 'compromise.respond', limit: 1 });
  assert.equal(entry?.subject, compromised.id);
  assert.equal(entry?.details.complete, true);
  assert.equal((entry?.details.resigned as unknown[]).length, 3);
});
