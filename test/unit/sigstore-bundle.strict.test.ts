// Regression tests for the sigstore bundle rules the adversarial bundle corpus found unchecked: each bundle here
// carries a valid signature by the trusted key and breaks exactly one rule, so only that rule can refuse it.
import { dsse } from '@sigstore/core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { ImageSource } from '../../main/images/image-source.types.ts';
import { VerifyEngine } from '../../main/images/verify.engine.ts';
import type { Fetched } from '../../main/registry/registry.client.ts';
import { unknownBundleField, verifySigstoreBundle } from '../../main/signatures/sigstore-bundle.verifier.ts';
import { EKU, makeCertificate, opensslTimestamp } from '../support/certificate-factory.ts';

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO = 'application/vnd.in-toto+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();
const hex = (bytes: Buffer) => sha256(bytes).toString('hex');

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${hex(Buffer.from('{}'))}`, size: 2 }, layers: [] }));
const artifact = { sha256: sha256(manifest) };

const statementText = (edit: (s: Record<string, unknown>) => void = () => undefined) => {
  const statement: Record<string, unknown> = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'image', digest: { sha256: hex(manifest) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} };
  edit(statement);
  return JSON.stringify(statement);
};

// A key-signed v0.3 DSSE bundle over `payload`; `hash` is the digest the ECDSA signature is made with.
function dsseBundle(payload: string, options: { key?: KeyObject; payloadType?: string; hash?: string; extraSignature?: 'before' | 'after' } = {}): Record<string, unknown> {
  const payloadType = options.payloadType ?? IN_TOTO;
  const sig = sign(options.hash ?? 'sha256', dsse.preAuthEncoding(payloadType, Buffer.from(payload)), options.key ?? p256.privateKey).toString('base64');
  const bad = sign('sha256', Buffer.from('other bytes'), other.privateKey).toString('base64');
  const signatures = options.extraSignature === 'before' ? [{ sig: bad }, { sig }] : options.extraSignature === 'after' ? [{ sig }, { sig: bad }] : [{ sig }];
  return { mediaType: BUNDLE_V03, verificationMaterial: { publicKey: { hint: 'hint' } }, dsseEnvelope: { payload: Buffer.from(payload).toString('base64'), payloadType, signatures } };
}

const verify = (bundle: unknown, publicKey: KeyObject = p256.publicKey) => verifySigstoreBundle(bundle, artifact, EMPTY_ROOT, { key: { publicKey } });

test('a well-formed key-signed DSSE bundle verifies, with Statement v0.1 and unknown statement fields accepted (in-toto says ignore them)', () => {
  assert.equal(verify(dsseBundle(statementText())).verdict, 'verified');
  const v01 = verify(dsseBundle(statementText((s) => (s._type = 'https://in-toto.io/Statement/v0.1'))));
  assert.equal(v01.verdict, 'verified', v01.reason);
  const extension = verify(dsseBundle(statementText((s) => (s.extension = { note: 'x' }))));
  assert.equal(extension.verdict, 'verified', extension.reason);
});

test('a statement that names a key twice is refused, whichever value a reader would keep', () => {
  const text = statementText().replace('"subject":', `"subject":[{"name":"x","digest":{"sha256":"${'0'.repeat(64)}"}}],"subject":`);
  const result = verify(dsseBundle(text));
  assert.equal(result.verdict, 'failed');
  assert.match(result.reason, /"subject" appears twice/);
});

test('a statement whose _type is not an in-toto Statement, or that has none, is refused', () => {
  for (const edit of [(s: Record<string, unknown>) => (s._type = 'https://example.com/Statement/v1'), (s: Record<string, unknown>) => delete s._type]) {
    const result = verify(dsseBundle(statementText(edit)));
    assert.equal(result.verdict, 'failed');
    assert.match(result.reason, /_type/);
  }
});

test('subject digests compare exactly: the upper-case hex of the manifest digest is another string', () => {
  const result = verify(dsseBundle(statementText((s) => (s.subject = [{ digest: { sha256: hex(manifest).toUpperCase() } }]))));
  assert.equal(result.verdict, 'failed');
  assert.match(result.reason, /not this artifact/);
});

test('a bundle field no bundle version defines is refused; protobuf JSON snake_case names are still read', () => {
  const result = verify({ ...dsseBundle(statementText()), unexpected: true });
  assert.equal(result.verdict, 'failed');
  assert.match(result.reason, /unexpected/);
  assert.equal(unknownBundleField({ mediaType: BUNDLE_V03, verification_material: { public_key: { hint: 'x' }, tlog_entries: [{ log_id: { key_id: 'x' } }] } }), null);
  assert.equal(unknownBundleField({ verificationMaterial: { tlogEntries: [{ logId: { keyId: 'x', extra: 1 } }] } }), 'verificationMaterial.tlogEntries[0].logId.extra');
});

test('a bundle of an unknown version, or without a media type, is refused', () => {
  for (const mediaType of ['application/vnd.dev.sigstore.bundle.v0.9+json', undefined]) {
    const result = verify({ ...dsseBundle(statementText()), mediaType });
    assert.equal(result.verdict, 'failed', String(mediaType));
    assert.match(result.reason, /media type/);
  }
});

test('a timestamp over other bytes in a key-signed bundle is refused, not shown as an untrusted time', () => {
  const tsa = makeCertificate({ commonName: 'Test TSA', ca: false, keyUsage: ['digitalSignature'], eku: [EKU.timeStamping], ekuCritical: true });
  const bundle = dsseBundle(statementText()) as { verificationMaterial: Record<string, unknown>; dsseEnvelope: { signatures: { sig: string }[] } };
  const over = (bytes: Buffer) => ({ ...bundle, verificationMaterial: { ...bundle.verificationMaterial, timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: opensslTimestamp(bytes, tsa, [tsa]).toString('base64') }] } } });
  const spliced = verify(over(Buffer.from('another signature')));
  assert.equal(spliced.verdict, 'failed');
  assert.match(spliced.reason, /not over its signature/);
  const genuine = verify(over(Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, 'base64')));
  assert.equal(genuine.verdict, 'verified', genuine.reason);
});

test('a trusted P-384 key verifies a DSSE bundle signed over SHA-384 (as cosign signs) and over SHA-256', () => {
  for (const hash of ['sha384', 'sha256']) {
    const result = verify(dsseBundle(statementText(), { key: p384.privateKey, hash }), p384.publicKey);
    assert.equal(result.verdict, 'verified', `${hash}: ${result.reason}`);
  }
  assert.equal(verify(dsseBundle(statementText(), { key: p256.privateKey, hash: 'sha384' })).verdict, 'failed', 'P-256 stays SHA-256 only');
});

// One image whose referrers (through the API) are the given referrer manifests, each given as its layers.
function image(referrers: { layers: { mediaType: string; bytes: Buffer }[] }[]): ImageSource {
  const digest = `sha256:${hex(manifest)}`;
  const manifests = new Map<string, Fetched>([['v1', { digest, mediaType: OCI_MANIFEST, bytes: manifest }], [digest, { digest, mediaType: OCI_MANIFEST, bytes: manifest }]]);
  const blobs = new Map<string, Buffer>();
  const descriptors = referrers.map((referrer) => {
    for (const layer of referrer.layers) blobs.set(`sha256:${hex(layer.bytes)}`, layer.bytes);
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: BUNDLE_V03, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${hex(Buffer.from('{}'))}`, size: 2 }, layers: referrer.layers.map((l) => ({ mediaType: l.mediaType, digest: `sha256:${hex(l.bytes)}`, size: l.bytes.length })), subject: { mediaType: OCI_MANIFEST, digest, size: manifest.length } }));
    manifests.set(`sha256:${hex(bytes)}`, { digest: `sha256:${hex(bytes)}`, mediaType: OCI_MANIFEST, bytes });
    return { mediaType: OCI_MANIFEST, digest: `sha256:${hex(bytes)}`, size: bytes.length, artifactType: BUNDLE_V03 };
  });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descriptors }));
  return {
    name: 'memory',
    getManifest: async (_repository, reference) => manifests.get(reference) ?? Promise.reject(new Error(`no manifest ${reference}`)),
    getBlob: async (_repository, blob) => blobs.get(blob) ?? Promise.reject(new Error(`no blob ${blob}`)),
    tryManifest: async (_repository, tag) => manifests.get(tag) ?? null,
    referrers: async (_repository, subject) => (subject === digest ? index : Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }))),
    listTags: async () => ['v1'],
  };
}

const engineVerdict = async (source: ImageSource, trustedRoot?: unknown) => new VerifyEngine(source).verify('team/app', 'v1', { reference: 'registry.example/team/app:v1', keys: [p256.publicKey], ...(trustedRoot ? { trustedRoot } : {}) });
const layer = (bundle: unknown, mediaType = BUNDLE_V03) => ({ mediaType, bytes: Buffer.from(typeof bundle === 'string' ? bundle : JSON.stringify(bundle)) });

test('without a trusted root a key-signed bundle is checked in full: a re-signed payload type is refused, a message signature verifies', async () => {
  const retyped = await engineVerdict(image([{ layers: [layer(dsseBundle(statementText(), { payloadType: 'application/vnd.example+json' }))] }]));
  assert.equal(retyped.verdict, 'failed', retyped.reason);
  assert.match(retyped.reason, /payload/);
  const message = { mediaType: BUNDLE_V03, verificationMaterial: { publicKey: { hint: 'hint' } }, messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: sha256(manifest).toString('base64') }, signature: sign('sha256', manifest, p256.privateKey).toString('base64') } };
  const signed = await engineVerdict(image([{ layers: [layer(message)] }]));
  assert.equal(signed.verdict, 'verified', signed.reason);
});

test('a DSSE envelope with two signatures is refused, with or without a trusted root, even when the first is the good one', async () => {
  for (const extraSignature of ['before', 'after'] as const) {
    assert.equal(verify(dsseBundle(statementText(), { extraSignature })).verdict, 'failed', extraSignature);
    const unrooted = await engineVerdict(image([{ layers: [layer(dsseBundle(statementText(), { extraSignature }))] }]));
    assert.equal(unrooted.verdict, 'failed', `${extraSignature}: ${unrooted.reason}`);
  }
});

test('a bundle referrer is one v0.3 bundle layer, read as strict JSON', async () => {
  const good = dsseBundle(statementText());
  assert.equal((await engineVerdict(image([{ layers: [layer(good)] }]), EMPTY_ROOT)).verdict, 'verified');
  const two = await engineVerdict(image([{ layers: [layer(good), layer(dsseBundle(statementText(), { key: other.privateKey }))] }]), EMPTY_ROOT);
  assert.equal(two.verdict, 'failed');
  assert.match(two.reason, /exactly one/);
  const octet = await engineVerdict(image([{ layers: [layer(good, 'application/octet-stream')] }]), EMPTY_ROOT);
  assert.equal(octet.verdict, 'failed');
  const elsewhere = Buffer.from(statementText((s) => (s.subject = [{ digest: { sha256: '0'.repeat(64) } }]))).toString('base64');
  const duplicated = await engineVerdict(image([{ layers: [layer(JSON.stringify(good).replace('"payload":', `"payload":"${elsewhere}","payload":`))] }]), EMPTY_ROOT);
  assert.equal(duplicated.verdict, 'failed');
  assert.match(duplicated.reason, /appears twice/);
  const older = await engineVerdict(image([{ layers: [layer({ ...good, mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' })] }]), EMPTY_ROOT);
  assert.equal(older.verdict, 'failed');
  assert.match(older.reason, /v0\.3 bundle/);
});
