// A small X.509 certificate authority: root, intermediate and code-signing certificates plus CRLs, shaped
// for the Notary Project certificate requirements. Pure: the private key stays behind a TbsSigner.
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { RevocationReason } from '../../shared/model/keys.model.ts';
import { SignetError } from '../errors.ts';
import { derChildren } from '../encoding/der.ts';
import {
  derBitString,
  derBoolean,
  derEnumerated,
  derExplicit,
  derGeneralizedTime,
  derImplicit,
  derInteger,
  derNamedBits,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUtf8String,
} from '../encoding/der-writer.ts';

/**
 * Signs the DER tbs bytes with the issuer's private key, hashing them itself with `hashFor(algorithm)`,
 * and returns the signature as DER (ECDSA, not r||s) or PKCS#1 v1.5 bytes (RSA).
 */
export type TbsSigner = (tbs: Buffer) => Promise<Buffer>;

export interface DistinguishedName {
  commonName: string;
  organization?: string;
}

/** The issuing key and the signature it makes: ecdsa-with-SHA256/SHA384, sha256/sha384WithRSAEncryption. */
export type IssuerAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa-3072' | 'rsa-4096';

export type CertificateRole = 'root' | 'intermediate' | 'code-signing';

export interface CertificateSpec {
  /** Unsigned big-endian; at most 20 octets once encoded, never zero. */
  serial: Buffer;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  /** DER SubjectPublicKeyInfo of the key being certified. */
  subjectSpki: Buffer;
  /** DER SubjectPublicKeyInfo of the issuing key (the same as subjectSpki for a root). */
  issuerSpki: Buffer;
  issuerAlgorithm: IssuerAlgorithm;
  notBefore: Date;
  notAfter: Date;
  role: CertificateRole;
}

export interface RevokedEntry {
  serial: Buffer;
  revokedAt: Date;
  reason: RevocationReason;
  /** When the key is known or suspected to have become unsafe, if earlier than revokedAt (invalidityDate). */
  invalidSince?: Date;
}

export interface CrlSpec {
  issuer: DistinguishedName;
  issuerSpki: Buffer;
  issuerAlgorithm: IssuerAlgorithm;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: RevokedEntry[];
}

const ALGORITHMS: Record<IssuerAlgorithm, { hash: 'sha256' | 'sha384'; oid: string; rsa: boolean; curve?: string; modulus?: number }> = {
  'ecdsa-p256': { hash: 'sha256', oid: '1.2.840.10045.4.3.2', rsa: false, curve: 'prime256v1' },
  'ecdsa-p384': { hash: 'sha384', oid: '1.2.840.10045.4.3.3', rsa: false, curve: 'secp384r1' },
  'rsa-3072': { hash: 'sha256', oid: '1.2.840.113549.1.1.11', rsa: true, modulus: 3072 },
  'rsa-4096': { hash: 'sha384', oid: '1.2.840.113549.1.1.12', rsa: true, modulus: 4096 },
};

/** RFC 5280 5.3.1 CRLReason codes. */
const REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
};

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  codeSigning: '1.3.6.1.5.5.7.3.3',
};

// keyUsage bit numbers (RFC 5280 4.2.1.3).
const DIGITAL_SIGNATURE = 0;
const KEY_CERT_SIGN = 5;
const CRL_SIGN = 6;

// Callers sign through HSMs and tokens that hash on their own; this tells them which digest the certificate names.
export function hashFor(algorithm: IssuerAlgorithm): 'sha256' | 'sha384' {
  return ALGORITHMS[algorithm].hash;
}

function bad(message: string): SignetError {
  return new SignetError('BadInput', message);
}

function publicKey(spki: Buffer, what: string): KeyObject {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw bad(`The ${what} public key is not a DER SubjectPublicKeyInfo.`);
  }
}

function checkIssuerKey(key: KeyObject, algorithm: IssuerAlgorithm): void {
  const expected = ALGORITHMS[algorithm];
  const details = key.asymmetricKeyDetails ?? {};
  const matches = expected.rsa ? key.asymmetricKeyType === 'rsa' && details.modulusLength === expected.modulus : key.asymmetricKeyType === 'ec' && details.namedCurve === expected.curve;
  if (!matches) throw bad(`The issuer key is not an ${algorithm} key.`);
}

// Notary Project: RSA of at least 2048 bits or ECDSA of at least 256 bits.
function checkSubjectKey(key: KeyObject): void {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) return;
  if (key.asymmetricKeyType === 'ec' && ['prime256v1', 'secp384r1', 'secp521r1'].includes(details.namedCurve ?? '')) return;
  throw bad('The subject key must be RSA of 2048 bits or more, or ECDSA on P-256, P-384 or P-521.');
}

// RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits, without tag, length or unused-bits byte.
function keyIdentifier(spki: Buffer): Buffer {
  const bits = derChildren(spki)[1];
  if (!bits || bits.tag !== 0x03 || bits.content.length < 2) throw bad('The public key is not a DER SubjectPublicKeyInfo.');
  return createHash('sha1').update(bits.content.subarray(1)).digest();
}

function serialNumber(serial: Buffer, what: string): Buffer {
  const encoded = derInteger(serial);
  const content = encoded.subarray(2);
  if (serial.every((byte) => byte === 0)) throw bad(`The ${what} serial number must not be zero.`);
  if (content.length > 20) throw bad(`The ${what} serial number is longer than 20 octets.`);
  return encoded;
}

function name(dn: DistinguishedName, what: string): Buffer {
  const attribute = (oid: string, value: string) => {
    if (value.trim() === '' || value.length > 64) throw bad(`The ${what} name must have 1 to 64 characters in each part.`);
    return derSet(derSequence(derOid(oid), derUtf8String(value)));
  };
  const parts = dn.organization !== undefined ? [attribute(OID.organization, dn.organization)] : [];
  return derSequence(...parts, attribute(OID.commonName, dn.commonName));
}

function algorithmIdentifier(algorithm: IssuerAlgorithm): Buffer {
  const { oid, rsa } = ALGORITHMS[algorithm];
  return rsa ? derSequence(derOid(oid), derNull()) : derSequence(derOid(oid));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));
}

function checkDate(date: Date, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw bad(`The ${what} is not a valid date.`);
}

// The signed structure is only as good as the signer; a wrong key or r||s encoding is caught here, not by a verifier later.
async function signed(tbs: Buffer, algorithm: IssuerAlgorithm, issuerKey: KeyObject, sign: TbsSigner): Promise<Buffer> {
  const signature = await sign(tbs);
  const { hash, rsa } = ALGORITHMS[algorithm];
  let ok: boolean;
  try {
    ok = verify(hash, tbs, rsa ? { key: issuerKey, padding: constants.RSA_PKCS1_PADDING } : { key: issuerKey, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw bad(`The issuer's signature does not verify with the issuer public key (expected ${rsa ? `PKCS#1 v1.5 over ${hash}` : `a DER ECDSA signature over ${hash}`}).`);
  return derSequence(tbs, algorithmIdentifier(algorithm), derBitString(signature));
}

// Makes a v3 certificate Notation accepts: critical basicConstraints and keyUsage on every level, codeSigning on leaves.
export async function issueCertificate(spec: CertificateSpec, sign: TbsSigner): Promise<Buffer> {
  checkDate(spec.notBefore, 'start of validity');
  checkDate(spec.notAfter, 'end of validity');
  if (spec.notAfter.getTime() <= spec.notBefore.getTime()) throw bad('The certificate must end after it starts.');
  const issuerKey = publicKey(spec.issuerSpki, 'issuer');
  checkIssuerKey(issuerKey, spec.issuerAlgorithm);
  checkSubjectKey(publicKey(spec.subjectSpki, 'subject'));
  const subject = name(spec.subject, 'subject');
  const issuer = name(spec.issuer, 'issuer');
  if (spec.role === 'root' && (!subject.equals(issuer) || !spec.subjectSpki.equals(spec.issuerSpki))) throw bad('A root certificate is self-signed: its issuer and issuer key must be its own subject and key.');

  const ca = spec.role !== 'code-signing';
  const extensions = [
    extension(OID.basicConstraints, true, ca ? derSequence(derBoolean(true), derInteger(spec.role === 'root' ? 1 : 0)) : derSequence()),
    extension(OID.keyUsage, true, derNamedBits(ca ? [KEY_CERT_SIGN, CRL_SIGN] : [DIGITAL_SIGNATURE])),
    ...(ca ? [] : [extension(OID.extKeyUsage, false, derSequence(derOid(OID.codeSigning)))]),
    extension(OID.subjectKeyIdentifier, false, derOctetString(keyIdentifier(spec.subjectSpki))),
    extension(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, derOctetString(keyIdentifier(spec.issuerSpki))))),
  ];
  const tbs = derSequence(
    derExplicit(0, derInteger(2)),
    serialNumber(spec.serial, 'certificate'),
    algorithmIdentifier(spec.issuerAlgorithm),
    issuer,
    derSequence(derTime(spec.notBefore), derTime(spec.notAfter)),
    subject,
    Buffer.from(spec.subjectSpki),
    derExplicit(3, derSequence(...extensions)),
  );
  return signed(tbs, spec.issuerAlgorithm, issuerKey, sign);
}

function revokedEntry(entry: RevokedEntry): Buffer {
  checkDate(entry.revokedAt, 'revocation date');
  const code = REASON_CODES[entry.reason];
  if (code === undefined) throw bad(`Unknown revocation reason "${String(entry.reason)}".`);
  const extensions: Buffer[] = [];
  // RFC 5280 5.3.1: the reason code is left out rather than written as unspecified.
  if (code !== 0) extensions.push(extension(OID.reasonCode, false, derEnumerated(code)));
  if (entry.invalidSince) {
    checkDate(entry.invalidSince, 'invalidity date');
    extensions.push(extension(OID.invalidityDate, false, derGeneralizedTime(entry.invalidSince)));
  }
  return derSequence(serialNumber(entry.serial, 'revoked certificate'), derTime(entry.revokedAt), ...(extensions.length ? [derSequence(...extensions)] : []));
}

// Publishes revocations as a v2 CRL that openssl, Node and Notation verifiers can check against the issuing CA.
export async function issueCrl(spec: CrlSpec, sign: TbsSigner): Promise<Buffer> {
  checkDate(spec.thisUpdate, 'CRL issue date');
  checkDate(spec.nextUpdate, 'next CRL date');
  if (spec.nextUpdate.getTime() <= spec.thisUpdate.getTime()) throw bad('The next CRL must be due after this one is issued.');
  if (spec.crlNumber < 0n) throw bad('The CRL number must not be negative.');
  const crlNumber = derInteger(spec.crlNumber);
  if (crlNumber.length - 2 > 20) throw bad('The CRL number is longer than 20 octets.');
  const issuerKey = publicKey(spec.issuerSpki, 'issuer');
  checkIssuerKey(issuerKey, spec.issuerAlgorithm);
  const revoked = spec.revoked.map(revokedEntry);
  const tbs = derSequence(
    derInteger(1),
    algorithmIdentifier(spec.issuerAlgorithm),
    name(spec.issuer, 'issuer'),
    derTime(spec.thisUpdate),
    derTime(spec.nextUpdate),
    ...(revoked.length ? [derSequence(...revoked)] : []),
    derExplicit(
      0,
      derSequence(
        extension(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, derOctetString(keyIdentifier(spec.issuerSpki))))),
        extension(OID.crlNumber, false, crlNumber),
      ),
    ),
  );
  return signed(tbs, spec.issuerAlgorithm, issuerKey, sign);
}

// Files, trust stores and openssl all expect PEM, 64 base64 characters a line.
export function toPem(der: Buffer, label: 'CERTIFICATE' | 'X509 CRL'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
