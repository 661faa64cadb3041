import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { checkSignerIdentity, FULCIO_USERNAME_OID, verifyHostname, type SignerIdentity } from '../../main/signatures/certificate-identity.ts';
import { CERTIFICATE_ANNOTATION, SIGNATURE_ANNOTATION, verifyCosignSignature, type CosignTrust } from '../../main/signatures/cosign.verifier.ts';
import { subjectAltNames } from '../../main/encoding/der.ts';
import { loadTrust, notationStoreKinds, type TrustSources } from '../../main/trust/trust-sources.ts';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testLeaf, testRoot, type TestCertificateSpec } from '../support/certificate-builder.ts';

const GITHUB = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const root = testRoot('Test Fulcio');
const manifestDigest = `sha256:${createHash('sha256').update('{"schemaVersion":2}').digest('hex')}`;
const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': 'registry.example.com/team/app' }, image: { 'docker-manifest-digest': manifestDigest }, type: 'cosign container image signature' }, optional: null }));

// A cosign signature made with a fresh certificate from the test root, checked against the given identity.
function verifyKeyless(spec: TestCertificateSpec, identity: CosignTrust['identity']) {
  const leaf = testLeaf(root, spec);
  const annotations = { [SIGNATURE_ANNOTATION]: sign('sha256', payload, leaf.privateKey).toString('base64'), [CERTIFICATE_ANNOTATION]: leaf.certificate.toString() };
  return verifyCosignSignature({ manifestDigest, reference: 'registry.example.com/team/app:v1', identityRule: 'matchRepository', payload, annotations, trust: { keys: [], rekorKeys: [], roots: [root.certificate], intermediates: [], identity } });
}

const sources = (extra: Partial<TrustSources>): TrustSources => ({ keyFiles: [], keyRefs: [], rekorKeyFiles: [], caFiles: [], tsaFiles: [], notationStores: [], publicGood: false, ...extra });

test('a GitHub workflow identity given as --identity is checked: the right workflow verifies, another workflow of the same issuer does not', async () => {
  const trust = await loadTrust(sources({ identity: WORKFLOW, issuer: GITHUB }), []);
  const identity = trust.cosign?.identity;
  const good = verifyKeyless({ subject: '', names: [{ uri: WORKFLOW }], oidcIssuer: GITHUB }, identity);
  assert.equal(good.verdict, 'verified', good.reason);
  assert.match(good.reason, /release\.yml@refs\/heads\/main \(issuer https:\/\/token\.actions\.githubusercontent\.com\)/);
  const other = verifyKeyless({ subject: '', names: [{ uri: 'https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main' }], oidcIssuer: GITHUB }, identity);
  assert.equal(other.verdict, 'untrusted', other.reason);
  assert.match(other.reason, /not https:\/\/github\.com\/acme/);
  const spiffe = (await loadTrust(sources({ identity: 'spiffe://cluster.example/ns/prod/sa/builder', issuer: 'https://spire.example' }), [])).cosign?.identity;
  const intruder = verifyKeyless({ subject: '', names: [{ uri: 'spiffe://cluster.example/ns/dev/sa/anyone' }], oidcIssuer: 'https://spire.example' }, spiffe);
  assert.equal(intruder.verdict, 'untrusted', `a SPIFFE identity is checked too: ${intruder.reason}`);
  assert.equal(verifyKeyless({ subject: '', names: [{ uri: 'spiffe://cluster.example/ns/prod/sa/builder' }], oidcIssuer: 'https://spire.example' }, spiffe).verdict, 'verified');
});

test('SPIFFE and Kubernetes service-account URIs, emails, DNS names and Fulcio usernames are all matched exactly', () => {
  const cases: [string, TestCertificateSpec][] = [
    ['spiffe://cluster.example/ns/prod/sa/builder', { subject: '', names: [{ uri: 'spiffe://cluster.example/ns/prod/sa/builder' }], oidcIssuer: 'https://spire.example' }],
    ['https://kubernetes.io/namespaces/prod/serviceaccounts/builder', { subject: '', names: [{ uri: 'https://kubernetes.io/namespaces/prod/serviceaccounts/builder' }], oidcIssuer: 'https://kubernetes.default.svc' }],
    ['dev@example.com', { subject: '', names: [{ email: 'dev@example.com' }], oidcIssuer: 'https://accounts.google.com' }],
    ['builder.example.com', { subject: '', names: [{ dns: 'builder.example.com' }], oidcIssuer: 'https://issuer.example' }],
    ['octocat', { subject: '', names: [{ otherName: { oid: FULCIO_USERNAME_OID, value: 'octocat' } }], oidcIssuer: 'https://issuer.example' }],
  ];
  for (const [san, spec] of cases) {
    const issuer = spec.oidcIssuer!;
    assert.equal(verifyKeyless(spec, { san, issuer }).verdict, 'verified', san);
    assert.equal(verifyKeyless(spec, { san: `${san}x`, issuer }).verdict, 'untrusted', `${san}: a longer name is another name`);
    assert.equal(verifyKeyless(spec, { san: san.slice(0, -1), issuer }).verdict, 'untrusted', `${san}: a prefix is another name`);
    assert.equal(verifyKeyless(spec, { san, issuer: `${issuer}/` }).verdict, 'untrusted', `${san}: another issuer`);
  }
  // An otherName of some other type is not a username.
  const foreign = verifyKeyless({ subject: '', names: [{ otherName: { oid: '1.2.3.4', value: 'octocat' } }], oidcIssuer: 'https://issuer.example' }, { san: 'octocat', issuer: 'https://issuer.example' });
  assert.equal(foreign.verdict, 'untrusted');
});

test('identity patterns match the whole name: a substring or another organisation does not pass', () => {
  const spec: TestCertificateSpec = { subject: '', names: [{ uri: WORKFLOW }], oidcIssuer: GITHUB };
  const check = (identity: SignerIdentity) => verifyKeyless(spec, identity).verdict;
  assert.equal(check({ sanRegexp: 'release', issuer: GITHUB }), 'untrusted');
  assert.equal(check({ sanRegexp: 'https://github\\.com/evil/.*|.*', issuer: GITHUB }), 'verified', 'an alternation is grouped, not split by the anchors');
  assert.equal(check({ sanRegexp: 'https://github\\.com/evil/.*|https://github\\.com/other/.*', issuer: GITHUB }), 'untrusted');
  assert.equal(check({ sanRegexp: 'https://github\\.com/acme/.*', issuer: GITHUB }), 'verified');
  assert.equal(check({ sanRegexp: 'https://github\\.com/acme/.*', issuerRegexp: 'token\\.actions' }), 'untrusted', 'the issuer pattern is anchored too');
  assert.equal(check({ sanRegexp: 'https://github\\.com/acme/.*', issuerRegexp: 'https://token\\.actions\\.githubusercontent\\.com' }), 'verified');
  assert.match(verifyKeyless(spec, { sanRegexp: '(', issuer: GITHUB }).reason, /not a valid regular expression/);
});

test('a keyless certificate is not verified without an identity, or with an identity but no issuer, and says why', () => {
  const spec: TestCertificateSpec = { subject: '', names: [{ uri: WORKFLOW }], oidcIssuer: GITHUB };
  const none = verifyKeyless(spec, undefined);
  assert.equal(none.verdict, 'untrusted');
  assert.match(none.reason, /No signer identity is configured, so who signed \(https:\/\/github\.com\/acme/);
  const issuerOnly = verifyKeyless(spec, { issuer: GITHUB });
  assert.equal(issuerOnly.verdict, 'untrusted', 'an issuer alone names nobody');
  const noIssuer = verifyKeyless(spec, { san: WORKFLOW });
  assert.equal(noIssuer.verdict, 'untrusted');
  assert.match(noIssuer.reason, /no issuer is configured/);
  const legacy = verifyKeyless({ subject: '', names: [{ email: 'dev@example.com' }], legacyIssuer: 'https://accounts.google.com' }, { email: 'dev@example.com', issuer: 'https://accounts.google.com' });
  assert.equal(legacy.verdict, 'verified', `the legacy issuer extension is read: ${legacy.reason}`);
  const missing = verifyKeyless({ subject: '', names: [{ email: 'dev@example.com' }] }, { email: 'dev@example.com', issuer: 'https://accounts.google.com' });
  assert.match(missing.reason, /carries no OIDC issuer/);
  // A private CA's certificate has no issuer extension: an exact email (containers/image subjectEmail) is enough.
  assert.equal(verifyKeyless({ subject: '', names: [{ email: 'dev@example.com' }] }, { email: 'dev@example.com' }).verdict, 'verified');
});

test('the trust sources refuse an issuer alone, an identity without an issuer, and both forms of one setting, in plain words', async () => {
  const refused = async (extra: Partial<TrustSources>, words: RegExp) => {
    await assert.rejects(loadTrust(sources(extra), []), (error: Error & { code?: string }) => error.code === 'BadInput' && words.test(error.message));
  };
  await refused({ issuer: GITHUB }, /issuer alone names no signer/);
  await refused({ issuerRegexp: '.*' }, /issuer alone names no signer/);
  await refused({ identity: WORKFLOW }, /needs the OIDC issuer/);
  await refused({ identityRegexp: '.*' }, /needs the OIDC issuer/);
  await refused({ identity: WORKFLOW, identityRegexp: '.*', issuer: GITHUB }, /not both/);
  await refused({ identity: WORKFLOW, issuer: GITHUB, issuerRegexp: '.*' }, /not both/);
  await refused({ identityRegexp: '[', issuer: GITHUB }, /not a valid regular expression/);
  const patterned = await loadTrust(sources({ identityRegexp: 'https://github\\.com/acme/.*', issuerRegexp: 'https://token\\.actions\\.githubusercontent\\.com' }), []);
  assert.deepEqual(patterned.cosign?.identity, { sanRegexp: 'https://github\\.com/acme/.*', issuerRegexp: 'https://token\\.actions\\.githubusercontent\\.com' });
  assert.ok(patterned.bundlePolicy?.identity instanceof RegExp && patterned.bundlePolicy.issuer instanceof RegExp);
  assert.equal((await loadTrust(sources({}), [])).cosign?.identity, undefined);
});

test('every SAN type is read from the DER, including IPv6 in its short form and names containing commas', () => {
  const leaf = testLeaf(root, {
    subject: 'CN with, comma',
    names: [{ email: 'a@example.com' }, { uri: 'https://example.com/a,email:b@example.com' }, { dns: '*.example.com' }, { ip: Buffer.from([192, 0, 2, 1]) }, { ip: Buffer.from('20010db8000000000000000000000001', 'hex') }, { otherName: { oid: FULCIO_USERNAME_OID, value: 'octocat' } }],
  });
  assert.deepEqual(subjectAltNames(leaf.certificate.raw), [
    { type: 'email', value: 'a@example.com' },
    { type: 'uri', value: 'https://example.com/a,email:b@example.com' },
    { type: 'dns', value: '*.example.com' },
    { type: 'ip', value: '192.0.2.1' },
    { type: 'ip', value: '2001:db8::1' },
    { type: 'otherName', typeOid: FULCIO_USERNAME_OID, value: 'octocat' },
  ]);
  assert.equal(checkSignerIdentity(leaf.certificate.raw, { email: 'b@example.com' }).ok, false, 'text after a comma inside a URI is not an email SAN');
  assert.equal(checkSignerIdentity(leaf.certificate.raw, { san: '2001:db8::1' }).ok, true);
});

test('hostnames follow Go VerifyHostname: one leftmost wildcard label, case-insensitive, trailing dot, IPs only against IP SANs', () => {
  const names = subjectAltNames(testLeaf(root, { subject: 'host', names: [{ dns: '*.example.com' }, { dns: 'exact.test' }, { dns: 'Mixed.Example.ORG' }, { ip: Buffer.from([10, 0, 0, 1]) }, { dns: '10.0.0.2' }] }).certificate.raw);
  const table: [string, boolean][] = [
    ['a.example.com', true],
    ['A.EXAMPLE.COM', true],
    ['a.example.com.', true],
    ['example.com', false],
    ['a.b.example.com', false],
    ['exact.test', true],
    ['exact.test.', true],
    ['other.test', false],
    ['mixed.example.org', true],
    ['10.0.0.1', true],
    ['[10.0.0.1]', true],
    ['::ffff:10.0.0.1', true],
    ['10.0.0.2', false],
    ['', false],
  ];
  for (const [host, expected] of table) assert.equal(verifyHostname(names, host), expected, host);
  const bad = subjectAltNames(testLeaf(root, { subject: 'host', names: [{ dns: 'a*.example.com' }, { dns: '*' }] }).certificate.raw);
  assert.equal(verifyHostname(bad, 'ab.example.com'), false, 'a partial-label wildcard is not a wildcard');
  assert.equal(verifyHostname(bad, 'a*.example.com'), true, 'but an invalid pattern still matches itself exactly');
  assert.equal(verifyHostname(bad, 'com'), false);
});

test('a malformed SAN extension or a repeated issuer extension means the signer is unknown', () => {
  const broken = testLeaf(root, { subject: 'x', extra: [{ oid: '2.5.29.17', value: Buffer.from([0x30, 0x05, 0x86, 0x09, 0x61]) }] });
  const result = checkSignerIdentity(broken.certificate.raw, { san: 'a', issuer: GITHUB });
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /cannot be read/);
  const twice = testLeaf(root, { subject: 'x', names: [{ uri: WORKFLOW }], oidcIssuer: GITHUB, extra: [{ oid: '1.3.6.1.4.1.57264.1.8', value: Buffer.from([0x0c, 0x01, 0x78]) }] });
  assert.equal(checkSignerIdentity(twice.certificate.raw, { san: WORKFLOW, issuer: GITHUB }).ok, false);
});

test('a verified report names each signer: key label and fingerprint, keyless identity and issuer, or certificate subject', async () => {
  const { signersOf } = await import('../../main/cli/commands/verify.command.ts');
  const node = (label: string, details: Record<string, string>, verdict: 'verified' | 'failed' = 'verified') => ({ id: label, kind: 'signer' as const, label, verdict, reason: '', details });
  const report = {
    reference: 'r',
    checkedAt: new Date().toISOString(),
    verdict: 'verified' as const,
    reason: '',
    edges: [],
    graph: {} as never,
    nodes: [
      node('ci key (SHA256:9f3f4b21b59f…)', { kind: 'key', fingerprint: '9f'.repeat(32) }),
      node(WORKFLOW, { kind: 'certificate', subject: '', san: WORKFLOW, issuer: 'CN=sigstore-intermediate', oidcIssuer: GITHUB, fingerprint: 'ab'.repeat(32) }),
      node('dev@example.com', { issuer: 'https://accounts.google.com', keyHint: '' }),
      node('CN=build, O=Example', { kind: 'certificate', subject: 'CN=build, O=Example', san: '', issuer: 'CN=Example CA', oidcIssuer: 'null', fingerprint: 'cd'.repeat(32) }),
      node('CN=notation signer', { subject: 'CN=notation signer', issuer: 'CN=Example CA', scheme: 'notary.x509' }),
      node('someone else', { kind: 'key', fingerprint: 'ee'.repeat(32) }, 'failed'),
    ],
  };
  assert.deepEqual(signersOf(report), [
    `ci key (SHA256:9f3f4b21b59f…), fingerprint SHA256:${'9f'.repeat(32)}`,
    `${WORKFLOW} (OIDC issuer ${GITHUB})`,
    'dev@example.com (OIDC issuer https://accounts.google.com)',
    'the certificate "CN=build, O=Example"',
    'the certificate "CN=notation signer"',
  ]);
});

test('a Notation trust store is a CA store unless it says otherwise, and a CA is never also a signing authority', async () => {
  assert.deepEqual(notationStoreKinds(['/roots', 'ca:/more', 'signingAuthority:/signers', 'tsa:/stamps']), { ca: ['/roots', '/more'], signingAuthority: ['/signers'], tsa: ['/stamps'] });
  const dir = await mkdtemp(join(tmpdir(), 'signet-notation-store-'));
  const file = join(dir, 'root.pem');
  await writeFile(file, root.certificate.toString());
  const plain = await loadTrust(sources({ notationStores: [file] }), []);
  assert.equal(plain.notation?.ca.length, 1);
  assert.equal(plain.notation?.signingAuthority.length, 0, 'a CA root must not vouch for signing times as a signing authority');
  const authority = await loadTrust(sources({ notationStores: [`signingAuthority:${file}`] }), []);
  assert.deepEqual([authority.notation?.ca.length, authority.notation?.signingAuthority.length], [0, 1]);
});

test('imported CRL files reach the Notation check as DER, and a file that is not a CRL is refused, never read as "no CRL"', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-crl-files-'));
  const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
  await writeFile(join(dir, 'one.crl'), der);
  await writeFile(join(dir, 'two.pem'), `-----BEGIN X509 CRL-----\n${der.toString('base64')}\n-----END X509 CRL-----\n`);
  await writeFile(join(dir, 'root.pem'), root.certificate.toString());
  await writeFile(join(dir, 'junk.txt'), 'not a list');
  const trust = await loadTrust(sources({ notationStores: [join(dir, 'root.pem')], crlFiles: [join(dir, 'one.crl'), join(dir, 'two.pem')] }), []);
  assert.deepEqual(trust.notation?.crls?.map((c) => c.toString('hex')), [der.toString('hex'), der.toString('hex')]);
  await assert.rejects(loadTrust(sources({ notationStores: [join(dir, 'root.pem')], crlFiles: [join(dir, 'junk.txt')] }), []), /holds no certificate revocation list/);
});
