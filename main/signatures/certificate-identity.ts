import { isIP } from 'node:net';
import { certificateParts, subjectAltNames, type SubjectAltName } from '../encoding/der.ts';

const FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
/** Fulcio's otherName SAN type for identities that are neither an email nor a URI (a username). */
export const FULCIO_USERNAME_OID = '1.3.6.1.4.1.57264.1.7';

/**
 * Who a signing certificate must name. Every field given must hold. `san` and `sanRegexp` look at every
 * subject alternative name (email, URI, DNS name, IP address, Fulcio username), as cosign's
 * --certificate-identity does; `email` and `hostname` are containers/image's subjectEmail and subjectHostname.
 */
export interface SignerIdentity {
  /** One subject alternative name, compared exactly. */
  san?: string;
  /** A pattern a whole subject alternative name must match (anchored, see anchoredPattern). */
  sanRegexp?: string | RegExp;
  /** An rfc822Name, compared exactly (containers/image subjectEmail). */
  email?: string;
  /** A host the certificate is valid for by Go's VerifyHostname rules, wildcards included (containers/image subjectHostname). */
  hostname?: string;
  /** The OIDC issuer of a keyless (Fulcio) certificate, compared exactly. */
  issuer?: string;
  /** A pattern the whole OIDC issuer must match. */
  issuerRegexp?: string | RegExp;
}

/** What a certificate says about its signer. */
export interface CertificateIdentity {
  names: SubjectAltName[];
  /** From Fulcio's extension 1.3.6.1.4.1.57264.1.8 (a DER UTF8String) or, failing that, the legacy 1.3.6.1.4.1.57264.1.1 (raw text). */
  oidcIssuer: string | null;
}

export type IdentityCheck = { ok: true; san: string; issuer: string | null; reason: string } | { ok: false; reason: string };

// Reads the names and OIDC issuer from the certificate's DER; a malformed extension throws rather than being skipped.
export function readCertificateIdentity(certificateDer: Buffer): CertificateIdentity {
  // A repeated extension is refused by the strict reader itself.
  const extensions = certificateParts(certificateDer).extensions;
  const v2 = extensions.filter((e) => e.oid === FULCIO_ISSUER_V2);
  const v1 = extensions.filter((e) => e.oid === FULCIO_ISSUER_V1);
  let oidcIssuer: string | null = null;
  if (v2[0]) {
    const value = v2[0].value;
    // A UTF8String of one- or two-byte length, exactly filling the extension.
    const long = value[1] === 0x81;
    const length = long ? value[2] : value[1];
    const start = long ? 3 : 2;
    if (value[0] !== 0x0c || length === undefined || (!long && length > 0x7f) || start + length !== value.length) throw new Error('the OIDC issuer extension is not a UTF8String');
    oidcIssuer = value.subarray(start).toString('utf8');
  } else if (v1[0]) {
    oidcIssuer = v1[0].value.toString('utf8');
  }
  return { names: subjectAltNames(certificateDer), oidcIssuer };
}

/**
 * A pattern that must match the WHOLE value: `^(?:pattern)$`. This is deliberately stricter than cosign,
 * whose Go MatchString accepts a match anywhere in the value, so `beacon` there matches any identity
 * containing it; here a pattern says what the entire identity looks like.
 */
export function anchoredPattern(pattern: string | RegExp): RegExp {
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags = typeof pattern === 'string' ? '' : pattern.flags.replace(/[gy]/g, '');
  return new RegExp(`^(?:${source})$`, flags);
}

// Says why a configured identity cannot be used, before any signature is looked at.
export function identityConfigurationProblem(identity: SignerIdentity): string | null {
  for (const [flag, pattern] of [
    ['identity', identity.sanRegexp],
    ['issuer', identity.issuerRegexp],
  ] as const) {
    if (pattern === undefined) continue;
    try {
      anchoredPattern(pattern);
    } catch (error) {
      return `The ${flag} pattern ${String(pattern)} is not a valid regular expression: ${(error as Error).message}`;
    }
  }
  return null;
}

const lowerAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

// Go's validHostname: letters, digits, '-' (not first) and '_' in non-empty labels; a pattern may have '*' as its whole first label.
function validHostname(host: string, isPattern: boolean): boolean {
  const name = isPattern ? host : host.replace(/\.$/, '');
  if (name.length === 0 || name === '*') return false;
  return name.split('.').every((part, index) => part !== '' && ((isPattern && index === 0 && part === '*') || /^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(part)));
}

function matchHostnames(pattern: string, host: string): boolean {
  const patternParts = lowerAscii(pattern).split('.');
  const hostParts = lowerAscii(host.replace(/\.$/, '')).split('.');
  if (pattern.length === 0 || hostParts.join('.').length === 0 || patternParts.length !== hostParts.length) return false;
  return patternParts.every((part, index) => (index === 0 && part === '*') || part === hostParts[index]);
}

function matchExactly(a: string, b: string): boolean {
  if (a === '' || a === '.' || b === '' || b === '.') return false;
  return lowerAscii(a) === lowerAscii(b);
}

// Sixteen bytes for any IPv4 or IPv6 text, IPv4 as IPv4-mapped IPv6, so the two spellings compare equal as in Go.
function ipBytes(text: string): Buffer | null {
  const kind = isIP(text);
  if (kind === 4) return Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...text.split('.').map(Number)]);
  if (kind !== 6) return null;
  const normal = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head = '', tail] = normal.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}

/** Go's x509 Certificate.VerifyHostname: an IP only against IP SANs, a name against DNS SANs with a leftmost wildcard; the subject CN never counts. */
export function verifyHostname(names: SubjectAltName[], host: string): boolean {
  const candidateIp = host.length >= 3 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const ip = ipBytes(candidateIp);
  if (ip) return names.some((n) => n.type === 'ip' && ipBytes(n.value)?.equals(ip) === true);
  const candidate = lowerAscii(host);
  const validCandidate = validHostname(candidate, false);
  return names.some((n) => n.type === 'dns' && (validCandidate && validHostname(n.value, true) ? matchHostnames(n.value, candidate) : matchExactly(n.value, candidate)));
}

// The names cosign compares an identity with: every SAN type, and of otherNames only Fulcio's username.
function identityValues(names: SubjectAltName[]): string[] {
  return names.filter((n) => n.type !== 'otherName' || n.typeOid === FULCIO_USERNAME_OID).map((n) => n.value);
}

// Decides whether a signing certificate names the configured signer; anything not configured or not readable means not verified.
export function checkSignerIdentity(certificateDer: Buffer, identity: SignerIdentity | undefined): IdentityCheck {
  let read: CertificateIdentity;
  try {
    read = readCertificateIdentity(certificateDer);
  } catch (error) {
    return { ok: false, reason: `The signing certificate's identity cannot be read (${(error as Error).message}), so who signed is unknown.` };
  }
  const values = identityValues(read.names);
  const shown = values.length ? values.join(', ') : 'no subject alternative name';
  if (!identity || (identity.san === undefined && identity.sanRegexp === undefined && identity.email === undefined && identity.hostname === undefined)) {
    return { ok: false, reason: `No signer identity is configured, so who signed (${shown}) was not checked: a certificate-signed signature is verified only against an expected identity (--identity or --identity-regexp, with --issuer or --issuer-regexp).` };
  }
  const problem = identityConfigurationProblem(identity);
  if (problem) return { ok: false, reason: problem };

  const wantsIssuer = identity.issuer !== undefined || identity.issuerRegexp !== undefined;
  if (read.oidcIssuer !== null && !wantsIssuer) {
    return { ok: false, reason: `The certificate is a keyless certificate for an identity from the OIDC issuer ${read.oidcIssuer}, and no issuer is configured: a keyless identity means nothing without its issuer (--issuer or --issuer-regexp).` };
  }
  if (wantsIssuer) {
    if (read.oidcIssuer === null) return { ok: false, reason: 'The certificate carries no OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8 or 1.1), so the configured issuer cannot be checked.' };
    if (identity.issuer !== undefined && read.oidcIssuer !== identity.issuer) return { ok: false, reason: `The identity was issued by ${read.oidcIssuer}, not ${identity.issuer}.` };
    if (identity.issuerRegexp !== undefined && !anchoredPattern(identity.issuerRegexp).test(read.oidcIssuer)) {
      return { ok: false, reason: `The identity was issued by ${read.oidcIssuer}, which does not match the issuer pattern ${String(identity.issuerRegexp)} as a whole.` };
    }
  }

  let matched: string | undefined;
  if (identity.san !== undefined) {
    matched = values.find((v) => v === identity.san);
    if (matched === undefined) return { ok: false, reason: `The certificate is for ${shown}, not ${identity.san}.` };
  }
  if (identity.sanRegexp !== undefined) {
    const pattern = anchoredPattern(identity.sanRegexp);
    const hit = values.find((v) => pattern.test(v));
    if (hit === undefined) return { ok: false, reason: `The certificate is for ${shown}, which does not match the identity pattern ${String(identity.sanRegexp)} as a whole.` };
    matched ??= hit;
  }
  if (identity.email !== undefined) {
    const hit = read.names.find((n) => n.type === 'email' && n.value === identity.email);
    if (!hit) return { ok: false, reason: `The certificate is for ${shown}, not the email ${identity.email}.` };
    matched ??= hit.value;
  }
  if (identity.hostname !== undefined) {
    if (!verifyHostname(read.names, identity.hostname)) return { ok: false, reason: `The certificate is for ${shown}, not valid for the host ${identity.hostname}.` };
    matched ??= identity.hostname;
  }
  const san = matched ?? shown;
  return { ok: true, san, issuer: read.oidcIssuer, reason: `Signed by ${san}${read.oidcIssuer ? ` (issuer ${read.oidcIssuer})` : ''}.` };
}

// Shown when a signer is described without being judged.
export function describeNames(certificateDer: Buffer): { names: string; oidcIssuer: string | null } {
  try {
    const read = readCertificateIdentity(certificateDer);
    return { names: identityValues(read.names).join(', '), oidcIssuer: read.oidcIssuer };
  } catch {
    return { names: '', oidcIssuer: null };
  }
}
