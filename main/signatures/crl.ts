// Reading X.509 CRLs (RFC 5280 section 5) and deciding a certificate's revocation status from them, offline.
import { constants, verify, type X509Certificate } from 'node:crypto';
import { decodeOid, derChildren, extensionValue } from '../encoding/der.ts';

export interface CrlEntry {
  /** The serial number's magnitude in lowercase hex, without leading zero bytes. */
  serialHex: string;
  revokedAt: Date;
  /** The RFC 5280 CRLReason name, or null when the entry has no reasonCode (which means unspecified). */
  reason: string | null;
  /** The invalidityDate entry extension: when the key is known or suspected to have become unsafe. */
  invalidSince: Date | null;
}

export interface ParsedCrl {
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | null;
  revoked: CrlEntry[];
  crlNumber: bigint | null;
  /** OIDs of critical CRL or entry extensions this reader does not interpret (a delta CRL indicator, for one). */
  unhandledCritical: string[];
  tbs: Buffer;
  signatureAlgorithmOid: string;
  signature: Buffer;
}

export interface RevocationStatus {
  status: 'good' | 'revoked' | 'unknown';
  reason: string;
  /** For a listed certificate: the CRL's revocation date and reason name (null reason means unspecified). */
  revokedAt: Date | null;
  revocationReason: string | null;
  /** How many of the given CRLs name the certificate's issuer, valid or not: 0 means none was offered for it. */
  crlsFromIssuer: number;
  /** How many of the given CRLs could not be read at all, so could have been from any issuer. */
  unreadableCrls?: number;
}

/** RFC 5280 5.3.1 CRLReason names by code; 7 is unused. */
const REASON_NAMES = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', null, 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];

/** Reasons that make every signature of the key suspect, whenever it was made. */
const COMPROMISE = new Set(['unspecified', 'keyCompromise', 'cACompromise', 'aACompromise']);

const SIGNATURE_ALGORITHMS: Record<string, { hash: string | null; kind: 'ecdsa' | 'rsa' | 'eddsa' }> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256', kind: 'ecdsa' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', kind: 'ecdsa' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', kind: 'ecdsa' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', kind: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', kind: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', kind: 'rsa' },
  '1.3.101.112': { hash: null, kind: 'eddsa' },
};

const OID_CRL_NUMBER = '2.5.29.20';
const OID_REASON_CODE = '2.5.29.21';
const OID_INVALIDITY_DATE = '2.5.29.24';
const OID_AUTHORITY_KEY_ID = '2.5.29.35';
const OID_ISSUER_ALT_NAME = '2.5.29.18';
const HANDLED = new Set([OID_CRL_NUMBER, OID_REASON_CODE, OID_INVALIDITY_DATE, OID_AUTHORITY_KEY_ID, OID_ISSUER_ALT_NAME]);

interface Item {
  tag: number;
  bytes: Buffer;
  content: Buffer;
}

function fail(what: string): never {
  throw new Error(`malformed CRL: ${what}`);
}

// der.ts trusts its input; here every length is checked against the bytes actually present before it is used.
function headerLength(bytes: Buffer): number {
  if (bytes.length < 2) return -1;
  const first = bytes[1]!;
  if (first < 0x80) return 2;
  const count = first & 0x7f;
  if (count === 0 || count > 4 || bytes.length < 2 + count) return -1;
  return 2 + count;
}

function declaredLength(bytes: Buffer): number {
  const header = headerLength(bytes);
  if (header < 0) return -1;
  if (header === 2) return header + bytes[1]!;
  let length = 0;
  for (let i = 2; i < header; i++) length = length * 256 + bytes[i]!;
  return header + length;
}

function checkedChildren(item: Item, expectedTag: number, what: string): Item[] {
  if (item.tag !== expectedTag) fail(`${what} has tag 0x${item.tag.toString(16)}, expected 0x${expectedTag.toString(16)}`);
  if (declaredLength(item.bytes) !== item.bytes.length) fail(`${what} is truncated`);
  let children: Item[];
  try {
    children = derChildren(item.bytes);
  } catch (error) {
    fail(`${what}: ${(error as Error).message}`);
  }
  let total = 0;
  for (const child of children) {
    if (child.bytes.length < 2 || declaredLength(child.bytes) !== child.bytes.length) fail(`${what} holds a truncated item`);
    total += child.bytes.length;
  }
  if (total !== item.content.length) fail(`${what} has trailing bytes`);
  return children;
}

function oidText(content: Buffer): string {
  try {
    return decodeOid(content);
  } catch {
    return fail('bad OBJECT IDENTIFIER');
  }
}

const TIME = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

function time(item: Item | undefined, what: string): Date {
  if (!item || (item.tag !== 0x17 && item.tag !== 0x18)) fail(`${what} is not a time`);
  const text = item.content.toString('latin1');
  const match = TIME.exec(text);
  const yearDigits = item.tag === 0x17 ? 2 : 4;
  if (!match || match[1]!.length !== yearDigits) fail(`${what} is not in RFC 5280 form: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const year = yearDigits === 2 ? (y < 50 ? 2000 + y : 1900 + y) : y;
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) fail(`${what} is not a real date: ${text}`);
  return date;
}

function unsignedHex(item: Item | undefined, what: string): string {
  if (!item || item.tag !== 0x02 || item.content.length === 0) fail(`${what} is not an INTEGER`);
  let start = 0;
  while (start < item.content.length - 1 && item.content[start] === 0) start++;
  return item.content.subarray(start).toString('hex');
}

function extensions(item: Item, what: string, unhandled: string[]): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  for (const ext of checkedChildren(item, 0x30, what)) {
    const parts = checkedChildren(ext, 0x30, `an extension in ${what}`);
    const [id, second, third] = parts;
    if (!id || id.tag !== 0x06) fail(`an extension in ${what} has no OID`);
    const oid = oidText(id.content);
    const critical = second?.tag === 0x01 && second.content[0] !== 0;
    const value = second?.tag === 0x04 ? second : third;
    if (!value || value.tag !== 0x04) fail(`extension ${oid} has no value`);
    found.set(oid, value.content);
    if (critical && !HANDLED.has(oid)) unhandled.push(oid);
  }
  return found;
}

function entry(item: Item, index: number, unhandled: string[]): CrlEntry {
  const what = `revoked entry ${index + 1}`;
  const [serial, date, exts] = checkedChildren(item, 0x30, what);
  const result: CrlEntry = { serialHex: unsignedHex(serial, `the serial of ${what}`), revokedAt: time(date, `the date of ${what}`), reason: null, invalidSince: null };
  if (!exts) return result;
  const found = extensions(exts, what, unhandled);
  const reason = found.get(OID_REASON_CODE);
  if (reason) {
    if (reason.length !== 3 || reason[0] !== 0x0a || reason[1] !== 0x01) fail(`the reason code of ${what} is not a one-byte ENUMERATED`);
    const name = REASON_NAMES[reason[2]!];
    if (!name) fail(`${what} has an unknown reason code ${reason[2]}`);
    result.reason = name;
  }
  const invalidity = found.get(OID_INVALIDITY_DATE);
  if (invalidity) {
    if (invalidity[0] !== 0x18 || declaredLength(invalidity) !== invalidity.length) fail(`the invalidity date of ${what} is not a GeneralizedTime`);
    result.invalidSince = time({ tag: 0x18, bytes: invalidity, content: invalidity.subarray(headerLength(invalidity)) }, `the invalidity date of ${what}`);
  }
  return result;
}

// Notation verifies offline against CRLs the user supplies, so a hostile or damaged file must fail loudly, not misread.
export function parseCrl(der: Buffer): ParsedCrl {
  if (declaredLength(der) !== der.length) fail('the outer SEQUENCE does not span the input');
  const top = { tag: der[0]!, bytes: der, content: der.subarray(headerLength(der)) };
  const [tbsItem, algorithm, signatureItem, extra] = checkedChildren(top, 0x30, 'CertificateList');
  if (!tbsItem || !algorithm || !signatureItem || extra) fail('CertificateList must hold exactly tbsCertList, signatureAlgorithm and signatureValue');
  const algorithmParts = checkedChildren(algorithm, 0x30, 'signatureAlgorithm');
  if (algorithmParts[0]?.tag !== 0x06) fail('signatureAlgorithm has no OID');
  if (signatureItem.tag !== 0x03 || signatureItem.content.length < 1 || signatureItem.content[0] !== 0) fail('signatureValue is not a whole-byte BIT STRING');

  const fields = checkedChildren(tbsItem, 0x30, 'tbsCertList');
  let at = 0;
  if (fields[at]?.tag === 0x02) {
    if (!fields[at]!.content.equals(Buffer.from([1]))) fail('only version 2 CRLs (or unversioned v1) are read');
    at++;
  }
  const innerAlgorithm = fields[at++];
  if (!innerAlgorithm || !innerAlgorithm.bytes.equals(algorithm.bytes)) fail('the signature algorithm inside and outside tbsCertList differ');
  const issuer = fields[at++];
  if (!issuer || issuer.tag !== 0x30) fail('issuer is not a Name');
  checkedChildren(issuer, 0x30, 'issuer');
  const thisUpdate = time(fields[at++], 'thisUpdate');
  let nextUpdate: Date | null = null;
  if (fields[at]?.tag === 0x17 || fields[at]?.tag === 0x18) nextUpdate = time(fields[at++], 'nextUpdate');
  const unhandled: string[] = [];
  const revoked: CrlEntry[] = [];
  if (fields[at]?.tag === 0x30) revoked.push(...checkedChildren(fields[at++]!, 0x30, 'revokedCertificates').map((item, index) => entry(item, index, unhandled)));
  let crlNumber: bigint | null = null;
  if (fields[at]?.tag === 0xa0) {
    const [list, surplus] = checkedChildren(fields[at++]!, 0xa0, 'crlExtensions');
    if (!list || surplus) fail('crlExtensions must hold one Extensions list');
    const number = extensions(list, 'crlExtensions', unhandled).get(OID_CRL_NUMBER);
    if (number) {
      const digits = number.subarray(Math.max(headerLength(number), 0));
      if (number[0] !== 0x02 || declaredLength(number) !== number.length || digits.length === 0 || (digits[0]! & 0x80) !== 0) fail('cRLNumber is not a non-negative INTEGER');
      crlNumber = BigInt(`0x${digits.toString('hex')}`);
    }
  }
  if (at !== fields.length) fail('tbsCertList has unexpected fields');
  return {
    issuerDer: Buffer.from(issuer.bytes),
    thisUpdate,
    nextUpdate,
    revoked,
    crlNumber,
    unhandledCritical: unhandled,
    tbs: Buffer.from(tbsItem.bytes),
    signatureAlgorithmOid: oidText(algorithmParts[0].content),
    signature: Buffer.from(signatureItem.content.subarray(1)),
  };
}

// The issuer Name and serial exactly as encoded in the certificate; Node only offers them re-formatted.
function certificateFields(cert: X509Certificate): { serialHex: string; issuerDer: Buffer } {
  const top = { tag: cert.raw[0]!, bytes: cert.raw, content: cert.raw.subarray(headerLength(cert.raw)) };
  const tbs = checkedChildren(top, 0x30, 'Certificate')[0];
  if (!tbs) fail('the certificate has no tbsCertificate');
  const fields = checkedChildren(tbs, 0x30, 'tbsCertificate');
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = fields[offset + 2];
  if (!issuer || issuer.tag !== 0x30) fail('the certificate has no issuer Name');
  return { serialHex: unsignedHex(fields[offset], 'the certificate serial'), issuerDer: issuer.bytes };
}

function signatureVerifies(crl: ParsedCrl, issuer: X509Certificate): boolean {
  const algorithm = SIGNATURE_ALGORITHMS[crl.signatureAlgorithmOid];
  if (!algorithm) return false;
  try {
    if (algorithm.kind === 'ecdsa') return verify(algorithm.hash, crl.tbs, { key: issuer.publicKey, dsaEncoding: 'der' }, crl.signature);
    if (algorithm.kind === 'rsa') return verify(algorithm.hash, crl.tbs, { key: issuer.publicKey, padding: constants.RSA_PKCS1_PADDING }, crl.signature);
    return verify(null, crl.tbs, issuer.publicKey, crl.signature);
  } catch {
    return false;
  }
}

// RFC 5280 6.3.3 (f): an issuer whose keyUsage lacks cRLSign may not vouch for a CRL.
function mayIssueCrls(issuer: X509Certificate): boolean {
  const usage = extensionValue(issuer.raw, '2.5.29.15');
  if (!usage) return true;
  return usage[0] === 0x03 && usage.length >= 4 && (usage[3]! & 0x02) !== 0;
}

const label = (cert: X509Certificate) => `"${cert.subject.replace(/\n/g, ', ')}"`;

/**
 * Revocation as the Notary Project defines it, against CRLs given rather than fetched: a CRL counts only when
 * the issuer signed it for this certificate's issuer name; compromise revokes every signature, other reasons
 * only those made from the revocation on. `at` is the signing time (authentic timestamp, else now); `now`
 * decides whether a CRL is past its nextUpdate.
 */
export function checkRevocation(cert: X509Certificate, issuer: X509Certificate, crls: Buffer[], at: Date, now: Date = new Date()): RevocationStatus {
  let fromIssuer = 0;
  let unreadable = 0;
  const unknown = (reason: string): RevocationStatus => ({ status: 'unknown', reason, revokedAt: null, revocationReason: null, crlsFromIssuer: fromIssuer, unreadableCrls: unreadable });
  let own: { serialHex: string; issuerDer: Buffer };
  try {
    own = certificateFields(cert);
  } catch (error) {
    return unknown(`The certificate ${label(cert)} cannot be read: ${(error as Error).message}`);
  }
  const rejected: string[] = [];
  const valid: ParsedCrl[] = [];
  for (const [index, bytes] of crls.entries()) {
    let crl: ParsedCrl;
    try {
      crl = parseCrl(bytes);
    } catch (error) {
      rejected.push(`CRL ${index + 1} cannot be read (${(error as Error).message})`);
      unreadable++;
      continue;
    }
    if (!crl.issuerDer.equals(own.issuerDer)) continue;
    fromIssuer++;
    if (!SIGNATURE_ALGORITHMS[crl.signatureAlgorithmOid]) rejected.push(`CRL ${index + 1} is signed with an algorithm this verifier does not support (${crl.signatureAlgorithmOid})`);
    else if (!signatureVerifies(crl, issuer)) rejected.push(`CRL ${index + 1} names ${label(issuer)} but its signature does not verify with that key`);
    else if (crl.unhandledCritical.length) rejected.push(`CRL ${index + 1} has critical extensions this verifier does not process (${crl.unhandledCritical.join(', ')})`);
    else valid.push(crl);
  }
  if (valid.length > 0 && !mayIssueCrls(issuer)) return unknown(`The issuer ${label(issuer)} is not allowed to sign CRLs (its key usage lacks cRLSign).`);
  if (valid.length === 0) return unknown(`No valid CRL from ${label(issuer)} was given${rejected.length ? `: ${rejected.join('; ')}` : ''}.`);

  const newest = valid.reduce((a, b) => (b.thisUpdate.getTime() > a.thisUpdate.getTime() || (b.thisUpdate.getTime() === a.thisUpdate.getTime() && (b.crlNumber ?? -1n) > (a.crlNumber ?? -1n)) ? b : a));
  const issued = newest.thisUpdate.toISOString();
  const listed = newest.revoked.find((e) => e.serialHex === own.serialHex && e.reason !== 'removeFromCRL');
  // A listing stays true after nextUpdate (revocation is final), so only an absence needs a fresh CRL.
  if (listed) {
    const reasonName = listed.reason ?? 'unspecified';
    const revoked: RevocationStatus = { status: 'revoked', reason: `${label(cert)} was revoked on ${listed.revokedAt.toISOString()} (${reasonName}) according to the CRL of ${label(issuer)} issued ${issued}.`, revokedAt: listed.revokedAt, revocationReason: reasonName, crlsFromIssuer: fromIssuer };
    if (COMPROMISE.has(reasonName)) return revoked;
    const since = listed.invalidSince && listed.invalidSince.getTime() < listed.revokedAt.getTime() ? listed.invalidSince : listed.revokedAt;
    if (at.getTime() >= since.getTime()) return revoked;
    return {
      status: 'good',
      reason: `${label(cert)} was revoked on ${listed.revokedAt.toISOString()} (${reasonName}), effective ${since.toISOString()}, after the signing time ${at.toISOString()}, so this signature stands.`,
      revokedAt: listed.revokedAt,
      revocationReason: reasonName,
      crlsFromIssuer: fromIssuer,
    };
  }
  if (newest.nextUpdate && now.getTime() > newest.nextUpdate.getTime()) return unknown(`The newest CRL from ${label(issuer)} (issued ${issued}) is stale: it was due to be replaced on ${newest.nextUpdate.toISOString()}.`);
  return { status: 'good', reason: `${label(cert)} is not listed in the CRL of ${label(issuer)} issued ${issued}.`, revokedAt: null, revocationReason: null, crlsFromIssuer: fromIssuer };
}
