// Test certificates with exactly the names and extensions a case needs (URI, email, DNS, IP and otherName SANs, Fulcio issuer extensions).
import { generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { derBitString, derBoolean, derExplicit, derInteger, derOctetString, derOid, derSequence, derSet, derTime, derTlv, derUtf8String } from '../../main/encoding/der-writer.ts';

export type TestName =
  | { email: string }
  | { uri: string }
  | { dns: string }
  | { ip: Buffer }
  | { otherName: { oid: string; value: string } };

export interface TestCertificateSpec {
  subject: string;
  names?: TestName[];
  /** Fulcio's issuer extension 1.3.6.1.4.1.57264.1.8, a UTF8String. */
  oidcIssuer?: string;
  /** The legacy Fulcio issuer extension 1.3.6.1.4.1.57264.1.1, raw text. */
  legacyIssuer?: string;
  /** Raw extnValue bytes for any other extension. */
  extra?: { oid: string; value: Buffer }[];
}

export interface TestIssuer {
  certificate: X509Certificate;
  privateKey: KeyObject;
  subject: string;
}

const ECDSA_SHA256 = derSequence(derOid('1.2.840.10045.4.3.2'));
const name = (cn: string) => derSequence(derSet(derSequence(derOid('2.5.4.3'), derUtf8String(cn))));
const extension = (oid: string, value: Buffer, critical = false) => derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));

function generalName(entry: TestName): Buffer {
  if ('email' in entry) return derTlv(0x81, Buffer.from(entry.email, 'latin1'));
  if ('uri' in entry) return derTlv(0x86, Buffer.from(entry.uri, 'latin1'));
  if ('dns' in entry) return derTlv(0x82, Buffer.from(entry.dns, 'latin1'));
  if ('ip' in entry) return derTlv(0x87, entry.ip);
  return derTlv(0xa0, Buffer.concat([derOid(entry.otherName.oid), derExplicit(0, derUtf8String(entry.otherName.value))]));
}

function build(subject: string, issuer: string, publicKey: KeyObject, signer: KeyObject, extensions: Buffer[]): X509Certificate {
  const now = Date.now();
  const tbs = derSequence(
    derExplicit(0, derInteger(2)),
    derInteger(randomBytes(8)),
    ECDSA_SHA256,
    name(issuer),
    derSequence(derTime(new Date(now - 3600_000)), derTime(new Date(now + 3600_000))),
    name(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    derExplicit(3, derSequence(...extensions)),
  );
  return new X509Certificate(derSequence(tbs, ECDSA_SHA256, derBitString(sign('sha256', tbs, signer))));
}

// A self-signed CA that can issue test leaves.
export function testRoot(subject = 'Test Root'): TestIssuer {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const basic = extension('2.5.29.19', derSequence(derBoolean(true)), true);
  const usage = extension('2.5.29.15', derBitString(Buffer.from([0x06]), 1), true);
  return { certificate: build(subject, subject, pair.publicKey, pair.privateKey, [basic, usage]), privateKey: pair.privateKey, subject };
}

// A signing certificate issued by `issuer`, with its own fresh key.
export function testLeaf(issuer: TestIssuer, spec: TestCertificateSpec): { certificate: X509Certificate; privateKey: KeyObject } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const extensions = [extension('2.5.29.15', derBitString(Buffer.from([0x80]), 7), true)];
  if (spec.names?.length) extensions.push(extension('2.5.29.17', derSequence(...spec.names.map(generalName))));
  if (spec.oidcIssuer !== undefined) extensions.push(extension('1.3.6.1.4.1.57264.1.8', derUtf8String(spec.oidcIssuer)));
  if (spec.legacyIssuer !== undefined) extensions.push(extension('1.3.6.1.4.1.57264.1.1', Buffer.from(spec.legacyIssuer)));
  for (const other of spec.extra ?? []) extensions.push(extension(other.oid, other.value));
  return { certificate: build(spec.subject, issuer.subject, pair.publicKey, issuer.privateKey, extensions), privateKey: pair.privateKey };
}
