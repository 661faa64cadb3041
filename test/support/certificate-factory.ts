// Test certificates with exactly the extensions a case needs, so path validation can be shown to refuse each flaw.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derBitString, derBoolean, derTlv, derExplicit, derInteger, derNamedBits, derOctetString, derOid, derSequence, derSet, derTime, derUtf8String } from '../../main/encoding/der-writer.ts';

export const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;
export const EKU = { codeSigning: '1.3.6.1.5.5.7.3.3', timeStamping: '1.3.6.1.5.5.7.3.8', serverAuth: '1.3.6.1.5.5.7.3.1', any: '2.5.29.37.0' } as const;

export interface Issued {
  cert: X509Certificate;
  der: Buffer;
  name: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface CertificateOptions {
  commonName: string;
  /** Signed by this certificate; self-signed when left out. */
  issuer?: Issued;
  notBefore?: Date;
  notAfter?: Date;
  /** basicConstraints cA; null leaves the extension out. */
  ca?: boolean | null;
  pathLen?: number;
  /** keyUsage bit names; null leaves the extension out. */
  keyUsage?: (keyof typeof KEY_USAGE)[] | null;
  keyUsageCritical?: boolean;
  /** extendedKeyUsage OIDs; null leaves the extension out. */
  eku?: string[] | null;
  ekuCritical?: boolean;
  /** Further extensions, as they should appear. */
  extra?: { oid: string; critical: boolean; value: Buffer }[];
  key?: { privateKey: KeyObject; publicKey: KeyObject };
  /** An empty subject Name with this e-mail address as a critical subjectAltName, as Fulcio issues them. */
  email?: string;
  /** The subject Name as DER, when O and CN alone will not do (Notation identities need C, ST and O). */
  subjectName?: Buffer;
}

let serial = 1;

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));
}

const name = (commonName: string) => derSequence(derSet(derSequence(derOid('2.5.4.10'), derUtf8String('Signet Test'))), derSet(derSequence(derOid('2.5.4.3'), derUtf8String(commonName))));

// A CA by default (cA true, keyCertSign and cRLSign, all critical); a leaf needs ca:false and its own usages.
export function makeCertificate(options: CertificateOptions): Issued {
  const key = options.key ?? generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const subject = options.subjectName ?? (options.email ? derSequence() : name(options.commonName));
  const ca = options.ca === undefined ? true : options.ca;
  const keyUsage = options.keyUsage === undefined ? (ca ? (['keyCertSign', 'cRLSign'] as const) : (['digitalSignature'] as const)) : options.keyUsage;
  const extensions: Buffer[] = [];
  if (ca !== null) extensions.push(extension('2.5.29.19', true, derSequence(...(ca ? [derBoolean(true)] : []), ...(options.pathLen !== undefined ? [derInteger(options.pathLen)] : []))));
  if (keyUsage !== null) extensions.push(extension('2.5.29.15', options.keyUsageCritical ?? true, derNamedBits(keyUsage.map((k) => KEY_USAGE[k]))));
  if (options.eku) extensions.push(extension('2.5.29.37', options.ekuCritical ?? false, derSequence(...options.eku.map((oid) => derOid(oid)))));
  if (options.email) extensions.push(extension('2.5.29.17', true, derSequence(derTlv(0x81, Buffer.from(options.email, 'ascii')))));
  for (const e of options.extra ?? []) extensions.push(extension(e.oid, e.critical, e.value));
  const spki = key.publicKey.export({ format: 'der', type: 'spki' });
  const notBefore = options.notBefore ?? new Date(Date.now() - 86_400_000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  const algorithm = derSequence(derOid('1.2.840.10045.4.3.2'));
  const tbs = derSequence(
    derExplicit(0, derInteger(2)),
    derInteger(serial++),
    algorithm,
    options.issuer ? options.issuer.name : subject,
    derSequence(derTime(notBefore), derTime(notAfter)),
    subject,
    spki,
    ...(extensions.length ? [derExplicit(3, derSequence(...extensions))] : []),
  );
  const signature = sign('sha256', tbs, { key: options.issuer ? options.issuer.privateKey : key.privateKey, dsaEncoding: 'der' });
  const der = derSequence(tbs, algorithm, derBitString(signature));
  return { cert: new X509Certificate(der), der, name: subject, privateKey: key.privateKey, publicKey: key.publicKey };
}

// A root, one intermediate and a code-signing leaf, each as Notation expects it unless overridden.
export function makeChain(overrides: { root?: Partial<CertificateOptions>; intermediate?: Partial<CertificateOptions>; leaf?: Partial<CertificateOptions> } = {}): { root: Issued; intermediate: Issued; leaf: Issued } {
  const root = makeCertificate({ commonName: 'Test Root', pathLen: 1, ...overrides.root });
  const intermediate = makeCertificate({ commonName: 'Test Intermediate', issuer: root, pathLen: 0, ...overrides.intermediate });
  const leaf = makeCertificate({ commonName: 'Test Signer', issuer: intermediate, ca: false, eku: [EKU.codeSigning], ...overrides.leaf });
  return { root, intermediate, leaf };
}

// No empty line before the footer when the base64 fills its last line exactly: OpenSSL refuses such a PEM.
const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

// An RFC 3161 TimeStampToken (CMS ContentInfo, as Notation carries it) over `data`, from OpenSSL's TSA signing as `tsa` and carrying `chain`.
export function opensslTimestamp(data: Buffer, tsa: Issued, chain: Issued[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'signet-test-tsa-'));
  const at = (name: string) => join(dir, name);
  writeFileSync(at('tsa.pem'), pem(tsa.der));
  writeFileSync(at('chain.pem'), chain.map((c) => pem(c.der)).join(''));
  writeFileSync(at('tsa.key'), tsa.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(at('serial'), '01\n');
  writeFileSync(at('data'), data);
  writeFileSync(at('ts.cnf'), ['[tsa]', 'default_tsa = t', '[t]', `serial = ${at('serial')}`, `signer_cert = ${at('tsa.pem')}`, `certs = ${at('chain.pem')}`, `signer_key = ${at('tsa.key')}`, 'signer_digest = sha256', 'default_policy = 1.2.3.4', 'digests = sha256', 'ess_cert_id_alg = sha256', ''].join('\n'));
  execFileSync('openssl', ['ts', '-query', '-data', at('data'), '-sha256', '-cert', '-out', at('q.tsq')], { stdio: 'pipe' });
  execFileSync('openssl', ['ts', '-reply', '-config', at('ts.cnf'), '-queryfile', at('q.tsq'), '-token_out', '-out', at('token.der')], { stdio: 'pipe' });
  return readFileSync(at('token.der'));
}
