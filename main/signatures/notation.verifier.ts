import { constants, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { decodeCbor, encodeCbor, type CborValue } from '../encoding/cbor.ts';
import { checkRevocation } from './crl.ts';
import { certificateParts } from '../encoding/der.ts';
import { matchTrustedIdentity, notationActions, type NotationAction, type NotationOverride } from './notation-trust-policy.ts';
import { checkTimestampToken, type TimestampCheck } from './rfc3161.ts';
import { certificateName, validateCertificatePath, type PathResult } from './x509-path.ts';

export type VerificationLevel = 'strict' | 'permissive' | 'audit' | 'skip';

export type { NotationAction, NotationOverride } from './notation-trust-policy.ts';

export interface NotationTrust {
  ca: X509Certificate[];
  signingAuthority: X509Certificate[];
  tsa: X509Certificate[];
  /** `x509.subject:` distinguished names, or ['*']; empty means any identity the stores trust. */
  trustedIdentities: string[];
  level: VerificationLevel;
  /** DER CRLs of the chain's issuers; when given, every certificate but the last is checked against its issuer's. */
  crls?: Buffer[];
  /** The statement's per-check overrides of the level. */
  override?: NotationOverride;
  /** Notation's verifyTimestamp: `always` (the default) or `afterCertExpiry`. */
  verifyTimestamp?: 'always' | 'afterCertExpiry';
  /**
   * Whether the trust policy names a tsa trust store: then a timestamp is required (unless verifyTimestamp is
   * afterCertExpiry and the chain is unexpired). Left out, a timestamp is relied on when present and `tsa` holds
   * certificates, and without one the chain must be valid now.
   */
  tsaConfigured?: boolean;
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
  /** When the signature expires (io.cncf.notary.expiry), if it says. */
  expiry?: string | null;
}

interface Envelope {
  format: 'jws' | 'cose';
  alg: string;
  scheme: Scheme;
  /** io.cncf.notary.signingTime (notary.x509) or io.cncf.notary.authenticSigningTime (notary.x509.signingAuthority). */
  signingTime: Date;
  expiry: Date | null;
  payload: Buffer;
  signature: Buffer;
  signedBytes: Buffer;
  chain: X509Certificate[];
  timestampToken: Buffer | null;
}

type Scheme = 'notary.x509' | 'notary.x509.signingAuthority';

/** A reason the envelope cannot be accepted as a Notary Project signature at all. */
class EnvelopeError extends Error {}

const PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
const SCHEME = 'io.cncf.notary.signingScheme';
const SIGNING_TIME = 'io.cncf.notary.signingTime';
const AUTHENTIC_SIGNING_TIME = 'io.cncf.notary.authenticSigningTime';
const EXPIRY = 'io.cncf.notary.expiry';
const PLUGIN = 'io.cncf.notary.verificationPlugin';
const PLUGIN_MIN_VERSION = 'io.cncf.notary.verificationPluginMinVersion';
const TIMESTAMP_SIGNATURE = 'io.cncf.notary.timestampSignature';

const JWS_ALGORITHMS = ['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const COSE_ALGORITHMS: Record<number, string> = { [-37]: 'PS256', [-38]: 'PS384', [-39]: 'PS512', [-7]: 'ES256', [-35]: 'ES384', [-36]: 'ES512' };
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const fail = (reason: string): never => {
  throw new EnvelopeError(reason);
};

function schemeOf(value: unknown): Scheme {
  if (value === 'notary.x509' || value === 'notary.x509.signingAuthority') return value;
  return fail(value === undefined ? `The envelope has no ${SCHEME} header.` : `The signing scheme ${JSON.stringify(value)} is not one Notation defines.`);
}

// Signet has no verification plugins, so a signature that asks for one cannot be verified as its signer intended.
function refusePlugin(name: unknown): void {
  if (name !== undefined) fail(`The signature requires the verification plugin ${JSON.stringify(name)} (${PLUGIN}); Signet has no verification plugins, so it cannot verify this signature.`);
}

// Notary Project envelopes: crit lists exactly the notary headers that must be understood; anything else listed is refused.
function checkCritical(crit: unknown, present: (label: string | number) => boolean, scheme: Scheme, hasExpiry: boolean, understood: (string | number)[]): void {
  if (!Array.isArray(crit) || crit.length === 0) fail('The envelope has no "crit" header listing its critical headers.');
  const listed = crit as unknown[];
  for (const label of listed) {
    if (typeof label !== 'string' && typeof label !== 'number') fail(`The "crit" header holds ${JSON.stringify(label)}, which is not a header label.`);
    if (label === PLUGIN_MIN_VERSION) fail(`The signature marks ${PLUGIN_MIN_VERSION} critical, a verification plugin setting Signet cannot honour.`);
    if (!understood.includes(label as string | number)) fail(`The signature marks the header ${JSON.stringify(label)} critical, which Signet does not understand, so it is refused.`);
    if (!present(label as string | number)) fail(`The header ${JSON.stringify(label)} is marked critical but is not in the protected headers.`);
  }
  const required = [SCHEME, ...(hasExpiry ? [EXPIRY] : []), ...(scheme === 'notary.x509.signingAuthority' ? [AUTHENTIC_SIGNING_TIME] : [])];
  const unmarked = required.filter((label) => !listed.includes(label));
  if (unmarked.length) fail(`These headers must be marked critical but are not: ${unmarked.join(', ')}.`);
}

function jwsTime(value: unknown, label: string): Date | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) return fail(`The ${label} header is not an RFC 3339 time: ${JSON.stringify(value)}.`);
  return new Date(value);
}

function schemeTimes(scheme: Scheme, signingTime: Date | null, authenticSigningTime: Date | null, expiry: Date | null): Date {
  if (scheme === 'notary.x509' && authenticSigningTime) fail(`The ${AUTHENTIC_SIGNING_TIME} header must not be present in a notary.x509 signature.`);
  if (scheme === 'notary.x509.signingAuthority' && signingTime) fail(`The ${SIGNING_TIME} header must not be present in a notary.x509.signingAuthority signature.`);
  const time = scheme === 'notary.x509' ? signingTime : authenticSigningTime;
  if (!time) return fail(`The envelope has no ${scheme === 'notary.x509' ? SIGNING_TIME : AUTHENTIC_SIGNING_TIME} header.`);
  if (expiry && expiry.getTime() <= time.getTime()) fail('The signature expires at or before the time it was signed.');
  return time;
}

function readCertificates(items: unknown[], what: string): X509Certificate[] {
  if (items.length === 0) fail(`The envelope carries no certificate chain (${what}).`);
  return items.map((item, index) => {
    try {
      if (typeof item === 'string') return new X509Certificate(Buffer.from(item, 'base64'));
      if (Buffer.isBuffer(item)) return new X509Certificate(item);
    } catch (error) {
      return fail(`Certificate ${index + 1} of the chain cannot be read: ${(error as Error).message}.`);
    }
    return fail(`Certificate ${index + 1} of the chain is not a certificate.`);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJws(text: string): Envelope {
  const jws = JSON.parse(text) as unknown;
  if (!isObject(jws) || typeof jws.payload !== 'string' || typeof jws.protected !== 'string' || typeof jws.signature !== 'string') return fail('The JWS envelope lacks its payload, protected header or signature.');
  const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as unknown;
  if (!isObject(header)) return fail('The JWS protected header is not a JSON object.');
  refusePlugin(header[PLUGIN]);
  const alg = header.alg;
  if (typeof alg !== 'string' || !JWS_ALGORITHMS.includes(alg)) fail(`The signature algorithm ${JSON.stringify(alg)} is not one Notation allows.`);
  if (header.cty !== PAYLOAD_TYPE) fail(`The payload content type is ${JSON.stringify(header.cty)}, not ${PAYLOAD_TYPE}.`);
  const scheme = schemeOf(header[SCHEME]);
  const expiry = jwsTime(header[EXPIRY], EXPIRY);
  const signingTime = schemeTimes(scheme, jwsTime(header[SIGNING_TIME], SIGNING_TIME), jwsTime(header[AUTHENTIC_SIGNING_TIME], AUTHENTIC_SIGNING_TIME), expiry);
  checkCritical(header.crit, (label) => typeof label === 'string' && label in header, scheme, expiry !== null, [SCHEME, EXPIRY, AUTHENTIC_SIGNING_TIME]);
  const unprotected = isObject(jws.header) ? jws.header : {};
  const x5c = unprotected.x5c;
  if (!Array.isArray(x5c)) return fail('The envelope carries no certificate chain (x5c).');
  const token = unprotected[TIMESTAMP_SIGNATURE];
  if (token !== undefined && typeof token !== 'string') fail(`The ${TIMESTAMP_SIGNATURE} header is not base64 text.`);
  const payload = Buffer.from(jws.payload, 'base64url');
  if (payload.length === 0) fail('The envelope has an empty payload.');
  return {
    format: 'jws',
    alg: alg as string,
    scheme,
    signingTime,
    expiry,
    payload,
    signature: Buffer.from(jws.signature, 'base64url'),
    signedBytes: Buffer.from(`${jws.protected}.${jws.payload}`, 'ascii'),
    chain: readCertificates(x5c as unknown[], 'x5c'),
    timestampToken: typeof token === 'string' ? Buffer.from(token, 'base64') : null,
  };
}

// COSE times are tag 1 (epoch seconds); an untagged number is refused as Notation refuses it.
function coseTime(value: CborValue | undefined, label: string): Date | null {
  if (value === undefined) return null;
  if (value && typeof value === 'object' && 'tag' in value && value.tag === 1 && typeof value.value === 'number') return new Date(value.value * 1000);
  return fail(`The ${label} header is not a tag 1 date-time.`);
}

function parseCose(bytes: Buffer): Envelope {
  const decoded = decodeCbor(bytes);
  // The Notary Project envelope is COSE_Sign1_Tagged: an untagged structure is refused, as notation refuses it.
  const tagged = decoded && typeof decoded === 'object' && 'tag' in decoded ? decoded : fail('The COSE envelope is not tagged as COSE_Sign1 (tag 18), which the Notary Project requires.');
  const sign1 = tagged.tag === 18 ? tagged.value : fail(`The COSE envelope has tag ${tagged.tag}, not 18 (COSE_Sign1).`);
  if (!Array.isArray(sign1) || sign1.length !== 4) return fail('The envelope is not a COSE_Sign1 structure.');
  const [protectedBytes, unprotected, payload, signature] = sign1;
  if (!Buffer.isBuffer(protectedBytes) || !(unprotected instanceof Map) || !Buffer.isBuffer(payload) || !Buffer.isBuffer(signature)) return fail('The COSE_Sign1 structure has the wrong field types (a detached payload is not supported).');
  const header = decodeCbor(protectedBytes);
  if (!(header instanceof Map)) return fail('The COSE protected header is not a map.');
  refusePlugin(header.get(PLUGIN));
  const alg = COSE_ALGORITHMS[header.get(1) as number];
  if (!alg) fail(`The COSE signature algorithm ${String(header.get(1))} is not one Notation allows.`);
  if (header.get(3) !== PAYLOAD_TYPE) fail(`The payload content type is ${JSON.stringify(header.get(3))}, not ${PAYLOAD_TYPE}.`);
  const scheme = schemeOf(header.get(SCHEME));
  const expiry = coseTime(header.get(EXPIRY), EXPIRY);
  const signingTime = schemeTimes(scheme, coseTime(header.get(SIGNING_TIME), SIGNING_TIME), coseTime(header.get(AUTHENTIC_SIGNING_TIME), AUTHENTIC_SIGNING_TIME), expiry);
  checkCritical(header.get(2), (label) => header.has(label), scheme, expiry !== null, [1, 3, SCHEME, EXPIRY, SIGNING_TIME, AUTHENTIC_SIGNING_TIME]);
  const x5chain = unprotected.get(33);
  if (!Array.isArray(x5chain)) return fail('The envelope carries no certificate chain (x5chain must be an array).');
  const token = unprotected.get(TIMESTAMP_SIGNATURE);
  if (token !== undefined && !Buffer.isBuffer(token)) fail(`The ${TIMESTAMP_SIGNATURE} header is not a byte string.`);
  if (payload.length === 0) fail('The envelope has an empty payload.');
  return {
    format: 'cose',
    alg: alg!,
    scheme,
    signingTime,
    expiry,
    payload,
    signature,
    signedBytes: encodeCbor(['Signature1', protectedBytes, Buffer.alloc(0), payload]),
    chain: readCertificates(x5chain, 'x5chain'),
    timestampToken: Buffer.isBuffer(token) ? token : null,
  };
}

// notation-core-go derives the algorithm from the signing key; an envelope naming another one is refused.
function algorithmForKey(cert: X509Certificate): string | null {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return ({ 2048: 'PS256', 3072: 'PS384', 4096: 'PS512' } as Record<number, string>)[details.modulusLength ?? 0] ?? null;
  if (key.asymmetricKeyType === 'ec') return ({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' } as Record<string, string>)[details.namedCurve ?? ''] ?? null;
  return null;
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

const label = (cert: X509Certificate) => `"${certificateName(cert)}"`;
const validAt = (cert: X509Certificate, at: Date) => Date.parse(cert.validFrom) <= at.getTime() && at.getTime() <= Date.parse(cert.validTo);

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return certificateParts(cert.raw).issuerDer.equals(certificateParts(issuer.raw).subjectDer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

// notation-core-go's chain shape: leaf first, each issued by the next, ending in a self-signed root; or one self-signed certificate.
function chainShape(chain: X509Certificate[]): string | null {
  const last = chain.length - 1;
  for (let i = 0; i < last; i++) {
    if (issuedBy(chain[i]!, chain[i]!)) return `The ${i === 0 ? 'signing' : 'intermediate'} certificate ${label(chain[i]!)} is self-signed but is not the last in the chain.`;
    if (!issuedBy(chain[i]!, chain[i + 1]!)) return `${label(chain[i]!)} is not issued by the next certificate in the chain, ${label(chain[i + 1]!)}.`;
  }
  if (!issuedBy(chain[last]!, chain[last]!)) return `The chain must end in a self-signed root certificate, but it ends at ${label(chain[last]!)}.`;
  return null;
}

// A moment at which every certificate of the chain is valid, so certificate rules can be judged apart from time.
function commonValidity(chain: X509Certificate[], preferred: Date): Date | null {
  if (chain.every((cert) => validAt(cert, preferred))) return preferred;
  const start = Math.max(...chain.map((cert) => Date.parse(cert.validFrom)));
  const end = Math.min(...chain.map((cert) => Date.parse(cert.validTo)));
  return start <= end ? new Date(start) : null;
}

function chainValidAt(chain: X509Certificate[], at: Date, when: string): string | null {
  const stale = chain.find((cert) => !validAt(cert, at));
  if (!stale) return null;
  const state = at.getTime() < Date.parse(stale.validFrom) ? `is not valid until ${new Date(stale.validFrom).toISOString()}` : `expired on ${new Date(stale.validTo).toISOString()}`;
  return `The certificate ${label(stale)} ${state}, so it was not valid ${when} (${at.toISOString()}).`;
}

// Where a certificate says its revocation status is published (its CRL distribution points), or null when it names none.
function distributionPoint(cert: X509Certificate): string | null {
  let value: Buffer | undefined;
  try {
    value = certificateParts(cert.raw).extensions.find((e) => e.oid === '2.5.29.31')?.value;
  } catch {
    return 'an unreadable certificate';
  }
  if (!value) return null;
  return /https?:\/\/[\x21-\x7e]+/.exec(value.toString('latin1'))?.[0] ?? 'a CRL distribution point';
}

// Notary Project revocation evaluation: a certificate that publishes its revocation status (a CRL distribution point) or
// whose issuer's CRL was given must be shown not revoked, and one whose status cannot be told offline fails the check; a
// certificate that names no CRL and whose issuer gave none is not revocable, as notation treats it, and the reason says so.
function revocationCheck(chain: X509Certificate[], crls: Buffer[], at: Date, now: Date): [ok: boolean, reason: string] {
  const issuers: string[] = [];
  const notes: string[] = [];
  const statuses = chain.slice(0, -1).map((cert, i) => checkRevocation(cert, chain[i + 1]!, crls, at, now));
  // CRLs given for this chain (or unreadable ones, which could be) mean its signing certificate must be covered too.
  const checkingThisChain = statuses.some((status) => status.crlsFromIssuer > 0 || (status.unreadableCrls ?? 0) > 0);
  for (const [i, status] of statuses.entries()) {
    const cert = chain[i]!;
    const issuer = chain[i + 1]!;
    const which = i === 0 ? 'signing certificate' : 'intermediate certificate';
    const subject = certificateName(cert);
    if (status.status === 'revoked') return [false, `The ${which} "${subject}" was revoked on ${status.revokedAt?.toISOString() ?? 'an unknown date'} (${status.revocationReason ?? 'unspecified'}).`];
    if (status.status === 'unknown' && status.crlsFromIssuer === 0) {
      const published = distributionPoint(cert);
      if (published) return [false, `The revocation status of the ${which} "${subject}" is unknown: it is published at ${published}, and no CRL from "${certificateName(issuer)}" is available offline. Import that CRL (System › Trust › Revocation lists, or signet verify --crl).`];
      if (i === 0 && checkingThisChain) return [false, `The revocation status of the ${which} "${subject}" is unknown: ${status.reason}`];
      notes.push(i === 0 ? `The signing certificate "${subject}" names no CRL and none from "${certificateName(issuer)}" was given, so its revocation was not checked.` : `No CRL from "${certificateName(issuer)}" was given, so the ${which} "${subject}" was not checked.`);
      continue;
    }
    if (status.status === 'unknown') return [false, `The revocation status of the ${which} "${subject}" is unknown: ${status.reason}`];
    issuers.push(`"${certificateName(issuer)}"`);
    if (status.revokedAt) notes.push(status.reason);
  }
  if (issuers.length === 0) return [true, notes.length ? notes.join(' ') : 'Revocation was not checked: the chain holds no issuing certificate.'];
  return [true, [`Revocation checked against the CRL of ${issuers.join(' and the CRL of ')}.`, ...notes].join(' ')];
}

/** The envelope media types a Notation signature layer may have, and the format each names. */
export const NOTATION_ENVELOPE_TYPES: Readonly<Record<string, 'jws' | 'cose'>> = { 'application/jose+json': 'jws', 'application/cose': 'cose' };

// notation-go reads exactly one layer of a signature manifest, as the envelope format its media type names; a
// manifest with more layers, or a layer of another type, carries no signature Notation would verify.
export function notationEnvelopeLayer<T extends { mediaType?: string }>(layers: T[]): { layer: T; format: 'jws' | 'cose' } | { problem: string } {
  if (layers.length !== 1) return { problem: `A Notation signature manifest holds exactly one envelope layer; this one holds ${layers.length}.` };
  const layer = layers[0]!;
  const format = NOTATION_ENVELOPE_TYPES[layer.mediaType ?? ''];
  if (!format) return { problem: `The signature layer has the media type ${JSON.stringify(layer.mediaType ?? null)}, not a Notation envelope type (${Object.keys(NOTATION_ENVELOPE_TYPES).join(' or ')}).` };
  return { layer, format };
}

/** The artifact a signature is checked against; each field given must equal the payload's targetArtifact. */
export interface NotationArtifact {
  artifactDigest?: string;
  artifactMediaType?: string;
  artifactSize?: number;
}

// Notation compares the whole target descriptor: a signature names one manifest by digest, media type and size, and a
// payload that differs in any of them was not made for this artifact (notation-go's descriptor equality).
function artifactMismatch(payload: Buffer, artifact: NotationArtifact): string | null {
  let target: { digest?: unknown; mediaType?: unknown; size?: unknown } | undefined;
  try {
    target = (JSON.parse(payload.toString('utf8')) as { targetArtifact?: typeof target }).targetArtifact;
  } catch {
    return 'The payload cannot be read, so the signature is for no known artifact.';
  }
  if (!isObject(target)) return 'The payload names no targetArtifact.';
  if (target.digest !== artifact.artifactDigest) return `The signature is for ${typeof target.digest === 'string' ? target.digest : 'an artifact without a digest'}, not ${artifact.artifactDigest ?? 'this artifact'}.`;
  if (artifact.artifactMediaType !== undefined && target.mediaType !== artifact.artifactMediaType) return `The signature names the media type ${JSON.stringify(target.mediaType)}, but the artifact is ${artifact.artifactMediaType}.`;
  if (artifact.artifactSize !== undefined && target.size !== artifact.artifactSize) return `The signature names the size ${JSON.stringify(target.size)}, but the artifact is ${artifact.artifactSize} bytes.`;
  return null;
}

// Notation refuses a trust store holding a certificate that is neither a CA nor self-signed: such a certificate can
// anchor nothing, and a store that holds one is misconfigured.
function invalidStoreCertificate(store: X509Certificate[]): X509Certificate | undefined {
  return store.find((cert) => !cert.ca && !issuedBy(cert, cert));
}

/**
 * Verifies a Notary Project signature (JWS or COSE) as Notation's trust policy defines it: integrity (signature,
 * headers, certificate rules), authenticity (a valid path to the scheme's trust store at the trusted signing time),
 * trusted identity, expiry, authentic timestamp and revocation, each failure failing or only logged according to the
 * level and its overrides. Revocation is checked only against CRLs the caller supplies (nothing is fetched); without
 * them the result says it was not checked.
 */
export function verifyNotationEnvelope(bytes: Buffer, trust: NotationTrust, options: NotationArtifact & { now?: Date; format?: 'jws' | 'cose' } = {}): NotationResult {
  const now = options.now ?? new Date();
  const checks: NotationCheck[] = [];
  const actions = notationActions(trust.level, trust.override);
  let envelope: Envelope;
  // The layer's media type, when known, decides the format: bytes of the other format under it are not read as such.
  const jws = options.format ? options.format === 'jws' : bytes[0] === 0x7b;
  try {
    envelope = jws ? parseJws(bytes.toString('utf8')) : parseCose(bytes);
  } catch (error) {
    const reason = error instanceof EnvelopeError ? error.message : `The envelope cannot be read${options.format ? ` as ${options.format === 'jws' ? 'JWS' : 'COSE'}, the format its media type names` : ''}: ${(error as Error).message}`;
    const format = jws ? 'jws' : null;
    return { verdict: 'failed', reason, format, checks: [{ name: 'integrity', ok: false, logged: false, reason }], signer: null, timestamp: null, certificates: [], anchored: false, payload: null };
  }
  const leaf = envelope.chain[0]!;
  const signingAuthority = envelope.scheme === 'notary.x509.signingAuthority';
  const signer = { subject: certificateName(leaf), issuer: (leaf.issuer ?? '').replace(/\n/g, ', '), scheme: envelope.scheme };
  const actionOf: Record<NotationCheck['name'], NotationAction> = {
    integrity: actions.integrity,
    artifact: actions.integrity,
    authenticity: actions.authenticity,
    'trusted identity': actions.authenticity,
    timestamp: actions.authenticTimestamp,
    expiry: actions.expiry,
    revocation: actions.revocation,
  };
  const record = (name: NotationCheck['name'], ok: boolean, reason: string) => checks.push({ name, ok, logged: !ok && actionOf[name] !== 'enforce', reason });

  const keyAlgorithm = algorithmForKey(leaf);
  const shape = chainShape(envelope.chain);
  const ruleTime = commonValidity(envelope.chain, signingAuthority ? envelope.signingTime : now);
  const rules = ruleTime ? validateCertificatePath(leaf, { anchors: [envelope.chain.at(-1)!], intermediates: envelope.chain.slice(1, -1), at: ruleTime, purpose: 'codeSigning', allowLeafAnchor: envelope.chain.length === 1 }) : null;
  const integrity = keyAlgorithm !== envelope.alg
    ? `The envelope names ${envelope.alg}, but the signing certificate's key calls for ${keyAlgorithm ?? 'an algorithm Notation does not allow'}.`
    : !checkSignature(envelope, leaf.publicKey)
      ? 'The signature does not verify: the envelope or its payload was altered.'
      : (shape ?? (rules === null ? 'The certificates of the chain are never valid at the same time.' : rules.ok ? null : `The certificate chain breaks the Notary Project certificate rules: ${rules.reason}`));
  record('integrity', integrity === null, integrity ?? `The ${envelope.alg} signature verifies with the signing certificate, and the chain meets the Notary Project certificate rules.`);

  // Authentic timestamp: which time the chain must be valid at, and whether a timestamp vouches for it.
  let stamp: TimestampCheck | null = null;
  let at = now;
  let timestampReason: [ok: boolean, reason: string];
  const tsaNote: string[] = [];
  if (signingAuthority) {
    at = envelope.signingTime;
    const problem = chainValidAt(envelope.chain, at, 'at the authentic signing time');
    timestampReason = [problem === null, problem ?? `Every certificate was valid at the authentic signing time ${at.toISOString()}.`];
  } else {
    const considered = trust.tsaConfigured ?? trust.tsa.length > 0;
    const unexpired = envelope.chain.every((cert) => now.getTime() <= Date.parse(cert.validTo));
    const skipWhy = !considered ? 'no timestamp authority is trusted' : trust.verifyTimestamp === 'afterCertExpiry' && unexpired ? 'verifyTimestamp is afterCertExpiry and no certificate of the chain has expired' : !envelope.timestampToken && trust.tsaConfigured !== true ? 'the signature carries none' : null;
    if (skipWhy) {
      const problem = chainValidAt(envelope.chain, now, 'now');
      timestampReason = [problem === null, problem ? `No timestamp was relied on (${skipWhy}), so the chain must be valid now: ${problem}` : `No timestamp was relied on (${skipWhy}); the chain is valid now.`];
    } else if (!envelope.timestampToken) {
      timestampReason = [false, 'The signature carries no timestamp countersignature, which the trust policy requires.'];
    } else {
      stamp = checkTimestampToken(envelope.timestampToken, envelope.signature, trust.tsa, { requireCaKeyUsage: true });
      if (!stamp.authentic || !stamp.time) timestampReason = [false, stamp.reason];
      else {
        at = stamp.time;
        const problem = chainValidAt(envelope.chain, at, 'at the timestamp');
        timestampReason = [problem === null, problem ?? stamp.reason];
        if (!problem) tsaNote.push("The timestamp authority's revocation was not checked: no CRL available offline.");
      }
    }
  }

  const store = signingAuthority ? trust.signingAuthority : trust.ca;
  const storeName = signingAuthority ? 'signing authority' : 'CA';
  let path: PathResult | null = null;
  let authenticity: string | null;
  const misfit = invalidStoreCertificate(store);
  if (store.length === 0) authenticity = 'No trust store is configured for this signing scheme.';
  else if (misfit) authenticity = `The ${storeName} trust store holds ${label(misfit)}, which is neither a CA certificate nor self-signed, so the store cannot be relied on.`;
  else {
    path = validateCertificatePath(leaf, { anchors: store, intermediates: envelope.chain.slice(1), at, purpose: 'codeSigning', allowLeafAnchor: signingAuthority || envelope.chain.length === 1 });
    const anchor = path.path.at(-1)!;
    authenticity = !path.ok ? path.reason : envelope.chain.some((cert) => cert.raw.equals(anchor.raw)) ? null : `The trusted certificate ${label(anchor)} is not part of the envelope's own chain, which Notation requires.`;
  }
  record('authenticity', authenticity === null, authenticity ?? `The chain is valid at ${at.toISOString()} and ends in the ${storeName} trust store at ${label(path!.path.at(-1)!)}.`);

  if (trust.trustedIdentities.length > 0) {
    const identity = matchTrustedIdentity(leaf, trust.trustedIdentities);
    record('trusted identity', identity.ok, identity.reason);
  }
  if (envelope.expiry) record('expiry', envelope.expiry.getTime() > now.getTime(), envelope.expiry.getTime() > now.getTime() ? `The signature is valid until ${envelope.expiry.toISOString()}.` : `The signature expired on ${envelope.expiry.toISOString()}.`);
  record('timestamp', ...timestampReason);
  if (options.artifactDigest) {
    const mismatch = artifactMismatch(envelope.payload, options);
    record('artifact', mismatch === null, mismatch ?? 'The signature is for this artifact.');
  }
  const crls = trust.crls ?? [];
  const revocationChain = path?.ok ? path.path : envelope.chain;
  // Offline, with no CRL given and no certificate naming where its status is published, there is nothing to check: the verdict says so.
  const publishes = revocationChain.slice(0, -1).some((cert) => distributionPoint(cert) !== null);
  if (actions.revocation !== 'skip' && (crls.length > 0 || publishes)) record('revocation', ...revocationCheck(revocationChain, crls, at, now));
  const timestamp = stamp?.time ? { time: stamp.time.toISOString(), authentic: stamp.authentic } : null;
  const shown = { format: envelope.format, checks, signer, timestamp, certificates: envelope.chain, anchored: authenticity === null, payload: envelope.payload.toString('utf8'), expiry: envelope.expiry?.toISOString() ?? null };
  // Notation's skip level checks nothing, and unchecked is not verified: the verdict says so instead of passing.
  if (trust.level === 'skip') return { verdict: 'untrusted', reason: 'Not verified: the trust policy sets the level to skip, so no check was made.', ...shown };
  const failing = checks.find((c) => !c.ok && !c.logged);
  if (failing) return { verdict: failing.name === 'authenticity' || failing.name === 'trusted identity' ? 'untrusted' : 'failed', reason: failing.reason, ...shown };
  const logged = checks.filter((c) => c.logged).map((c) => c.reason);
  const revocation = checks.find((c) => c.name === 'revocation');
  const revocationNote = actions.revocation === 'skip' ? ' Revocation was skipped by the trust policy.' : !revocation ? ' Revocation was not checked (offline).' : revocation.ok ? ` ${revocation.reason}` : '';
  if (trust.trustedIdentities.length === 0) tsaNote.push('No trusted identity is set, so any signer the trust store vouches for is accepted.');
  const notes = tsaNote.length ? ` ${tsaNote.join(' ')}` : '';
  return { verdict: 'verified', reason: `Signed by "${signer.subject}"${logged.length ? `; logged: ${logged.join(' ')}` : ''}.${revocationNote}${notes}`, ...shown };
}
