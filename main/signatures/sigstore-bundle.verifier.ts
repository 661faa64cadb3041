import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { bundleFromJSON, isBundleWithDsseEnvelope, type Bundle } from '@sigstore/bundle';
import { RFC3161Timestamp, X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type KeyFinderFunc, type Signer } from '@sigstore/verify';
import { verifyDigestSignature } from './prehash.ts';
import { checkTimestampToken } from './rfc3161.ts';

export interface BundlePolicy {
  /** Exact SAN, or a pattern; with the OIDC issuer, exact or a pattern. */
  identity?: string | RegExp;
  issuer?: string | RegExp;
  /** A managed public key for key-signed bundles, with the window its signatures must fall in. */
  key?: { publicKey: KeyObject; validFor?: { start: Date; end: Date } };
  /** Key-signed bundles need a transparency-log entry too; certificate-signed ones always do. */
  requireTlog?: boolean;
  /** Verify everything but the signer's identity. */
  skipIdentity?: boolean;
  /** Timestamp authorities trusted besides the trusted root's, for key-signed bundles (Signet's own TSA setting). */
  tsa?: X509Certificate[];
}

export interface BundleArtifact {
  bytes?: Buffer;
  /** Only the artifact's SHA-256, as when the artifact is an image manifest known by digest. */
  sha256?: Buffer;
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
  verdict: 'verified' | 'failed' | 'untrusted';
  reason: string;
  kind: 'message-signature' | 'dsse' | null;
  predicateType: string | null;
  signer: { san: string | null; issuer: string | null; keyHint: string | null } | null;
}

function fail(reason: string, verdict: BundleVerification['verdict'] = 'failed', kind: BundleVerification['kind'] = null, contents: BundleContents = { tlog: null, timestamps: [], certificates: [], anchored: false }): BundleVerification {
  return { verdict, reason, kind, predicateType: null, signer: null, ...contents };
}

// Verifies a sigstore bundle offline against a trusted root, then checks what the library leaves to the caller: that the bundle is about this artifact.
export function verifySigstoreBundle(bundleJson: unknown, artifact: BundleArtifact, trustedRootJson: unknown, policy: BundlePolicy): BundleVerification {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (error) {
    return fail(`The bundle is not a valid sigstore bundle: ${(error as Error).message}`);
  }
  const dsse = isBundleWithDsseEnvelope(bundle);
  const kind = dsse ? 'dsse' : 'message-signature';
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(trustedRootJson);
  } catch (error) {
    return fail(`The trusted root cannot be read: ${(error as Error).message}`, 'untrusted', null, contentsOf(bundle, null));
  }
  const carried = contentsOf(bundle, root);
  const failed = (reason: string, verdict: BundleVerification['verdict'] = 'failed') => fail(reason, verdict, kind, carried);
  const keyFinder: KeyFinderFunc | undefined = policy.key
    ? () => ({ publicKey: policy.key!.publicKey, validFor: (date: Date) => !policy.key!.validFor || (date >= policy.key!.validFor.start && date <= policy.key!.validFor.end) })
    : undefined;
  const keyed = bundle.verificationMaterial.content.$case === 'publicKey';
  if (keyed && !policy.key) return failed('The bundle was signed with a managed key and no key is trusted for it.', 'untrusted');
  const material = toTrustMaterial(root, keyFinder);
  // A managed key vouches for itself: without a log or timestamp demanded by policy, none is required.
  const relaxed = keyed && !policy.requireTlog;
  const verifier = new Verifier(material, { tlogThreshold: relaxed ? 0 : 1, ctlogThreshold: keyed ? 0 : 1, timestampThreshold: relaxed ? 0 : 1 });
  // A key-signed bundle needs no timestamp, so one it carries is checked here against every trusted authority and shown, never a reason to fail.
  const own = relaxed ? ownTimestamps(bundle, root, policy.tsa ?? []) : null;
  const checked = own ? ({ ...bundle, verificationMaterial: { ...bundle.verificationMaterial, timestampVerificationData: undefined } } as Bundle) : bundle;

  let signer: Signer;
  try {
    const entity = toSignedEntity(checked, dsse ? undefined : artifact.bytes);
    const identity = policy.skipIdentity || keyed ? undefined : { subjectAlternativeName: policy.identity, extensions: typeof policy.issuer === 'string' ? { issuer: policy.issuer } : undefined };
    if (!dsse && !artifact.bytes && artifact.sha256) {
      if (!entity.signature.compareDigest(artifact.sha256)) return failed('The bundle signs a different artifact digest.');
      // Only the digest is known: the signature is checked against it directly.
      const digest = artifact.sha256;
      const signature = entity.signature.signature;
      entity.signature.verifySignature = (key) => verifyDigestSignature(key, digest, signature, 'sha256');
    }
    signer = verifier.verify(entity, identity);
  } catch (error) {
    return failed(explain(error), /identity|subject alternative name|issuer|extension/i.test(String((error as Error).message)) ? 'untrusted' : 'failed');
  }
  const san = signer.identity?.subjectAlternativeName ?? null;
  const issuer = signer.identity?.extensions?.issuer ?? null;
  if (!policy.skipIdentity && !keyed) {
    if (policy.issuer instanceof RegExp && !(issuer && policy.issuer.test(issuer))) return failed(`The identity was issued by ${issuer ?? 'an unknown issuer'}, which the policy does not accept.`, 'untrusted');
    if (!policy.identity) return failed('No signer identity is configured; a certificate without an expected identity proves nothing.', 'untrusted');
  }

  let predicateType: string | null = null;
  if (dsse && bundle.content.$case === 'dsseEnvelope') {
    const statement = parseStatement(bundle.content.dsseEnvelope.payload);
    predicateType = statement?.predicateType ?? null;
    const wanted = artifact.sha256 ?? (artifact.bytes ? createHash('sha256').update(artifact.bytes).digest() : null);
    if (wanted) {
      const subjects = statement?.subject ?? [];
      if (!subjects.some((s) => s.digest?.sha256 === wanted.toString('hex'))) {
        return failed(`The signed statement is about ${subjects.map((s) => s.name ?? s.digest?.sha256).join(', ') || 'nothing'}, not this artifact.`);
      }
    }
  }
  const keyHint = keyed && bundle.verificationMaterial.content.$case === 'publicKey' ? bundle.verificationMaterial.content.publicKey.hint : null;
  return {
    verdict: 'verified',
    reason: keyed ? keyedReason(bundle, own) : `Signed by ${san} (issuer ${issuer}); certificate, log entry and timestamps verify.`,
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
function ownTimestamps(bundle: Bundle, root: TrustedRoot, extra: X509Certificate[]): BundleTimestamp[] | null {
  const stamps = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? [];
  if (stamps.length === 0) return null;
  const content = bundle.content;
  const signature = content.$case === 'dsseEnvelope' ? content.dsseEnvelope.signatures[0]?.sig : content.messageSignature.signature;
  if (!signature) return null;
  const store = [...extra, ...root.timestampAuthorities.flatMap((a) => (a.certChain?.certificates ?? []).map((c) => new X509Certificate(c.rawBytes)))];
  return stamps.map((stamp) => {
    const check = checkTimestampToken(Buffer.from(stamp.signedTimestamp), Buffer.from(signature), store);
    return { time: check.time?.toISOString() ?? 'unreadable', authority: null, trusted: check.authentic, reason: check.reason };
  });
}

function parseStatement(payload: Buffer): { predicateType?: string; subject?: { name?: string; digest?: { sha256?: string } }[] } | null {
  try {
    return JSON.parse(payload.toString('utf8')) as { predicateType?: string; subject?: { name?: string; digest?: { sha256?: string } }[] };
  } catch {
    return null;
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
