import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { parseImageReference } from '../../shared/model/image-reference.parser.ts';
import { canonicalJson } from '../encoding/canonical-json.ts';
import { fingerprintOf } from '../encoding/key-encoding.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import { parseStrictJson } from '../encoding/strict-json.ts';
import { checkSignerIdentity, describeNames, type SignerIdentity } from './certificate-identity.ts';
import { checkTimestampToken } from './rfc3161.ts';
import { certificateName, validateCertificatePath } from './x509-path.ts';

export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const TIMESTAMP_ANNOTATION = 'dev.sigstore.cosign/rfc3161timestamp';

export interface CosignTrust {
  /** Public keys any one of which may have signed. */
  keys: KeyObject[];
  /** Rekor public keys for checking the signed entry timestamp offline. */
  rekorKeys: KeyObject[];
  /** Roots (and intermediates) a signing certificate must chain to. */
  roots: X509Certificate[];
  intermediates: X509Certificate[];
  /** Timestamp authorities (roots and intermediates) whose RFC 3161 timestamps are relied on. */
  tsa?: X509Certificate[];
  /**
   * Who a certificate-signed signature must come from; without it such a signature is not verified.
   * A keyless (Fulcio) certificate also needs its OIDC issuer, exact or by pattern.
   */
  identity?: SignerIdentity;
  /** Demand a Rekor entry; without one the signature is not trusted. */
  requireTlog?: boolean;
}

export interface Check {
  name: string;
  ok: boolean;
  reason: string;
}

export interface CosignVerification {
  verdict: 'verified' | 'failed' | 'untrusted';
  reason: string;
  checks: Check[];
  signer: { kind: 'key'; fingerprint: string } | { kind: 'certificate'; subject: string; san: string; issuer: string; oidcIssuer: string | null; fingerprint: string } | null;
  payload: { dockerReference: string; manifestDigest: string } | null;
  tlog: { logIndex: number; integratedTime: number; logID: string } | null;
  /** A trusted RFC 3161 time for the signature, which outlives the certificate or the key. */
  timestamp: { time: string; authority: string } | null;
  /** The certificate path from the signing certificate towards the trust anchor, as far as it was built. */
  certificates: X509Certificate[];
  /** Whether the last certificate of the path is a trusted root. */
  anchored: boolean;
}

export interface CosignSignatureInput {
  /** The digest of the image manifest being verified (sha256 of its exact bytes). */
  manifestDigest: string;
  /** The reference the user asked about, for the identity rule. */
  reference: string;
  identityRule: IdentityRule;
  payload: Buffer;
  annotations: Record<string, string>;
  trust: CosignTrust;
  now?: Date;
}

/**
 * containers/image's signedIdentity rules (policy_reference_match.go), which decide whether the
 * docker-reference a signature names covers the image being checked. The three rules without
 * parameters may be given by name alone.
 */
export type IdentityRule =
  | 'matchRepoDigestOrExact'
  | 'matchExact'
  | 'matchRepository'
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchExact' }
  | { type: 'matchRepository' }
  | { type: 'exactReference'; dockerReference: string }
  | { type: 'exactRepository'; dockerRepository: string }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string };

const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

type ReadPayload = { ok: true; dockerReference: string; manifestDigest: string } | { ok: false; reason: string };

// An object with exactly these keys, as containers/image reads every level of the payload: a claim the verifier does not know is never skipped.
function exactFields(value: unknown, where: string, keys: string[]): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${where} is not a JSON object`;
  const present = Object.keys(value);
  const unknown = present.filter((k) => !keys.includes(k));
  if (unknown.length) return `${where} has the unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`;
  const missing = keys.filter((k) => !present.includes(k));
  return missing.length ? `${where} lacks ${missing.map((k) => JSON.stringify(k)).join(', ')}` : null;
}

// The simple-signing payload read as strictly as containers/image reads it: one meaning or none.
function readSimpleSigning(bytes: Buffer): ReadPayload {
  const refuse = (why: string): ReadPayload => ({ ok: false, reason: `The signed payload is not a cosign simple-signing payload: ${why}.` });
  const json = parseStrictJson(bytes.toString('utf8'));
  if (!json.ok) return refuse(json.reason);
  const top = json.value as { critical?: unknown; optional?: unknown };
  const topProblem = exactFields(top, 'the payload', ['critical', 'optional']);
  if (topProblem) return refuse(topProblem);
  if (top.optional !== null) {
    if (typeof top.optional !== 'object' || Array.isArray(top.optional)) return refuse('optional is neither an object nor null');
    const optional = top.optional as { creator?: unknown; timestamp?: unknown };
    if (optional.creator !== undefined && typeof optional.creator !== 'string') return refuse('optional.creator is not a string');
    if (optional.timestamp !== undefined && typeof optional.timestamp !== 'number') return refuse('optional.timestamp is not a number');
  }
  const critical = top.critical as { type?: unknown; image?: unknown; identity?: unknown };
  const criticalProblem = exactFields(critical, 'critical', ['type', 'image', 'identity']);
  if (criticalProblem) return refuse(criticalProblem);
  if (critical.type !== SIMPLE_SIGNING_TYPE) return refuse(`critical.type is ${JSON.stringify(critical.type)}, not "${SIMPLE_SIGNING_TYPE}"`);
  const imageProblem = exactFields(critical.image, 'critical.image', ['docker-manifest-digest']) ?? exactFields(critical.identity, 'critical.identity', ['docker-reference']);
  if (imageProblem) return refuse(imageProblem);
  const manifestDigest = (critical.image as Record<string, unknown>)['docker-manifest-digest'];
  const dockerReference = (critical.identity as Record<string, unknown>)['docker-reference'];
  if (typeof manifestDigest !== 'string' || manifestDigest === '') return refuse('critical.image.docker-manifest-digest is not a digest string');
  if (typeof dockerReference !== 'string' || dockerReference === '') return refuse('critical.identity.docker-reference is not a reference string');
  return { ok: true, dockerReference, manifestDigest };
}

// Checks one cosign simple-signing signature and says, check by check, why it holds or fails.
export function verifyCosignSignature(input: CosignSignatureInput): CosignVerification {
  const checks: Check[] = [];
  const result = (verdict: CosignVerification['verdict'], reason: string, extra: Partial<CosignVerification> = {}): CosignVerification => ({
    verdict,
    reason,
    checks,
    signer: null,
    payload: null,
    tlog: null,
    timestamp: null,
    certificates: [],
    anchored: false,
    ...extra,
  });
  const pass = (name: string, reason: string) => checks.push({ name, ok: true, reason });
  const fail = (name: string, reason: string, verdict: CosignVerification['verdict'] = 'failed', extra: Partial<CosignVerification> = {}) => {
    checks.push({ name, ok: false, reason });
    return result(verdict, reason, extra);
  };

  const parsed = readSimpleSigning(input.payload);
  if (!parsed.ok) return fail('payload', parsed.reason);
  const { dockerReference, manifestDigest } = parsed;
  const payloadInfo = { dockerReference, manifestDigest };
  pass('payload', 'The payload is a cosign simple-signing payload.');

  if (manifestDigest !== input.manifestDigest) {
    return fail('manifest digest', `The signature is for ${manifestDigest}, but the manifest is ${input.manifestDigest}: it was changed after signing or the signature belongs to another image.`, 'failed', { payload: payloadInfo });
  }
  pass('manifest digest', 'The signed manifest digest equals the manifest being checked.');

  const identityProblem = checkIdentity(input.reference, dockerReference, input.identityRule);
  if (identityProblem) return fail('identity', identityProblem, 'failed', { payload: payloadInfo });
  pass('identity', `The signed reference ${dockerReference} matches ${input.reference} (${ruleName(input.identityRule)}).`);

  const signature = Buffer.from(input.annotations[SIGNATURE_ANNOTATION] ?? '', 'base64');
  if (signature.length === 0) return fail('signature', 'The signature annotation is missing.', 'failed', { payload: payloadInfo });

  let tlog: CosignVerification['tlog'] = null;
  const bundleText = input.annotations[BUNDLE_ANNOTATION];
  if (bundleText) {
    const checked = checkRekorBundle(bundleText, signature, input.payload, input.trust.rekorKeys);
    if (!checked.ok) return fail('transparency log', checked.reason, checked.untrusted ? 'untrusted' : 'failed', { payload: payloadInfo });
    tlog = checked.entry;
    pass('transparency log', checked.reason);
  } else if (input.trust.requireTlog) {
    return fail('transparency log', 'The policy requires a transparency-log entry and the signature has none.', 'untrusted', { payload: payloadInfo });
  }

  let timestamp: CosignVerification['timestamp'] = null;
  let timestampNote = '';
  const stampText = input.annotations[TIMESTAMP_ANNOTATION];
  if (stampText) {
    const encoded = (parseJsonOrUndefined(stampText) as { SignedRFC3161Timestamp?: unknown } | undefined)?.SignedRFC3161Timestamp;
    const token = Buffer.from(typeof encoded === 'string' ? encoded : '', 'base64');
    if (token.length === 0) return fail('timestamp', 'The timestamp annotation is not an RFC 3161 timestamp.', 'failed', { payload: payloadInfo, tlog });
    if ((input.trust.tsa ?? []).length === 0) {
      timestampNote = ' An RFC 3161 timestamp is attached, but no timestamp authority is trusted, so it was not relied on.';
    } else {
      const stamp = checkTimestampToken(token, signature, input.trust.tsa ?? []);
      if (!stamp.authentic || !stamp.time) return fail('timestamp', stamp.reason, stamp.time ? 'untrusted' : 'failed', { payload: payloadInfo, tlog });
      timestamp = { time: stamp.time.toISOString(), authority: stamp.reason };
      pass('timestamp', stamp.reason);
    }
  }

  const certificatePem = input.annotations[CERTIFICATE_ANNOTATION];
  if (certificatePem) {
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(certificatePem);
    } catch {
      return fail('certificate', 'The signing certificate cannot be read.', 'failed', { payload: payloadInfo, tlog });
    }
    const signer = describeCertificate(leaf);
    if (!verifyWith(leaf.publicKey, input.payload, signature)) {
      return fail('signature', "The signature does not verify with the certificate's key.", 'failed', { payload: payloadInfo, tlog, signer });
    }
    pass('signature', "The signature verifies with the certificate's key.");
    const at = timestamp ? new Date(timestamp.time) : tlog ? new Date(tlog.integratedTime * 1000) : (input.now ?? new Date());
    const chain = input.annotations[CHAIN_ANNOTATION] ? splitPem(input.annotations[CHAIN_ANNOTATION]).map((pem) => new X509Certificate(pem)) : [];
    const path = chainTo(leaf, [...chain, ...input.trust.intermediates], input.trust.roots, at);
    if (!path.ok) return fail('certificate chain', path.reason, 'untrusted', { payload: payloadInfo, tlog, signer, certificates: path.path });
    pass('certificate chain', path.reason);
    const who = checkSignerIdentity(leaf.raw, input.trust.identity);
    if (!who.ok) return fail('signer identity', who.reason, 'untrusted', { payload: payloadInfo, tlog, signer, certificates: path.path, anchored: true });
    pass('signer identity', who.reason);
    const named = { ...signer, san: who.san };
    return result('verified', `Signed by ${who.san}${who.issuer ? ` (issuer ${who.issuer})` : ''} with a certificate from ${signer.issuer}.${timestampNote}`, { payload: payloadInfo, tlog, signer: named, timestamp, certificates: path.path, anchored: true });
  }

  for (const key of input.trust.keys) {
    if (verifyWith(key, input.payload, signature)) {
      const fingerprint = keyFingerprint(key);
      pass('signature', `The signature verifies with the trusted key SHA256:${fingerprint.slice(0, 16)}….`);
      return result('verified', `Signed by the trusted key SHA256:${fingerprint.slice(0, 16)}….${timestampNote}`, { payload: payloadInfo, tlog, signer: { kind: 'key', fingerprint }, timestamp });
    }
  }
  return fail('signature', input.trust.keys.length === 0 ? 'No trusted key or certificate root is configured for this signature.' : 'The signature does not verify with any trusted key: it was made by another key or the payload was changed.', input.trust.keys.length === 0 ? 'untrusted' : 'failed', { payload: payloadInfo, tlog });
}

function ruleName(rule: IdentityRule): string {
  return typeof rule === 'string' ? rule : rule.type;
}

/** A docker reference as containers/image's reference.Named holds it: the normalized name, and a tag only when one was written. */
interface Named {
  name: string;
  tag: string | null;
  digest: string | null;
  text: string;
}

// reference.ParseNormalizedNamed: docker.io and library/ filled in, no default tag added.
function parseNamed(text: string): Named | null {
  if (text !== text.trim()) return null;
  let parsed;
  try {
    parsed = parseImageReference(text);
  } catch {
    return null;
  }
  const beforeDigest = text.split('@')[0] ?? '';
  const tag = beforeDigest.slice(beforeDigest.lastIndexOf('/') + 1).includes(':') ? parsed.tag : null;
  const name = `${parsed.registry}/${parsed.repository}`;
  return { name, tag, digest: parsed.digest, text: `${name}${tag ? `:${tag}` : ''}${parsed.digest ? `@${parsed.digest}` : ''}` };
}

const nameOnly = (ref: Named) => ref.tag === null && ref.digest === null;

// A tagged intended reference needs exactly that signed reference; a digest-only one any signature of the same repository (the digest is checked against the manifest separately).
function repoDigestOrExact(intended: Named, signed: Named): boolean {
  if (nameOnly(signed)) return false;
  if (intended.tag !== null) return signed.text === intended.text;
  if (intended.digest !== null) return signed.name === intended.name;
  return false;
}

// remapIdentity's prefix covers a host, a namespace or a repository of the normalized name, never part of a path component.
function remap(intended: Named, prefix: string, signedPrefix: string): Named | null {
  const name = intended.name;
  const covers = name.length === prefix.length ? name === prefix : name.length > prefix.length && name.startsWith(prefix) && name[prefix.length] === '/';
  if (!covers) return intended;
  const rewritten = signedPrefix + intended.text.slice(prefix.length);
  const parsed = parseNamed(rewritten);
  // Like reference.ParseNamed, the rewritten text must already be in normalized form.
  return parsed && parsed.text === rewritten ? parsed : null;
}

/** containers/image's matchesDockerReference: whether a signature naming `signed` covers the image known as `intended`. */
export function matchesDockerReference(rule: IdentityRule, intended: string, signed: string): boolean {
  const signature = parseNamed(signed);
  if (!signature) return false;
  const type = ruleName(rule);
  if (typeof rule !== 'string' && rule.type === 'exactReference') {
    const wanted = parseNamed(rule.dockerReference);
    return wanted !== null && !nameOnly(wanted) && !nameOnly(signature) && signature.text === wanted.text;
  }
  if (typeof rule !== 'string' && rule.type === 'exactRepository') {
    const wanted = parseNamed(rule.dockerRepository);
    return wanted !== null && signature.name === wanted.name;
  }
  const image = parseNamed(intended);
  if (!image) return false;
  switch (type) {
    case 'matchExact':
      return !nameOnly(image) && !nameOnly(signature) && signature.text === image.text;
    case 'matchRepository':
      return signature.name === image.name;
    case 'matchRepoDigestOrExact':
      return repoDigestOrExact(image, signature);
    case 'remapIdentity': {
      if (typeof rule === 'string' || rule.type !== 'remapIdentity') return false;
      const remapped = remap(image, rule.prefix, rule.signedPrefix);
      return remapped !== null && repoDigestOrExact(remapped, signature);
    }
    default:
      return false;
  }
}

// Says, in words, why the signed reference does not satisfy the rule, or null when it does.
function checkIdentity(wanted: string, signed: string, rule: IdentityRule): string | null {
  const type = ruleName(rule);
  if (wanted.startsWith('oci:') && (type === 'matchRepository' || type === 'matchExact' || type === 'matchRepoDigestOrExact')) {
    // A layout on disk has no registry name; its signatures name the layout folder instead.
    const folder = (ref: string) => ref.replace(/(@sha256:[0-9a-f]+|:[^/:]+)$/, '');
    return folder(signed) === folder(wanted) ? null : `The signature names ${signed}, not the layout ${folder(wanted)}.`;
  }
  if (matchesDockerReference(rule, wanted, signed)) return null;
  const signature = parseNamed(signed);
  if (!signature) return `The signed reference ${signed} is not a valid image reference.`;
  switch (typeof rule === 'string' ? rule : rule.type) {
    case 'matchRepository':
      return `The signature names ${signed}, a different repository from ${wanted}.`;
    case 'exactReference':
      return `The signature names ${signed}, not exactly ${(rule as { dockerReference: string }).dockerReference} (exactReference; a reference without a tag or digest never matches).`;
    case 'exactRepository':
      return `The signature names ${signed}, not the repository ${(rule as { dockerRepository: string }).dockerRepository}.`;
    case 'remapIdentity':
      return `The signature names ${signed}, which does not match ${wanted} after remapping ${(rule as { prefix: string }).prefix} to ${(rule as { signedPrefix: string }).signedPrefix}.`;
    default:
      return nameOnly(signature) ? `The signature names ${signed} without a tag or digest, so it is not exactly ${wanted}: ${type} never accepts a name-only signed reference.` : `The signature names ${signed}, not exactly ${wanted} (${type}).`;
  }
}

const fingerprints = new WeakMap<KeyObject, string>();

// Keys are reused across thousands of signatures; their fingerprint is computed once.
function keyFingerprint(key: KeyObject): string {
  let fingerprint = fingerprints.get(key);
  if (!fingerprint) {
    fingerprint = fingerprintOf(key.export({ type: 'spki', format: 'der' }));
    fingerprints.set(key, fingerprint);
  }
  return fingerprint;
}

// ECDSA signatures are ASN.1 DER as cosign writes them; sigstore's verifiers also take the raw r || s form, and so does Signet.
function verifyWith(key: KeyObject, payload: Buffer, signature: Buffer): boolean {
  const attempt = (check: () => boolean) => {
    try {
      return check();
    } catch {
      return false;
    }
  };
  if (key.asymmetricKeyType === 'ed25519') return attempt(() => verify(null, payload, key, signature));
  if (attempt(() => verify('sha256', payload, key, signature))) return true;
  return key.asymmetricKeyType === 'ec' && signature.length === rawEcdsaLength(key) && attempt(() => verify('sha256', payload, { key, dsaEncoding: 'ieee-p1363' }, signature));
}

// The width of r || s for the key's curve.
function rawEcdsaLength(key: KeyObject): number {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === 'prime256v1' ? 64 : curve === 'secp384r1' ? 96 : curve === 'secp521r1' ? 132 : -1;
}

// The Rekor SET signs the entry's canonical JSON; the entry must also describe this very signature and payload.
function checkRekorBundle(text: string, signature: Buffer, payload: Buffer, rekorKeys: KeyObject[]): { ok: true; reason: string; entry: NonNullable<CosignVerification['tlog']> } | { ok: false; untrusted: boolean; reason: string } {
  let bundle: { SignedEntryTimestamp?: string; Payload?: { body?: string; integratedTime?: number; logIndex?: number; logID?: string } };
  try {
    bundle = JSON.parse(text) as typeof bundle;
  } catch {
    return { ok: false, untrusted: false, reason: 'The transparency-log bundle annotation is not JSON.' };
  }
  const entry = bundle.Payload;
  if (!bundle.SignedEntryTimestamp || !entry?.body || entry.integratedTime === undefined || entry.logIndex === undefined || !entry.logID) {
    return { ok: false, untrusted: false, reason: 'The transparency-log bundle is incomplete.' };
  }
  if (rekorKeys.length === 0) return { ok: false, untrusted: true, reason: 'No Rekor public key is configured, so the log entry cannot be checked.' };
  const signed = Buffer.from(canonicalJson({ body: entry.body, integratedTime: entry.integratedTime, logIndex: entry.logIndex, logID: entry.logID }));
  const set = Buffer.from(bundle.SignedEntryTimestamp, 'base64');
  if (!rekorKeys.some((key) => verifyWith(key, signed, set))) {
    return { ok: false, untrusted: false, reason: 'The signed entry timestamp does not verify with the Rekor key: the log entry was altered or comes from another log.' };
  }
  let body: { kind?: string; spec?: { data?: { hash?: { algorithm?: string; value?: string } }; signature?: { content?: string } } };
  try {
    body = JSON.parse(Buffer.from(entry.body, 'base64').toString('utf8')) as typeof body;
  } catch {
    return { ok: false, untrusted: false, reason: 'The log entry body is not JSON.' };
  }
  if (body.kind !== 'hashedrekord') return { ok: false, untrusted: false, reason: `The log entry is a ${body.kind ?? 'unknown'} entry, not hashedrekord.` };
  if (body.spec?.data?.hash?.value !== createHash('sha256').update(payload).digest('hex')) {
    return { ok: false, untrusted: false, reason: 'The log entry records a different payload hash.' };
  }
  if (!Buffer.from(body.spec.signature?.content ?? '', 'base64').equals(signature)) {
    return { ok: false, untrusted: false, reason: 'The log entry records a different signature.' };
  }
  return {
    ok: true,
    reason: `Logged in Rekor at index ${entry.logIndex}, ${new Date(entry.integratedTime * 1000).toISOString()}; the signed entry timestamp verifies.`,
    entry: { logIndex: entry.logIndex, integratedTime: entry.integratedTime, logID: entry.logID },
  };
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

// A path from the leaf to a trusted root, validated as cosign and containers/image validate it (Go's crypto/x509, code signing).
function chainTo(leaf: X509Certificate, pool: X509Certificate[], roots: X509Certificate[], at: Date): { ok: boolean; reason: string; path: X509Certificate[] } {
  if (roots.length === 0) return { ok: false, reason: 'No certificate root is trusted for this signature.', path: [leaf] };
  const result = validateCertificatePath(leaf, { anchors: roots, intermediates: pool, at, purpose: 'sigstoreCodeSigning' });
  const root = result.path.at(-1);
  return result.ok && root ? { ...result, reason: `The certificate chains to the trusted root "${certificateName(root)}", valid at ${at.toISOString()}.` } : result;
}

function describeCertificate(cert: X509Certificate): Extract<CosignVerification['signer'], { kind: 'certificate' }> {
  const raw = cert.raw;
  const { names, oidcIssuer } = describeNames(raw);
  return {
    kind: 'certificate',
    subject: (cert.subject ?? '').replace(/\n/g, ', '),
    san: names,
    issuer: (cert.issuer ?? '').replace(/\n/g, ', '),
    oidcIssuer,
    fingerprint: createHash('sha256').update(raw).digest('hex'),
  };
}

// Loads public keys from PEM text (one or more), for trust configured by file.
export function publicKeysFromPem(text: string): KeyObject[] {
  return (text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? []).map((pem) => createPublicKey(pem));
}
