import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { hashFor, issueCertificate, issueCrl, toPem, type DistinguishedName, type IssuerAlgorithm, type RevokedEntry, type TbsSigner } from '../../main/trust/certificate-authority.ts';
import { checkRevocation, parseCrl } from '../../main/signatures/crl.ts';
import { derBitString, derGeneralizedTime, derImplicit, derInteger, derNamedBits, derOctetString, derSet, derTime, derUtf8String } from '../../main/encoding/der-writer.ts';
import { verifyNotationEnvelope, type NotationTrust } from '../../main/signatures/notation.verifier.ts';

const DAY = 86_400_000;
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const days = (n: number) => new Date(now.getTime() + n * DAY);
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

interface Party {
  algorithm: IssuerAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  spki: Buffer;
  sign: TbsSigner;
}

function party(algorithm: IssuerAlgorithm): Party {
  const { privateKey, publicKey } = algorithm.startsWith('ecdsa')
    ? generateKeyPairSync('ec', { namedCurve: algorithm === 'ecdsa-p256' ? 'P-256' : 'P-384' })
    : generateKeyPairSync('rsa', { modulusLength: algorithm === 'rsa-3072' ? 3072 : 4096 });
  const rsa = algorithm.startsWith('rsa');
  return {
    algorithm,
    privateKey,
    publicKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    sign: async (tbs) => sign(hashFor(algorithm), tbs, rsa ? { key: privateKey, padding: constants.RSA_PKCS1_PADDING } : { key: privateKey, dsaEncoding: 'der' }),
  };
}

let serialCounter = 0x7f00;
const nextSerial = () => Buffer.from((serialCounter++).toString(16).padStart(16, '0'), 'hex');

interface Chain {
  root: Party;
  intermediate: Party;
  rootName: DistinguishedName;
  intermediateName: DistinguishedName;
  rootCert: X509Certificate;
  intermediateCert: X509Certificate;
}

async function chain(rootAlgorithm: IssuerAlgorithm, intermediateAlgorithm: IssuerAlgorithm, label: string): Promise<Chain> {
  const root = party(rootAlgorithm);
  const intermediate = party(intermediateAlgorithm);
  const rootName = { commonName: `${label} Root`, organization: 'Signet Test' };
  const intermediateName = { commonName: `${label} Intermediate`, organization: 'Signet Test' };
  const rootDer = await issueCertificate({ serial: nextSerial(), subject: rootName, issuer: rootName, subjectSpki: root.spki, issuerSpki: root.spki, issuerAlgorithm: rootAlgorithm, notBefore: days(-1), notAfter: days(3650), role: 'root' }, root.sign);
  const intermediateDer = await issueCertificate(
    { serial: nextSerial(), subject: intermediateName, issuer: rootName, subjectSpki: intermediate.spki, issuerSpki: root.spki, issuerAlgorithm: rootAlgorithm, notBefore: days(-1), notAfter: days(1825), role: 'intermediate' },
    root.sign,
  );
  return { root, intermediate, rootName, intermediateName, rootCert: new X509Certificate(rootDer), intermediateCert: new X509Certificate(intermediateDer) };
}

async function leaf(ca: Chain, subject: Party, commonName: string, serial = nextSerial(), validity: [Date, Date] = [days(-1), days(365)]): Promise<X509Certificate> {
  const der = await issueCertificate(
    { serial, subject: { commonName, organization: 'Signet Test' }, issuer: ca.intermediateName, subjectSpki: subject.spki, issuerSpki: ca.intermediate.spki, issuerAlgorithm: ca.intermediate.algorithm, notBefore: validity[0], notAfter: validity[1], role: 'code-signing' },
    ca.intermediate.sign,
  );
  return new X509Certificate(der);
}

function crlOf(ca: Chain, who: 'root' | 'intermediate', revoked: RevokedEntry[], thisUpdate = days(-1), nextUpdate = days(7), crlNumber = 1n): Promise<Buffer> {
  const issuer = who === 'root' ? ca.root : ca.intermediate;
  return issueCrl({ issuer: who === 'root' ? ca.rootName : ca.intermediateName, issuerSpki: issuer.spki, issuerAlgorithm: issuer.algorithm, crlNumber, thisUpdate, nextUpdate, revoked }, issuer.sign);
}

const serialOf = (cert: X509Certificate) => Buffer.from(cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber, 'hex');

const work = mkdtempSync(join(tmpdir(), 'signet-ca-test-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let fileCounter = 0;
function file(text: string): string {
  const path = join(work, `f${fileCounter++}.pem`);
  writeFileSync(path, text);
  return path;
}
const pem = (cert: X509Certificate) => file(cert.toString());
function openssl(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('DER writer: integers carry sign padding, named bits drop trailing zeros, time switches to GeneralizedTime in 2050', () => {
  assert.equal(derInteger(Buffer.from([0x80])).toString('hex'), '02020080');
  assert.equal(derInteger(Buffer.from([0x00, 0x00, 0x01])).toString('hex'), '020101');
  assert.equal(derInteger(Buffer.alloc(0)).toString('hex'), '020100');
  assert.equal(derInteger(0n).toString('hex'), '020100');
  assert.equal(derInteger(127n).toString('hex'), '02017f');
  assert.equal(derInteger(128n).toString('hex'), '02020080');
  assert.equal(derInteger(-128n).toString('hex'), '020180');
  assert.equal(derInteger(-129n).toString('hex'), '0202ff7f');
  assert.equal(derInteger(-1).toString('hex'), '0201ff');
  assert.equal(derNamedBits([0]).toString('hex'), '03020780');
  assert.equal(derNamedBits([5, 6]).toString('hex'), '03020106');
  assert.equal(derBitString(Buffer.from([0xaa])).toString('hex'), '030200aa');
  assert.equal(derImplicit(0, derOctetString(Buffer.from([1, 2]))).toString('hex'), '80020102');
  assert.equal(derSet(derUtf8String('b'), derUtf8String('a')).toString('hex'), '3106' + '0c0161' + '0c0162');
  assert.equal(derUtf8String('x'.repeat(200)).subarray(0, 3).toString('hex'), '0c81c8');
  assert.equal(derTime(new Date('2049-12-31T23:59:59.900Z')).toString('latin1').slice(2), '491231235959Z');
  assert.equal(derTime(new Date('2049-12-31T23:59:59Z'))[0], 0x17);
  assert.equal(derTime(new Date('2050-01-01T00:00:00Z')).toString('latin1').slice(2), '20500101000000Z');
  assert.equal(derTime(new Date('1949-12-31T23:59:59Z'))[0], 0x18);
  assert.equal(derGeneralizedTime(new Date('2024-02-29T12:00:00Z')).toString('latin1').slice(2), '20240229120000Z');
  assert.throws(() => derTime(new Date('nope')));
});

for (const [rootAlgorithm, intermediateAlgorithm, leafAlgorithm] of [
  ['ecdsa-p256', 'ecdsa-p256', 'ecdsa-p256'],
  ['ecdsa-p384', 'ecdsa-p384', 'ecdsa-p384'],
  ['rsa-4096', 'rsa-3072', 'rsa-3072'],
] as const) {
  test(`CA ${rootAlgorithm} -> ${intermediateAlgorithm} -> ${leafAlgorithm}: Node and openssl accept the chain and its Notary Project extensions`, async () => {
    const ca = await chain(rootAlgorithm, intermediateAlgorithm, rootAlgorithm);
    const signer = party(leafAlgorithm);
    const cert = await leaf(ca, signer, 'Builder');
    assert.equal(ca.rootCert.subject, `O=Signet Test\nCN=${rootAlgorithm} Root`);
    assert.ok(ca.rootCert.verify(ca.root.publicKey));
    assert.ok(ca.intermediateCert.verify(ca.root.publicKey));
    assert.ok(cert.verify(ca.intermediate.publicKey));
    assert.ok(!cert.verify(ca.root.publicKey));
    assert.ok(cert.checkIssued(ca.intermediateCert));
    assert.ok(ca.intermediateCert.checkIssued(ca.rootCert));
    assert.ok(ca.rootCert.checkIssued(ca.rootCert));
    assert.equal(ca.rootCert.ca, true);
    assert.equal(ca.intermediateCert.ca, true);
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, [CODE_SIGNING]);
    assert.ok(cert.publicKey.equals(signer.publicKey));

    const verified = openssl('verify', '-x509_strict', '-CAfile', pem(ca.rootCert), '-untrusted', pem(ca.intermediateCert), pem(cert));
    assert.equal(verified.status, 0, verified.output);
    assert.match(verified.output, /: OK/);

    const text = openssl('x509', '-noout', '-text', '-in', pem(cert)).output;
    assert.match(text, /Version: 3/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature\n/);
    assert.match(text, /X509v3 Extended Key Usage: \s*Code Signing/);
    assert.match(text, /X509v3 Subject Key Identifier/);
    assert.match(text, /X509v3 Authority Key Identifier/);
    const rootText = openssl('x509', '-noout', '-text', '-in', pem(ca.rootCert)).output;
    assert.match(rootText, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    assert.match(rootText, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(rootText, new RegExp(`Signature Algorithm: ${{ 'ecdsa-p256': 'ecdsa-with-SHA256', 'ecdsa-p384': 'ecdsa-with-SHA384', 'rsa-3072': 'sha256WithRSAEncryption', 'rsa-4096': 'sha384WithRSAEncryption' }[rootAlgorithm]}`));
    const intermediateText = openssl('x509', '-noout', '-text', '-in', pem(ca.intermediateCert)).output;
    assert.match(intermediateText, /CA:TRUE, pathlen:0/);
    assert.doesNotMatch(intermediateText, /Extended Key Usage/);

    const signatureOids = { 'ecdsa-p256': '1.2.840.10045.4.3.2', 'ecdsa-p384': '1.2.840.10045.4.3.3', 'rsa-3072': '1.2.840.113549.1.1.11', 'rsa-4096': '1.2.840.113549.1.1.12' };
    const intermediateCrl = await crlOf(ca, 'intermediate', [{ serial: serialOf(cert), revokedAt: days(-1), reason: 'superseded' }]);
    const rootCrl = await crlOf(ca, 'root', []);
    assert.equal(parseCrl(intermediateCrl).signatureAlgorithmOid, signatureOids[intermediateAlgorithm]);
    assert.equal(parseCrl(rootCrl).signatureAlgorithmOid, signatureOids[rootAlgorithm]);
    assert.equal(checkRevocation(cert, ca.intermediateCert, [rootCrl, intermediateCrl], days(-2), now).status, 'good');
    assert.equal(checkRevocation(cert, ca.intermediateCert, [rootCrl, intermediateCrl], now, now).status, 'revoked');
    assert.equal(checkRevocation(ca.intermediateCert, ca.rootCert, [rootCrl, intermediateCrl], now, now).status, 'good');
    for (const [crl, issuer] of [[intermediateCrl, ca.intermediateCert], [rootCrl, ca.rootCert]] as const) {
      assert.match(openssl('crl', '-noout', '-CAfile', pem(issuer), '-in', file(toPem(crl, 'X509 CRL'))).output, /verify OK/);
    }
  });
}

test('CA: refuses a mismatched issuer key, a non-self-signed root, a bad serial and a signer that returns r||s', async () => {
  const ca = await chain('ecdsa-p256', 'ecdsa-p256', 'Refusals');
  const signer = party('ecdsa-p256');
  const base = { serial: nextSerial(), subject: { commonName: 'X' }, issuer: ca.intermediateName, subjectSpki: signer.spki, issuerSpki: ca.intermediate.spki, issuerAlgorithm: 'ecdsa-p256' as const, notBefore: days(-1), notAfter: days(1), role: 'code-signing' as const };
  await assert.rejects(issueCertificate({ ...base, issuerAlgorithm: 'ecdsa-p384' }, ca.intermediate.sign), { name: 'SignetError', message: /not an ecdsa-p384 key/ });
  await assert.rejects(issueCertificate({ ...base, role: 'root' }, ca.intermediate.sign), /self-signed/);
  await assert.rejects(issueCertificate({ ...base, serial: Buffer.alloc(4) }, ca.intermediate.sign), /must not be zero/);
  await assert.rejects(issueCertificate({ ...base, serial: Buffer.alloc(20, 0xff) }, ca.intermediate.sign), /longer than 20 octets/);
  await assert.rejects(issueCertificate({ ...base, notAfter: days(-2) }, ca.intermediate.sign), /end after it starts/);
  await assert.rejects(issueCertificate(base, ca.root.sign), /does not verify with the issuer public key/);
  const p1363: TbsSigner = async (tbs) => sign('sha256', tbs, { key: ca.intermediate.privateKey, dsaEncoding: 'ieee-p1363' });
  await assert.rejects(issueCertificate(base, p1363), /DER ECDSA signature/);
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' });
  await assert.rejects(issueCertificate({ ...base, subjectSpki: weak }, ca.intermediate.sign), /2048 bits or more/);
});

test('CRL: openssl reads it and rejects the revoked leaf, accepts the good one; parseCrl round-trips serials, dates and reasons', async () => {
  const ca = await chain('ecdsa-p256', 'ecdsa-p256', 'CRL');
  const good = await leaf(ca, party('ecdsa-p256'), 'Good Builder');
  const bad = await leaf(ca, party('ecdsa-p256'), 'Compromised Builder', Buffer.from('80aa55', 'hex'));
  const revokedAt = new Date(now.getTime() - 3_600_000);
  const entries: RevokedEntry[] = [
    { serial: serialOf(bad), revokedAt, reason: 'keyCompromise', invalidSince: days(-1) },
    { serial: Buffer.from('0102', 'hex'), revokedAt: new Date('2050-06-01T00:00:00Z'), reason: 'superseded' },
    { serial: Buffer.from('03', 'hex'), revokedAt: new Date('2024-01-01T00:00:00Z'), reason: 'unspecified' },
    { serial: Buffer.from('04', 'hex'), revokedAt: new Date('2024-01-02T00:00:00Z'), reason: 'cessationOfOperation' },
    { serial: Buffer.from('05', 'hex'), revokedAt: new Date('2024-01-03T00:00:00Z'), reason: 'affiliationChanged' },
    { serial: Buffer.from('06', 'hex'), revokedAt: new Date('2024-01-04T00:00:00Z'), reason: 'privilegeWithdrawn' },
  ];
  const crl = await crlOf(ca, 'intermediate', entries, days(-1), days(7), 0x1234567890n);
  const crlPath = file(toPem(crl, 'X509 CRL'));
  assert.match(toPem(crl, 'X509 CRL'), /^-----BEGIN X509 CRL-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END X509 CRL-----\n$/);

  const text = openssl('crl', '-noout', '-text', '-in', crlPath);
  assert.equal(text.status, 0, text.output);
  assert.match(text.output, /Version 2/);
  assert.match(text.output, new RegExp(`X509v3 CRL Number:\\s+${0x1234567890n}`));
  assert.match(text.output, /X509v3 Authority Key Identifier/);
  assert.match(text.output, /Serial Number: 80AA55[\s\S]+?Key Compromise/);
  assert.match(text.output, /Invalidity Date/);
  assert.match(text.output, /Jun\s+1 00:00:00 2050 GMT[\s\S]+?Superseded/);
  const verifiedCrl = openssl('crl', '-noout', '-CAfile', pem(ca.intermediateCert), '-in', crlPath);
  assert.match(verifiedCrl.output, /verify OK/);

  const chainArgs = ['verify', '-crl_check', '-CRLfile', crlPath, '-CAfile', pem(ca.rootCert), '-untrusted', pem(ca.intermediateCert)];
  const ok = openssl(...chainArgs, pem(good));
  assert.equal(ok.status, 0, ok.output);
  const revoked = openssl(...chainArgs, pem(bad));
  assert.notEqual(revoked.status, 0);
  assert.match(revoked.output, /certificate revoked/);

  const parsed = parseCrl(crl);
  assert.equal(parsed.crlNumber, 0x1234567890n);
  assert.equal(parsed.signatureAlgorithmOid, '1.2.840.10045.4.3.2');
  assert.deepEqual(parsed.unhandledCritical, []);
  assert.equal(parsed.thisUpdate.toISOString(), days(-1).toISOString());
  assert.equal(parsed.nextUpdate?.toISOString(), days(7).toISOString());
  assert.deepEqual(
    parsed.revoked.map((e) => [e.serialHex, e.revokedAt.toISOString(), e.reason, e.invalidSince?.toISOString() ?? null]),
    [
      ['80aa55', revokedAt.toISOString(), 'keyCompromise', days(-1).toISOString()],
      ['0102', '2050-06-01T00:00:00.000Z', 'superseded', null],
      ['03', '2024-01-01T00:00:00.000Z', null, null],
      ['04', '2024-01-02T00:00:00.000Z', 'cessationOfOperation', null],
      ['05', '2024-01-03T00:00:00.000Z', 'affiliationChanged', null],
      ['06', '2024-01-04T00:00:00.000Z', 'privilegeWithdrawn', null],
    ],
  );
  assert.ok(good.raw.includes(parsed.issuerDer) && ca.intermediateCert.raw.includes(parsed.issuerDer), 'the CRL issuer is the Name the intermediate certifies and the leaf names');
  assert.ok(!ca.rootCert.raw.includes(parsed.issuerDer));

  const empty = parseCrl(await crlOf(ca, 'root', []));
  assert.deepEqual(empty.revoked, []);
  assert.equal(empty.signatureAlgorithmOid, '1.2.840.10045.4.3.2');
});

test('parseCrl: truncated, padded, mistagged and mismatched inputs fail with a clear error', async () => {
  const ca = await chain('ecdsa-p256', 'ecdsa-p256', 'Malformed');
  const crl = await crlOf(ca, 'intermediate', [{ serial: Buffer.from([9]), revokedAt: days(-1), reason: 'keyCompromise' }]);
  assert.throws(() => parseCrl(Buffer.alloc(0)), /malformed CRL/);
  assert.throws(() => parseCrl(Buffer.from([0x30])), /malformed CRL/);
  for (let cut = 1; cut < crl.length; cut += 7) assert.throws(() => parseCrl(crl.subarray(0, cut)), /malformed CRL/, `cut at ${cut}`);
  assert.throws(() => parseCrl(Buffer.concat([crl, Buffer.from([0])])), /malformed CRL/);
  const retagged = Buffer.from(crl);
  retagged[0] = 0x31;
  assert.throws(() => parseCrl(retagged), /malformed CRL: CertificateList has tag 0x31/);
  assert.throws(() => parseCrl(Buffer.from('3003020101', 'hex')), /malformed CRL/);
  const cert = ca.intermediateCert.raw;
  assert.throws(() => parseCrl(cert), /malformed CRL/);
});

test('checkRevocation: compromise revokes always, other reasons from their date, and only a verified, fresh CRL of the right issuer counts', async () => {
  const ca = await chain('ecdsa-p384', 'ecdsa-p256', 'Status');
  const goodParty = party('ecdsa-p256');
  const good = await leaf(ca, goodParty, 'Good');
  const compromised = await leaf(ca, party('ecdsa-p256'), 'Compromised');
  const replaced = await leaf(ca, party('ecdsa-p256'), 'Replaced');
  const unspecified = await leaf(ca, party('ecdsa-p256'), 'Unspecified');
  const revokedAt = days(-2);
  const crl = await crlOf(ca, 'intermediate', [
    { serial: serialOf(compromised), revokedAt, reason: 'keyCompromise' },
    { serial: serialOf(replaced), revokedAt, reason: 'superseded' },
    { serial: serialOf(unspecified), revokedAt, reason: 'unspecified' },
  ]);
  const issuer = ca.intermediateCert;

  const fine = checkRevocation(good, issuer, [crl], now, now);
  assert.equal(fine.status, 'good', fine.reason);
  assert.match(fine.reason, /not listed in the CRL of "O=Signet Test, CN=Status Intermediate"/);

  const before = days(-3);
  const stolen = checkRevocation(compromised, issuer, [crl], before, now);
  assert.equal(stolen.status, 'revoked');
  assert.equal(stolen.revocationReason, 'keyCompromise');
  assert.equal(stolen.revokedAt?.toISOString(), revokedAt.toISOString());
  assert.match(stolen.reason, /was revoked on .* \(keyCompromise\)/);
  assert.equal(checkRevocation(unspecified, issuer, [crl], before, now).status, 'revoked');

  const earlier = checkRevocation(replaced, issuer, [crl], before, now);
  assert.equal(earlier.status, 'good');
  assert.match(earlier.reason, new RegExp(`revoked on ${revokedAt.toISOString()} \\(superseded\\).*after the signing time ${before.toISOString()}`));
  assert.equal(checkRevocation(replaced, issuer, [crl], revokedAt, now).status, 'revoked');
  assert.equal(checkRevocation(replaced, issuer, [crl], days(-1), now).status, 'revoked');

  const other = await chain('ecdsa-p256', 'ecdsa-p256', 'Other');
  const otherCrl = await crlOf(other, 'intermediate', [{ serial: serialOf(compromised), revokedAt, reason: 'keyCompromise' }]);
  const wrongIssuer = checkRevocation(compromised, issuer, [otherCrl], now, now);
  assert.equal(wrongIssuer.status, 'unknown');
  assert.match(wrongIssuer.reason, /No valid CRL from "O=Signet Test, CN=Status Intermediate" was given\./);

  const forged = Buffer.from(crl);
  forged[forged.length - 5]! ^= 0x01;
  const forgedResult = checkRevocation(good, issuer, [forged], now, now);
  assert.equal(forgedResult.status, 'unknown');
  assert.match(forgedResult.reason, /signature does not verify/);
  const tampered = Buffer.from(crl);
  const at = tampered.indexOf(serialOf(compromised));
  tampered[at + serialOf(compromised).length - 1]! ^= 0x01;
  assert.equal(checkRevocation(compromised, issuer, [tampered], now, now).status, 'unknown');

  const sameName = party('ecdsa-p256');
  const impostorCrl = await issueCrl({ issuer: ca.intermediateName, issuerSpki: sameName.spki, issuerAlgorithm: 'ecdsa-p256', crlNumber: 9n, thisUpdate: days(-1), nextUpdate: days(7), revoked: [] }, sameName.sign);
  assert.equal(checkRevocation(compromised, issuer, [impostorCrl], now, now).status, 'unknown');
  assert.equal(checkRevocation(compromised, issuer, [impostorCrl, crl], now, now).status, 'revoked');

  const stale = await crlOf(ca, 'intermediate', [], days(-30), days(-1));
  const staleResult = checkRevocation(good, issuer, [stale], now, now);
  assert.equal(staleResult.status, 'unknown');
  assert.match(staleResult.reason, /stale: it was due to be replaced on/);
  const staleListing = await crlOf(ca, 'intermediate', [{ serial: serialOf(compromised), revokedAt: days(-20), reason: 'keyCompromise' }], days(-30), days(-1));
  assert.equal(checkRevocation(compromised, issuer, [staleListing], now, now).status, 'revoked');
  assert.equal(checkRevocation(good, issuer, [stale, crl], now, now).status, 'good');

  const newer = await crlOf(ca, 'intermediate', [], days(-1), days(7), 2n);
  const older = await crlOf(ca, 'intermediate', [{ serial: serialOf(good), revokedAt: days(-5), reason: 'superseded' }], days(-6), days(7), 1n);
  assert.equal(checkRevocation(good, issuer, [older, newer], now, now).status, 'good');

  assert.equal(checkRevocation(good, issuer, [], now, now).status, 'unknown');
  assert.match(checkRevocation(good, issuer, [Buffer.from('garbage')], now, now).reason, /cannot be read \(malformed CRL/);
  const rootCrl = await crlOf(ca, 'root', [{ serial: serialOf(ca.intermediateCert), revokedAt, reason: 'cessationOfOperation' }]);
  assert.equal(checkRevocation(ca.intermediateCert, ca.rootCert, [crl, rootCrl], now, now).status, 'revoked');
  assert.equal(checkRevocation(ca.intermediateCert, ca.rootCert, [crl, rootCrl], days(-3), now).status, 'good');
  const notFromIssuer = checkRevocation(good, ca.intermediateCert, [rootCrl], now, now);
  assert.equal(notFromIssuer.status, 'unknown');
  assert.equal(notFromIssuer.crlsFromIssuer, 0);
  assert.equal(forgedResult.crlsFromIssuer, 1);
  const signedByLeaf = await issueCrl({ issuer: ca.intermediateName, issuerSpki: goodParty.spki, issuerAlgorithm: 'ecdsa-p256', crlNumber: 1n, thisUpdate: days(-1), nextUpdate: days(7), revoked: [] }, goodParty.sign);
  const leafAsIssuer = checkRevocation(good, good, [signedByLeaf], now, now);
  assert.equal(leafAsIssuer.status, 'unknown');
  assert.match(leafAsIssuer.reason, /lacks cRLSign/);
});

test('Dates from 2050 are written as GeneralizedTime and read back by Node, openssl and parseCrl', async () => {
  const ca = await chain('ecdsa-p256', 'ecdsa-p256', 'Far Future');
  const signer = party('ecdsa-p256');
  const notAfter = new Date('2050-01-01T00:00:00Z');
  const cert = await leaf(ca, signer, 'Long Lived', nextSerial(), [new Date('2049-12-31T23:59:59Z'), notAfter]);
  assert.equal(new Date(cert.validFrom).toISOString(), '2049-12-31T23:59:59.000Z');
  assert.equal(new Date(cert.validTo).toISOString(), notAfter.toISOString());
  assert.ok(cert.raw.includes(Buffer.from('491231235959Z')));
  assert.ok(cert.raw.includes(Buffer.from('20500101000000Z')));
  const dates = openssl('x509', '-noout', '-startdate', '-enddate', '-in', pem(cert)).output;
  assert.match(dates, /notBefore=Dec 31 23:59:59 2049 GMT/);
  assert.match(dates, /notAfter=Jan\s+1 00:00:00 2050 GMT/);
  const later = await leaf(ca, signer, 'Later', nextSerial(), [new Date('2060-03-04T05:06:07Z'), new Date('2099-12-31T23:59:59Z')]);
  assert.equal(new Date(later.validFrom).toISOString(), '2060-03-04T05:06:07.000Z');
  assert.equal(new Date(later.validTo).toISOString(), '2099-12-31T23:59:59.000Z');

  const crl = await crlOf(ca, 'intermediate', [{ serial: Buffer.from([7]), revokedAt: new Date('2051-05-05T05:05:05Z'), reason: 'superseded' }], new Date('2050-01-01T00:00:00Z'), new Date('2050-02-01T00:00:00Z'));
  const parsed = parseCrl(crl);
  assert.equal(parsed.thisUpdate.toISOString(), '2050-01-01T00:00:00.000Z');
  assert.equal(parsed.nextUpdate?.toISOString(), '2050-02-01T00:00:00.000Z');
  assert.equal(parsed.revoked[0]?.revokedAt.toISOString(), '2051-05-05T05:05:05.000Z');
  const text = openssl('crl', '-noout', '-text', '-in', file(toPem(crl, 'X509 CRL'))).output;
  assert.match(text, /Last Update: Jan\s+1 00:00:00 2050 GMT/);
  assert.match(text, /Next Update: Feb\s+1 00:00:00 2050 GMT/);
  assert.match(text, /May\s+5 05:05:05 2051 GMT/);
});

// A Notary Project JWS envelope as Notation writes it: ES256 over "protected.payload", the chain in x5c.
function jwsEnvelope(signer: Party, chain: X509Certificate[]): Buffer {
  const protectedHeader = {
    alg: 'ES256',
    crit: ['io.cncf.notary.signingScheme'],
    cty: 'application/vnd.cncf.notary.payload.v1+json',
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': now.toISOString(),
  };
  const payload = { targetArtifact: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'ab'.repeat(32)}`, size: 1234 } };
  const encodedProtected = Buffer.from(JSON.stringify(protectedHeader)).toString('base64url');
  const encodedPayload = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${encodedProtected}.${encodedPayload}`), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  return Buffer.from(
    JSON.stringify({
      payload: encodedPayload,
      protected: encodedProtected,
      header: { x5c: chain.map((c) => c.raw.toString('base64')), 'io.cncf.notary.signingAgent': 'signet-test' },
      signature: signature.toString('base64url'),
    }),
  );
}

test('Notation revocation: a revoked signer fails at strict, is logged at permissive and audit, and without CRLs nothing changes', async () => {
  const ca = await chain('ecdsa-p256', 'ecdsa-p256', 'Notation');
  const goodSigner = party('ecdsa-p256');
  const badSigner = party('ecdsa-p256');
  const goodLeaf = await leaf(ca, goodSigner, 'Good Signer');
  const badLeaf = await leaf(ca, badSigner, 'Bad Signer');
  const revokedAt = days(-1);
  const intermediateCrl = await crlOf(ca, 'intermediate', [{ serial: serialOf(badLeaf), revokedAt, reason: 'keyCompromise' }]);
  const rootCrl = await crlOf(ca, 'root', []);
  const trust = (overrides: Partial<NotationTrust> = {}): NotationTrust => ({ ca: [ca.rootCert], signingAuthority: [], tsa: [], trustedIdentities: ['*'], level: 'strict', crls: [intermediateCrl, rootCrl], ...overrides });
  const good = jwsEnvelope(goodSigner, [goodLeaf, ca.intermediateCert, ca.rootCert]);
  const bad = jwsEnvelope(badSigner, [badLeaf, ca.intermediateCert, ca.rootCert]);

  const offline = verifyNotationEnvelope(good, trust({ crls: undefined }), { now });
  assert.equal(offline.verdict, 'verified', offline.reason);
  assert.equal(offline.reason, 'Signed by "O=Signet Test, CN=Good Signer". Revocation was not checked (offline).');
  assert.equal(offline.checks.some((c) => c.name === 'revocation'), false);
  assert.equal(verifyNotationEnvelope(good, trust({ crls: [] }), { now }).reason, offline.reason);

  const checked = verifyNotationEnvelope(good, trust(), { now });
  assert.equal(checked.verdict, 'verified', checked.reason);
  assert.equal(checked.reason, 'Signed by "O=Signet Test, CN=Good Signer". Revocation checked against the CRL of "O=Signet Test, CN=Notation Intermediate" and the CRL of "O=Signet Test, CN=Notation Root".');
  assert.deepEqual(checked.checks.find((c) => c.name === 'revocation')?.ok, true);

  const strict = verifyNotationEnvelope(bad, trust(), { now });
  assert.equal(strict.verdict, 'failed');
  assert.equal(strict.reason, `The signing certificate "O=Signet Test, CN=Bad Signer" was revoked on ${revokedAt.toISOString()} (keyCompromise).`);

  for (const level of ['permissive', 'audit'] as const) {
    const result = verifyNotationEnvelope(bad, trust({ level }), { now });
    assert.equal(result.verdict, 'verified', level);
    assert.match(result.reason, /logged: The signing certificate "O=Signet Test, CN=Bad Signer" was revoked on/);
    assert.doesNotMatch(result.reason, /Revocation (was not )?checked/);
    assert.deepEqual(result.checks.find((c) => c.name === 'revocation'), { name: 'revocation', ok: false, logged: true, reason: strict.reason });
  }

  const noRootCrl = verifyNotationEnvelope(good, trust({ crls: [intermediateCrl] }), { now });
  assert.equal(noRootCrl.verdict, 'verified', noRootCrl.reason);
  assert.match(noRootCrl.reason, /Revocation checked against the CRL of "O=Signet Test, CN=Notation Intermediate"\. No CRL from "O=Signet Test, CN=Notation Root" was given, so the intermediate certificate "O=Signet Test, CN=Notation Intermediate" was not checked\.$/);

  const forgedRootCrl = Buffer.from(rootCrl);
  forgedRootCrl[forgedRootCrl.length - 3]! ^= 0x01;
  const badRootCrl = verifyNotationEnvelope(good, trust({ crls: [intermediateCrl, forgedRootCrl] }), { now });
  assert.equal(badRootCrl.verdict, 'failed');
  assert.match(badRootCrl.reason, /revocation status of the intermediate certificate "O=Signet Test, CN=Notation Intermediate" is unknown: No valid CRL from "O=Signet Test, CN=Notation Root" was given: CRL 2 names .* but its signature does not verify/);
  assert.equal(verifyNotationEnvelope(good, trust({ crls: [intermediateCrl, forgedRootCrl], level: 'permissive' }), { now }).verdict, 'verified');

  const noLeafCrl = verifyNotationEnvelope(good, trust({ crls: [rootCrl] }), { now });
  assert.equal(noLeafCrl.verdict, 'failed');
  assert.match(noLeafCrl.reason, /revocation status of the signing certificate "O=Signet Test, CN=Good Signer" is unknown: No valid CRL from "O=Signet Test, CN=Notation Intermediate" was given\./);

  const supersededCrl = await crlOf(ca, 'intermediate', [{ serial: serialOf(goodLeaf), revokedAt: days(-1), reason: 'superseded' }], days(-1), days(7), 2n);
  const untimestamped = verifyNotationEnvelope(good, trust({ crls: [supersededCrl, rootCrl] }), { now });
  assert.equal(untimestamped.verdict, 'failed', 'without an authentic timestamp the signing time is now, after the revocation');
  assert.match(untimestamped.reason, /\(superseded\)/);
  const skipped = verifyNotationEnvelope(good, trust({ crls: [supersededCrl, rootCrl], level: 'skip' }), { now });
  assert.equal(skipped.verdict, 'untrusted', 'the skip level checks nothing, so it cannot say verified');
  assert.match(skipped.reason, /level to skip, so no check was made/);
});
