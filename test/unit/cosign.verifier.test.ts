import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { EKU, makeChain } from '../support/certificate-factory.ts';
import { BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, publicKeysFromPem, SIGNATURE_ANNOTATION, verifyCosignSignature, type CosignTrust } from '../../main/signatures/cosign.verifier.ts';

const manifest = Buffer.from('{"schemaVersion":2}');
const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
const payloadFor = (reference: string, digest = manifestDigest) =>
  Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));

function signed(algorithm: 'ec' | 'ed25519' | 'rsa', reference = 'registry.example.com/team/app') {
  const pair = algorithm === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : algorithm === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 3072 }) : generateKeyPairSync('ed25519');
  const payload = payloadFor(reference);
  const signature = sign(algorithm === 'ed25519' ? null : 'sha256', payload, pair.privateKey);
  return { pair, payload, annotations: { [SIGNATURE_ANNOTATION]: signature.toString('base64') } };
}

const trustOf = (keys: CosignTrust['keys']): CosignTrust => ({ keys, rekorKeys: [], roots: [], intermediates: [] });

test('ECDSA, RSA and Ed25519 key signatures verify, and say which key signed', () => {
  for (const algorithm of ['ec', 'rsa', 'ed25519'] as const) {
    const { pair, payload, annotations } = signed(algorithm);
    const result = verifyCosignSignature({ manifestDigest, reference: 'registry.example.com/team/app:v1', identityRule: 'matchRepository', payload, annotations, trust: trustOf([pair.publicKey]) });
    assert.equal(result.verdict, 'verified', `${algorithm}: ${result.reason}`);
    assert.equal(result.signer?.kind, 'key');
  }
});

test('each kind of tampering fails with its own reason', () => {
  const { pair, payload, annotations } = signed('ec');
  const base: Parameters<typeof verifyCosignSignature>[0] = { manifestDigest, reference: 'registry.example.com/team/app:v1', identityRule: 'matchRepository', payload, annotations, trust: trustOf([pair.publicKey]) };
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const cases: [string, Partial<typeof base>, RegExp, string][] = [
    ['re-pointed tag', { manifestDigest: `sha256:${'1'.repeat(64)}` }, /changed after signing or the signature belongs to another image/, 'failed'],
    ['copied to another repository', { reference: 'registry.example.com/team/other:v1' }, /different repository/, 'failed'],
    ['edited payload', { payload: Buffer.from(payloadFor('registry.example.com/team/app').toString().replace('null', '{}')) }, /does not verify/, 'failed'],
    ['untrusted key', { trust: trustOf([other]) }, /does not verify with any trusted key/, 'failed'],
    ['no trust configured', { trust: trustOf([]) }, /No trusted key/, 'untrusted'],
    ['exact rule', { identityRule: 'matchExact', reference: 'registry.example.com/team/app:v2' }, /not exactly/, 'failed'],
    ['tlog required', { trust: { ...trustOf([pair.publicKey]), requireTlog: true } }, /requires a transparency-log entry/, 'untrusted'],
  ];
  for (const [name, change, reason, verdict] of cases) {
    const result = verifyCosignSignature({ ...base, ...change });
    assert.equal(result.verdict, verdict, `${name}: ${result.reason}`);
    assert.match(result.reason, reason, name);
  }
});

const acceptance = resolve(fileURLToPath(new URL('../../', import.meta.url)), process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'containers-image', 'fixtures');
const noFixtures = existsSync(acceptance) ? false : `the third-party fixtures are not at ${acceptance} (set SIGNET_ACCEPTANCE_DIR)`;
if (noFixtures) console.log(`cosign fixture tests skipped: ${noFixtures}`);

test('a real Fulcio-signed image: the wrong email, the wrong issuer and an altered log entry are each refused', { skip: noFixtures }, async () => {
  const raw = await readFile(join(acceptance, 'dir-img-cosign-fulcio-rekor-valid', 'signature-1'));
  const signature = JSON.parse(raw.subarray(15).toString('utf8')) as { payload: string; annotations: Record<string, string> };
  const manifestBytes = await readFile(join(acceptance, 'dir-img-cosign-fulcio-rekor-valid', 'manifest.json'));
  const trust: CosignTrust = {
    keys: [],
    rekorKeys: publicKeysFromPem(await readFile(join(acceptance, 'rekor.pub'), 'utf8')),
    roots: [new X509Certificate(await readFile(join(acceptance, 'fulcio_v1.crt.pem')))],
    intermediates: [],
    identity: { email: 'mitr@redhat.com', issuer: 'https://github.com/login/oauth' },
    requireTlog: true,
  };
  const input = {
    manifestDigest: `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`,
    reference: '192.168.64.2:5000/cosign-signed/fulcio-rekor-1',
    identityRule: 'matchRepository' as const,
    payload: Buffer.from(signature.payload, 'base64'),
    annotations: signature.annotations,
    trust,
  };
  assert.equal(verifyCosignSignature(input).verdict, 'verified');
  assert.match(verifyCosignSignature({ ...input, trust: { ...trust, identity: { ...trust.identity, email: 'someone@example.com' } } }).reason, /not the email someone@example.com/);
  assert.match(verifyCosignSignature({ ...input, trust: { ...trust, identity: { ...trust.identity, issuer: 'https://accounts.google.com' } } }).reason, /not https:\/\/accounts.google.com/);
  const bundle = JSON.parse(signature.annotations[BUNDLE_ANNOTATION]!) as { Payload: { logIndex: number } };
  bundle.Payload.logIndex += 1;
  const altered = verifyCosignSignature({ ...input, annotations: { ...signature.annotations, [BUNDLE_ANNOTATION]: JSON.stringify(bundle) } });
  assert.match(altered.reason, /signed entry timestamp does not verify/);
  assert.equal(verifyCosignSignature({ ...input, trust: { ...trust, roots: [] } }).verdict, 'untrusted');
});

const base = (payload: Buffer, key: ReturnType<typeof generateKeyPairSync>, signature: Buffer): Parameters<typeof verifyCosignSignature>[0] => ({
  manifestDigest,
  reference: 'registry.example.com/team/app:v1',
  identityRule: 'matchRepository',
  payload,
  annotations: { [SIGNATURE_ANNOTATION]: signature.toString('base64') },
  trust: trustOf([key.publicKey]),
});

test('a validly signed payload with an unknown or duplicated field is refused, as the simple-signing format requires', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const document = (critical: string, extra = '') =>
    Buffer.from(`{"critical":${critical},"optional":null${extra}}`);
  const identity = '"identity":{"docker-reference":"registry.example.com/team/app"}';
  const image = `"image":{"docker-manifest-digest":"${manifestDigest}"}`;
  const type = '"type":"cosign container image signature"';
  const cases: [string, Buffer][] = [
    ['unknown critical field', document(`{${identity},${image},${type},"extra":"x"}`)],
    ['unknown image field', document(`{${identity},"image":{"docker-manifest-digest":"${manifestDigest}","other":1},${type}}`)],
    ['unknown identity field', document(`{"identity":{"docker-reference":"registry.example.com/team/app","more":1},${image},${type}}`)],
    ['unknown top-level field', document(`{${identity},${image},${type}}`, ',"extra":1')],
    ['duplicated digest', document(`{${identity},"image":{"docker-manifest-digest":"sha256:${'0'.repeat(64)}","docker-manifest-digest":"${manifestDigest}"},${type}}`)],
    ['optional not an object', Buffer.from(`{"critical":{${identity},${image},${type}},"optional":"text"}`)],
    ['wrong type', document(`{${identity},${image},"type":"another type"}`)],
  ];
  const good = document(`{${identity},${image},${type}}`);
  assert.equal(verifyCosignSignature(base(good, pair, sign('sha256', good, pair.privateKey))).verdict, 'verified');
  for (const [name, payload] of cases) {
    const result = verifyCosignSignature(base(payload, pair, sign('sha256', payload, pair.privateKey)));
    assert.equal(result.verdict, 'failed', `${name}: ${result.reason}`);
    assert.equal(result.checks.find((check) => !check.ok)?.name, 'payload', name);
  }
});

test('an ECDSA signature in raw r||s form verifies as it does for sigstore, and a truncated one does not', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const payload = payloadFor('registry.example.com/team/app');
  const raw = sign('sha256', payload, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' });
  assert.equal(raw.length, 64);
  assert.equal(verifyCosignSignature(base(payload, pair, raw)).verdict, 'verified');
  assert.equal(verifyCosignSignature(base(payload, pair, raw.subarray(0, 63))).verdict, 'failed');
});

test('a private-PKI signer chain is validated as containers/image does: code-signing usage, CA issuers, every certificate valid', () => {
  const payload = payloadFor('registry.example.com/team/app');
  const withChain = (chain: ReturnType<typeof makeChain>) => {
    const signature = sign('sha256', payload, chain.leaf.privateKey);
    return verifyCosignSignature({
      manifestDigest,
      reference: 'registry.example.com/team/app:v1',
      identityRule: 'matchRepository',
      payload,
      annotations: { [SIGNATURE_ANNOTATION]: signature.toString('base64'), [CERTIFICATE_ANNOTATION]: chain.leaf.cert.toString(), [CHAIN_ANNOTATION]: chain.intermediate.cert.toString() },
      trust: { keys: [], rekorKeys: [], roots: [chain.root.cert], intermediates: [], identity: { email: 'signer@example.com' } },
    });
  };
  const leaf = { email: 'signer@example.com' };
  assert.equal(withChain(makeChain({ leaf })).verdict, 'verified', withChain(makeChain({ leaf })).reason);
  const refused: [string, ReturnType<typeof makeChain>][] = [
    ['server-auth leaf', makeChain({ leaf: { ...leaf, eku: [EKU.serverAuth] } })],
    ['issuer that is not a CA', makeChain({ leaf, intermediate: { ca: false } })],
    ['expired intermediate', makeChain({ leaf, intermediate: { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) } })],
    ['unknown critical extension', makeChain({ leaf: { ...leaf, extra: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: Buffer.from([5, 0]) }] } })],
  ];
  for (const [name, chain] of refused) {
    const result = withChain(chain);
    assert.equal(result.verdict, 'untrusted', `${name}: ${result.reason}`);
    assert.equal(result.checks.find((check) => !check.ok)?.name, 'certificate chain', name);
  }
});
