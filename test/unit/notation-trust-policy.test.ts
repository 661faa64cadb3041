import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notationTrustFromPolicy, readNotationPolicyDocument, resolveNotationPolicy } from '../../main/signatures/notation-trust-policy.ts';
import { makeCertificate } from '../support/certificate-factory.ts';

const ref = 'registry.acme-rockets.io/software/net-monitor@sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e';
const identity = 'x509.subject:C=US,ST=WA,O=Notary';

function statement(overrides: Record<string, unknown> = {}) {
  return { name: 'net-monitor', registryScopes: ['registry.acme-rockets.io/software/net-monitor'], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme', 'tsa:timestamps'], trustedIdentities: [identity], ...overrides };
}
const doc = (...trustPolicies: unknown[]) => ({ version: '1.0', trustPolicies });

const refused: [string, unknown, RegExp][] = [
  ['not an object', 'trustpolicy', /\(document\): /],
  ['no version', { trustPolicies: [statement()] }, /version: the document has no version/],
  ['an unsupported version', { version: '2.0', trustPolicies: [statement()] }, /version "2.0" is not supported/],
  ['no statements', doc(), /no trust policy statements/],
  ['a statement that is not an object', doc('x'), /trustPolicies\.0: /],
  ['a non-string registry scope', doc(statement({ registryScopes: [42] })), /trustPolicies\.0\.registryScopes\.0: /],
  ['two statements with one name', doc(statement(), statement({ registryScopes: ['*'] })), /more than one statement is named "net-monitor"/],
  ['an unknown level', doc(statement({ signatureVerification: { level: 'paranoid' } })), /verification level "paranoid"/],
  ['an integrity override', doc(statement({ signatureVerification: { level: 'strict', override: { integrity: 'log' } } })), /overrides integrity, which cannot be changed/],
  ['skipping authenticity', doc(statement({ signatureVerification: { level: 'strict', override: { authenticity: 'skip' } } })), /skips authenticity; only revocation can be skipped/],
  ['an unknown check', doc(statement({ signatureVerification: { level: 'strict', override: { identity: 'log' } } })), /overrides "identity", which is not one of/],
  ['an unknown action', doc(statement({ signatureVerification: { level: 'strict', override: { expiry: 'warn' } } })), /sets "expiry" to "warn"/],
  ['overriding the skip level', doc(statement({ signatureVerification: { level: 'skip', override: { revocation: 'log' } }, trustStores: [], trustedIdentities: [] })), /level skip, which cannot be customised/],
  ['a bad verifyTimestamp', doc(statement({ signatureVerification: { level: 'strict', verifyTimestamp: 'sometimes' } })), /verifyTimestamp to "sometimes"/],
  ['skip with trust stores', doc(statement({ signatureVerification: { level: 'skip' } })), /skips verification but lists trust stores/],
  ['no trusted identities', doc(statement({ trustedIdentities: [] })), /needs both trust stores and trusted identities/],
  ['a trust store without a type', doc(statement({ trustStores: ['acme'] })), /trust store "acme"; the format is <type>:<name>/],
  ['an unknown trust store type', doc(statement({ trustStores: ['x509:acme'] })), /trust store type "x509"/],
  ['a bad trust store name', doc(statement({ trustStores: ['ca:../etc'] })), /trust store name "..\/etc"/],
  ['a wildcard identity among others', doc(statement({ trustedIdentities: ['*', identity] })), /combines the wildcard trusted identity/],
  ['an identity without C, ST and O', doc(statement({ trustedIdentities: ['x509.subject:CN=Someone'] })), /lacks C, ST, O/],
  ['a hex-encoded identity', doc(statement({ trustedIdentities: ['x509.subject:C=US,ST=WA,O=#0403'] })), /"=#"/],
  ['overlapping identities', doc(statement({ trustedIdentities: [identity, `${identity},CN=Signer`] })), /overlapping trusted identities/],
  ['a multi-valued RDN', doc(statement({ trustedIdentities: ['x509.subject:C=US+ST=WA,O=Notary'] })), /multi-valued RDN/],
  ['no registry scopes', doc(statement({ registryScopes: [] })), /has no registry scopes/],
  ['a wildcard among scopes', doc(statement({ registryScopes: ['*', 'registry.acme-rockets.io/x'] })), /combines the wildcard scope/],
  ['a scope with a tag', doc(statement({ registryScopes: ['registry.acme-rockets.io/software/net-monitor:v1'] })), /registry scope ".*:v1" is not valid/],
  ['a partial wildcard scope', doc(statement({ registryScopes: ['registry.acme-rockets.io/*'] })), /with a wildcard is not valid/],
  ['one scope in two statements', doc(statement(), statement({ name: 'again' })), /is in more than one statement \("net-monitor" and "again"\)/],
];

for (const [what, document, reason] of refused) {
  test(`Notation trust policy: ${what} is refused with a reason naming it`, () => {
    assert.throws(() => resolveNotationPolicy(document, ref), (error: Error) => {
      assert.match(error.message, /^Notation trust policy: /);
      assert.match(error.message, reason);
      return true;
    });
  });
}

test('Notation trust policy: the exact registry scope wins over the wildcard, and the wildcard covers the rest', () => {
  const document = doc(statement({ name: 'everything', registryScopes: ['*'], signatureVerification: { level: 'audit' }, trustedIdentities: ['*'] }), statement());
  assert.equal(resolveNotationPolicy(document, ref).name, 'net-monitor');
  const other = resolveNotationPolicy(document, 'registry.acme-rockets.io/other@sha256:00');
  assert.equal(other.name, 'everything');
  assert.equal(other.level, 'audit');
  assert.throws(() => resolveNotationPolicy(doc(statement()), 'registry.acme-rockets.io/other@sha256:00'), /no statement applies to "registry.acme-rockets.io\/other@sha256:00"/);
  assert.throws(() => resolveNotationPolicy(document, 'registry.acme-rockets.io/software/net-monitor:v1'), /not a fully qualified reference with a digest/);
});

test('Notation trust policy: levels, overrides, trust stores, identities and verifyTimestamp come out as Notation defines them', () => {
  const cases: [Record<string, unknown>, Record<string, string>][] = [
    [{ level: 'strict' }, { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'enforce', revocation: 'enforce' }],
    [{ level: 'permissive' }, { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' }],
    [{ level: 'audit' }, { integrity: 'enforce', authenticity: 'log', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' }],
    [{ level: 'strict', override: { revocation: 'skip', expiry: 'log' } }, { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'log', revocation: 'skip' }],
    [{ level: 'audit', override: { authenticity: 'enforce' } }, { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' }],
  ];
  for (const [signatureVerification, actions] of cases) assert.deepEqual(resolveNotationPolicy(doc(statement({ signatureVerification })), ref).actions, actions, JSON.stringify(signatureVerification));
  const skip = resolveNotationPolicy(doc(statement({ signatureVerification: { level: 'skip' }, trustStores: undefined, trustedIdentities: undefined })), ref);
  assert.equal(skip.level, 'skip');
  assert.equal(skip.actions.integrity, 'skip');
  const resolved = resolveNotationPolicy(doc(statement({ trustStores: ['ca:acme', 'signingAuthority:acme', 'tsa:timestamps', 'ca:acme'], signatureVerification: { level: 'strict', verifyTimestamp: 'afterCertExpiry', override: { expiry: 'log' } } })), ref);
  assert.deepEqual(resolved.trustStores, { ca: ['acme'], signingAuthority: ['acme'], tsa: ['timestamps'] });
  assert.deepEqual(resolved.trustedIdentities, [identity]);
  assert.equal(resolved.verifyTimestamp, 'afterCertExpiry');
  assert.deepEqual(resolved.override, { expiry: 'log' });
  assert.equal(resolved.artifactDigest, 'sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e');
  assert.equal(resolveNotationPolicy(doc(statement()), ref).verifyTimestamp, 'always');
});

test('Notation trust policy: the resolved statement becomes verifier settings with the named stores loaded', () => {
  const root = makeCertificate({ commonName: 'Acme Root' });
  const tsaRoot = makeCertificate({ commonName: 'TSA Root' });
  const policy = resolveNotationPolicy(doc(statement({ signatureVerification: { level: 'permissive', override: { revocation: 'skip' } } })), ref);
  const asked: string[] = [];
  const trust = notationTrustFromPolicy(policy, (type, name) => {
    asked.push(`${type}:${name}`);
    return type === 'ca' ? [root.cert] : type === 'tsa' ? [tsaRoot.cert] : [];
  });
  assert.deepEqual(asked, ['ca:acme', 'tsa:timestamps']);
  assert.deepEqual(trust.ca, [root.cert]);
  assert.deepEqual(trust.tsa, [tsaRoot.cert]);
  assert.equal(trust.tsaConfigured, true);
  assert.equal(trust.level, 'permissive');
  assert.deepEqual(trust.override, { revocation: 'skip' });
  assert.deepEqual(trust.trustedIdentities, [identity]);
});

test('Notation trust policy files: trustpolicy.oci.json first, the legacy trustpolicy.json otherwise, never a symlink', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-notation-policy-'));
  await assert.rejects(readNotationPolicyDocument(dir), /no trust policy in .* \(looked for trustpolicy.oci.json and trustpolicy.json\)/);
  await writeFile(join(dir, 'trustpolicy.json'), JSON.stringify(doc(statement({ name: 'legacy' }))));
  assert.equal(resolveNotationPolicy((await readNotationPolicyDocument(dir)).document, ref).name, 'legacy');
  await writeFile(join(dir, 'trustpolicy.oci.json'), JSON.stringify(doc(statement({ name: 'current' }))));
  const current = await readNotationPolicyDocument(dir);
  assert.equal(current.file, join(dir, 'trustpolicy.oci.json'));
  assert.equal(resolveNotationPolicy(current.document, ref).name, 'current');
  await writeFile(join(dir, 'trustpolicy.oci.json'), '{ not json');
  await assert.rejects(readNotationPolicyDocument(dir), /is not valid JSON/);
  const linked = await mkdtemp(join(tmpdir(), 'signet-notation-policy-'));
  await symlink(join(dir, 'trustpolicy.json'), join(linked, 'trustpolicy.oci.json'));
  await assert.rejects(readNotationPolicyDocument(linked), /is not a regular file \(symlinks are not accepted\)/);
});

test('Notation trust policy: the acceptance fixture policy resolves for its artifact', async () => {
  const document: unknown = {
    version: '1.0',
    trustPolicies: [{ name: 'test-statement-name', registryScopes: ['registry.acme-rockets.io/software/net-monitor'], signatureVerification: { level: 'strict' }, trustStores: ['ca:valid-trust-store', 'signingAuthority:valid-trust-store'], trustedIdentities: ['x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US'] }],
  };
  const resolved = resolveNotationPolicy(document, ref);
  assert.deepEqual(resolved.trustStores, { ca: ['valid-trust-store'], signingAuthority: ['valid-trust-store'], tsa: [] });
});
