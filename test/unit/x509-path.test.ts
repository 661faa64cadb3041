import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { validateCertificatePath, type PathOptions } from '../../main/signatures/x509-path.ts';
import { EKU, makeCertificate, makeChain } from '../support/certificate-factory.ts';

const now = new Date();
const day = 86_400_000;

function check(chain: ReturnType<typeof makeChain>, options: Partial<PathOptions> = {}) {
  return validateCertificatePath(chain.leaf.cert, { anchors: [chain.root.cert], intermediates: [chain.intermediate.cert], at: now, purpose: 'codeSigning', ...options });
}

test('x509 path: a well-formed root, intermediate and code-signing leaf is valid, leaf first up to the anchor', () => {
  const chain = makeChain();
  const result = check(chain);
  assert.equal(result.ok, true, result.reason);
  assert.deepEqual(result.path.map((c) => c.raw), [chain.leaf.der, chain.intermediate.der, chain.root.der]);
  assert.match(result.reason, /valid at/);
});

test('x509 path: an issuer whose basicConstraints say cA false is refused', () => {
  const chain = makeChain({ intermediate: { ca: false, pathLen: undefined } });
  const result = check(chain);
  assert.equal(result.ok, false);
  assert.match(result.reason, /"O=Signet Test, CN=Test Intermediate" issues a certificate but is not a CA \(its basicConstraints say cA false\)/);
});

test('x509 path: an issuer without basicConstraints is refused', () => {
  const result = check(makeChain({ intermediate: { ca: null, pathLen: undefined } }));
  assert.equal(result.ok, false);
  assert.match(result.reason, /is not a CA \(it has no basicConstraints\)/);
});

test('x509 path: a pathLenConstraint of 0 on the root refuses an intermediate below it', () => {
  const result = check(makeChain({ root: { pathLen: 0 } }));
  assert.equal(result.ok, false);
  assert.match(result.reason, /trust anchor "O=Signet Test, CN=Test Root" allows 0 intermediate certificate\(s\) below it \(pathLenConstraint\), but the path has 1/);
});

test('x509 path: an intermediate whose keyUsage lacks keyCertSign is refused', () => {
  const result = check(makeChain({ intermediate: { keyUsage: ['cRLSign'] } }));
  assert.equal(result.ok, false);
  assert.match(result.reason, /Test Intermediate" is not allowed to sign certificates \(its keyUsage lacks keyCertSign\)/);
});

test('x509 path: a code-signing CA without keyUsage is refused, a generic path accepts it', () => {
  const chain = makeChain({ intermediate: { keyUsage: null } });
  assert.match(check(chain).reason, /Test Intermediate" has no keyUsage extension/);
  assert.equal(check(chain, { purpose: 'any' }).ok, true);
});

test('x509 path: a leaf whose extended key usage is serverAuth only is refused for code signing and for time stamping', () => {
  const chain = makeChain({ leaf: { eku: [EKU.serverAuth] } });
  assert.match(check(chain).reason, /extended key usage serverAuth, which a code-signing certificate must not have/);
  assert.match(check(chain, { purpose: 'timeStamping' }).reason, /must have timeStamping as its only extended key usage \(RFC 3161 2\.3\), not serverAuth/);
});

test('x509 path: a leaf with another extended key usage but not codeSigning is refused; without EKU it is accepted as Notation accepts it', () => {
  assert.match(check(makeChain({ leaf: { eku: ['1.3.6.1.4.1.99999.1'] } })).reason, /does not allow code signing \(its extended key usage is 1\.3\.6\.1\.4\.1\.99999\.1\)/);
  assert.equal(check(makeChain({ leaf: { eku: null } })).ok, true);
});

test('x509 path: a time-stamping leaf needs timeStamping alone, critical, and a time-stamping purpose accepts it', () => {
  const timeStamping = { eku: [EKU.timeStamping], ekuCritical: true };
  assert.equal(check(makeChain({ leaf: timeStamping }), { purpose: 'timeStamping' }).ok, true);
  assert.match(check(makeChain({ leaf: { ...timeStamping, ekuCritical: false } }), { purpose: 'timeStamping' }).reason, /not marked critical, which RFC 3161 requires/);
  assert.match(check(makeChain({ leaf: { eku: null } }), { purpose: 'timeStamping' }).reason, /must have timeStamping as its only extended key usage/);
  assert.match(check(makeChain({ leaf: timeStamping })).reason, /timeStamping, which a code-signing certificate must not have/);
});

test('x509 path: an intermediate restricted to another extended key usage cannot vouch for a code-signing leaf', () => {
  const result = check(makeChain({ intermediate: { eku: [EKU.serverAuth] } }));
  assert.equal(result.ok, false);
  assert.match(result.reason, /Test Intermediate" restricts its extended key usage to serverAuth, which does not include codeSigning/);
  assert.equal(check(makeChain({ intermediate: { eku: [EKU.codeSigning] } })).ok, true);
});

test('x509 path: a leaf that is a CA, or may sign certificates, is refused as a code-signing certificate', () => {
  assert.match(check(makeChain({ leaf: { ca: true, keyUsage: ['digitalSignature'] } })).reason, /is a CA certificate \(basicConstraints cA true\)/);
  assert.match(check(makeChain({ leaf: { keyUsage: ['digitalSignature', 'keyCertSign'] } })).reason, /has keyUsage keyCertSign; a code-signing certificate may only have digitalSignature/);
  assert.match(check(makeChain({ leaf: { keyUsage: ['keyEncipherment'] } })).reason, /lacks digitalSignature/);
  assert.match(check(makeChain({ leaf: { keyUsageCritical: false } })).reason, /keyUsage extension that is not marked critical/);
});

test('x509 path: an intermediate that had expired at the signing time refuses the path, though the leaf was valid then', () => {
  const chain = makeChain({ root: { notBefore: new Date(now.getTime() - 60 * day) }, intermediate: { notBefore: new Date(now.getTime() - 30 * day), notAfter: new Date(now.getTime() - 10 * day) }, leaf: { notBefore: new Date(now.getTime() - 20 * day) } });
  const result = check(chain, { at: new Date(now.getTime() - 5 * day) });
  assert.equal(result.ok, false);
  assert.match(result.reason, /intermediate certificate "O=Signet Test, CN=Test Intermediate" was expired at/);
  assert.equal(check(chain, { at: new Date(now.getTime() - 15 * day) }).ok, true);
});

test('x509 path: a root that is not yet valid at the signing time refuses the path', () => {
  const chain = makeChain({ root: { notBefore: new Date(now.getTime() + day) } });
  const result = check(chain);
  assert.equal(result.ok, false);
  assert.match(result.reason, /trust anchor "O=Signet Test, CN=Test Root" was not yet valid at/);
});

test('x509 path: a critical extension Signet does not process is refused with its OID named', () => {
  const unknown = { oid: '1.3.6.1.4.1.99999.7', critical: true, value: Buffer.from([0x05, 0x00]) };
  const result = check(makeChain({ intermediate: { extra: [unknown] } }));
  assert.equal(result.ok, false);
  assert.match(result.reason, /critical extension this verifier does not process \(1\.3\.6\.1\.4\.1\.99999\.7\)/);
  assert.equal(check(makeChain({ intermediate: { extra: [{ ...unknown, critical: false }] } })).ok, true);
  assert.match(check(makeChain({ leaf: { extra: [{ oid: '2.5.29.30', critical: true, value: Buffer.from([0x30, 0x00]) }] } })).reason, /\(2\.5\.29\.30\)/);
});

test('x509 path: a trusted leaf is its own anchor only with allowLeafAnchor', () => {
  const self = makeCertificate({ commonName: 'Self Signer', ca: false, eku: [EKU.codeSigning] });
  const refused = validateCertificatePath(self.cert, { anchors: [self.cert], at: now, purpose: 'codeSigning' });
  assert.equal(refused.ok, false);
  assert.match(refused.reason, /is itself in the trust store, but a signing certificate is not accepted as its own trust anchor here/);
  const allowed = validateCertificatePath(self.cert, { anchors: [self.cert], at: now, purpose: 'codeSigning', allowLeafAnchor: true });
  assert.equal(allowed.ok, true, allowed.reason);
  assert.deepEqual(allowed.path.map((c) => c.raw), [self.der]);
  const expired = validateCertificatePath(self.cert, { anchors: [self.cert], at: new Date(now.getTime() + 400 * day), purpose: 'codeSigning', allowLeafAnchor: true });
  assert.match(expired.reason, /was expired at/);
  const chain = makeChain();
  assert.equal(validateCertificatePath(chain.leaf.cert, { anchors: [chain.leaf.cert], intermediates: [chain.intermediate.cert, chain.root.cert], at: now, purpose: 'codeSigning' }).ok, false);
  assert.equal(validateCertificatePath(chain.leaf.cert, { anchors: [chain.leaf.cert], at: now, purpose: 'codeSigning', allowLeafAnchor: true }).ok, true);
});

test('x509 path: a chain that stops short of the anchors, a forged link and an empty anchor list are refused', () => {
  const chain = makeChain();
  assert.match(check(chain, { intermediates: [] }).reason, /No certificate among the trust anchors and the chain given is named as the issuer of "O=Signet Test, CN=Test Signer"/);
  const other = makeChain();
  const impostor = makeCertificate({ commonName: 'Test Intermediate', issuer: chain.root, pathLen: 0 });
  assert.match(check(other, { anchors: [chain.root.cert], intermediates: [impostor.cert] }).reason, /its signature does not verify with that certificate's key/);
  assert.match(check(chain, { anchors: [] }).reason, /No trust anchor is configured/);
  const selfSigned = makeCertificate({ commonName: 'Stranger Root', pathLen: 1 });
  const leaf = makeCertificate({ commonName: 'Stranger', issuer: selfSigned, ca: false });
  assert.match(validateCertificatePath(leaf.cert, { anchors: [chain.root.cert], intermediates: [selfSigned.cert], at: now, purpose: 'codeSigning' }).reason, /ends at the self-signed "O=Signet Test, CN=Stranger Root", which is not a trust anchor/);
});

test('x509 path: an intermediate may be the anchor, and maxDepth bounds the search', () => {
  const chain = makeChain();
  assert.equal(check(chain, { anchors: [chain.intermediate.cert], intermediates: [] }).ok, true);
  assert.match(check(chain, { maxDepth: 1 }).reason, /No trust anchor was reached within 1 certificates/);
});

test('x509 path: a pool of look-alike issuers sharing one key cannot stall the search', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const lookAlikes = Array.from({ length: 12 }, () => makeCertificate({ commonName: 'Loop', key }));
  const leaf = makeCertificate({ commonName: 'Looped Signer', issuer: lookAlikes[0]!, ca: false });
  const anchor = makeCertificate({ commonName: 'Real Root' });
  const started = Date.now();
  const result = validateCertificatePath(leaf.cert, { anchors: [anchor.cert], intermediates: lookAlikes.map((c) => c.cert), at: now, purpose: 'codeSigning' });
  assert.equal(result.ok, false);
  assert.match(result.reason, /abandoned: the chain offers too many candidate issuers/);
  assert.ok(Date.now() - started < 5000, 'the search ends quickly');
});

test('x509 path: a self-signed leaf that is not trusted is named as such, even when a trusted certificate shares its name', () => {
  const trusted = makeCertificate({ commonName: 'Same Name', ca: false });
  const stranger = makeCertificate({ commonName: 'Same Name', ca: false });
  const result = validateCertificatePath(stranger.cert, { anchors: [trusted.cert], at: now, purpose: 'codeSigning', allowLeafAnchor: true });
  assert.equal(result.ok, false);
  assert.match(result.reason, /The chain ends at the self-signed "O=Signet Test, CN=Same Name", which is not a trust anchor/);
});

test('x509 path: a leaf with an empty subject (as Fulcio issues) is validated and named by its alternative name, not a crash', () => {
  const chain = makeChain({ leaf: { email: 'signer@example.com' } });
  const good = check(chain);
  assert.equal(good.ok, true, good.reason);
  assert.match(good.reason, /"subject alternative name email:signer@example.com"/);
  const bad = check(makeChain({ leaf: { email: 'signer@example.com', keyUsage: ['keyEncipherment'] } }));
  assert.match(bad.reason, /The signing certificate "subject alternative name email:signer@example.com" is not allowed to make digital signatures/);
});
