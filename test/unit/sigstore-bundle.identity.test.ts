import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson } from '../../main/encoding/canonical-json.ts';
import { verifySigstoreBundle, type BundlePolicy } from '../../main/signatures/sigstore-bundle.verifier.ts';
import { publicGoodTrustedRoot } from '../../main/trust/public-good.ts';
import { cosignTrustFromTrustedRoot, trustedRootProblem } from '../../main/signatures/trusted-root.ts';

const conformance = resolve(fileURLToPath(new URL('../../', import.meta.url)), process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'sigstore-conformance', 'bundle-verify');
const missing = existsSync(conformance) ? false : `the sigstore conformance bundles are not at ${conformance} (set SIGNET_ACCEPTANCE_DIR)`;
if (missing) console.log(`bundle identity tests skipped: ${missing}`);

const ISSUER = 'https://token.actions.githubusercontent.com';
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';

async function conformanceCase(name: string): Promise<{ bundle: unknown; bytes: Buffer; root: unknown }> {
  const bundle = JSON.parse(await readFile(join(conformance, name, 'bundle.sigstore.json'), 'utf8')) as unknown;
  return { bundle, bytes: await readFile(join(conformance, 'a.txt')), root: await publicGoodTrustedRoot() };
}

test('a bundle identity is compared exactly: a substring, a prefix or another organisation does not verify', { skip: missing }, async () => {
  for (const name of ['happy-path-v0.3', 'happy-path-intoto-in-dsse-v3']) {
    const { bundle, bytes, root } = await conformanceCase(name);
    const check = (policy: BundlePolicy) => verifySigstoreBundle(bundle, { bytes }, root, policy);
    const good = check({ identity: IDENTITY, issuer: ISSUER });
    assert.equal(good.verdict, 'verified', `${name}: ${good.reason}`);
    assert.equal(good.signer?.san, IDENTITY);
    for (const identity of ['beacon', 'sigstore-conformance', 'https://github.com/sigstore-conformance/', `${IDENTITY}x`, 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/mai']) {
      const result = check({ identity, issuer: ISSUER });
      assert.equal(result.verdict, 'untrusted', `${name}: ${identity}: ${result.reason}`);
      assert.match(result.reason, /not /);
    }
    assert.equal(check({ identity: IDENTITY, issuer: 'https://token.actions.githubusercontent' }).verdict, 'untrusted', 'an issuer prefix is another issuer');
    assert.equal(check({ identity: IDENTITY, issuer: 'githubusercontent' }).verdict, 'untrusted');
  }
});

test('bundle identity patterns are anchored, and an identity without its issuer is not verified', { skip: missing }, async () => {
  const { bundle, bytes, root } = await conformanceCase('happy-path-v0.3');
  const check = (policy: BundlePolicy) => verifySigstoreBundle(bundle, { bytes }, root, policy);
  assert.equal(check({ identity: /beacon/, issuer: ISSUER }).verdict, 'untrusted');
  assert.equal(check({ identity: /https:\/\/github\.com\/sigstore-conformance\/.*/, issuer: ISSUER }).verdict, 'verified');
  assert.equal(check({ identity: /https:\/\/github\.com\/other-org\/.*|x/, issuer: ISSUER }).verdict, 'untrusted');
  assert.equal(check({ identity: IDENTITY, issuer: /githubusercontent/ }).verdict, 'untrusted');
  assert.equal(check({ identity: IDENTITY, issuer: /https:\/\/token\.actions\.githubusercontent\.com/g }).verdict, 'verified', 'a global flag does not make the check stateful');
  const noIssuer = check({ identity: IDENTITY });
  assert.equal(noIssuer.verdict, 'untrusted');
  assert.match(noIssuer.reason, /no issuer is configured/);
  const issuerOnly = check({ issuer: ISSUER });
  assert.equal(issuerOnly.verdict, 'untrusted');
  assert.match(issuerOnly.reason, /No signer identity is configured/);
});

test('no bundle verifies without an artifact or digest to bind it to', { skip: missing }, async () => {
  for (const name of ['happy-path-v0.3', 'happy-path-intoto-in-dsse-v3']) {
    const { bundle, root } = await conformanceCase(name);
    const result = verifySigstoreBundle(bundle, {}, root, { identity: IDENTITY, issuer: ISSUER });
    assert.equal(result.verdict, 'failed', name);
    assert.match(result.reason, /no artifact and no artifact digest was given/i);
  }
  // A DSSE bundle is checked in full and said to be unbound; a message signature cannot be checked at all without its artifact.
  const dsse = await conformanceCase('happy-path-intoto-in-dsse-v3');
  assert.equal(verifySigstoreBundle(dsse.bundle, {}, dsse.root, { identity: IDENTITY, issuer: ISSUER }).unbound, true);
  const wrongSigner = verifySigstoreBundle(dsse.bundle, {}, dsse.root, { identity: 'someone@else.example', issuer: ISSUER });
  assert.equal(wrongSigner.verdict, 'untrusted');
  assert.equal(wrongSigner.unbound, undefined, 'an unbound answer is given only when every other check passed');
  const message = await conformanceCase('happy-path-v0.3');
  assert.equal(verifySigstoreBundle(message.bundle, {}, message.root, { identity: IDENTITY, issuer: ISSUER }).unbound, undefined);
});

test('a DSSE statement must name the artifact by the digest algorithm given, and carry the predicate type the policy names', { skip: missing }, async () => {
  const { bundle, bytes, root } = await conformanceCase('happy-path-intoto-in-dsse-v3');
  const policy = { identity: IDENTITY, issuer: ISSUER };
  const sha256 = createHash('sha256').update(bytes).digest();
  assert.equal(verifySigstoreBundle(bundle, { digest: { algorithm: 'sha256', value: sha256 } }, root, policy).verdict, 'verified');
  const other = verifySigstoreBundle(bundle, { digest: { algorithm: 'sha256', value: createHash('sha256').update('other').digest() } }, root, policy);
  assert.match(other.reason, /not this artifact/);
  const sha512 = verifySigstoreBundle(bundle, { digest: { algorithm: 'sha512', value: createHash('sha512').update(bytes).digest() } }, root, policy);
  assert.equal(sha512.verdict, 'failed', 'the statement names no sha512 digest');
  assert.match(sha512.reason, /sha512 digest/);
  const short = verifySigstoreBundle(bundle, { digest: { algorithm: 'sha512', value: sha256 } }, root, policy);
  assert.match(short.reason, /32 bytes, not 64/);
  const verified = verifySigstoreBundle(bundle, { bytes }, root, policy);
  assert.ok(verified.predicateType, 'the statement has a predicate type');
  assert.equal(verifySigstoreBundle(bundle, { bytes }, root, { ...policy, predicateType: verified.predicateType! }).verdict, 'verified');
  const wrongType = verifySigstoreBundle(bundle, { bytes }, root, { ...policy, predicateType: 'https://spdx.dev/Document' });
  assert.equal(wrongType.verdict, 'failed');
  assert.match(wrongType.reason, /predicate type is https:\/\/slsa\.dev\/provenance\/v1, not https:\/\/spdx\.dev\/Document/);
  const message = await conformanceCase('happy-path-v0.3');
  const noPredicate = verifySigstoreBundle(message.bundle, { bytes: message.bytes }, message.root, { ...policy, predicateType: 'https://slsa.dev/provenance/v1' });
  assert.match(noPredicate.reason, /message-signature bundle carries no predicate/);
});

const EMPTY_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

// A key-signed message-signature bundle made here: no log entry, no timestamp, so no verified signing time.
function keyedBundle(algorithm: 'sha256' | 'sha384' | 'sha512', bytes: Buffer) {
  const pair = generateKeyPairSync('ec', { namedCurve: algorithm === 'sha256' ? 'P-256' : 'P-384' });
  const names = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' } as const;
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: 'test-key' }, tlogEntries: [] },
    messageSignature: { messageDigest: { algorithm: names[algorithm], digest: createHash(algorithm).update(bytes).digest('base64') }, signature: sign(algorithm, bytes, pair.privateKey).toString('base64') },
  };
  return { bundle, publicKey: pair.publicKey };
}

test('a message signature over a SHA-384 digest verifies by bytes or by that digest, and not by a digest of another algorithm', () => {
  const bytes = Buffer.from('an artifact');
  const { bundle, publicKey } = keyedBundle('sha384', bytes);
  const policy = { key: { publicKey } };
  assert.equal(verifySigstoreBundle(bundle, { bytes }, EMPTY_ROOT, policy).verdict, 'verified');
  const byDigest = verifySigstoreBundle(bundle, { digest: { algorithm: 'sha384', value: createHash('sha384').update(bytes).digest() } }, EMPTY_ROOT, policy);
  assert.equal(byDigest.verdict, 'verified', byDigest.reason);
  const wrongAlgorithm = verifySigstoreBundle(bundle, { sha256: createHash('sha256').update(bytes).digest() }, EMPTY_ROOT, policy);
  assert.equal(wrongAlgorithm.verdict, 'failed');
  assert.match(wrongAlgorithm.reason, /signs the artifact's sha384 digest, and only its sha256 digest was given/);
  const otherBytes = verifySigstoreBundle(bundle, { bytes: Buffer.from('another artifact') }, EMPTY_ROOT, policy);
  assert.match(otherBytes.reason, /signs a different artifact/);
});

test("a managed key's validity window applies to the verified signing time, and to now when there is none", () => {
  const bytes = Buffer.from('an artifact');
  const { bundle, publicKey } = keyedBundle('sha256', bytes);
  const past = { start: new Date('2020-01-01T00:00:00Z'), end: new Date('2021-01-01T00:00:00Z') };
  const expired = verifySigstoreBundle(bundle, { bytes }, EMPTY_ROOT, { key: { publicKey, validFor: past } });
  assert.equal(expired.verdict, 'untrusted');
  assert.match(expired.reason, /no verified signing time; now .* is outside that window/);
  assert.equal(verifySigstoreBundle(bundle, { bytes }, EMPTY_ROOT, { key: { publicKey, validFor: past }, now: new Date('2020-06-01T00:00:00Z') }).verdict, 'verified');
});

test('the window is checked at the logged time of a real key-signed bundle', { skip: missing }, async () => {
  const bundle = JSON.parse(await readFile(join(conformance, 'managed-key-happy-path', 'bundle.sigstore.json'), 'utf8')) as { verificationMaterial: { tlogEntries: { integratedTime: string }[] } };
  const bytes = await readFile(join(conformance, 'a.txt'));
  const root = JSON.parse(await readFile(join(conformance, 'managed-key-happy-path', 'trusted_root.json'), 'utf8').catch(async () => JSON.stringify(await publicGoodTrustedRoot()))) as unknown;
  const publicKey = (await import('node:crypto')).createPublicKey(await readFile(join(conformance, 'managed-key-happy-path', 'key.pub'), 'utf8'));
  const logged = new Date(Number(bundle.verificationMaterial.tlogEntries[0]!.integratedTime) * 1000);
  const around = { start: new Date(logged.getTime() - 60_000), end: new Date(logged.getTime() + 60_000) };
  assert.equal(verifySigstoreBundle(bundle, { bytes }, root, { key: { publicKey, validFor: around } }).verdict, 'verified', 'valid at the logged time, though not now');
  const before = { start: new Date(logged.getTime() + 60_000), end: new Date(Date.now() + 86_400_000) };
  assert.notEqual(verifySigstoreBundle(bundle, { bytes }, root, { key: { publicKey, validFor: before } }).verdict, 'verified', 'valid now, but not when it was signed');
});

test('a trusted root with a malformed entry is refused as untrusted, naming the entry', { skip: missing }, async () => {
  const { bundle, bytes } = await conformanceCase('happy-path-v0.3');
  const good = (await publicGoodTrustedRoot()) as Record<string, { [key: string]: unknown }[]>;
  assert.equal(trustedRootProblem(good), null, 'the shipped root is complete');
  const copy = () => JSON.parse(JSON.stringify(good)) as { tlogs: { publicKey: { validFor?: unknown } ; hashAlgorithm?: string }[]; ctlogs: { publicKey: { validFor?: { start?: string } } }[]; certificateAuthorities: { certChain: { certificates: unknown[] } }[]; timestampAuthorities: unknown[] };
  const noStart = copy();
  delete noStart.tlogs[0]!.publicKey.validFor;
  const ctNoStart = copy();
  delete ctNoStart.ctlogs[0]!.publicKey.validFor!.start;
  const emptyCa = copy();
  emptyCa.certificateAuthorities.push({ certChain: { certificates: [] } });
  const unknownHash = copy();
  unknownHash.tlogs[0]!.hashAlgorithm = 'MD5';
  for (const [what, root, words] of [
    ['a tlog key without validFor.start', noStart, /tlogs\[0\].*validFor\.start/],
    ['a ctlog key without validFor.start', ctNoStart, /ctlogs\[0\].*validFor\.start/],
    ['a CA without certificates', emptyCa, /certificateAuthorities\[\d+\] has no certificates/],
    ['an unknown hash algorithm', unknownHash, /hash algorithm MD5/],
  ] as const) {
    const result = verifySigstoreBundle(bundle, { bytes }, root, { identity: IDENTITY, issuer: ISSUER });
    assert.equal(result.verdict, 'untrusted', what);
    assert.match(result.reason, words, what);
    assert.throws(() => cosignTrustFromTrustedRoot(root), words, `${what}: cosign trust is not built from it either`);
  }
});

// A transparency log made here: its key, its ID, and its trusted-root entry.
function testLog(baseUrl: string) {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  const keyId = createHash('sha256').update(spki).digest();
  const json = { baseUrl, hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } }, logId: { keyId: keyId.toString('base64') } };
  // An entry in this log with its signed promise of inclusion.
  const entry = (index: number, body: Buffer, time: number) => ({
    logIndex: String(index),
    logId: { keyId: keyId.toString('base64') },
    kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
    integratedTime: String(time),
    inclusionPromise: { signedEntryTimestamp: sign('sha256', Buffer.from(canonicalJson({ body: body.toString('base64'), integratedTime: time, logIndex: index, logID: keyId.toString('hex') })), pair.privateKey).toString('base64') },
    canonicalizedBody: body.toString('base64'),
  });
  return { json, entry };
}

test('a transparency-log threshold counts log operators, so two logs of one operator count once', () => {
  const bytes = Buffer.from('an artifact');
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signature = sign('sha256', bytes, signer.privateKey);
  const pem = signer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const body = Buffer.from(canonicalJson({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(bytes).digest('hex') } }, signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(pem).toString('base64') } } } }));
  const first = testLog('https://rekor.one.example');
  const sameOperator = testLog('https://log2025.rekor.one.example');
  const otherOperator = testLog('https://rekor.two.example');
  const time = Math.floor(Date.now() / 1000) - 60;
  const bundleIn = (...entries: ReturnType<ReturnType<typeof testLog>['entry']>[]) => ({
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: { publicKey: { hint: 'test-key' }, tlogEntries: entries },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(bytes).digest('base64') }, signature: signature.toString('base64') },
  });
  const root = { ...EMPTY_ROOT, tlogs: [first.json, sameOperator.json, otherOperator.json] };
  const policy = (tlogThreshold: number): BundlePolicy => ({ key: { publicKey: signer.publicKey }, requireTlog: true, tlogThreshold });
  const one = bundleIn(first.entry(1, body, time), sameOperator.entry(7, body, time));
  assert.equal(verifySigstoreBundle(one, { bytes }, root, policy(1)).verdict, 'verified', verifySigstoreBundle(one, { bytes }, root, policy(1)).reason);
  const counted = verifySigstoreBundle(one, { bytes }, root, policy(2));
  assert.equal(counted.verdict, 'untrusted');
  assert.match(counted.reason, /requires the signature in 2 independent transparency logs, and its 2 log entries come from 1 log operator \(one\.example\)/);
  const two = bundleIn(first.entry(1, body, time), otherOperator.entry(3, body, time));
  const independent = verifySigstoreBundle(two, { bytes }, root, policy(2));
  assert.equal(independent.verdict, 'verified', independent.reason);
  const named = { ...root, tlogs: [{ ...first.json, operator: 'Example Org' }, sameOperator.json, { ...otherOperator.json, operator: 'Example Org' }] };
  assert.equal(verifySigstoreBundle(two, { bytes }, named, policy(2)).verdict, 'untrusted', 'an operator the trusted root names wins over the host');
});

test('a DSSE bundle is about an artifact only through an in-toto statement, and bytes and digest given together must agree', () => {
  const bytes = Buffer.from('an artifact');
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: createHash('sha256').update(bytes).digest('hex') } }], predicateType: 'https://example.com/p', predicate: {} }));
  const dsse = (payloadType: string) => {
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} `), statement]);
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'test-key' }, tlogEntries: [] },
      dsseEnvelope: { payload: statement.toString('base64'), payloadType, signatures: [{ sig: sign('sha256', pae, pair.privateKey).toString('base64'), keyid: '' }] },
    };
  };
  const policy = { key: { publicKey: pair.publicKey } };
  const good = verifySigstoreBundle(dsse('application/vnd.in-toto+json'), { bytes }, EMPTY_ROOT, policy);
  assert.equal(good.verdict, 'verified', good.reason);
  const plain = verifySigstoreBundle(dsse('text/plain'), { bytes }, EMPTY_ROOT, policy);
  assert.equal(plain.verdict, 'failed');
  assert.match(plain.reason, /carries a text\/plain payload, not an in-toto statement/);
  const disagree = verifySigstoreBundle(dsse('application/vnd.in-toto+json'), { bytes, digest: { algorithm: 'sha256', value: createHash('sha256').update('other').digest() } }, EMPTY_ROOT, policy);
  assert.match(disagree.reason, /bytes and the sha256 digest given for it differ/);
});
