import { constants, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { decodeCbor, encodeCbor, type CborValue } from './cbor.ts';
import { checkRevocation } from './crl.ts';
import { checkTimestampToken } from './rfc3161.ts';

export type VerificationLevel = 'strict' | 'permissive' | 'audit' | 'skip';

export interface NotationTrust {
  ca: X509Certificate[];
  signingAuthority: X509Certificate[];
  tsa: X509Certificate[];
  /** `x509.subject:` distinguished names, or ['*']; empty means any identity the stores trust. */
  trustedIdentities: string[];
  level: VerificationLevel;
  /** DER CRLs of the chain's issuers; when given, every certificate but the last is checked against its issuer's. */
  crls?: Buffer[];
}

export interface NotationCheck {
  name: 'integrity' | 'authenticity' | 'trusted identity' | 'expiry' | 'timestamp' | 'artifact' | 'revocation';
  ok: boolean;
  /** A failure the level only logs (permissive or audit) instead of failing on. */
  logged: boolean;
  reason: string;
}

export interface NotationResult {
  verdict: 'verified' | 'failed' | 'untrusted';
  reason: string;
  format: 'jws' | 'cose' | null;
  checks: NotationCheck[];
  signer: { subject: string; issuer: string; scheme: string } | null;
  timestamp: { time: string; authentic: boolean } | null;
  /** The x5c chain the envelope carries, signing certificate first. */
  certificates: X509Certificate[];
  /** Whether that chain ends in the trust store. */
  anchored: boolean;
  /** The signed payload (a Notary Project descriptor), for display. */
  payload: string | null;
}

interface Envelope {
  format: 'jws' | 'cose';
  alg: string;
  scheme: string;
  signingTime: Date | null;
  expiry: Date | null;
  payload: Buffer;
  signature: Buffer;
  signedBytes: Buffer;
  chain: X509Certificate[];
  timestampToken: Buffer | null;
}

const COSE_ALGORITHMS: Record<number, string> = { [-37]: 'PS256', [-38]: 'PS384', [-39]: 'PS512', [-7]: 'ES256', [-35]: 'ES384', [-36]: 'ES512' };

function parseJws(text: string): Envelope {
  const jws = JSON.parse(text) as { payload: string; protected: string; header?: Record<string, unknown>; signature: string };
  const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as Record<string, string>;
  const x5c = (jws.header?.x5c as string[] | undefined) ?? [];
  const token = jws.header?.['io.cncf.notary.timestampSignature'];
  return {
    format: 'jws',
    alg: header.alg ?? '',
    scheme: header['io.cncf.notary.signingScheme'] ?? '',
    signingTime: header['io.cncf.notary.signingTime'] ? new Date(header['io.cncf.notary.signingTime']) : null,
    expiry: header['io.cncf.notary.expiry'] ? new Date(header['io.cncf.notary.expiry']) : null,
    payload: Buffer.from(jws.payload, 'base64url'),
    signature: Buffer.from(jws.signature, 'base64url'),
    signedBytes: Buffer.from(`${jws.protected}.${jws.payload}`, 'ascii'),
    chain: x5c.map((c) => new X509Certificate(Buffer.from(c, 'base64'))),
    timestampToken: typeof token === 'string' ? Buffer.from(token, 'base64') : null,
  };
}

function coseTime(value: CborValue | undefined): Date | null {
  if (value && typeof value === 'object' && 'tag' in value && typeof value.value === 'number') return new Date(value.value * 1000);
  return null;
}

function parseCose(bytes: Buffer): Envelope {
  const decoded = decodeCbor(bytes);
  const sign1 = decoded && typeof decoded === 'object' && 'tag' in decoded ? decoded.value : decoded;
  if (!Array.isArray(sign1) || sign1.length !== 4) throw new Error('not a COSE_Sign1 structure');
  const [protectedBytes, unprotected, payload, signature] = sign1 as [Buffer, Map<CborValue, CborValue>, Buffer, Buffer];
  const header = decodeCbor(protectedBytes) as Map<CborValue, CborValue>;
  const x5chain = unprotected.get(33);
  const chain = (Array.isArray(x5chain) ? x5chain : x5chain ? [x5chain] : []) as Buffer[];
  const token = unprotected.get('io.cncf.notary.timestampSignature');
  return {
    format: 'cose',
    alg: COSE_ALGORITHMS[header.get(1) as number] ?? String(header.get(1)),
    scheme: String(header.get('io.cncf.notary.signingScheme') ?? ''),
    signingTime: coseTime(header.get('io.cncf.notary.signingTime')),
    expiry: coseTime(header.get('io.cncf.notary.expiry')),
    payload,
    signature,
    signedBytes: encodeCbor(['Signature1', protectedBytes, Buffer.alloc(0), payload]),
    chain: chain.map((der) => new X509Certificate(der)),
    timestampToken: Buffer.isBuffer(token) ? token : null,
  };
}

function checkSignature(envelope: Envelope, key: KeyObject): boolean {
  const hash = `sha${envelope.alg.slice(2)}`;
  try {
    if (envelope.alg.startsWith('PS')) {
      return verify(hash, envelope.signedBytes, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(envelope.alg.slice(2)) / 8 }, envelope.signature);
    }
    if (envelope.alg.startsWith('ES')) return verify(hash, envelope.signedBytes, { key, dsaEncoding: 'ieee-p1363' }, envelope.signature);
  } catch {
    return false;
  }
  return false;
}

function validAt(cert: X509Certificate, at: Date): boolean {
  return Date.parse(cert.validFrom) <= at.getTime() && at.getTime() <= Date.parse(cert.validTo);
}

// Each certificate is issued by the next; the chain ends in, or is issued by, a certificate of the trust store.
function chainToStore(chain: X509Certificate[], store: X509Certificate[], at: Date): string | null {
  if (chain.length === 0) return 'The envelope carries no certificate chain.';
  if (store.length === 0) return 'No trust store is configured for this signing scheme.';
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    if (!validAt(cert, at)) return `The certificate "${cert.subject.replace(/\n/g, ', ')}" was not valid at ${at.toISOString()} (valid ${cert.validFrom} to ${cert.validTo}).`;
    const next = chain[i + 1];
    if (next && !cert.verify(next.publicKey)) return `"${cert.subject.replace(/\n/g, ', ')}" is not signed by the next certificate in the chain.`;
  }
  const last = chain.at(-1)!;
  const trusted = store.some((anchor) => anchor.raw.equals(last.raw) || (last.checkIssued(anchor) && last.verify(anchor.publicKey)));
  return trusted ? null : `The chain ends at "${last.subject.replace(/\n/g, ', ')}", which no certificate in the trust store vouches for.`;
}

// Notary Project revocation evaluation: any certificate revoked, or whose status cannot be told, fails the check. As a
// certificate without CRL information is not checked there, a CA certificate whose issuer has no CRL among those given
// is passed over with a note; the signing certificate itself must always be covered.
function revocationCheck(chain: X509Certificate[], crls: Buffer[], at: Date, now: Date): [ok: boolean, reason: string] {
  const issuers: string[] = [];
  const notes: string[] = [];
  for (let i = 0; i < chain.length - 1; i++) {
    const cert = chain[i]!;
    const issuer = chain[i + 1]!;
    const status = checkRevocation(cert, issuer, crls, at, now);
    const which = i === 0 ? 'signing certificate' : 'intermediate certificate';
    const subject = cert.subject.replace(/\n/g, ', ');
    if (status.status === 'revoked') return [false, `The ${which} "${subject}" was revoked on ${status.revokedAt?.toISOString() ?? 'an unknown date'} (${status.revocationReason ?? 'unspecified'}).`];
    if (status.status === 'unknown' && i > 0 && status.crlsFromIssuer === 0) {
      notes.push(`No CRL from "${issuer.subject.replace(/\n/g, ', ')}" was given, so the ${which} "${subject}" was not checked.`);
      continue;
    }
    if (status.status === 'unknown') return [false, `The revocation status of the ${which} "${subject}" is unknown: ${status.reason}`];
    issuers.push(`"${issuer.subject.replace(/\n/g, ', ')}"`);
    if (status.revokedAt) notes.push(status.reason);
  }
  if (issuers.length === 0) return [true, 'Revocation was not checked: the chain holds no issuing certificate.'];
  return [true, [`Revocation checked against the CRL of ${issuers.join(' and the CRL of ')}.`, ...notes].join(' ')];
}

function dnSet(dn: string): string {
  return dn
    .split(/\s*[,\n]\s*/)
    .filter(Boolean)
    .map((part) => part.replace(/\s*=\s*/, '='))
    .sort()
    .join(',');
}

/**
 * Verifies a Notary Project signature (JWS or COSE) as Notation's trust policy defines it:
 * integrity, authenticity, trusted identity, expiry, timestamp and revocation, each failure failing or
 * only logged according to the level. Revocation is checked only against CRLs the caller supplies
 * (nothing is fetched); without them the result says it was not checked.
 */
export function verifyNotationEnvelope(bytes: Buffer, trust: NotationTrust, options: { artifactDigest?: string; now?: Date } = {}): NotationResult {
  const now = options.now ?? new Date();
  const checks: NotationCheck[] = [];
  let envelope: Envelope;
  try {
    envelope = bytes[0] === 0x7b ? parseJws(bytes.toString('utf8')) : parseCose(bytes);
  } catch (error) {
    return { verdict: 'failed', reason: `The envelope cannot be read: ${(error as Error).message}`, format: null, checks, signer: null, timestamp: null, certificates: [], anchored: false, payload: null };
  }
  const leaf = envelope.chain[0];
  const signer = leaf ? { subject: leaf.subject.replace(/\n/g, ', '), issuer: leaf.issuer.replace(/\n/g, ', '), scheme: envelope.scheme } : null;
  const enforce = trust.level === 'strict' ? ['integrity', 'authenticity', 'trusted identity', 'expiry', 'artifact', 'revocation'] : trust.level === 'permissive' ? ['integrity', 'authenticity', 'trusted identity', 'artifact'] : ['integrity', 'artifact'];
  const record = (name: NotationCheck['name'], ok: boolean, reason: string) => checks.push({ name, ok, logged: !ok && !enforce.includes(name), reason });

  record('integrity', Boolean(leaf) && checkSignature(envelope, leaf!.publicKey), leaf ? (checkSignature(envelope, leaf.publicKey) ? `The ${envelope.alg} signature verifies with the signing certificate.` : 'The signature does not verify: the envelope or its payload was altered.') : 'The envelope carries no signing certificate.');

  const stamp = envelope.timestampToken ? checkTimestampToken(envelope.timestampToken, envelope.signature, trust.tsa) : null;
  if (stamp) record('timestamp', stamp.authentic, stamp.reason);
  const at = envelope.scheme === 'notary.x509.signingAuthority' ? (envelope.signingTime ?? now) : stamp?.authentic && stamp.time ? stamp.time : now;
  const store = envelope.scheme === 'notary.x509.signingAuthority' ? trust.signingAuthority : trust.ca;
  const chainProblem = chainToStore(envelope.chain, store, at);
  record('authenticity', chainProblem === null, chainProblem ?? `The chain is valid at ${at.toISOString()} and ends in the ${envelope.scheme === 'notary.x509.signingAuthority' ? 'signing authority' : 'CA'} trust store.`);

  if (trust.trustedIdentities.length > 0 && !trust.trustedIdentities.includes('*') && leaf) {
    const subject = dnSet(leaf.subject);
    const matched = trust.trustedIdentities.some((id) => id.startsWith('x509.subject:') && dnSet(id.slice('x509.subject:'.length)) === subject);
    record('trusted identity', matched, matched ? `"${signer!.subject}" is a trusted identity.` : `"${signer!.subject}" is not among the trusted identities.`);
  }
  if (envelope.expiry) record('expiry', envelope.expiry.getTime() > now.getTime(), envelope.expiry.getTime() > now.getTime() ? `The signature is valid until ${envelope.expiry.toISOString()}.` : `The signature expired on ${envelope.expiry.toISOString()}.`);
  if (options.artifactDigest) {
    let target: string | undefined;
    try {
      target = (JSON.parse(envelope.payload.toString('utf8')) as { targetArtifact?: { digest?: string } }).targetArtifact?.digest;
    } catch {
      target = undefined;
    }
    record('artifact', target === options.artifactDigest, target === options.artifactDigest ? 'The signature is for this artifact.' : `The signature is for ${target ?? 'an unreadable payload'}, not ${options.artifactDigest}.`);
  }
  const crls = trust.crls ?? [];
  if (crls.length > 0 && envelope.chain.length > 0) record('revocation', ...revocationCheck(envelope.chain, crls, at, now));
  const shown = { certificates: envelope.chain, anchored: chainProblem === null, payload: envelope.payload.toString('utf8') };
  if (trust.level === 'skip') return { verdict: 'verified', reason: 'Verification is skipped by the trust policy.', format: envelope.format, checks, signer, timestamp: stamp?.time ? { time: stamp.time.toISOString(), authentic: stamp.authentic } : null, ...shown };
  const failing = checks.find((c) => !c.ok && !c.logged);
  const timestamp = stamp?.time ? { time: stamp.time.toISOString(), authentic: stamp.authentic } : null;
  if (failing) {
    return { verdict: failing.name === 'authenticity' || failing.name === 'trusted identity' ? 'untrusted' : 'failed', reason: failing.reason, format: envelope.format, checks, signer, timestamp, ...shown };
  }
  const logged = checks.filter((c) => c.logged).map((c) => c.reason);
  const revocation = checks.find((c) => c.name === 'revocation');
  const revocationNote = !revocation ? ' Revocation was not checked (offline).' : revocation.ok ? ` ${revocation.reason}` : '';
  return { verdict: 'verified', reason: `Signed by "${signer?.subject}"${logged.length ? `; logged: ${logged.join(' ')}` : ''}.${revocationNote}`, format: envelope.format, checks, signer, timestamp, ...shown };
}
