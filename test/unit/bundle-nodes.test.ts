import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChainReportSchema, type ChainNode, type ChainReport } from '../../shared/model/chain.model.ts';
import type { ImageSource } from '../../main/images/image-source.types.ts';
import type { Fetched } from '../../main/registry/registry.client.ts';
import { VerifyEngine } from '../../main/images/verify.engine.ts';
import { bundleContents, bundleKeyFromPem, verifySigstoreBundle, type BundlePolicy } from '../../main/signatures/sigstore-bundle.verifier.ts';
import { publicGoodTrustedRoot } from '../../main/trust/public-good.ts';

const folder = resolve(fileURLToPath(new URL('../../', import.meta.url)), process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance');
const missing = existsSync(join(folder, 'cases.json')) ? false : `no acceptance fixtures at ${folder} (no cases.json; set SIGNET_ACCEPTANCE_DIR to the fixture folder)`;
if (missing) console.log(`bundle node tests skipped: ${missing}`);

interface BundleCase {
  id: string;
  bundle: string;
  trusted_root: string;
  artifact?: string | null;
  artifact_text?: string;
  artifact_digest?: string;
  policy: { certificate_identity?: string; certificate_oidc_issuer?: string; key?: string };
}

interface BundleJson {
  verificationMaterial: {
    tlogEntries: { logIndex: string; integratedTime?: string; logId: { keyId: string }; inclusionProof?: { checkpoint?: { envelope: string } } }[];
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
  };
}

const data = (path: string) => join(folder, 'data', path);
const json = async <T>(path: string): Promise<T> => JSON.parse(await readFile(data(path), 'utf8')) as T;

let cases: BundleCase[] | undefined;
async function fixture(id: string): Promise<{ bundle: BundleJson; root: unknown; artifact: Buffer | undefined; policy: BundlePolicy }> {
  cases ??= (JSON.parse(await readFile(join(folder, 'cases.json'), 'utf8')) as { cases: BundleCase[] }).cases;
  const found = cases.find((c) => c.id === id);
  assert.ok(found, `cases.json has no case ${id}`);
  // A DSSE bundle may come without its artifact: the statement inside names it.
  const artifact = typeof found.artifact_text === 'string' ? Buffer.from(found.artifact_text) : found.artifact ? await readFile(data(found.artifact)) : undefined;
  return {
    bundle: await json<BundleJson>(found.bundle),
    root: await json<unknown>(found.trusted_root),
    artifact,
    policy: { identity: found.policy.certificate_identity, issuer: found.policy.certificate_oidc_issuer },
  };
}

test('a good public-good bundle reports its log entry as carried, with the inclusion proof verified, and its certificate chain up to the Fulcio root', { skip: missing }, async () => {
  const { bundle, artifact, policy } = await fixture('conformance/happy-path-v0.3');
  const result = verifySigstoreBundle(bundle, { bytes: artifact }, await publicGoodTrustedRoot(), policy);
  assert.equal(result.verdict, 'verified', result.reason);
  const entry = bundle.verificationMaterial.tlogEntries[0]!;
  assert.deepEqual(result.tlog, {
    logIndex: entry.logIndex,
    integratedTime: new Date(Number(entry.integratedTime) * 1000).toISOString(),
    logId: Buffer.from(entry.logId.keyId, 'base64').toString('hex'),
    kind: 'hashedrekord 0.0.1',
    inclusionProof: 'verified',
    checkpoint: entry.inclusionProof?.checkpoint?.envelope,
    inclusionPromise: true,
  });
  assert.deepEqual(result.timestamps, []);
  const leaf = Buffer.from(bundle.verificationMaterial.certificate!.rawBytes, 'base64');
  assert.ok(result.certificates[0]?.raw.equals(leaf), 'the signing certificate comes first');
  assert.ok(result.certificates.length >= 2, 'the chain continues into the trusted root');
  for (const [i, cert] of result.certificates.entries()) if (i > 0) assert.ok(result.certificates[i - 1]!.checkIssued(cert), `certificate ${i} issued certificate ${i - 1}`);
  const anchor = result.certificates.at(-1)!;
  assert.ok(anchor.ca && anchor.checkIssued(anchor), 'the chain ends in a self-issued CA');
  assert.equal(result.anchored, true);
  // Only the digest known, as for an image manifest: the same evidence.
  const byDigest = verifySigstoreBundle(bundle, { sha256: createHash('sha256').update(artifact!).digest() }, await publicGoodTrustedRoot(), policy);
  assert.equal(byDigest.tlog?.inclusionProof, 'verified', byDigest.reason);
});

test('a bundle whose log proof does not verify still shows its entry, with the proof only present and the certificate not anchored', { skip: missing }, async () => {
  const { bundle, root, artifact, policy } = await fixture('conformance/checkpoint-wrong-roothash_fail');
  const result = verifySigstoreBundle(bundle, { bytes: artifact }, root, policy);
  assert.equal(result.verdict, 'failed');
  assert.equal(result.tlog?.logIndex, bundle.verificationMaterial.tlogEntries[0]!.logIndex);
  assert.equal(result.tlog?.inclusionProof, 'present');
  assert.equal(result.anchored, false);
  const carried = bundle.verificationMaterial.x509CertificateChain?.certificates ?? [];
  assert.deepEqual(
    result.certificates.map((c) => c.fingerprint256),
    carried.map((c) => new X509Certificate(Buffer.from(c.rawBytes, 'base64')).fingerprint256),
    'only what the bundle carries, not extended into the trusted root',
  );
});

test('a Rekor v2 bundle has no integrated time; its RFC 3161 timestamp is decoded and its authority named', { skip: missing }, async () => {
  const { bundle, root, artifact, policy } = await fixture('conformance/rekor2-happy-path');
  const result = verifySigstoreBundle(bundle, { bytes: artifact }, root, policy);
  assert.equal(result.verdict, 'verified', result.reason);
  assert.equal(result.tlog?.logIndex, bundle.verificationMaterial.tlogEntries[0]!.logIndex);
  assert.equal(result.tlog?.integratedTime, null);
  assert.equal(result.tlog?.inclusionProof, 'verified');
  assert.equal(result.tlog?.inclusionPromise, false);
  assert.deepEqual(result.timestamps, [{ time: '2025-06-12T12:02:20.000Z', authority: 'sigstore-tsa-selfsigned (sigstore.dev)' }]);
});

test('a key-signed bundle has no certificates; an entry with only a signed promise has no inclusion proof', { skip: missing }, async () => {
  const keyed = await fixture('conformance/managed-key-happy-path');
  const key = (cases ?? []).find((c) => c.id === 'conformance/managed-key-happy-path')!.policy.key!;
  const result = verifySigstoreBundle(keyed.bundle, { bytes: keyed.artifact }, keyed.root, { key: { publicKey: bundleKeyFromPem(await readFile(data(key), 'utf8')) } });
  assert.equal(result.verdict, 'verified', result.reason);
  assert.deepEqual(result.certificates, []);
  assert.equal(result.anchored, false);
  assert.equal(result.tlog?.inclusionProof, 'verified');
  assert.equal(result.timestamps.length, 1);

  const promised = await fixture('sigstore-go/examples/bundle-provenance');
  // This DSSE bundle comes with only its artifact's SHA-512, which the statement must name.
  const sha512 = (cases ?? []).find((c) => c.id === 'sigstore-go/examples/bundle-provenance')!.artifact_digest!.replace(/^sha512:/, '');
  const set = verifySigstoreBundle(promised.bundle, { digest: { algorithm: 'sha512', value: Buffer.from(sha512, 'hex') } }, promised.root, promised.policy);
  assert.equal(set.verdict, 'verified', set.reason);
  assert.equal(set.tlog?.inclusionProof, 'absent');
  assert.equal(set.tlog?.inclusionPromise, true);
  assert.equal(set.tlog?.logIndex, promised.bundle.verificationMaterial.tlogEntries[0]!.logIndex);

  assert.equal(bundleContents(promised.bundle)?.tlog?.inclusionProof, 'absent', 'read without a trusted root, nothing is claimed verified');
  assert.equal(bundleContents({ not: 'a bundle' }), null);
});

const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * One image with bundles attached as OCI referrers, held in memory. The conformance bundles sign a.txt,
 * so the image's manifest is given a.txt's digest: the engine judges bundles against that digest only.
 */
function bundleImage(subject: string, bundles: Buffer[]): { source: ImageSource; referrers: string[] } {
  const manifests = new Map<string, Fetched>();
  const blobs = new Map<string, Buffer>();
  const empty = Buffer.from('{}');
  blobs.set(sha256(empty), empty);
  const image: Fetched = { digest: subject, mediaType: OCI_MANIFEST, bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 }, layers: [] })) };
  manifests.set('v1', image);
  manifests.set(subject, image);
  const descriptors = bundles.map((bundle) => {
    blobs.set(sha256(bundle), bundle);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: BUNDLE_TYPE,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
        layers: [{ mediaType: BUNDLE_TYPE, digest: sha256(bundle), size: bundle.length }],
        subject: { mediaType: OCI_MANIFEST, digest: subject, size: image.bytes.length },
      }),
    );
    manifests.set(sha256(bytes), { digest: sha256(bytes), mediaType: OCI_MANIFEST, bytes });
    return { mediaType: OCI_MANIFEST, digest: sha256(bytes), size: bytes.length, artifactType: BUNDLE_TYPE };
  });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descriptors }));
  const source: ImageSource = {
    name: 'memory',
    getManifest: async (_repository, reference) => {
      const found = manifests.get(reference);
      if (!found) throw new Error(`no manifest ${reference}`);
      return found;
    },
    getBlob: async (_repository, digest) => {
      const found = blobs.get(digest);
      if (!found) throw new Error(`no blob ${digest}`);
      return found;
    },
    tryManifest: async (_repository, tag) => manifests.get(tag) ?? null,
    referrers: async (_repository, digest) => (digest === subject ? index : Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }))),
    listTags: async () => ['v1'],
  };
  return { source, referrers: descriptors.map((d) => d.digest) };
}

const node = (report: ChainReport, id: string): ChainNode => {
  const found = report.nodes.find((n) => n.id === id);
  assert.ok(found, `the chain has a node ${id}; it has ${report.nodes.map((n) => n.id).join(', ')}`);
  return found;
};

test('the engine shows each bundle\'s log entry, timestamp and certificates as nodes, verified only when the bundle verified', { skip: missing }, async () => {
  const happy = await fixture('conformance/happy-path-v0.3');
  const dsse = await fixture('conformance/happy-path-intoto-in-dsse-v3');
  const broken = await fixture('conformance/checkpoint-wrong-roothash_fail');
  const rekor2 = await fixture('conformance/rekor2-happy-path');
  const { source, referrers } = bundleImage(sha256(happy.artifact!), [happy.bundle, dsse.bundle, broken.bundle, rekor2.bundle].map((b) => Buffer.from(JSON.stringify(b))));
  const [happyId, dsseId, brokenId, rekor2Id] = referrers.map((digest) => `${digest}#0`) as [string, string, string, string];
  const engine = new VerifyEngine(source);

  const publicGood = await engine.verify('team/app', 'v1', { reference: 'registry.example/team/app:v1', keys: [], trustedRoot: await publicGoodTrustedRoot(), bundlePolicy: happy.policy });
  assert.equal(publicGood.verdict, 'verified', publicGood.reason);
  ChainReportSchema.parse(publicGood);
  assert.equal(node(publicGood, happyId).verdict, 'verified');
  const tlog = node(publicGood, `${happyId}/tlog`);
  assert.equal(tlog.kind, 'tlog');
  assert.equal(tlog.verdict, 'verified');
  assert.equal(tlog.label, `Rekor #${happy.bundle.verificationMaterial.tlogEntries[0]!.logIndex}`);
  assert.equal(tlog.details.inclusionProof, 'verified against the checkpoint');
  assert.equal(tlog.details.logIndex, happy.bundle.verificationMaterial.tlogEntries[0]!.logIndex);
  assert.equal(tlog.details.kind, 'hashedrekord 0.0.1');
  assert.ok(tlog.details.checkpoint?.startsWith('rekor.sigstore.dev'));
  assert.ok(publicGood.edges.some((e) => e.from === happyId && e.to === `${happyId}/tlog`));
  const signing = node(publicGood, `${happyId}/certificate/0`);
  assert.equal(signing.verdict, 'verified');
  assert.equal(signing.details.role, 'signing certificate');
  const anchors = publicGood.nodes.filter((n) => n.id.startsWith(`${happyId}/certificate/`));
  assert.ok(anchors.at(-1)!.label.startsWith('Trust anchor: '), anchors.at(-1)!.label);
  assert.equal(publicGood.nodes.some((n) => n.id === `${happyId}/timestamp`), false, 'no timestamp carried, no timestamp node');

  assert.equal(node(publicGood, dsseId).kind, 'attestation');
  assert.equal(node(publicGood, `${dsseId}/tlog`).verdict, 'verified');
  assert.equal(node(publicGood, `${dsseId}/tlog`).details.kind, 'dsse 0.0.1');

  assert.equal(node(publicGood, brokenId).verdict, 'failed');
  const brokenLog = node(publicGood, `${brokenId}/tlog`);
  assert.equal(brokenLog.verdict, 'not-checked');
  assert.match(brokenLog.reason, /did not verify/);
  assert.equal(brokenLog.details.inclusionProof, 'present, not relied on (verification failed)');
  assert.equal(node(publicGood, `${brokenId}/certificate/0`).verdict, 'untrusted');

  // The Rekor v2 bundle comes from the staging instance: against the public-good root it is carried, not proven.
  assert.equal(node(publicGood, `${rekor2Id}/tlog`).verdict, 'not-checked');
  assert.equal(node(publicGood, `${rekor2Id}/timestamp`).verdict, 'not-checked');

  const staging = await engine.verify('team/app', 'v1', { reference: 'registry.example/team/app:v1', keys: [], trustedRoot: rekor2.root, bundlePolicy: rekor2.policy });
  assert.equal(node(staging, rekor2Id).verdict, 'verified');
  const stamp = node(staging, `${rekor2Id}/timestamp`);
  assert.equal(stamp.kind, 'timestamp');
  assert.equal(stamp.verdict, 'verified');
  assert.equal(stamp.label, 'Timestamp 2025-06-12T12:02:20.000Z');
  assert.equal(stamp.details.authority, 'sigstore-tsa-selfsigned (sigstore.dev)');
  assert.ok(staging.edges.some((e) => e.from === rekor2Id && e.to === `${rekor2Id}/timestamp` && e.label === 'timestamped by'));
  const log = node(staging, `${rekor2Id}/tlog`);
  assert.equal(log.verdict, 'verified');
  assert.equal(log.details.inclusionPromise, 'none');
  assert.match(log.details.integratedTime ?? '', /^none/);
  assert.equal(node(staging, `${happyId}/tlog`).verdict, 'not-checked', 'a production bundle does not verify against the staging root');
});
