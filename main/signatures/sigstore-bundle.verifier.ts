import { createHash, createPublicKey, verify as verifyWith, X509Certificate, type KeyObject } from 'node:crypto';
import { bundleFromJSON, isBundleWithDsseEnvelope, type Bundle } from '@sigstore/bundle';
import { RFC3161Timestamp, X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { HashAlgorithm, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type KeyFinderFunc } from '@sigstore/verify';
import { parseStrictJson } from '../encoding/strict-json.ts';
import { trustedRootProblem } from './trusted-root.ts';
import { checkSignerIdentity, describeNames } from './certificate-identity.ts';
import { verifyDigestSignature } from './prehash.ts';
import { checkTimestampToken, timestampImprintCovers } from './rfc3161.ts';

export interface BundlePolicy {
  /**
   * The signer's subject alternative name, of any type (email, URI, DNS name, IP address, Fulcio username).
   * A string is compared EXACTLY, as cosign's --certificate-identity; a RegExp must match the WHOLE name
   * (anchored: stricter than cosign's --certificate-identity-regexp, which matches anywhere). Never a substring.
   */
  identity?: string | RegExp;
  /** The OIDC issuer, a string exactly or a RegExp as a whole; a keyless bundle needs it with the identity. */
  issuer?: string | RegExp;
  /** A managed public key for key-signed bundles, with the window its signatures must fall in. */
  key?: { publicKey: KeyObject; validFor?: { start: Date; end: Date } };
  /** Key-signed bundles need a transparency-log entry too; certificate-signed ones always do. */
  requireTlog?: boolean;
  /** Verify everything but the signer's identity. */
  skipIdentity?: boolean;
  /** Timestamp authorities trusted besides the trusted root's, for key-signed bundles (Signet's own TSA setting). */
  tsa?: X509Certificate[];
  /** The in-toto predicate type the signed statement must carry; a message signature, which carries none, then fails. */
  predicateType?: string;
  /** The time a managed key's window is checked at when the bundle has no verified signing time; now by default. */
  now?: Date;
  /**
   * How many independent transparency logs must hold the signature (1 by default). Entries count once per
   * log operator, so two entries in one log, or in two logs run by the same operator, count as one.
   */
  tlogThreshold?: number;
}

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** What the bundle must be about: the artifact's bytes, or only its digest. One of them is required. */
export interface BundleArtifact {
  bytes?: Buffer;
  /** Only the artifact's SHA-256, as when the artifact is an image manifest known by digest. */
  sha256?: Buffer;
  /** Only the artifact's digest, in any of the algorithms a bundle may sign. */
  digest?: { algorithm: DigestAlgorithm; value: Buffer };
}

/** The bundle's first transparency-log entry, as carried; `inclusionProof` says whether its proof was checked. */
export interface BundleTlog {
  logIndex: string;
  /** ISO time the log recorded the entry; Rekor v2 entries carry none. */
  integratedTime: string | null;
  /** Hex key ID of the log. */
  logId: string;
  /** Entry kind and version, as "hashedrekord 0.0.1". */
  kind: string;
  /** `verified`: checked against the log's signed checkpoint; `present`: carried but not relied on; `absent`: none carried. */
  inclusionProof: 'verified' | 'present' | 'absent';
  checkpoint?: string;
  /** Whether the entry carries the log's signed promise of inclusion (SET). */
  inclusionPromise: boolean;
}

/** An RFC 3161 timestamp the bundle carries, with the trusted-root authority whose certificate signed it, when known. */
export interface BundleTimestamp {
  time: string;
  authority: string | null;
  /** For key-signed bundles, checked here against every trusted authority: false means shown but not relied on. */
  trusted?: boolean;
  reason?: string;
}

/** What the bundle carries beside its signature: log entry, timestamps and certificates. */
export interface BundleContents {
  tlog: BundleTlog | null;
  timestamps: BundleTimestamp[];
  /** The signing certificate first, then its issuers; after verification, up to the trusted root's CA. Empty for key-signed bundles. */
  certificates: X509Certificate[];
  /** True when the bundle verified and a certificate was present: the chain ends in a trusted CA. */
  anchored: boolean;
}

export interface BundleVerification extends BundleContents {
  /** Every check passed but the binding to an artifact, because none was given (DSSE only); the verdict is then "failed". */
  unbound?: boolean;
  verdict: 'verified' | 'failed' | 'untrusted';
  reason: string;
  kind: 'message-signature' | 'dsse' | null;
  predicateType: string | null;
  signer: { san: string | null; issuer: string | null; keyHint: string | null } | null;
}

function fail(reason: string, verdict: BundleVerification['verdict'] = 'failed', kind: BundleVerification['kind'] = null, contents: BundleContents = { tlog: null, timestamps: [], certificates: [], anchored: false }): BundleVerification {
  return { verdict, reason, kind, predicateType: null, signer: null, ...contents };
}

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const DIGEST_LENGTHS: Record<DigestAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };
/** The in-toto Statement types a bundle's DSSE payload may declare: v1, and v0.1 as cosign 3 still writes. */
const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);
/** Every bundle media type the sigstore bundle specification defines, v0.1 to v0.3. */
export const BUNDLE_MEDIA_TYPES = new Set([
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
]);

/**
 * The fields of each message of the bundle (protobuf-specs), by their JSON names; a nested message names its own.
 * The bundle is a protobuf message, and protobuf JSON readers refuse a field they do not know (sigstore-go does),
 * so a bundle cannot carry material one verifier checks and another silently skips.
 */
const BUNDLE_MESSAGES: Record<string, Record<string, string | null>> = {
  Bundle: { mediaType: null, verificationMaterial: 'VerificationMaterial', dsseEnvelope: 'Envelope', messageSignature: 'MessageSignature' },
  VerificationMaterial: { publicKey: 'PublicKeyIdentifier', x509CertificateChain: 'CertificateChain', certificate: 'Certificate', tlogEntries: 'TransparencyLogEntry', timestampVerificationData: 'TimestampVerificationData' },
  PublicKeyIdentifier: { hint: null },
  CertificateChain: { certificates: 'Certificate' },
  Certificate: { rawBytes: null },
  TransparencyLogEntry: { logIndex: null, logId: 'LogId', kindVersion: 'KindVersion', integratedTime: null, inclusionPromise: 'InclusionPromise', inclusionProof: 'InclusionProof', canonicalizedBody: null },
  LogId: { keyId: null },
  KindVersion: { kind: null, version: null },
  InclusionPromise: { signedEntryTimestamp: null },
  InclusionProof: { logIndex: null, rootHash: null, treeSize: null, hashes: null, checkpoint: 'Checkpoint' },
  Checkpoint: { envelope: null },
  TimestampVerificationData: { rfc3161Timestamps: 'Timestamp' },
  Timestamp: { signedTimestamp: null },
  MessageSignature: { messageDigest: 'HashOutput', signature: null },
  HashOutput: { algorithm: null, digest: null },
  Envelope: { payload: null, payloadType: null, signatures: 'Signature' },
  Signature: { sig: null, keyid: null },
};

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

// The first field no message of the bundle defines, as a path, or null; protobuf JSON also accepts the snake_case names.
export function unknownBundleField(value: unknown, message = 'Bundle', path = ''): string | null {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unknownBundleField(item, message, `${path}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const fields = BUNDLE_MESSAGES[message]!;
  for (const [key, inner] of Object.entries(value)) {
    const name = camel(key);
    if (!(name in fields)) return `${path ? `${path}.` : ''}${key}`;
    const nested = fields[name];
    if (nested) {
      const found = unknownBundleField(inner, nested, `${path ? `${path}.` : ''}${key}`);
      if (found) return found;
    }
  }
  return null;
}

const MESSAGE_DIGEST_ALGORITHMS: Partial<Record<HashAlgorithm, DigestAlgorithm>> = { [HashAlgorithm.SHA2_256]: 'sha256', [HashAlgorithm.SHA2_384]: 'sha384', [HashAlgorithm.SHA2_512]: 'sha512' };

// The one digest a digest-only artifact is known by, or a reason it cannot be used.
function givenDigest(artifact: BundleArtifact): { algorithm: DigestAlgorithm; value: Buffer } | string | null {
  const digest = artifact.digest ?? (artifact.sha256 ? { algorithm: 'sha256' as const, value: artifact.sha256 } : null);
  if (!digest) return null;
  if (!(digest.algorithm in DIGEST_LENGTHS)) return `The artifact digest algorithm ${String(digest.algorithm)} is not sha256, sha384 or sha512.`;
  if (digest.value.length !== DIGEST_LENGTHS[digest.algorithm]) return `The artifact's ${digest.algorithm} digest is ${digest.value.length} bytes, not ${DIGEST_LENGTHS[digest.algorithm]}.`;
  if (artifact.digest && artifact.sha256 && !(artifact.digest.algorithm === 'sha256' && artifact.digest.value.equals(artifact.sha256))) return 'Two different artifact digests were given.';
  return digest;
}

// The signing certificate a certificate-signed bundle carries: the leaf, first in a chain.
function leafCertificate(bundle: Bundle): Buffer | null {
  const content = bundle.verificationMaterial.content;
  if (content.$case === 'certificate') return Buffer.from(content.certificate.rawBytes);
  if (content.$case === 'x509CertificateChain') {
    const first = content.x509CertificateChain.certificates[0];
    return first ? Buffer.from(first.rawBytes) : null;
  }
  return null;
}

// Times the verification itself proved: log entries whose signed promise was checked, and timestamps a trusted authority signed.
function verifiedTimes(bundle: Bundle, own: BundleTimestamp[] | null): Date[] {
  const logged = bundle.verificationMaterial.tlogEntries.filter((e) => e.inclusionPromise && e.integratedTime && e.integratedTime !== '0').map((e) => new Date(Number(e.integratedTime) * 1000));
  const stamped = (own ?? []).filter((s) => s.trusted).map((s) => new Date(s.time));
  return [...logged, ...stamped].filter((d) => Number.isFinite(d.getTime()));
}

// Who runs each log the bundle's entries are in: the trusted root's `operator` when it names one, otherwise the
// registrable part of the log's host (rekor.example.dev and log2025.rekor.example.dev are one operator), otherwise the log ID.
function logOperators(bundle: Bundle, trustedRootJson: unknown): Set<string> {
  const logs = ((trustedRootJson as { tlogs?: { baseUrl?: string; operator?: string; logId?: { keyId?: string } }[] }).tlogs ?? []);
  const operators = new Set<string>();
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    const keyId = entry.logId.keyId.toString('base64');
    const log = logs.find((l) => l.logId?.keyId === keyId);
    const host = log?.baseUrl && URL.canParse(log.baseUrl) ? new URL(log.baseUrl).hostname : '';
    operators.add(log?.operator || (host ? host.split('.').slice(-2).join('.') : `log ${keyId}`));
  }
  return operators;
}

// Verifies a sigstore bundle offline against a trusted root, then checks what the library leaves to the caller: who signed, and that the bundle is about this artifact.
export function verifySigstoreBundle(bundleJson: unknown, artifact: BundleArtifact, trustedRootJson: unknown, policy: BundlePolicy): BundleVerification {
  const declared = (bundleJson as { mediaType?: unknown } | null)?.mediaType;
  if (typeof declared !== 'string' || !BUNDLE_MEDIA_TYPES.has(declared)) return fail(`The bundle's media type ${typeof declared === 'string' ? declared : '(none)'} is not a sigstore bundle version this verifier reads (v0.1 to v0.3).`);
  const unknown = unknownBundleField(bundleJson);
  if (unknown) return fail(`The bundle carries the field ${unknown}, which no sigstore bundle version defines; a field the verifier does not know is refused, not skipped.`);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (error) {
    return fail(`The bundle is not a valid sigstore bundle: ${(error as Error).message}`);
  }
  const dsse = isBundleWithDsseEnvelope(bundle);
  const kind = dsse ? 'dsse' : 'message-signature';
  const digest = givenDigest(artifact);
  if (typeof digest === 'string') return fail(digest, 'failed', kind, contentsOf(bundle, null));
  if (artifact.bytes && digest && !createHash(digest.algorithm).update(artifact.bytes).digest().equals(digest.value)) {
    return fail(`The artifact's bytes and the ${digest.algorithm} digest given for it differ.`, 'failed', kind, contentsOf(bundle, null));
  }
  // A DSSE bundle can be checked in full without its artifact; the answer then says what was left unbound, and is never "verified".
  const unbound = !artifact.bytes && !digest;
  if (unbound && !dsse) {
    return fail('No artifact and no artifact digest was given, so the bundle was not bound to anything: a valid signature about an unknown artifact is not verified.', 'failed', kind, contentsOf(bundle, null));
  }
  const rootProblem = trustedRootProblem(trustedRootJson);
  if (rootProblem) return fail(rootProblem, 'untrusted', kind, contentsOf(bundle, null));
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(trustedRootJson);
  } catch (error) {
    return fail(`The trusted root cannot be read: ${(error as Error).message}`, 'untrusted', null, contentsOf(bundle, null));
  }
  const carried = contentsOf(bundle, root);
  const failed = (reason: string, verdict: BundleVerification['verdict'] = 'failed') => fail(reason, verdict, kind, carried);
  if (bundle.content.$case === 'dsseEnvelope' && bundle.content.dsseEnvelope.signatures.length !== 1) {
    return failed(`The DSSE envelope carries ${bundle.content.dsseEnvelope.signatures.length} signatures; a sigstore bundle's envelope carries exactly one.`);
  }
  if (policy.predicateType !== undefined && !dsse) return failed(`The policy requires a ${policy.predicateType} attestation, and a message-signature bundle carries no predicate.`);
  const keyFinder: KeyFinderFunc | undefined = policy.key
    ? () => ({ publicKey: policy.key!.publicKey, validFor: (date: Date) => !policy.key!.validFor || (date >= policy.key!.validFor.start && date <= policy.key!.validFor.end) })
    : undefined;
  const keyed = bundle.verificationMaterial.content.$case === 'publicKey';
  if (keyed && !policy.key) return failed('The bundle was signed with a managed key and no key is trusted for it.', 'untrusted');
  const material = toTrustMaterial(root, keyFinder);
  // A managed key vouches for itself: without a log or timestamp demanded by policy, none is required.
  const relaxed = keyed && !policy.requireTlog;
  const tlogThreshold = relaxed ? 0 : Math.max(1, Math.floor(policy.tlogThreshold ?? 1));
  const verifier = new Verifier(material, { tlogThreshold, ctlogThreshold: keyed ? 0 : 1, timestampThreshold: relaxed ? 0 : 1 });
  // A key-signed bundle needs no timestamp, so one it carries is checked here against every trusted authority and shown, never a reason to fail.
  const own = relaxed ? ownTimestamps(bundle, root, policy.tsa ?? []) : null;
  // Trusted or not, a timestamp must be over this signature: one spliced in from other bytes (or unreadable) is tampering, not a mere untrusted time.
  const spliced = own?.find((stamp) => !stamp.covers);
  if (spliced) return failed(`The bundle carries an RFC 3161 timestamp that is not over its signature: ${spliced.reason ?? 'it cannot be read'}.`);
  // Without any trusted log (no trusted root), a log entry a key-signed bundle carries cannot be checked; it is not required, so it is shown, not relied on.
  const unlogged = relaxed && root.tlogs.length === 0 && bundle.verificationMaterial.tlogEntries.length > 0;
  const checked =
    own || unlogged
      ? ({ ...bundle, verificationMaterial: { ...bundle.verificationMaterial, ...(own ? { timestampVerificationData: undefined } : {}), ...(unlogged ? { tlogEntries: [] } : {}) } } as Bundle)
      : bundle;

  if (!dsse && bundle.content.$case === 'messageSignature') {
    const signed = bundle.content.messageSignature.messageDigest;
    const algorithm = signed ? MESSAGE_DIGEST_ALGORITHMS[signed.algorithm] : undefined;
    if (!signed || !algorithm) return failed('The bundle signs a message digest of an unknown or missing algorithm, so what it signed cannot be compared with the artifact.');
    const expected = artifact.bytes ? createHash(algorithm).update(artifact.bytes).digest() : digest!.algorithm === algorithm ? digest!.value : null;
    if (!expected) return failed(`The bundle signs the artifact's ${algorithm} digest, and only its ${digest!.algorithm} digest was given.`);
    if (!Buffer.from(signed.digest).equals(expected)) return failed(`The bundle signs a different artifact: its ${algorithm} message digest is not the artifact's.`);
  }

  try {
    const entity = toSignedEntity(checked, dsse ? undefined : artifact.bytes);
    if (!dsse && !artifact.bytes && digest) {
      // Only the digest is known: the signature is checked against it directly, with the bundle's own hash.
      const signature = entity.signature.signature;
      entity.signature.verifySignature = (key) => verifyDigestSignature(key, digest.value, signature, digest.algorithm);
    }
    if (dsse && keyed && policy.key?.publicKey.asymmetricKeyDetails?.namedCurve === 'secp384r1') {
      // sigstore's algorithm registry pairs P-384 with SHA-384, which cosign's signer uses; SHA-256 stays accepted as cosign's verifier uses it.
      const content = entity.signature as unknown as { preAuthEncoding: Buffer; signature: Buffer };
      const withDefault = entity.signature.verifySignature.bind(entity.signature);
      entity.signature.verifySignature = (key) => withDefault(key) || safeVerify('sha384', content.preAuthEncoding, key, content.signature);
    }
    verifier.verify(entity);
  } catch (error) {
    // A certificate the trusted root does not vouch for is untrusted rather than broken.
    return failed(explain(error), /subject alternative name|issuer|extension/i.test(String((error as Error).message)) ? 'untrusted' : 'failed');
  }

  const operators = logOperators(bundle, trustedRootJson);
  if (operators.size < tlogThreshold) {
    return failed(`The policy requires the signature in ${tlogThreshold} independent transparency logs, and its ${bundle.verificationMaterial.tlogEntries.length} log entries come from ${operators.size} log operator${operators.size === 1 ? '' : 's'} (${[...operators].join(', ') || 'none'}).`, 'untrusted');
  }

  let san: string | null = null;
  let issuer: string | null = null;
  if (!keyed) {
    const leaf = leafCertificate(bundle);
    if (!leaf) return failed('The bundle carries no signing certificate.');
    const described = describeNames(leaf);
    san = described.names || null;
    issuer = described.oidcIssuer;
    if (!policy.skipIdentity) {
      const who = checkSignerIdentity(leaf, {
        ...(typeof policy.identity === 'string' ? { san: policy.identity } : policy.identity ? { sanRegexp: policy.identity } : {}),
        ...(typeof policy.issuer === 'string' ? { issuer: policy.issuer } : policy.issuer ? { issuerRegexp: policy.issuer } : {}),
      });
      if (!who.ok) return failed(who.reason, 'untrusted');
      san = who.san;
    }
  } else if (policy.key?.validFor) {
    // The library checks the key's window only at the times it relied on; a key-signed bundle may carry none, and then the window holds now.
    const times = verifiedTimes(bundle, own);
    const at = times.length > 0 ? times : [policy.now ?? new Date()];
    const { start, end } = policy.key.validFor;
    const outside = at.find((t) => t < start || t > end);
    if (outside) {
      return failed(`The trusted key is valid from ${start.toISOString()} to ${end.toISOString()}, and the ${times.length > 0 ? 'verified signing time' : 'bundle carries no verified signing time; now'} ${outside.toISOString()} is outside that window.`, 'untrusted');
    }
  }

  let predicateType: string | null = null;
  if (dsse && bundle.content.$case === 'dsseEnvelope') {
    const payloadType = bundle.content.dsseEnvelope.payloadType;
    if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return failed(`The DSSE envelope carries a ${payloadType || 'untyped'} payload, not an in-toto statement, so what it is about cannot be checked.`);
    const read = parseStatement(bundle.content.dsseEnvelope.payload);
    if (typeof read === 'string') return failed(`The signed statement cannot be read: ${read}.`);
    const statement = read;
    if (typeof statement._type !== 'string' || !STATEMENT_TYPES.has(statement._type)) {
      return failed(`The signed statement's _type is ${typeof statement._type === 'string' ? statement._type : 'missing'}, not an in-toto Statement (${[...STATEMENT_TYPES].join(' or ')}).`);
    }
    predicateType = typeof statement?.predicateType === 'string' ? statement.predicateType : null;
    if (policy.predicateType !== undefined && predicateType !== policy.predicateType) {
      return failed(`The signed statement's predicate type is ${predicateType ?? 'missing'}, not ${policy.predicateType}.`);
    }
    const subjects = Array.isArray(statement?.subject) ? statement.subject : [];
    if (unbound) {
      const contents = proven(own ? { ...carried, timestamps: own } : carried, root);
      return {
        ...fail('Every check passed except one: no artifact and no artifact digest was given, so nothing binds this attestation to an artifact, and it is not verified.', 'failed', kind, contents),
        predicateType,
        signer: { san, issuer, keyHint: null },
        unbound: true,
      };
    }
    const wanted: { algorithm: DigestAlgorithm; hex: string }[] = artifact.bytes
      ? (Object.keys(DIGEST_LENGTHS) as DigestAlgorithm[]).map((algorithm) => ({ algorithm, hex: createHash(algorithm).update(artifact.bytes!).digest('hex') }))
      : [{ algorithm: digest!.algorithm, hex: digest!.value.toString('hex') }];
    const about = subjects.some((s) => wanted.some((w) => typeof s.digest?.[w.algorithm] === 'string' && s.digest[w.algorithm] === w.hex));
    if (!about) {
      const names = subjects.map((s) => s.name ?? Object.entries(s.digest ?? {}).map(([a, v]) => `${a}:${String(v).slice(0, 16)}…`).join(' ')).join(', ');
      return failed(`The signed statement is about ${names || 'nothing'}, not this artifact (no subject carries its ${wanted.map((w) => w.algorithm).join(' or ')} digest).`);
    }
  }
  const keyHint = keyed && bundle.verificationMaterial.content.$case === 'publicKey' ? bundle.verificationMaterial.content.publicKey.hint : null;
  return {
    verdict: 'verified',
    reason: keyed ? keyedReason(bundle, own) : `Signed by ${san} (issuer ${issuer ?? 'none'}); certificate, log entry and timestamps verify.`,
    kind,
    predicateType,
    signer: { san, issuer, keyHint },
    ...proven(own ? { ...carried, timestamps: own } : carried, root),
  };
}

// The engine shows a bundle's log entry, timestamps and certificates even when no trusted root is configured to check them.
export function bundleContents(bundleJson: unknown): BundleContents | null {
  try {
    return contentsOf(bundleFromJSON(bundleJson), null);
  } catch {
    return null;
  }
}

// Reads what the bundle carries, judging nothing: until verification succeeds, an inclusion proof is only "present".
function contentsOf(bundle: Bundle, root: TrustedRoot | null): BundleContents {
  const material = bundle.verificationMaterial;
  const entry = material.tlogEntries[0];
  const seconds = entry ? Number(entry.integratedTime) : 0;
  const tlog: BundleTlog | null = entry
    ? {
        logIndex: entry.logIndex,
        integratedTime: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : null,
        logId: entry.logId.keyId.toString('hex'),
        kind: `${entry.kindVersion.kind} ${entry.kindVersion.version}`,
        inclusionProof: entry.inclusionProof ? 'present' : 'absent',
        ...(entry.inclusionProof?.checkpoint?.envelope ? { checkpoint: entry.inclusionProof.checkpoint.envelope } : {}),
        inclusionPromise: entry.inclusionPromise !== undefined,
      }
    : null;
  const timestamps = (material.timestampVerificationData?.rfc3161Timestamps ?? []).flatMap((stamp): BundleTimestamp[] => {
    try {
      const parsed = RFC3161Timestamp.parse(stamp.signedTimestamp as Buffer<ArrayBuffer>);
      return [{ time: parsed.signingTime.toISOString(), authority: root ? timestampAuthority(parsed, root) : null }];
    } catch {
      return [];
    }
  });
  const content = material.content;
  const raw = content.$case === 'certificate' ? [content.certificate.rawBytes] : content.$case === 'x509CertificateChain' ? content.x509CertificateChain.certificates.map((c) => c.rawBytes) : [];
  const certificates = raw.flatMap((bytes) => {
    try {
      return [new X509Certificate(bytes)];
    } catch {
      return [];
    }
  });
  return { tlog, timestamps, certificates, anchored: false };
}

// After verification the library has checked every log entry's proof and every timestamp, and chained the certificate to a trusted CA: say so, and show that CA.
function proven(carried: BundleContents, root: TrustedRoot): BundleContents {
  const tlog = carried.tlog && carried.tlog.inclusionProof === 'present' ? { ...carried.tlog, inclusionProof: 'verified' as const } : carried.tlog;
  if (carried.certificates.length === 0) return { ...carried, tlog };
  const certificates = [...carried.certificates];
  const top = certificates.at(-1)!;
  const isIssuedBy = (child: X509Certificate, parent: X509Certificate) => child.checkIssued(parent) && child.verify(parent.publicKey);
  for (const authority of root.certificateAuthorities) {
    const chain = (authority.certChain?.certificates ?? []).map((c) => new X509Certificate(c.rawBytes));
    const first = chain[0];
    if (!first) continue;
    if (!(first.raw.equals(top.raw) || isIssuedBy(top, first))) continue;
    for (const cert of chain) if (!certificates.some((known) => known.raw.equals(cert.raw))) certificates.push(cert);
    break;
  }
  return { ...carried, tlog, certificates, anchored: true };
}

// A timestamp names its signer by issuer and serial number; the trusted root's authority with that certificate is the one that vouched for the time.
function timestampAuthority(timestamp: RFC3161Timestamp, root: TrustedRoot): string | null {
  for (const authority of root.timestampAuthorities) {
    const leaf = authority.certChain?.certificates[0];
    if (!leaf) continue;
    try {
      const cert = SigstoreCertificate.parse(leaf.rawBytes as Buffer<ArrayBuffer>);
      if (cert.serialNumber.equals(timestamp.signerSerialNumber) && cert.issuer.equals(timestamp.signerIssuer)) {
        const subject = authority.subject;
        return [subject?.commonName, subject?.organization && subject.organization !== subject.commonName ? `(${subject.organization})` : ''].filter(Boolean).join(' ') || authority.uri || null;
      }
    } catch {
      continue;
    }
  }
  return null;
}

// Says what was actually checked: a key-signed bundle may carry no log entry or timestamp at all.
function keyedReason(bundle: Bundle, stamps: BundleTimestamp[] | null): string {
  const logged = bundle.verificationMaterial.tlogEntries.length;
  const trusted = stamps?.filter((s) => s.trusted).length ?? 0;
  const stampWords = !stamps || stamps.length === 0 ? null : trusted > 0 ? 'the timestamp verifies with a trusted authority' : 'a timestamp from an authority that is not trusted (shown, not relied on)';
  const extras = [logged ? 'the transparency-log entry verifies' : 'no transparency-log entry (none required)', stampWords].filter(Boolean);
  return `Signed with the trusted key; ${extras.join('; ')}.`;
}

// Each RFC 3161 timestamp must cover the signature bytes and chain to a trusted authority: the trusted root's, or one Signet is told to trust.
function ownTimestamps(bundle: Bundle, root: TrustedRoot, extra: X509Certificate[]): (BundleTimestamp & { covers: boolean })[] | null {
  const stamps = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? [];
  if (stamps.length === 0) return null;
  const content = bundle.content;
  const signature = content.$case === 'dsseEnvelope' ? content.dsseEnvelope.signatures[0]?.sig : content.messageSignature.signature;
  if (!signature) return null;
  const store = [...extra, ...root.timestampAuthorities.flatMap((a) => (a.certChain?.certificates ?? []).map((c) => new X509Certificate(c.rawBytes)))];
  return stamps.map((stamp) => {
    const token = Buffer.from(stamp.signedTimestamp);
    const check = checkTimestampToken(token, Buffer.from(signature), store);
    return { time: check.time?.toISOString() ?? 'unreadable', authority: null, trusted: check.authentic, reason: check.reason, covers: timestampImprintCovers(token, Buffer.from(signature)) };
  });
}

interface Statement {
  _type?: unknown;
  predicateType?: unknown;
  subject?: { name?: string; digest?: Partial<Record<string, string>> }[];
}

// The statement is signed JSON: a key named twice in one object could be read two ways, so it is refused, as is anything but an object.
function parseStatement(payload: Buffer): Statement | string {
  const parsed = parseStrictJson(payload.toString('utf8'));
  if (!parsed.ok) return parsed.reason;
  return typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value) ? (parsed.value as Statement) : 'it is not a JSON object';
}

function safeVerify(algorithm: string, data: Buffer, key: Parameters<typeof verifyWith>[2], signature: Buffer): boolean {
  try {
    return verifyWith(algorithm, data, key, signature);
  } catch {
    return false;
  }
}

function explain(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `Verification failed: ${message}`;
}

// Reads a PEM public key for a key-signed bundle policy.
export function bundleKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}
