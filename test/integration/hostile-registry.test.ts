import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Discovery } from '../../main/images/discovery.ts';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { VerifyEngine } from '../../main/images/verify.engine.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { ChainReportSchema, type ChainReport } from '../../shared/model/chain.model.ts';
import { digestOf, OCI_INDEX, OCI_MANIFEST, startHostileRegistry, type HostileRegistry } from '../support/hostile-registry.ts';

let registry: HostileRegistry;
before(async () => {
  registry = await startHostileRegistry();
});
after(() => registry?.stop());

const source = () => new RegistrySource(new RegistryClient({ baseUrl: registry.url, retries: 0, timeoutMs: 5000 }));
const COSIGN_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';

function image(repository: string, tag: string, content: string): string {
  return registry.manifest(
    repository,
    { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(`${content} config`), size: 2 }, layers: [{ mediaType: 'text/plain', digest: digestOf(content), size: content.length }] },
    { tag },
  );
}

// A cosign tag signature whose payload blob is present; no key is trusted, so it cannot verify, but it is shown.
function cosignSignature(repository: string, digest: string): void {
  const payload = registry.blob(repository, JSON.stringify({ critical: { image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature', identity: { 'docker-reference': 'x' } }, optional: null }));
  registry.manifest(repository, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf('c'), size: 1 }, layers: [{ mediaType: COSIGN_LAYER, digest: payload, size: 10, annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } }] }, { tag: `${digest.replace(':', '-')}.sig` });
}

async function verify(repository: string, reference: string, limits?: Parameters<VerifyEngine['verify']>[2]['limits']): Promise<ChainReport> {
  const report = await new VerifyEngine(source()).verify(repository, reference, { reference: `${registry.host}/${repository}:${reference}`, keys: [], limits });
  assert.ok(ChainReportSchema.safeParse(report).success, 'the report is inside the contract');
  return report;
}

test('an index whose manifests is a string is an unreadable node, not a crash, and its signature is still shown', async () => {
  const digest = registry.manifest('hostile/index', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: 'not a list' }, { tag: 'v1' });
  cosignSignature('hostile/index', digest);
  const graph = await new Discovery(source()).discover('hostile/index', 'v1');
  assert.match(graph.root.unreadable ?? '', /manifests: .*expected array/);
  assert.equal(graph.root.attachments.length, 1);
  const report = await verify('hostile/index', 'v1');
  assert.equal(report.verdict, 'failed');
  const root = report.nodes.find((n) => n.id === digest)!;
  assert.match(root.reason, /^unreadable: .*manifests/);
  assert.ok(report.nodes.some((n) => n.kind === 'signature'), 'the signature is still on the chain');
});

test('a referrers list that is not JSON is a verdict on its own node; the rest of the chain is still shown', async () => {
  const digest = image('hostile/referrers', 'v1', 'referrers not json');
  cosignSignature('hostile/referrers', digest);
  registry.set(`hostile/referrers/referrers/${digest}`, { headers: { 'content-type': OCI_INDEX }, body: '<html>not json' });
  const report = await verify('hostile/referrers', 'v1');
  assert.notEqual(report.verdict, 'verified');
  const unreadable = report.nodes.find((n) => n.kind === 'artifact');
  assert.ok(unreadable, JSON.stringify(report.nodes.map((n) => n.kind)));
  assert.equal(unreadable.verdict, 'failed');
  assert.match(unreadable.reason, /^unreadable: .*referrers .* not JSON/);
  assert.ok(report.nodes.some((n) => n.kind === 'signature'));
  assert.ok(report.graph.problems.some((p) => /referrers .* not JSON/.test(p)));
});

test('a platform manifest of the wrong type is unreadable on its node while its sibling is read', async () => {
  const good = image('hostile/children', 'good', 'good child');
  const bad = registry.manifest('hostile/children', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: { digest: 5 } });
  const notJson = registry.manifest('hostile/children', Buffer.from([0xff, 0xfe, 0x00, 0x1b]), { mediaType: OCI_MANIFEST });
  const missing = digestOf('never pushed');
  const descriptor = (digest: string, architecture: string) => ({ mediaType: OCI_MANIFEST, digest, size: 10, platform: { os: 'linux', architecture } });
  registry.manifest('hostile/children', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [descriptor(good, 'amd64'), descriptor(bad, 'arm64'), descriptor(notJson, 's390x'), descriptor(missing, 'riscv64'), { digest: 7 }] }, { tag: 'v1' });
  const graph = await new Discovery(source()).discover('hostile/children', 'v1');
  assert.match(graph.root.unreadable ?? '', /manifests\.4\.digest/);
  const withChildren = registry.manifest('hostile/children', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [descriptor(good, 'amd64'), descriptor(bad, 'arm64'), descriptor(notJson, 's390x'), descriptor(missing, 'riscv64')] }, { tag: 'v2' });
  const report = await verify('hostile/children', 'v2');
  const byArch = new Map(report.graph.root.children.map((c) => [c.platform?.architecture, c]));
  assert.equal(byArch.get('amd64')?.unreadable, undefined);
  assert.match(byArch.get('arm64')?.unreadable ?? '', /layers/);
  assert.match(byArch.get('s390x')?.unreadable ?? '', /not JSON/);
  assert.match(byArch.get('riscv64')?.unreadable ?? '', /could not be read/);
  for (const digest of [bad, notJson, missing]) assert.match(report.nodes.find((n) => n.id === digest)?.reason ?? '', /^unreadable: /);
  assert.equal(report.nodes.find((n) => n.id === withChildren)?.verdict, 'unsigned');
});

test('a signature manifest and a bundle of the wrong shape are reported on their nodes', async () => {
  const digest = image('hostile/attached', 'v1', 'attached');
  registry.manifest('hostile/attached', { schemaVersion: 2, layers: [{ mediaType: COSIGN_LAYER, digest: 12 }] }, { tag: `${digest.replace(':', '-')}.sig` });
  const bundle = registry.blob('hostile/attached', '{"dsseEnvelope": "not an object"}');
  const referrer = registry.manifest('hostile/attached', { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: bundle, size: 30 }], subject: { digest } });
  registry.set(`hostile/attached/referrers/${digest}`, { headers: { 'content-type': OCI_INDEX }, body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: referrer, size: 1 }] }) });
  const report = await verify('hostile/attached', 'v1');
  const reasons = report.nodes.filter((n) => n.kind === 'artifact').map((n) => n.reason);
  assert.ok(reasons.some((r) => /^unreadable: The sig attachment .*layers\.0\.digest/.test(r)), reasons.join('\n'));
  assert.ok(reasons.some((r) => /^unreadable: Referrer .*dsseEnvelope/.test(r)), reasons.join('\n'));
  assert.equal(report.verdict, 'failed');
});

test('a manifest with more referrers than the budget is too large to verify, and no more than the budget is read', async () => {
  const digest = image('hostile/many', 'v1', 'many referrers');
  const manifests = Array.from({ length: 256 }, (_, i) => ({ mediaType: OCI_MANIFEST, digest: image('hostile/many', `r${i}`, `referrer ${i}`), size: 100, artifactType: 'application/example' }));
  registry.set(`hostile/many/referrers/${digest}`, { headers: { 'content-type': OCI_INDEX }, body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }) });
  const before = registry.requests.length;
  const report = await verify('hostile/many', 'v1');
  assert.equal(report.verdict, 'failed');
  assert.match(report.reason, /^too large to verify: referrers of one manifest, 64/);
  assert.equal(report.graph.tooLarge, 'too large to verify: referrers of one manifest, 64');
  assert.ok(registry.requests.length - before < 20, `${registry.requests.length - before} requests`);
  const raised = await verify('hostile/many', 'v1', { referrersPerManifest: 300 });
  assert.equal(raised.graph.tooLarge, undefined, 'the limit is raised through the options');
  assert.equal(raised.graph.root.attachments.length, 256);
  const nodes = await verify('hostile/many', 'v1', { referrersPerManifest: 300, nodes: 50 });
  assert.match(nodes.reason, /^too large to verify: manifests and attachments, 50/);
  const requests = await verify('hostile/many', 'v1', { referrersPerManifest: 300, requests: 30 });
  assert.match(requests.reason, /^too large to verify: requests, 30/);
  assert.equal(requests.verdict, 'failed');
});

test('bytes and time budgets stop a verification with a clear verdict', async () => {
  const digest = image('hostile/slow', 'v1', 'slow');
  const big = Buffer.alloc(900 * 1024, 0x20);
  const payloads = Array.from({ length: 8 }, (_, i) => registry.blob('hostile/slow', Buffer.concat([Buffer.from(`{"n":${i}}`), big])));
  registry.manifest('hostile/slow', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: payloads.map((p) => ({ mediaType: COSIGN_LAYER, digest: p, size: big.length, annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } })) }, { tag: `${digest.replace(':', '-')}.sig` });
  const bytes = await verify('hostile/slow', 'v1', { bytes: 2 * 1024 * 1024 });
  assert.equal(bytes.verdict, 'failed');
  assert.match(bytes.reason, /^too large to verify: bytes read, 2097152/);

  registry.set(`hostile/slow/referrers/${digest}`, { body: 'stall' });
  const started = Date.now();
  const timed = await verify('hostile/slow', 'v1', { timeMs: 300 });
  assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms: the registry's own 5 s timeout was not waited for`);
  assert.equal(timed.verdict, 'failed');
  assert.match(timed.reason, /^too large to verify: time, 0.3 s/);
});

test('endless and oversized manifests, referrers, tag lists and blobs are cut off with a clear error', async () => {
  registry.set('hostile/endless/manifests/v1', { headers: { 'content-type': OCI_MANIFEST }, body: 'endless' });
  await assert.rejects(new Discovery(source()).discover('hostile/endless', 'v1'), /over the 4194304-byte limit; reading stopped/);
  registry.set('hostile/endless/manifests/v2', { headers: { 'content-type': OCI_MANIFEST, 'content-length': String(1 << 30) }, body: '' });
  await assert.rejects(new Discovery(source()).discover('hostile/endless', 'v2'), /over the 4194304-byte limit/);
  registry.set('hostile/endless/tags/list', { headers: { 'content-type': 'application/json' }, body: 'endless' });
  await assert.rejects(source().listTags('hostile/endless'), /over the .*-byte limit/);
  registry.set('hostile/wrong/tags/list', { headers: { 'content-type': 'application/json' }, body: '{"tags": "v1"}' });
  await assert.rejects(source().listTags('hostile/wrong'), /not a JSON object with a list of tags/);
  registry.set('hostile/wrong2/tags/list', { headers: { 'content-type': 'application/json' }, body: '][' });
  await assert.rejects(source().listTags('hostile/wrong2'), /not a JSON object/);
  const blob = digestOf('endless blob');
  registry.set(`hostile/endless/blobs/${blob}`, { body: 'endless' });
  await assert.rejects(source().getBlob('hostile/endless', blob, 1024 * 1024), /over the 1048576-byte limit; reading stopped/);

  const digest = image('hostile/endless', 'v3', 'endless referrers');
  registry.set(`hostile/endless/referrers/${digest}`, { headers: { 'content-type': OCI_INDEX }, body: 'endless' });
  const report = await verify('hostile/endless', 'v3');
  assert.ok(report.nodes.some((n) => n.kind === 'artifact' && /^unreadable: .*over the 4194304-byte limit/.test(n.reason)), JSON.stringify(report.nodes));
});

test('an attestation whose envelope holds no statement is judged on its own node, not a failed verification; nothing unsigned is read', async () => {
  const digest = image('hostile/dsse', 'v1', 'dsse');
  const envelope = registry.blob('hostile/dsse', '{}');
  registry.manifest('hostile/dsse', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [{ mediaType: 'application/vnd.dsse.envelope.v1+json', digest: envelope, size: 2, annotations: { predicateType: 'https://example.com/p' } }] }, { tag: `${digest.replace(':', '-')}.att` });
  const report = await verify('hostile/dsse', 'v1');
  const attestation = report.nodes.find((n) => n.kind === 'attestation');
  assert.equal(attestation?.verdict, 'untrusted');
  assert.match(attestation?.reason ?? '', /No trusted key is configured for this attestation/);
  assert.deepEqual(attestation?.checks?.map((c) => `${c.name}:${c.result}`), ['signature:fail'], 'the statement is read only once its signature verifies');
});

test('an image whose manifest is unreadable is never offered for signing, and the reason names it', async () => {
  const { createTestApp, quietProbes } = await import('../support/app.ts');
  const { MemoryKeychain } = await import('../support/memory-keychain.ts');
  const app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain() });
  try {
    registry.manifest('hostile/unsignable', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: 'not a list' }, { tag: 'v1' });
    await assert.rejects(app.signing.plan({ reference: `${registry.host}/hostile/unsignable:v1`, insecure: true }), (error: Error) => /cannot be signed: its manifest is unreadable: .*manifests/.test(error.message));
  } finally {
    await app.cleanup();
  }
});
