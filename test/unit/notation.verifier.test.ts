import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign, X509Certificate, type KeyObject } from 'node:crypto';
import { notationEnvelopeLayer, verifyNotationEnvelope, type NotationTrust } from '../../main/signatures/notation.verifier.ts';
import { EKU, makeCertificate, makeChain, opensslTimestamp } from '../support/certificate-factory.ts';
import { encodeCbor, type CborWritable } from '../../main/encoding/cbor.ts';
import { distributionPoint, writeCrl } from '../support/crl-writer.ts';

const base = resolve(fileURLToPath(new URL('../../', import.meta.url)), process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'notation-go');
const missing = existsSync(base) ? false : `the Notation fixtures are not at ${base} (set SIGNET_ACCEPTANCE_DIR)`;
if (missing) console.log(`Notation tests skipped: ${missing}`);
const digest = 'sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e';
const day = 86_400_000;
const now = new Date();

async function trust(overrides: Partial<NotationTrust> = {}): Promise<NotationTrust> {
  const root = new X509Certificate(await readFile(join(base, 'verifier/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem')));
  return { ca: [root], signingAuthority: [], tsa: [], trustedIdentities: ['x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US'], level: 'strict', ...overrides };
}

const fixtureStore = (folder: string) => [new X509Certificate(readFileSync(join(base, folder)))];

// A Notary Project JWS envelope signed with ES256 by `key`, carrying `chain`; headers can be changed or removed (undefined).
function jws(key: KeyObject, chain: X509Certificate[], headers: Record<string, unknown> = {}, unprotected: Record<string, unknown> = {}): Buffer {
  const protectedHeader = Object.fromEntries(
    Object.entries({ alg: 'ES256', crit: ['io.cncf.notary.signingScheme'], cty: 'application/vnd.cncf.notary.payload.v1+json', 'io.cncf.notary.signingScheme': 'notary.x509', 'io.cncf.notary.signingTime': now.toISOString(), ...headers }).filter(([, v]) => v !== undefined),
  );
  const payload = { targetArtifact: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'ab'.repeat(32)}`, size: 1234 } };
  const encodedProtected = Buffer.from(JSON.stringify(protectedHeader)).toString('base64url');
  const encodedPayload = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${encodedProtected}.${encodedPayload}`), { key, dsaEncoding: 'ieee-p1363' });
  return Buffer.from(JSON.stringify({ payload: encodedPayload, protected: encodedProtected, header: { x5c: chain.map((c) => c.raw.toString('base64')), ...unprotected }, signature: signature.toString('base64url') }));
}

function cose(key: KeyObject, chain: X509Certificate[], crit: CborWritable[], extra: [CborWritable, CborWritable][] = []): Buffer {
  const protectedMap = new Map<CborWritable, CborWritable>([[1, -7], [2, crit], [3, 'application/vnd.cncf.notary.payload.v1+json'], ['io.cncf.notary.signingScheme', 'notary.x509'], ['io.cncf.notary.signingTime', { tag: 1, value: Math.floor(now.getTime() / 1000) }], ...extra]);
  const protectedBytes = encodeCbor(protectedMap);
  const payload = Buffer.from(JSON.stringify({ targetArtifact: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'cd'.repeat(32)}`, size: 1 } }));
  const signature = sign('sha256', encodeCbor(['Signature1', protectedBytes, Buffer.alloc(0), payload]), { key, dsaEncoding: 'ieee-p1363' });
  return encodeCbor({ tag: 18, value: [protectedBytes, new Map<CborWritable, CborWritable>([[33, chain.map((c) => c.raw)]]), payload, signature] });
}

function tsaChain(rootOverrides = {}) {
  const root = makeCertificate({ commonName: 'Test TSA Root', ...rootOverrides });
  const leaf = makeCertificate({ commonName: 'Test TSA', issuer: root, ca: false, eku: [EKU.timeStamping], ekuCritical: true });
  return { root, leaf };
}

function signatureOf(envelope: Buffer): Buffer {
  return Buffer.from((JSON.parse(envelope.toString()) as { signature: string }).signature, 'base64url');
}

function withHeader(envelope: Buffer, header: Record<string, unknown>): Buffer {
  const parsed = JSON.parse(envelope.toString()) as { header: Record<string, unknown> };
  return Buffer.from(JSON.stringify({ ...parsed, header: { ...parsed.header, ...header } }));
}

const chainTrust = (chain: ReturnType<typeof makeChain>, overrides: Partial<NotationTrust> = {}): NotationTrust => ({ ca: [chain.root.cert], signingAuthority: [], tsa: [], trustedIdentities: ['*'], level: 'strict', ...overrides });
const certs = (chain: ReturnType<typeof makeChain>) => [chain.leaf.cert, chain.intermediate.cert, chain.root.cert];

test('Notation: a changed payload, an untrusted identity, another artifact and an empty trust store each fail for their own reason', { skip: missing }, async () => {
  const envelope = await readFile(join(base, 'envelopes/ca_valid_sig_env.json'));
  assert.equal(verifyNotationEnvelope(envelope, await trust(), { artifactDigest: digest }).verdict, 'verified');
  const jwsEnvelope = JSON.parse(envelope.toString()) as { payload: string };
  const payload = JSON.parse(Buffer.from(jwsEnvelope.payload, 'base64url').toString()) as { targetArtifact: { size: number } };
  payload.targetArtifact.size += 1;
  const tampered = Buffer.from(JSON.stringify({ ...jwsEnvelope, payload: Buffer.from(JSON.stringify(payload)).toString('base64url') }));
  assert.match(verifyNotationEnvelope(tampered, await trust()).reason, /does not verify/);
  const stranger = verifyNotationEnvelope(envelope, await trust({ trustedIdentities: ['x509.subject:C=US,ST=WA,O=Elsewhere,CN=Someone Else'] }));
  assert.equal(stranger.verdict, 'untrusted');
  assert.match(stranger.reason, /not among the trusted identities/);
  assert.match(verifyNotationEnvelope(envelope, await trust(), { artifactDigest: `sha256:${'0'.repeat(64)}` }).reason, /not sha256:0000/);
  assert.match(verifyNotationEnvelope(envelope, await trust({ ca: [] })).reason, /No trust store/);
});

test('Notation levels: an expired signature fails at strict and is only logged at permissive and audit', { skip: missing }, async () => {
  const envelope = await readFile(join(base, 'envelopes/ca_expired_sig_env.json'));
  assert.equal(verifyNotationEnvelope(envelope, await trust()).verdict, 'failed');
  for (const level of ['permissive', 'audit'] as const) {
    const result = verifyNotationEnvelope(envelope, await trust({ level }));
    assert.equal(result.verdict, 'verified', level);
    assert.match(result.reason, /logged: The signature expired/);
  }
});

test('Notation overrides: strict with expiry set to log accepts an expired signature with a note; audit with authenticity enforced refuses a stranger', { skip: missing }, async () => {
  const expired = await readFile(join(base, 'envelopes/ca_expired_sig_env.json'));
  const logged = verifyNotationEnvelope(expired, await trust({ override: { expiry: 'log' } }));
  assert.equal(logged.verdict, 'verified');
  assert.match(logged.reason, /logged: The signature expired/);
  const valid = await readFile(join(base, 'envelopes/ca_valid_sig_env.json'));
  const stranger = { trustedIdentities: ['x509.subject:C=US,ST=WA,O=Elsewhere'] };
  assert.equal(verifyNotationEnvelope(valid, await trust({ level: 'audit', ...stranger })).verdict, 'verified');
  assert.equal(verifyNotationEnvelope(valid, await trust({ level: 'audit', override: { authenticity: 'enforce' }, ...stranger })).verdict, 'untrusted');
});

test('Notation trusted identities: notation compares DNs as attribute subsets, and an identity without C, ST and O is refused', { skip: missing }, async () => {
  const envelope = await readFile(join(base, 'envelopes/ca_valid_sig_env.json'));
  assert.equal(verifyNotationEnvelope(envelope, await trust({ trustedIdentities: ['x509.subject:C=US, S=WA, O=Notary'] })).verdict, 'verified');
  assert.equal(verifyNotationEnvelope(envelope, await trust({ trustedIdentities: ['x509.subject:C=US,ST=WA,O=Notary,CN=Other'] })).verdict, 'untrusted');
  const unreadable = verifyNotationEnvelope(envelope, await trust({ trustedIdentities: ['x509.subject:CN=Notation Test Root'] }));
  assert.equal(unreadable.verdict, 'untrusted');
  assert.match(unreadable.reason, /lacks C, ST, O/);
});

test('Notation crit: an unknown critical header, a critical header that is absent, and a required header left unmarked are each refused (JWS)', () => {
  const chain = makeChain();
  assert.equal(verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain)), chainTrust(chain)).verdict, 'verified');
  const unknown = verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), { crit: ['io.cncf.notary.signingScheme', 'com.example.mustUnderstand'], 'com.example.mustUnderstand': true }), chainTrust(chain));
  assert.equal(unknown.verdict, 'failed');
  assert.match(unknown.reason, /marks the header "com.example.mustUnderstand" critical, which Signet does not understand/);
  assert.match(verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), { crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry'] }), chainTrust(chain)).reason, /"io.cncf.notary.expiry" is marked critical but is not in the protected headers/);
  assert.match(verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), { 'io.cncf.notary.expiry': new Date(now.getTime() + day).toISOString() }), chainTrust(chain)).reason, /must be marked critical but are not: io.cncf.notary.expiry/);
  assert.match(verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), { crit: undefined }), chainTrust(chain)).reason, /no "crit" header/);
  assert.match(verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), { crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.signingTime'] }), chainTrust(chain)).reason, /"io.cncf.notary.signingTime" critical, which Signet does not understand/);
  assert.equal(verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), { 'com.example.note': 'informational' }), chainTrust(chain)).verdict, 'verified', 'a non-critical extended attribute is allowed');
});

test('Notation crit: an unknown label in the COSE crit header (label 2) is refused', () => {
  const chain = makeChain();
  assert.equal(verifyNotationEnvelope(cose(chain.leaf.privateKey, certs(chain), ['io.cncf.notary.signingScheme']), chainTrust(chain)).verdict, 'verified');
  const unknown = verifyNotationEnvelope(cose(chain.leaf.privateKey, certs(chain), ['io.cncf.notary.signingScheme', 99], [[99, 'x']]), chainTrust(chain));
  assert.equal(unknown.verdict, 'failed');
  assert.match(unknown.reason, /marks the header 99 critical, which Signet does not understand/);
  assert.match(verifyNotationEnvelope(cose(chain.leaf.privateKey, certs(chain), [3]), chainTrust(chain)).reason, /must be marked critical but are not: io.cncf.notary.signingScheme/);
});

test('Notation: a signature that names io.cncf.notary.verificationPlugin fails because Signet has no plugins', () => {
  const chain = makeChain();
  const plugin = { crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.verificationPlugin'], 'io.cncf.notary.verificationPlugin': 'com.example.verifier' };
  for (const headers of [plugin, { 'io.cncf.notary.verificationPlugin': 'com.example.verifier' }]) {
    const result = verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), headers), chainTrust(chain));
    assert.equal(result.verdict, 'failed');
    assert.match(result.reason, /requires the verification plugin "com.example.verifier" \(io.cncf.notary.verificationPlugin\); Signet has no verification plugins/);
  }
  const coseResult = verifyNotationEnvelope(cose(chain.leaf.privateKey, certs(chain), ['io.cncf.notary.signingScheme', 'io.cncf.notary.verificationPlugin'], [['io.cncf.notary.verificationPlugin', 'com.example.verifier']]), chainTrust(chain));
  assert.match(coseResult.reason, /requires the verification plugin "com.example.verifier"/);
});

test('Notation verifyTimestamp: with a TSA store a timestamp is required (always), not while the chain is unexpired (afterCertExpiry), and never without a TSA store', () => {
  const chain = makeChain();
  const tsa = tsaChain();
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  const required = verifyNotationEnvelope(envelope, chainTrust(chain, { tsa: [tsa.root.cert], tsaConfigured: true }));
  assert.equal(required.verdict, 'failed');
  assert.match(required.reason, /carries no timestamp countersignature, which the trust policy requires/);
  assert.equal(verifyNotationEnvelope(envelope, chainTrust(chain, { tsa: [tsa.root.cert], tsaConfigured: true, verifyTimestamp: 'afterCertExpiry' })).verdict, 'verified');
  const optional = verifyNotationEnvelope(envelope, chainTrust(chain, { tsa: [tsa.root.cert] }));
  assert.equal(optional.verdict, 'verified', 'without a policy that names a tsa store, a missing timestamp means the chain is judged now');
  assert.match(optional.checks.find((c) => c.name === 'timestamp')!.reason, /No timestamp was relied on \(the signature carries none\); the chain is valid now/);
  const none = verifyNotationEnvelope(envelope, chainTrust(chain));
  assert.equal(none.verdict, 'verified');
  assert.match(none.checks.find((c) => c.name === 'timestamp')!.reason, /No timestamp was relied on \(no timestamp authority is trusted\); the chain is valid now/);
  assert.equal(verifyNotationEnvelope(envelope, chainTrust(chain, { tsa: [], tsaConfigured: true })).verdict, 'failed', 'a named but empty TSA store still demands a timestamp');
});

test('Notation timestamp: a token over this signature from a trusted time-stamping chain is relied on; one over another signature or from an untrusted or non-conforming TSA is not', () => {
  const chain = makeChain();
  const tsa = tsaChain();
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  const stamped = withHeader(envelope, { 'io.cncf.notary.timestampSignature': opensslTimestamp(signatureOf(envelope), tsa.leaf, [tsa.root]).toString('base64') });
  const good = verifyNotationEnvelope(stamped, chainTrust(chain, { tsa: [tsa.root.cert] }));
  assert.equal(good.verdict, 'verified', good.reason);
  assert.equal(good.timestamp?.authentic, true);
  assert.match(good.reason, /The timestamp authority's revocation was not checked: no CRL available offline/);

  const other = jws(chain.leaf.privateKey, certs(chain), { 'io.cncf.notary.signingTime': new Date(now.getTime() - 1000).toISOString() });
  const borrowed = withHeader(other, { 'io.cncf.notary.timestampSignature': opensslTimestamp(signatureOf(envelope), tsa.leaf, [tsa.root]).toString('base64') });
  const moved = verifyNotationEnvelope(borrowed, chainTrust(chain, { tsa: [tsa.root.cert] }));
  assert.equal(moved.verdict, 'failed');
  assert.match(moved.reason, /message imprint does not match/);

  const stranger = tsaChain();
  assert.match(verifyNotationEnvelope(stamped, chainTrust(chain, { tsa: [stranger.root.cert] })).reason, /timestamp authority is not trusted at the stamped time/);

  const bare = tsaChain({ keyUsage: null });
  const bareStamped = withHeader(envelope, { 'io.cncf.notary.timestampSignature': opensslTimestamp(signatureOf(envelope), bare.leaf, [bare.root]).toString('base64') });
  assert.match(verifyNotationEnvelope(bareStamped, chainTrust(chain, { tsa: [bare.root.cert] })).reason, /CA certificate "O=Signet Test, CN=Test TSA Root" has no keyUsage extension, which the Notary Project requires/);
});

test('Notation timestamp: the stamped time must fall inside the signing certificate validity', () => {
  const chain = makeChain({ leaf: { notBefore: new Date(now.getTime() + day), notAfter: new Date(now.getTime() + 30 * day) } });
  const tsa = tsaChain();
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  const stamped = withHeader(envelope, { 'io.cncf.notary.timestampSignature': opensslTimestamp(signatureOf(envelope), tsa.leaf, [tsa.root]).toString('base64') });
  const result = verifyNotationEnvelope(stamped, chainTrust(chain, { tsa: [tsa.root.cert] }));
  assert.equal(result.verdict, 'untrusted');
  assert.match(result.checks.find((c) => c.name === 'timestamp')!.reason, /"O=Signet Test, CN=Test Signer" is not valid until .*, so it was not valid at the timestamp/);
});

test('Notation timestamp: a real timestamp keeps a signature valid after its certificate expired, only with the TSA store', { skip: missing }, async () => {
  const envelope = await readFile(join(base, 'verifier/timestamp/sigEnv/jwsWithTimestamp.sig'));
  const later = new Date('2040-01-01T00:00:00Z');
  const base_ = { ca: fixtureStore('verifier/truststore/x509/ca/valid-trust-store/TestTimestamp.crt'), signingAuthority: [], trustedIdentities: ['*'], level: 'strict' as const };
  const tsa = fixtureStore('verifier/truststore/x509/tsa/test-timestamp/globalsignRoot.cer');
  const stamped = verifyNotationEnvelope(envelope, { ...base_, tsa }, { now: later });
  assert.equal(stamped.verdict, 'verified', stamped.reason);
  assert.equal(stamped.timestamp?.time, '2024-06-18T06:29:37.000Z');
  assert.equal(verifyNotationEnvelope(envelope, { ...base_, tsa, verifyTimestamp: 'afterCertExpiry' }, { now: later }).verdict, 'verified');
  const unstamped = verifyNotationEnvelope(envelope, { ...base_, tsa: [] }, { now: later });
  assert.equal(unstamped.verdict, 'untrusted');
  assert.match(unstamped.reason, /was expired at 2040/);
  const borrowed = withHeader(await readFile(join(base, 'envelopes/ca_valid_sig_env.json')), { 'io.cncf.notary.timestampSignature': (JSON.parse(envelope.toString()) as { header: Record<string, string> }).header['io.cncf.notary.timestampSignature'] });
  assert.match(verifyNotationEnvelope(borrowed, await trust({ tsa })).reason, /message imprint does not match/);
});

test('Notation signingAuthority: the authentic signing time header decides validity, and the signing authority store may hold an intermediate of the chain', () => {
  const early = { notBefore: new Date(now.getTime() - 60 * day) };
  const chain = makeChain({ root: early, intermediate: early, leaf: { notBefore: new Date(now.getTime() - 30 * day), notAfter: new Date(now.getTime() - 10 * day) } });
  const sa = (time: Date, extra: Record<string, unknown> = {}) => jws(chain.leaf.privateKey, certs(chain), { crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.authenticSigningTime'], 'io.cncf.notary.signingScheme': 'notary.x509.signingAuthority', 'io.cncf.notary.signingTime': undefined, 'io.cncf.notary.authenticSigningTime': time.toISOString(), ...extra });
  const saTrust = { ...chainTrust(chain), ca: [], signingAuthority: [chain.root.cert] };
  const inTime = verifyNotationEnvelope(sa(new Date(now.getTime() - 20 * day)), saTrust);
  assert.equal(inTime.verdict, 'verified', inTime.reason);
  const late = verifyNotationEnvelope(sa(new Date(now.getTime() - 5 * day)), saTrust);
  assert.equal(late.verdict, 'untrusted');
  assert.match(late.checks.find((c) => c.name === 'timestamp')!.reason, /was not valid at the authentic signing time/);
  assert.equal(verifyNotationEnvelope(sa(new Date(now.getTime() - 20 * day)), { ...saTrust, signingAuthority: [chain.intermediate.cert] }).verdict, 'verified');
  assert.match(verifyNotationEnvelope(sa(new Date(now.getTime() - 20 * day), { 'io.cncf.notary.signingTime': now.toISOString() }), saTrust).reason, /io.cncf.notary.signingTime header must not be present in a notary.x509.signingAuthority signature/);
  assert.match(verifyNotationEnvelope(sa(new Date(now.getTime() - 20 * day), { crit: ['io.cncf.notary.signingScheme'] }), saTrust).reason, /must be marked critical but are not: io.cncf.notary.authenticSigningTime/);
  const x509 = verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), { 'io.cncf.notary.signingTime': new Date(now.getTime() - 20 * day).toISOString() }), chainTrust(chain));
  assert.equal(x509.verdict, 'untrusted', 'notary.x509 does not trust its own signingTime');
});

test('Notation chain rules: a CA leaf fails integrity even at audit; a leaf in the ca store is not its own anchor unless self-signed', () => {
  const caLeaf = makeChain({ leaf: { ca: true, keyUsage: ['digitalSignature'] } });
  const result = verifyNotationEnvelope(jws(caLeaf.leaf.privateKey, certs(caLeaf)), chainTrust(caLeaf, { level: 'audit' }));
  assert.equal(result.verdict, 'failed');
  assert.match(result.reason, /breaks the Notary Project certificate rules: .*is a CA certificate/);
  const chain = makeChain();
  const leafOnly = verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain)), chainTrust(chain, { ca: [chain.leaf.cert] }));
  assert.equal(leafOnly.verdict, 'untrusted');
  const self = makeCertificate({ commonName: 'Self Signer', ca: false, eku: [EKU.codeSigning] });
  assert.equal(verifyNotationEnvelope(jws(self.privateKey, [self.cert]), { ca: [self.cert], signingAuthority: [], tsa: [], trustedIdentities: ['*'], level: 'strict' }).verdict, 'verified');
  const shortChain = verifyNotationEnvelope(jws(chain.leaf.privateKey, [chain.leaf.cert, chain.intermediate.cert]), chainTrust(chain));
  assert.match(shortChain.reason, /must end in a self-signed root certificate/);
  const intermediateAnchor = verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain)), chainTrust(chain, { ca: [chain.intermediate.cert] }));
  assert.equal(intermediateAnchor.verdict, 'verified', intermediateAnchor.reason);
  assert.match(verifyNotationEnvelope(jws(chain.leaf.privateKey, certs(chain), { alg: 'ES384' }), chainTrust(chain)).reason, /names ES384, but the signing certificate's key calls for ES256/);
});

test('Notation revocation: the verdict says whether revocation was checked, not checked offline, or skipped by policy', () => {
  const chain = makeChain();
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  assert.match(verifyNotationEnvelope(envelope, chainTrust(chain)).reason, /Revocation was not checked \(offline\)\.$/);
  assert.match(verifyNotationEnvelope(envelope, chainTrust(chain, { trustedIdentities: [] })).reason, /Revocation was not checked \(offline\)\. No trusted identity is set, so any signer the trust store vouches for is accepted\.$/);
  const skipped = verifyNotationEnvelope(envelope, chainTrust(chain, { override: { revocation: 'skip' }, crls: [Buffer.from([0x30, 0x00])] }));
  assert.match(skipped.reason, /Revocation was skipped by the trust policy\.$/);
  assert.equal(skipped.checks.some((c) => c.name === 'revocation'), false);
  const unreadable = verifyNotationEnvelope(envelope, chainTrust(chain, { crls: [Buffer.from([0x30, 0x00])] }));
  assert.equal(unreadable.verdict, 'failed');
  assert.match(unreadable.reason, /revocation status of the signing certificate .* is unknown/);
});

test('Notation skip level: a policy that checks nothing never yields "verified", even for a tampered envelope', () => {
  const chain = makeChain();
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  const tampered = Buffer.from(envelope.toString('utf8').replace(/"signature":"(.)/, (_, c: string) => `"signature":"${c === 'A' ? 'B' : 'A'}`));
  for (const bytes of [envelope, tampered]) {
    const result = verifyNotationEnvelope(bytes, chainTrust(chain, { level: 'skip' }));
    assert.equal(result.verdict, 'untrusted');
    assert.match(result.reason, /^Not verified: the trust policy sets the level to skip/);
  }
});

test('Notation: a signing certificate with an empty subject is refused with a reason, not a crash', () => {
  const chain = makeChain({ leaf: { email: 'signer@example.com' } });
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  assert.equal(verifyNotationEnvelope(envelope, chainTrust(chain)).verdict, 'verified');
  const named = verifyNotationEnvelope(envelope, chainTrust(chain, { trustedIdentities: ['x509.subject:C=US,ST=WA,O=Notary'] }));
  assert.equal(named.verdict, 'untrusted');
  assert.match(named.reason, /"subject alternative name email:signer@example.com" lacks C, ST, O/);
});

test('Notation artifact: a payload naming this digest with another media type or size was not made for this artifact', () => {
  const chain = makeChain();
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  const artifact = { artifactDigest: `sha256:${'ab'.repeat(32)}`, artifactMediaType: 'application/vnd.oci.image.manifest.v1+json', artifactSize: 1234 };
  assert.equal(verifyNotationEnvelope(envelope, chainTrust(chain), artifact).verdict, 'verified');
  const resized = verifyNotationEnvelope(envelope, chainTrust(chain), { ...artifact, artifactSize: 1235 });
  assert.equal(resized.verdict, 'failed');
  assert.match(resized.reason, /names the size 1234, but the artifact is 1235 bytes/);
  const retyped = verifyNotationEnvelope(envelope, chainTrust(chain), { ...artifact, artifactMediaType: 'application/vnd.docker.distribution.manifest.v2+json' });
  assert.equal(retyped.verdict, 'failed');
  assert.match(retyped.reason, /names the media type "application\/vnd.oci.image.manifest.v1\+json", but the artifact is application\/vnd.docker/);
});

test('Notation trust store: a signing certificate issued by a CA cannot anchor a signingAuthority signature, as it is neither a CA nor self-signed', () => {
  const chain = makeChain();
  const headers = { 'io.cncf.notary.signingScheme': 'notary.x509.signingAuthority', 'io.cncf.notary.signingTime': undefined, 'io.cncf.notary.authenticSigningTime': now.toISOString(), crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.authenticSigningTime'] };
  const envelope = jws(chain.leaf.privateKey, certs(chain), headers);
  assert.equal(verifyNotationEnvelope(envelope, chainTrust(chain, { ca: [], signingAuthority: [chain.root.cert] })).verdict, 'verified');
  const leafAnchor = verifyNotationEnvelope(envelope, chainTrust(chain, { ca: [], signingAuthority: [chain.leaf.cert] }));
  assert.equal(leafAnchor.verdict, 'untrusted');
  assert.match(leafAnchor.reason, /signing authority trust store holds "O=Signet Test, CN=Test Signer", which is neither a CA certificate nor self-signed/);
  const selfSigned = makeCertificate({ commonName: 'Self-signed Signer', ca: false, eku: [EKU.codeSigning] });
  assert.equal(verifyNotationEnvelope(jws(selfSigned.privateKey, [selfSigned.cert], headers), chainTrust(chain, { ca: [], signingAuthority: [selfSigned.cert] })).verdict, 'verified');
});

test('Notation layer: a signature manifest is read only with exactly one layer, of an envelope media type, parsed as the format that type names', () => {
  const chain = makeChain();
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  assert.deepEqual(notationEnvelopeLayer([{ mediaType: 'application/cose' }]), { layer: { mediaType: 'application/cose' }, format: 'cose' });
  const two = notationEnvelopeLayer([{ mediaType: 'application/jose+json' }, { mediaType: 'application/jose+json' }]);
  assert.ok('problem' in two && /exactly one envelope layer; this one holds 2/.test(two.problem));
  const other = notationEnvelopeLayer([{ mediaType: 'application/octet-stream' }]);
  assert.ok('problem' in other && /"application\/octet-stream", not a Notation envelope type/.test(other.problem));
  assert.equal(verifyNotationEnvelope(envelope, chainTrust(chain), { format: 'jws' }).verdict, 'verified');
  const misnamed = verifyNotationEnvelope(envelope, chainTrust(chain), { format: 'cose' });
  assert.equal(misnamed.verdict, 'failed');
  assert.match(misnamed.reason, /cannot be read as COSE, the format its media type names/);
});

test('Notation COSE: the envelope must be COSE_Sign1_Tagged; the same structure without tag 18 is refused', () => {
  const chain = makeChain();
  const tagged = cose(chain.leaf.privateKey, certs(chain), ['io.cncf.notary.signingScheme']);
  assert.equal(verifyNotationEnvelope(tagged, chainTrust(chain)).verdict, 'verified');
  assert.equal(tagged[0], 0xd2, 'tag 18 is the one-byte head 0xd2');
  const untagged = verifyNotationEnvelope(tagged.subarray(1), chainTrust(chain));
  assert.equal(untagged.verdict, 'failed');
  assert.match(untagged.reason, /not tagged as COSE_Sign1 \(tag 18\)/);
});

test('Notation revocation: a certificate that publishes its CRL is not verified offline without that CRL, and says where to get it', () => {
  const chain = makeChain({ leaf: { extra: [{ oid: '2.5.29.31', critical: false, value: distributionPoint('http://crl.example.test/intermediate.crl') }] } });
  const envelope = jws(chain.leaf.privateKey, certs(chain));
  const strict = verifyNotationEnvelope(envelope, chainTrust(chain));
  assert.equal(strict.verdict, 'failed', strict.reason);
  assert.match(strict.reason, /revocation status of the signing certificate .* is unknown: it is published at http:\/\/crl\.example\.test\/intermediate\.crl, and no CRL .* is available offline/);
  const permissive = verifyNotationEnvelope(envelope, chainTrust(chain, { level: 'permissive' }));
  assert.equal(permissive.verdict, 'verified');
  assert.match(permissive.reason, /logged: The revocation status of the signing certificate/);
});

test("Notation revocation: CRLs given for another CA (Signet's own) leave a chain that names no CRL verifiable, and say it was not checked", () => {
  const ours = makeChain({ root: { commonName: 'Signet CA Root' }, intermediate: { commonName: 'Signet CA Intermediate' } });
  const theirs = makeChain();
  const day = 86_400_000;
  const crls = [writeCrl(ours.intermediate, [], new Date(Date.now() - day), new Date(Date.now() + day)), writeCrl(ours.root, [], new Date(Date.now() - day), new Date(Date.now() + day))];
  const other = verifyNotationEnvelope(jws(theirs.leaf.privateKey, certs(theirs)), { ...chainTrust(theirs), crls });
  assert.equal(other.verdict, 'verified', other.reason);
  assert.match(other.reason, /names no CRL and none from .* was given, so its revocation was not checked/);
  const own = verifyNotationEnvelope(jws(ours.leaf.privateKey, certs(ours)), { ...chainTrust(ours), crls: crls.slice(1) });
  assert.equal(own.verdict, 'failed', 'a chain whose CRLs are given must have its signing certificate covered');
});
