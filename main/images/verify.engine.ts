import { verify as verifySignature, type KeyObject } from 'node:crypto';
import type { ChainEdge, ChainNode, ChainReport, Verdict } from '../../shared/model/chain.model.ts';
import type { Attachment, ImageGraph, ManifestNode } from '../../shared/model/image-graph.model.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { fingerprintOf } from '../keys/key-encoding.ts';
import { verifyCosignSignature, type CosignTrust } from '../signatures/cosign.verifier.ts';
import { verifyNotationEnvelope, type NotationTrust } from '../signatures/notation.verifier.ts';
import { verifySigstoreBundle, type BundlePolicy } from '../signatures/sigstore-bundle.verifier.ts';
import { Discovery } from './discovery.ts';
import type { ImageSource } from './image-source.types.ts';

export interface VerifyOptions {
  /** The reference as the user wrote it, for identity rules (registry/repository[:tag]). */
  reference: string;
  keys: KeyObject[];
  cosign?: Omit<CosignTrust, 'keys'>;
  trustedRoot?: unknown;
  bundlePolicy?: BundlePolicy;
  notation?: NotationTrust;
  /** Inventory keys, so revoked and expired keys are judged by their records. */
  inventory?: KeyRecord[];
  now?: Date;
}

interface SignatureOutcome {
  verdict: Verdict;
  reason: string;
  kind: 'signature' | 'attestation';
  signer: { label: string; details: Record<string, string> } | null;
  tlog: { label: string; details: Record<string, string> } | null;
  keyFingerprint: string | null;
  signedAt: Date | null;
}

const MAX_SIGNATURE_BYTES = 1024 * 1024;

/**
 * Builds the trust chain of an image as nodes and edges, each with a verdict and a plain reason:
 * reference, index, platform manifests, every signature and attestation, signer, log entry and
 * the policy verdict. The image passes when the manifest the reference names carries at least one
 * verified signature.
 */
export class VerifyEngine {
  private readonly source: ImageSource;

  constructor(source: ImageSource) {
    this.source = source;
  }

  async verify(repository: string, reference: string, options: VerifyOptions): Promise<ChainReport> {
    const now = options.now ?? new Date();
    const graph = await new Discovery(this.source).discover(repository, reference);
    const nodes: ChainNode[] = [];
    const edges: ChainEdge[] = [];
    const referenceId = 'reference';
    nodes.push({ id: referenceId, kind: 'reference', label: options.reference, verdict: 'not-checked', reason: `Resolved to ${graph.root.digest}.`, details: { source: graph.source } });
    const rootVerdict = await this.manifest(graph, graph.root, referenceId, 'resolves to', options, now, nodes, edges);
    const unsignedChildren = graph.root.children.filter((c) => nodes.find((n) => n.id === c.digest)?.verdict === 'unsigned');
    const reason =
      rootVerdict === 'verified'
        ? `The image is signed and the signature verifies.${unsignedChildren.length ? ` ${unsignedChildren.length} platform manifest(s) carry no signature of their own.` : ''}`
        : (nodes.find((n) => n.id === graph.root.digest)?.reason ?? 'The image is not verified.');
    nodes[0]!.verdict = rootVerdict;
    nodes.push({ id: 'policy', kind: 'policy', label: 'Policy', verdict: rootVerdict, reason, details: {} });
    edges.push({ from: graph.root.digest, to: 'policy', label: 'judged by' });
    return { reference: options.reference, checkedAt: now.toISOString(), verdict: rootVerdict, reason, nodes, edges, graph };
  }

  private async manifest(graph: ImageGraph, node: ManifestNode, parent: string, relation: string, options: VerifyOptions, now: Date, nodes: ChainNode[], edges: ChainEdge[]): Promise<Verdict> {
    const details: Record<string, string> = { digest: node.digest, mediaType: node.mediaType, size: String(node.size) };
    if (node.platform) details.platform = `${node.platform.os}/${node.platform.architecture}${node.platform.variant ? `/${node.platform.variant}` : ''}`;
    const entry: ChainNode = { id: node.digest, kind: node.kind, label: node.platform ? details.platform! : node.kind === 'index' ? 'Index' : 'Manifest', verdict: 'unsigned', reason: 'No signature is attached to this manifest.', details };
    nodes.push(entry);
    edges.push({ from: parent, to: node.digest, label: relation });
    const outcomes: SignatureOutcome[] = [];
    for (const attachment of node.attachments) {
      const produced = await this.attachment(graph, node, attachment, options, now);
      for (const [index, outcome] of produced.entries()) {
        const id = `${attachment.digest}#${index}`;
        nodes.push({ id, kind: outcome.kind, label: `${attachment.kind}${attachment.predicateType ? ` (${attachment.predicateType})` : ''}`, verdict: outcome.verdict, reason: outcome.reason, details: { via: attachment.via, digest: attachment.digest, ...(attachment.tag ? { tag: attachment.tag } : {}) } });
        edges.push({ from: node.digest, to: id, label: outcome.kind === 'signature' ? 'signed by' : 'attested by' });
        if (outcome.signer) {
          nodes.push({ id: `${id}/signer`, kind: 'signer', label: outcome.signer.label, verdict: outcome.verdict, reason: outcome.reason, details: outcome.signer.details });
          edges.push({ from: id, to: `${id}/signer`, label: 'made with' });
        }
        if (outcome.tlog) {
          nodes.push({ id: `${id}/tlog`, kind: 'tlog', label: outcome.tlog.label, verdict: 'verified', reason: 'The transparency-log entry verifies offline.', details: outcome.tlog.details });
          edges.push({ from: id, to: `${id}/tlog`, label: 'logged in' });
        }
        outcomes.push(outcome);
      }
    }
    const signatures = outcomes.filter((o) => o.kind === 'signature');
    const best = signatures.find((o) => o.verdict === 'verified') ?? signatures[0];
    if (best) {
      entry.verdict = best.verdict;
      entry.reason = best.reason;
    }
    for (const child of node.children) await this.manifest(graph, child, node.digest, 'platform', options, now, nodes, edges);
    return entry.verdict;
  }

  private async attachment(graph: ImageGraph, node: ManifestNode, attachment: Attachment, options: VerifyOptions, now: Date): Promise<SignatureOutcome[]> {
    const notChecked = (reason: string, kind: SignatureOutcome['kind'] = 'attestation'): SignatureOutcome[] => [{ verdict: 'not-checked', reason, kind, signer: null, tlog: null, keyFingerprint: null, signedAt: null }];
    try {
      const manifest = JSON.parse((await this.source.getManifest(graph.repository, attachment.digest)).bytes.toString('utf8')) as { layers?: { digest: string; mediaType: string; annotations?: Record<string, string> }[] };
      const layers = manifest.layers ?? [];
      switch (attachment.kind) {
        case 'cosign-signature': {
          const results: SignatureOutcome[] = [];
          for (const layer of layers) {
            const payload = await this.source.getBlob(graph.repository, layer.digest, MAX_SIGNATURE_BYTES);
            const result = verifyCosignSignature({
              manifestDigest: node.digest,
              reference: options.reference,
              identityRule: 'matchRepository',
              payload,
              annotations: layer.annotations ?? {},
              trust: { keys: options.keys, rekorKeys: options.cosign?.rekorKeys ?? [], roots: options.cosign?.roots ?? [], intermediates: options.cosign?.intermediates ?? [], identity: options.cosign?.identity, requireTlog: options.cosign?.requireTlog },
              now,
            });
            const fingerprint = result.signer?.kind === 'key' ? result.signer.fingerprint : null;
            const signedAt = result.tlog ? new Date(result.tlog.integratedTime * 1000) : null;
            const judged = judgeKey(result.verdict, result.reason, fingerprint, signedAt, options.inventory ?? []);
            results.push({
              verdict: judged.verdict,
              reason: judged.reason,
              kind: 'signature',
              signer: result.signer ? { label: result.signer.kind === 'key' ? keyLabel(result.signer.fingerprint, options.inventory) : result.signer.san, details: Object.fromEntries(Object.entries(result.signer).map(([k, v]) => [k, String(v)])) } : null,
              tlog: result.tlog ? { label: `Rekor #${result.tlog.logIndex}`, details: { logIndex: String(result.tlog.logIndex), integratedTime: new Date(result.tlog.integratedTime * 1000).toISOString(), logID: result.tlog.logID } } : null,
              keyFingerprint: fingerprint,
              signedAt,
            });
          }
          return results;
        }
        case 'cosign-attestation':
          return Promise.all(layers.map(async (layer) => this.dsseAttestation(node, await this.source.getBlob(graph.repository, layer.digest, MAX_SIGNATURE_BYTES), options)));
        case 'sigstore-bundle-signature':
        case 'sigstore-bundle-attestation': {
          const layer = layers[0];
          if (!layer) return notChecked('The bundle artifact has no layer.');
          const bundle = JSON.parse((await this.source.getBlob(graph.repository, layer.digest, MAX_SIGNATURE_BYTES)).toString('utf8')) as unknown;
          const kind = attachment.kind === 'sigstore-bundle-signature' ? 'signature' : 'attestation';
          const policy: BundlePolicy = options.bundlePolicy ?? (options.keys[0] ? { key: { publicKey: options.keys[0] } } : {});
          if (!options.trustedRoot) {
            const keyed = this.keyedBundle(bundle, node, policy, kind);
            if (keyed) return [keyed];
            return notChecked('No sigstore trusted root is configured, so this bundle cannot be checked.', kind);
          }
          const result = verifySigstoreBundle(bundle, { sha256: Buffer.from(node.digest.slice(7), 'hex') }, options.trustedRoot, policy);
          return [{ verdict: result.verdict, reason: result.reason, kind, signer: result.signer ? { label: result.signer.san ?? 'managed key', details: { issuer: result.signer.issuer ?? '', keyHint: result.signer.keyHint ?? '' } } : null, tlog: null, keyFingerprint: null, signedAt: null }];
        }
        case 'notation-signature': {
          const layer = layers[0];
          if (!layer) return notChecked('The Notation signature has no envelope.', 'signature');
          if (!options.notation) return notChecked('No Notation trust store is configured.', 'signature');
          const result = verifyNotationEnvelope(await this.source.getBlob(graph.repository, layer.digest, MAX_SIGNATURE_BYTES), options.notation, { artifactDigest: node.digest, now });
          return [{ verdict: result.verdict, reason: result.reason, kind: 'signature', signer: result.signer ? { label: result.signer.subject, details: result.signer } : null, tlog: null, keyFingerprint: null, signedAt: result.timestamp?.authentic ? new Date(result.timestamp.time) : null }];
        }
        default:
          return notChecked(attachment.kind === 'sbom' ? 'An SBOM: attached, not a signature.' : `An attached ${attachment.artifactType ?? 'artifact'}; nothing to verify.`);
      }
    } catch (error) {
      return [{ verdict: 'failed', reason: `The attachment could not be read: ${(error as Error).message}`, kind: attachment.kind.includes('attestation') ? 'attestation' : 'signature', signer: null, tlog: null, keyFingerprint: null, signedAt: null }];
    }
  }

  // A DSSE envelope signed with a trusted key, whose in-toto subject is this manifest.
  private dsseAttestation(node: ManifestNode, bytes: Buffer, options: VerifyOptions): SignatureOutcome {
    const envelope = JSON.parse(bytes.toString('utf8')) as { payloadType?: string; payload?: string; signatures?: { sig?: string }[] };
    const payload = Buffer.from(envelope.payload ?? '', 'base64');
    const type = envelope.payloadType ?? '';
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
    const statement = JSON.parse(payload.toString('utf8')) as { predicateType?: string; subject?: { digest?: { sha256?: string } }[] };
    const about = (statement.subject ?? []).some((s) => `sha256:${s.digest?.sha256}` === node.digest);
    if (!about) return { verdict: 'failed', reason: `The attestation is about another artifact, not ${node.digest}.`, kind: 'attestation', signer: null, tlog: null, keyFingerprint: null, signedAt: null };
    for (const key of options.keys) {
      for (const signature of envelope.signatures ?? []) {
        try {
          if (verifySignature(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', pae, key, Buffer.from(signature.sig ?? '', 'base64'))) {
            const fingerprint = fingerprintOf(key.export({ type: 'spki', format: 'der' }));
            return { verdict: 'verified', reason: `A ${statement.predicateType ?? 'statement'} attestation signed by the trusted key SHA256:${fingerprint.slice(0, 16)}….`, kind: 'attestation', signer: { label: keyLabel(fingerprint, options.inventory), details: { fingerprint } }, tlog: null, keyFingerprint: fingerprint, signedAt: null };
          }
        } catch {
          continue;
        }
      }
    }
    return { verdict: options.keys.length ? 'failed' : 'untrusted', reason: options.keys.length ? 'The attestation signature does not verify with any trusted key.' : 'No trusted key is configured for this attestation.', kind: 'attestation', signer: null, tlog: null, keyFingerprint: null, signedAt: null };
  }

  // Without a trusted root, a key-signed bundle can still be checked for its signature and subject (no log proof).
  private keyedBundle(bundle: unknown, node: ManifestNode, policy: BundlePolicy, kind: SignatureOutcome['kind']): SignatureOutcome | null {
    const envelope = (bundle as { dsseEnvelope?: { payloadType?: string; payload?: string; signatures?: { sig?: string }[] } }).dsseEnvelope;
    if (!envelope || !policy.key) return null;
    const bytes = Buffer.from(JSON.stringify({ payloadType: envelope.payloadType, payload: envelope.payload, signatures: envelope.signatures }));
    const outcome = this.dsseAttestation(node, bytes, { reference: '', keys: [policy.key.publicKey] });
    return { ...outcome, kind, reason: `${outcome.reason} The transparency-log proof was not checked: no trusted root is configured.` };
  }
}

function keyLabel(fingerprint: string, inventory: KeyRecord[] | undefined): string {
  const key = inventory?.find((k) => k.fingerprint === fingerprint);
  return key ? `${key.label} (SHA256:${fingerprint.slice(0, 12)}…)` : `key SHA256:${fingerprint.slice(0, 16)}…`;
}

// Inventory status applies: a compromised key invalidates signatures made after "invalid since"; a superseded one keeps earlier timestamped ones.
function judgeKey(verdict: Verdict, reason: string, fingerprint: string | null, signedAt: Date | null, inventory: KeyRecord[]): { verdict: Verdict; reason: string } {
  if (verdict !== 'verified' || !fingerprint) return { verdict, reason };
  const key = inventory.find((k) => k.fingerprint === fingerprint);
  if (!key?.revocation) {
    if (key?.notAfter && signedAt && signedAt.getTime() > Date.parse(key.notAfter)) return { verdict: 'expired', reason: `Signed after key "${key.label}" expired on ${key.notAfter}.` };
    return { verdict, reason };
  }
  const invalidSince = Date.parse(key.revocation.invalidSince);
  const compromised = key.revocation.reason === 'keyCompromise';
  if (signedAt && signedAt.getTime() < invalidSince) {
    return { verdict, reason: `${reason} Key "${key.label}" was revoked (${key.revocation.reason}) from ${key.revocation.invalidSince}, after this timestamped signature.` };
  }
  if (!signedAt && !compromised) {
    return { verdict: 'revoked', reason: `Key "${key.label}" was revoked (${key.revocation.reason}) and the signature has no trusted time to show it came before ${key.revocation.invalidSince}.` };
  }
  return { verdict: 'revoked', reason: `Key "${key.label}" was revoked (${key.revocation.reason}) from ${key.revocation.invalidSince}; this signature does not count.` };
}
