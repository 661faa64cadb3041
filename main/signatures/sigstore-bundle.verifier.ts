import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { bundleFromJSON, isBundleWithDsseEnvelope, type Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type KeyFinderFunc, type Signer } from '@sigstore/verify';
import { verifyDigestSignature } from './prehash.ts';

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
}

export interface BundleArtifact {
  bytes?: Buffer;
  /** Only the artifact's SHA-256, as when the artifact is an image manifest known by digest. */
  sha256?: Buffer;
}

export interface BundleVerification {
  verdict: 'verified' | 'failed' | 'untrusted';
  reason: string;
  kind: 'message-signature' | 'dsse' | null;
  predicateType: string | null;
  signer: { san: string | null; issuer: string | null; keyHint: string | null } | null;
}

function fail(reason: string, verdict: BundleVerification['verdict'] = 'failed', kind: BundleVerification['kind'] = null): BundleVerification {
  return { verdict, reason, kind, predicateType: null, signer: null };
}

// Verifies a sigstore bundle offline against a trusted root, then checks what the library leaves to the caller: that the bundle is about this artifact.
export function verifySigstoreBundle(bundleJson: unknown, artifact: BundleArtifact, trustedRootJson: unknown, policy: BundlePolicy): BundleVerification {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (error) {
    return fail(`The bundle is not a valid sigstore bundle: ${(error as Error).message}`);
  }
  let root;
  try {
    root = TrustedRoot.fromJSON(trustedRootJson);
  } catch (error) {
    return fail(`The trusted root cannot be read: ${(error as Error).message}`, 'untrusted');
  }
  const dsse = isBundleWithDsseEnvelope(bundle);
  const kind = dsse ? 'dsse' : 'message-signature';
  const keyFinder: KeyFinderFunc | undefined = policy.key
    ? () => ({ publicKey: policy.key!.publicKey, validFor: (date: Date) => !policy.key!.validFor || (date >= policy.key!.validFor.start && date <= policy.key!.validFor.end) })
    : undefined;
  const keyed = bundle.verificationMaterial.content.$case === 'publicKey';
  if (keyed && !policy.key) return fail('The bundle was signed with a managed key and no key is trusted for it.', 'untrusted', kind);
  const material = toTrustMaterial(root, keyFinder);
  // A managed key vouches for itself: without a log or timestamp demanded by policy, none is required.
  const relaxed = keyed && !policy.requireTlog;
  const verifier = new Verifier(material, { tlogThreshold: relaxed ? 0 : 1, ctlogThreshold: keyed ? 0 : 1, timestampThreshold: relaxed ? 0 : 1 });

  let signer: Signer;
  try {
    const entity = toSignedEntity(bundle, dsse ? undefined : artifact.bytes);
    const identity = policy.skipIdentity || keyed ? undefined : { subjectAlternativeName: policy.identity, extensions: typeof policy.issuer === 'string' ? { issuer: policy.issuer } : undefined };
    if (!dsse && !artifact.bytes && artifact.sha256) {
      if (!entity.signature.compareDigest(artifact.sha256)) return fail('The bundle signs a different artifact digest.', 'failed', kind);
      // Only the digest is known: the signature is checked against it directly.
      const digest = artifact.sha256;
      const signature = entity.signature.signature;
      entity.signature.verifySignature = (key) => verifyDigestSignature(key, digest, signature, 'sha256');
    }
    signer = verifier.verify(entity, identity);
  } catch (error) {
    return fail(explain(error), /identity|subject alternative name|issuer|extension/i.test(String((error as Error).message)) ? 'untrusted' : 'failed', kind);
  }
  const san = signer.identity?.subjectAlternativeName ?? null;
  const issuer = signer.identity?.extensions?.issuer ?? null;
  if (!policy.skipIdentity && !keyed) {
    if (policy.issuer instanceof RegExp && !(issuer && policy.issuer.test(issuer))) return fail(`The identity was issued by ${issuer ?? 'an unknown issuer'}, which the policy does not accept.`, 'untrusted', kind);
    if (!policy.identity) return fail('No signer identity is configured; a certificate without an expected identity proves nothing.', 'untrusted', kind);
  }

  let predicateType: string | null = null;
  if (dsse && bundle.content.$case === 'dsseEnvelope') {
    const statement = parseStatement(bundle.content.dsseEnvelope.payload);
    predicateType = statement?.predicateType ?? null;
    const wanted = artifact.sha256 ?? (artifact.bytes ? createHash('sha256').update(artifact.bytes).digest() : null);
    if (wanted) {
      const subjects = statement?.subject ?? [];
      if (!subjects.some((s) => s.digest?.sha256 === wanted.toString('hex'))) {
        return fail(`The signed statement is about ${subjects.map((s) => s.name ?? s.digest?.sha256).join(', ') || 'nothing'}, not this artifact.`, 'failed', kind);
      }
    }
  }
  const keyHint = keyed && bundle.verificationMaterial.content.$case === 'publicKey' ? bundle.verificationMaterial.content.publicKey.hint : null;
  return {
    verdict: 'verified',
    reason: keyed ? keyedReason(bundle) : `Signed by ${san} (issuer ${issuer}); certificate, log entry and timestamps verify.`,
    kind,
    predicateType,
    signer: { san, issuer, keyHint },
  };
}

// Says what was actually checked: a key-signed bundle may carry no log entry or timestamp at all.
function keyedReason(bundle: Bundle): string {
  const logged = bundle.verificationMaterial.tlogEntries.length;
  const stamped = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0;
  const extras = [logged ? 'the transparency-log entry verifies' : 'no transparency-log entry (none required)', stamped ? 'the timestamp verifies' : null].filter(Boolean);
  return `Signed with the trusted key; ${extras.join('; ')}.`;
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
