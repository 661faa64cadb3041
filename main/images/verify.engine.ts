import { verify as verifySignature, type X509Certificate } from 'node:crypto';
import type { ChainEdge, ChainNode, ChainReport, Check, Verdict } from '../../shared/model/chain.model.ts';
import type { Attachment, ImageGraph, ManifestNode } from '../../shared/model/image-graph.model.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { fingerprintOf } from '../encoding/key-encoding.ts';
import { certificateFields } from '../signatures/certificate-details.ts';
import { verifyCosignSignature } from '../signatures/cosign.verifier.ts';
import type { BundleContents, BundlePolicy, BundleVerification } from '../signatures/sigstore-bundle.verifier.ts';
import { parseStrictJson } from '../encoding/strict-json.ts';
import { Discovery, SIGSTORE_BUNDLE_TYPES } from './discovery.ts';
import type { ImageSource } from './image-source.types.ts';
import { z } from 'zod';
import { readDocument, SignatureManifestSchema } from './oci-documents.ts';
import type { VerifyTrust } from '../trust/trust-sources.ts';
import { BudgetedSource, VerifyBudget, type VerifyLimits } from './verify.budget.ts';

export interface VerifyOptions extends VerifyTrust {
  /** The reference as the user wrote it, for identity rules (registry/repository[:tag]). */
  reference: string;
  now?: Date;
  /** Re-read each manifest for display (the inspector); the CLI and scans skip the extra read. */
  includeRawManifests?: boolean;
  /** Check only the named manifest's own signatures, not an index's platform manifests (each is checked on its own). */
  manifestOnly?: boolean;
  /** Told, in words with counts, how far the check has got: registries can be slow. */
  onProgress?: (progress: { step: string; done: number; total: number }) => void;
  /** Raises (or lowers) the budgets of one verification; past any of them the image is too large to verify, so not verified. */
  limits?: Partial<VerifyLimits>;
}

interface SignatureOutcome {
  verdict: Verdict;
  reason: string;
  kind: 'signature' | 'attestation';
  signer: { label: string; details: Record<string, string> } | null;
  /** The transparency-log entry; without a verdict of its own, it is one whose proof verified. */
  tlog: { label: string; details: Record<string, string>; verdict?: Verdict; reason?: string } | null;
  /** An RFC 3161 timestamp, shown as its own node; without a verdict of its own, a trusted one. */
  timestamp?: { label: string; reason: string; details: Record<string, string>; verdict?: Verdict };
  /** The certificate path from the signing certificate up, and whether it ends in a trusted anchor. */
  certificates?: { chain: X509Certificate[]; anchored: boolean };
  /** What was signed (payload or in-toto statement) and the signature's annotations, pretty-printed for people. */
  shown?: Record<string, string>;
  keyFingerprint: string | null;
  signedAt: Date | null;
  /** Every check the verifier performed; the inventory's judgement of the key is added last. */
  checks?: Check[];
}

const MAX_SIGNATURE_BYTES = 1024 * 1024;

/** A trusted root that trusts nothing: key-signed bundles are still checked in full when no root is configured. */
const EMPTY_TRUSTED_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

/** A DSSE envelope and its in-toto statement, as far as they are read here. */
const EnvelopeSchema = z.looseObject({ payloadType: z.string().optional(), payload: z.string().optional(), signatures: z.array(z.looseObject({ sig: z.string().optional() })).optional() });
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const IN_TOTO_STATEMENT_TYPES = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];
const StatementSchema = z.looseObject({ _type: z.string().optional(), predicateType: z.string().optional(), subject: z.array(z.looseObject({ digest: z.looseObject({ sha256: z.string().optional() }).optional() })).optional() });

/** The budget a discovery started with, so the signature checks of the same graph draw on what is left of it. */
const budgets = new WeakMap<ImageGraph, VerifyBudget>();

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
    return this.chain(await this.discover(repository, reference, options), { ...options, now });
  }

  // Reading the image and what is attached to it needs no trust material, so a caller may start it while its trust still loads.
  async discover(repository: string, reference: string, options: Pick<VerifyOptions, 'reference' | 'manifestOnly' | 'onProgress' | 'limits'>): Promise<ImageGraph> {
    options.onProgress?.({ step: `Reading ${options.reference}`, done: 0, total: 0 });
    const budget = new VerifyBudget(options.limits);
    const graph = await new Discovery(this.source).discover(repository, reference, { children: !options.manifestOnly, budget });
    budgets.set(graph, budget);
    return graph;
  }

  // The chain of an image already read: every signature and attestation checked against the trust the options carry.
  async chain(graph: ImageGraph, options: VerifyOptions): Promise<ChainReport> {
    const now = options.now ?? new Date();
    const budget = budgets.get(graph) ?? new VerifyBudget(options.limits);
    const source = new BudgetedSource(this.source, budget);
    const count = (node: ManifestNode): number => node.attachments.length + node.children.reduce((sum, child) => sum + count(child), 0);
    const total = count(graph.root);
    let done = 0;
    const tick = () => options.onProgress?.({ step: 'Checking signatures and attestations', done: ++done, total });
    options.onProgress?.({ step: 'Checking signatures and attestations', done, total });
    const nodes: ChainNode[] = [];
    const edges: ChainEdge[] = [];
    const referenceId = 'reference';
    nodes.push({ id: referenceId, kind: 'reference', label: options.reference, verdict: 'not-checked', reason: `Resolved to ${graph.root.digest}.`, details: { source: graph.source } });
    const checked = await this.manifest(source, graph, graph.root, referenceId, 'resolves to', options, now, nodes, edges, tick);
    const unsignedChildren = graph.root.children.filter((c) => nodes.find((n) => n.id === c.digest)?.verdict === 'unsigned');
    const unreadableChildren = graph.root.children.filter((c) => c.unreadable);
    // Past a budget nothing is verified: what was not read could have changed the answer.
    const tooLarge = graph.tooLarge ?? budget.exceeded;
    const rootVerdict: Verdict = tooLarge ? 'failed' : checked;
    const reason = tooLarge
      ? `${tooLarge}. Reading stopped there, so the image is not verified; raise the limit to check it.`
      : rootVerdict === 'verified'
        ? `The image is signed and the signature verifies.${unsignedChildren.length ? ` ${unsignedChildren.length} platform manifest(s) carry no signature of their own.` : ''}${unreadableChildren.length ? ` ${unreadableChildren.length} platform manifest(s) could not be read.` : ''}`
        : (nodes.find((n) => n.id === graph.root.digest)?.reason ?? 'The image is not verified.');
    nodes[0]!.verdict = rootVerdict;
    nodes.push({ id: 'policy', kind: 'policy', label: 'Policy', verdict: rootVerdict, reason, details: {} });
    edges.push({ from: graph.root.digest, to: 'policy', label: 'judged by' });
    const reported = tooLarge && !graph.tooLarge ? { ...graph, tooLarge, problems: [...graph.problems, tooLarge] } : graph;
    return { reference: options.reference, checkedAt: now.toISOString(), verdict: rootVerdict, reason, nodes, edges, graph: reported, holdsUntil: verdictHorizon(nodes, options.inventory ?? [], now) };
  }

  private async manifest(source: ImageSource, graph: ImageGraph, node: ManifestNode, parent: string, relation: string, options: VerifyOptions, now: Date, nodes: ChainNode[], edges: ChainEdge[], tick: () => void): Promise<Verdict> {
    const details: Record<string, string> = { digest: node.digest, mediaType: node.mediaType, size: String(node.size) };
    if (node.platform) details.platform = `${node.platform.os}/${node.platform.architecture}${node.platform.variant ? `/${node.platform.variant}` : ''}`;
    if (options.includeRawManifests) {
      details.manifest = await source
        .getManifest(graph.repository, node.digest)
        .then((fetched) => pretty(fetched.bytes.toString('utf8')))
        .catch((error: unknown) => `The manifest could not be read again: ${(error as Error).message}`);
    }
    const entry: ChainNode = { id: node.digest, kind: node.kind, label: node.platform ? details.platform! : node.kind === 'index' ? 'Index' : 'Manifest', verdict: 'unsigned', reason: 'No signature is attached to this manifest.', details };
    nodes.push(entry);
    edges.push({ from: parent, to: node.digest, label: relation });
    const outcomes: SignatureOutcome[] = [];
    const unreadable: string[] = [];
    for (const [position, attachment] of node.attachments.entries()) {
      if (attachment.unreadable) {
        tick();
        const id = `${node.digest}/unreadable/${position}`;
        nodes.push({ id, kind: 'artifact', label: attachment.tag ?? (attachment.digest === node.digest ? 'Referrers list' : 'Attachment'), verdict: 'failed', reason: `unreadable: ${attachment.unreadable}`, details: { via: attachment.via, digest: attachment.digest, ...(attachment.tag ? { tag: attachment.tag } : {}) } });
        edges.push({ from: node.digest, to: id, label: 'has attached' });
        unreadable.push(attachment.unreadable);
        continue;
      }
      const produced = await this.attachment(source, graph, node, attachment, options, now);
      tick();
      for (const [index, outcome] of produced.entries()) {
        const id = `${attachment.digest}#${index}`;
        nodes.push({ id, kind: outcome.kind, label: `${attachment.kind}${attachment.predicateType ? ` (${attachment.predicateType})` : ''}`, verdict: outcome.verdict, reason: outcome.reason, details: { via: attachment.via, digest: attachment.digest, attachmentKind: attachment.kind, ...(attachment.tag ? { tag: attachment.tag } : {}), ...(attachment.predicateType ? { predicateType: attachment.predicateType } : {}), ...outcome.shown }, ...(outcome.checks ? { checks: outcome.checks } : {}) });
        edges.push({ from: node.digest, to: id, label: outcome.kind === 'signature' ? 'signed by' : 'attested by' });
        let chainFrom = id;
        if (outcome.signer) {
          nodes.push({ id: `${id}/signer`, kind: 'signer', label: outcome.signer.label, verdict: outcome.verdict, reason: outcome.reason, details: outcome.signer.details });
          edges.push({ from: id, to: `${id}/signer`, label: 'made with' });
          chainFrom = `${id}/signer`;
        }
        for (const [depth, cert] of (outcome.certificates?.chain ?? []).entries()) {
          const anchored = outcome.certificates!.anchored;
          const last = depth === outcome.certificates!.chain.length - 1;
          const certId = `${id}/certificate/${depth}`;
          const name = /CN=([^,\n]+)/.exec(cert.subject ?? '')?.[1] ?? cert.subjectAltName ?? 'certificate';
          nodes.push({
            id: certId,
            kind: 'certificate',
            label: last && anchored ? `Trust anchor: ${name}` : name,
            verdict: anchored ? 'verified' : 'untrusted',
            reason: anchored ? (last ? 'A trusted root: the chain ends here.' : 'Issued by the next certificate in a chain that ends in a trusted root.') : last ? 'The chain stops here without reaching a trusted root.' : 'Part of a chain that does not reach a trusted root.',
            details: { role: depth === 0 ? 'signing certificate' : last && anchored ? 'trust anchor' : 'intermediate', ...certificateFields(cert) },
          });
          edges.push({ from: depth === 0 ? chainFrom : `${id}/certificate/${depth - 1}`, to: certId, label: depth === 0 ? 'certified by' : 'issued by' });
        }
        if (outcome.tlog) {
          nodes.push({ id: `${id}/tlog`, kind: 'tlog', label: outcome.tlog.label, verdict: outcome.tlog.verdict ?? 'verified', reason: outcome.tlog.reason ?? 'The transparency-log entry verifies offline.', details: outcome.tlog.details });
          edges.push({ from: id, to: `${id}/tlog`, label: 'logged in' });
        }
        if (outcome.timestamp) {
          nodes.push({ id: `${id}/timestamp`, kind: 'timestamp', label: outcome.timestamp.label, verdict: outcome.timestamp.verdict ?? 'verified', reason: outcome.timestamp.reason, details: outcome.timestamp.details });
          edges.push({ from: id, to: `${id}/timestamp`, label: 'timestamped by' });
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
    // Fail closed: a manifest whose own document is unreadable is not verified, and one with an unreadable attachment is at best what the rest proves.
    if (node.unreadable) {
      entry.verdict = 'failed';
      entry.reason = `unreadable: ${node.unreadable}`;
    } else if (unreadable.length > 0 && entry.verdict !== 'verified') {
      entry.verdict = 'failed';
      entry.reason = `Not verified: ${unreadable.length} attached document(s) could not be read (unreadable: ${unreadable[0]})${best ? `; ${best.reason}` : '.'}`;
    }
    for (const child of node.children) await this.manifest(source, graph, child, node.digest, 'platform', options, now, nodes, edges, tick);
    return entry.verdict;
  }

  private async attachment(source: ImageSource, graph: ImageGraph, node: ManifestNode, attachment: Attachment, options: VerifyOptions, now: Date): Promise<SignatureOutcome[]> {
    const notChecked = (reason: string, kind: SignatureOutcome['kind'] = 'attestation'): SignatureOutcome[] => [{ verdict: 'not-checked', reason, kind, signer: null, tlog: null, keyFingerprint: null, signedAt: null }];
    try {
      const manifest = readDocument((await source.getManifest(graph.repository, attachment.digest)).bytes, SignatureManifestSchema, `The attached manifest ${attachment.digest}`);
      const layers = manifest.layers ?? [];
      switch (attachment.kind) {
        case 'cosign-signature': {
          const results: SignatureOutcome[] = [];
          for (const layer of layers) {
            const payload = await source.getBlob(graph.repository, layer.digest, MAX_SIGNATURE_BYTES);
            const result = verifyCosignSignature({
              manifestDigest: node.digest,
              reference: options.reference,
              identityRule: 'matchRepository',
              payload,
              annotations: layer.annotations ?? {},
              trust: { rekorKeys: [], roots: [], intermediates: [], ...options.cosign, keys: options.keys },
              now,
            });
            const fingerprint = result.signer?.kind === 'key' ? result.signer.fingerprint : null;
            const signedAt = result.timestamp ? new Date(result.timestamp.time) : result.tlog ? new Date(result.tlog.integratedTime * 1000) : null;
            const judged = judgeKey(result.verdict, result.reason, fingerprint, signedAt, options.inventory ?? [], now);
            results.push({
              checks: [...result.checks.map((c) => ({ name: c.name, result: c.ok ? ('pass' as const) : ('fail' as const), reason: c.reason })), ...judged.checks],
              verdict: judged.verdict,
              reason: judged.reason,
              kind: 'signature',
              signer: result.signer ? { label: result.signer.kind === 'key' ? keyLabel(result.signer.fingerprint, options.inventory) : result.signer.san, details: Object.fromEntries(Object.entries(result.signer).map(([k, v]) => [k, String(v)])) } : null,
              tlog: result.tlog ? { label: `Rekor #${result.tlog.logIndex}`, details: { logIndex: String(result.tlog.logIndex), integratedTime: new Date(result.tlog.integratedTime * 1000).toISOString(), logID: result.tlog.logID } } : null,
              certificates: { chain: result.certificates, anchored: result.anchored },
              shown: { payload: pretty(payload.toString('utf8')), annotations: JSON.stringify(layer.annotations ?? {}, null, 2) },
              ...(result.timestamp ? { timestamp: { label: `Timestamp ${result.timestamp.time}`, reason: result.timestamp.authority, details: { time: result.timestamp.time, standard: 'RFC 3161' } } } : {}),
              keyFingerprint: fingerprint,
              signedAt,
            });
          }
          return results;
        }
        case 'cosign-attestation':
          // Awaited here, so that an unreadable envelope is this attachment's verdict and not the verification's failure.
          return await Promise.all(layers.map(async (layer) => this.judged(this.dsseAttestation(node, await source.getBlob(graph.repository, layer.digest, MAX_SIGNATURE_BYTES), options), options, now)));
        case 'sigstore-bundle-signature':
        case 'sigstore-bundle-attestation': {
          const kind = attachment.kind === 'sigstore-bundle-signature' ? 'signature' : 'attestation';
          const refused = (reason: string): SignatureOutcome[] => [{ verdict: 'failed', reason, kind, signer: null, tlog: null, keyFingerprint: null, signedAt: null }];
          // cosign 3's layout: exactly one layer, the bundle, of a v0.3 bundle media type; anything else is not one bundle to judge.
          const layer = layers[0];
          if (!layer) return notChecked('The bundle artifact has no layer.');
          if (layers.length !== 1) return refused(`The bundle referrer has ${layers.length} layers; a sigstore bundle referrer carries exactly one, the bundle.`);
          if (!SIGSTORE_BUNDLE_TYPES.includes(layer.mediaType ?? '')) return refused(`The bundle referrer's layer is ${layer.mediaType ?? 'untyped'}, not a sigstore bundle (${SIGSTORE_BUNDLE_TYPES.join(' or ')}).`);
          const parsed = parseStrictJson((await source.getBlob(graph.repository, layer.digest, MAX_SIGNATURE_BYTES)).toString('utf8'));
          if (!parsed.ok) return refused(`The bundle cannot be read: ${parsed.reason}.`);
          const bundle = parsed.value;
          const declared = (bundle as { mediaType?: unknown } | null)?.mediaType;
          // cosign 3 reads image referrers of v0.3 bundles only: an older bundle behind a v0.3 artifact type is checked and shown, never verified.
          const older = typeof declared !== 'string' || !SIGSTORE_BUNDLE_TYPES.includes(declared) ? `The bundle's media type is ${typeof declared === 'string' ? declared : 'missing'}; an image referrer carries a v0.3 bundle (${SIGSTORE_BUNDLE_TYPES.join(' or ')}).` : null;
          // The sigstore libraries are loaded for the first bundle only: most images carry cosign or Notation signatures.
          const { verifySigstoreBundle } = await import('../signatures/sigstore-bundle.verifier.ts');
          // Every trusted key is tried in turn: a bundle rarely names its key, and the inventory holds many.
          const policies: BundlePolicy[] = options.bundlePolicy?.identity || options.keys.length === 0 ? [options.bundlePolicy ?? {}] : options.keys.map((publicKey) => ({ key: { publicKey }, requireTlog: options.bundlePolicy?.requireTlog, tsa: options.cosign?.tsa }));
          // Without a trusted root only trusted keys can vouch: the bundle is checked in full against an empty root, so nothing the root would anchor passes.
          const trustedRoot = options.trustedRoot ?? EMPTY_TRUSTED_ROOT;
          if (!options.trustedRoot && policies.every((policy) => !policy.key)) return notChecked('No sigstore trusted root is configured, so this bundle cannot be checked.', kind);
          let first: SignatureOutcome | undefined;
          for (const policy of policies) {
            const checked = verifySigstoreBundle(bundle, { sha256: Buffer.from(node.digest.slice(7), 'hex') }, trustedRoot, policy);
            const result = older && checked.verdict === 'verified' ? { ...checked, verdict: 'failed' as const, reason: `${older} Everything else verifies.` } : checked;
            const fingerprint = result.verdict === 'verified' && policy.key ? fingerprintOf(policy.key.publicKey.export({ type: 'spki', format: 'der' })) : null;
            const outcome: SignatureOutcome = {
              verdict: result.verdict,
              reason: options.trustedRoot || result.verdict !== 'verified' ? result.reason : `${result.reason} No sigstore trusted root is configured, so nothing it would anchor was relied on.`,
              kind,
              signer: fingerprint ? { label: keyLabel(fingerprint, options.inventory), details: { fingerprint } } : result.signer ? { label: result.signer.san ?? 'managed key', details: { issuer: result.signer.issuer ?? '', keyHint: result.signer.keyHint ?? '' } } : null,
              keyFingerprint: fingerprint,
              signedAt: null,
              shown: bundleShown(bundle),
              checks: bundleChecks(result),
              ...bundleEvidence(result, result.verdict === 'verified' ? null : { reason: `The bundle did not verify, so this is not relied on: ${result.reason}`, proof: 'present, not relied on (verification failed)' }),
            };
            if (outcome.verdict === 'verified') return [this.judged(outcome, options, now)];
            first ??= outcome;
          }
          return [first!];
        }
        case 'notation-signature': {
          if (layers.length === 0) return notChecked('The Notation signature has no envelope.', 'signature');
          if (!options.notation) return notChecked('No Notation trust store is configured.', 'signature');
          const { notationEnvelopeLayer, verifyNotationEnvelope } = await import('../signatures/notation.verifier.ts');
          const chosen = notationEnvelopeLayer(layers);
          if ('problem' in chosen) return [{ verdict: 'failed', reason: chosen.problem, kind: 'signature', signer: null, tlog: null, keyFingerprint: null, signedAt: null }];
          const layer = chosen.layer;
          const result = verifyNotationEnvelope(await source.getBlob(graph.repository, layer.digest, MAX_SIGNATURE_BYTES), options.notation, { artifactDigest: node.digest, artifactMediaType: node.mediaType, artifactSize: node.size, format: chosen.format, now });
          return [
            {
              verdict: result.verdict,
              reason: result.reason,
              kind: 'signature',
              signer: result.signer ? { label: result.signer.subject, details: result.signer } : null,
              tlog: null,
              keyFingerprint: null,
              signedAt: result.timestamp?.authentic ? new Date(result.timestamp.time) : null,
              certificates: { chain: result.certificates, anchored: result.anchored },
              checks: result.checks.map((c) => ({ name: c.name, result: c.ok ? 'pass' : c.logged ? 'logged' : 'fail', reason: c.reason })),
              shown: { payload: pretty(result.payload ?? ''), envelope: `${result.format ?? 'unknown'} (${layer.mediaType})`, ...(result.expiry ? { expiry: result.expiry } : {}), checks: result.checks.map((c) => `${c.ok ? 'pass' : c.logged ? 'logged' : 'FAIL'}: ${c.name}: ${c.reason}`).join('\n') },
              ...(result.timestamp?.authentic ? { timestamp: { label: `Timestamp ${result.timestamp.time}`, reason: 'An RFC 3161 countersignature from a trusted timestamp authority.', details: { time: result.timestamp.time, standard: 'RFC 3161' } } } : {}),
            },
          ];
        }
        default:
          return notChecked(attachment.kind === 'sbom' ? 'An SBOM: attached, not a signature.' : `An attached ${attachment.artifactType ?? 'artifact'}; nothing to verify.`);
      }
    } catch (error) {
      return [{ verdict: 'failed', reason: `The attachment could not be read: ${(error as Error).message}`, kind: attachment.kind.includes('attestation') ? 'attestation' : 'signature', signer: null, tlog: null, keyFingerprint: null, signedAt: null }];
    }
  }

  // A DSSE envelope signed with a trusted key, carrying an in-toto statement whose subject is this manifest.
  private dsseAttestation(node: ManifestNode, bytes: Buffer, options: VerifyOptions): SignatureOutcome {
    const envelope = readDocument(bytes, EnvelopeSchema, 'The DSSE envelope');
    const payload = Buffer.from(envelope.payload ?? '', 'base64');
    const type = envelope.payloadType ?? '';
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
    const shown = { statement: pretty(payload.toString('utf8')), payloadType: type };
    const checks: Check[] = [];
    const refuse = (verdict: Verdict, name: string, reason: string): SignatureOutcome => {
      checks.push({ name, result: 'fail', reason });
      return { verdict, reason, kind: 'attestation', signer: null, tlog: null, keyFingerprint: null, signedAt: null, shown, checks };
    };
    let signedWith: string | null = null;
    for (const key of options.keys) {
      for (const signature of envelope.signatures ?? []) {
        try {
          if (verifySignature(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', pae, key, Buffer.from(signature.sig ?? '', 'base64'))) signedWith ??= fingerprintOf(key.export({ type: 'spki', format: 'der' }));
        } catch {
          continue;
        }
      }
    }
    if (!signedWith) return refuse(options.keys.length ? 'failed' : 'untrusted', 'signature', options.keys.length ? 'The attestation signature does not verify with any trusted key.' : 'No trusted key is configured for this attestation.');
    checks.push({ name: 'signature', result: 'pass', reason: `The envelope's signature over its payload and payload type verifies with the trusted key SHA256:${signedWith.slice(0, 16)}….` });
    if (type !== IN_TOTO_PAYLOAD_TYPE) return refuse('failed', 'payload type', `The envelope's payload type is "${type}", not ${IN_TOTO_PAYLOAD_TYPE}, so its payload is not an in-toto statement.`);
    checks.push({ name: 'payload type', result: 'pass', reason: `The payload type is ${IN_TOTO_PAYLOAD_TYPE}.` });
    const strict = parseStrictJson(payload.toString('utf8'));
    if (!strict.ok) return refuse('failed', 'statement', `The in-toto statement cannot be read: ${strict.reason}.`);
    const read = StatementSchema.safeParse(strict.value);
    if (!read.success) return refuse('failed', 'statement', 'The in-toto statement does not have the shape of a statement (subject, predicateType).');
    const statement = read.data;
    if (!IN_TOTO_STATEMENT_TYPES.includes(statement._type ?? '')) return refuse('failed', 'statement type', `The statement's _type is "${statement._type ?? ''}", not an in-toto statement type (${IN_TOTO_STATEMENT_TYPES.join(' or ')}).`);
    checks.push({ name: 'statement type', result: 'pass', reason: `The statement is an ${statement._type}.` });
    const about = (statement.subject ?? []).some((s) => `sha256:${s.digest?.sha256}` === node.digest);
    if (!about) return refuse('failed', 'subject', `The attestation is about another artifact, not ${node.digest}.`);
    checks.push({ name: 'subject', result: 'pass', reason: `The statement's subject is ${node.digest}.` });
    return { verdict: 'verified', reason: `A ${statement.predicateType ?? 'statement'} attestation signed by the trusted key SHA256:${signedWith.slice(0, 16)}….`, kind: 'attestation', signer: { label: keyLabel(signedWith, options.inventory), details: { fingerprint: signedWith } }, tlog: null, keyFingerprint: signedWith, signedAt: null, shown, checks };
  }

  // Inventory status (revoked, expired) overrides a verified signature made with that key.
  private judged(outcome: SignatureOutcome, options: VerifyOptions, now: Date): SignatureOutcome {
    const judged = judgeKey(outcome.verdict, outcome.reason, outcome.keyFingerprint, outcome.signedAt, options.inventory ?? [], now);
    return { ...outcome, verdict: judged.verdict, reason: judged.reason, checks: [...(outcome.checks ?? []), ...judged.checks] };
  }
}

/** Why a bundle's log entry and timestamps are shown but not relied on. */
interface Unproven {
  reason: string;
  /** How a carried but unconfirmed inclusion proof is described. */
  proof: string;
}

/**
 * A bundle's log entry, first timestamp and certificates become chain nodes like a cosign signature's.
 * With `unproven`, the bundle was not verified: the nodes then show what was carried, not what was proven.
 */
function bundleEvidence(contents: BundleContents, unproven: Unproven | null): Pick<SignatureOutcome, 'tlog' | 'timestamp' | 'certificates'> {
  const entry = contents.tlog;
  const proven = unproven === null;
  const proofWords = { verified: 'verified against the checkpoint', present: unproven?.proof ?? 'present', absent: entry?.inclusionPromise ? 'absent: only a signed promise (SET)' : 'absent, and no signed promise (SET) either' };
  const tlog: SignatureOutcome['tlog'] = entry
    ? {
        label: `Rekor #${entry.logIndex}`,
        verdict: proven ? 'verified' : 'not-checked',
        reason: unproven
          ? unproven.reason
          : entry.inclusionProof === 'verified'
            ? 'The inclusion proof verifies against a checkpoint signed by a trusted log.'
            : "The log's signed promise of inclusion (SET) verifies with a trusted log key; the bundle carries no inclusion proof.",
        details: {
          logIndex: entry.logIndex,
          integratedTime: entry.integratedTime ?? 'none recorded (the log entry carries no time)',
          logID: entry.logId,
          kind: entry.kind,
          inclusionProof: proofWords[entry.inclusionProof],
          inclusionPromise: entry.inclusionPromise ? 'signed entry timestamp (SET) carried' : 'none',
          ...(entry.checkpoint ? { checkpoint: entry.checkpoint } : {}),
        },
      }
    : null;
  const [stamp, ...others] = contents.timestamps;
  const timestamp: SignatureOutcome['timestamp'] = stamp
    ? {
        label: `Timestamp ${stamp.time}`,
        verdict: proven && stamp.trusted !== false ? 'verified' : 'not-checked',
        reason: unproven ? unproven.reason : (stamp.reason ?? `An RFC 3161 timestamp from ${stamp.authority ?? 'a timestamp authority'} that the trusted root vouches for.`),
        details: { time: stamp.time, standard: 'RFC 3161', authority: stamp.authority ?? 'unknown', ...(others.length ? { moreTimestamps: others.map((t) => `${t.time} (${t.authority ?? 'unknown authority'})`).join('\n') } : {}) },
      }
    : undefined;
  return { tlog, ...(timestamp ? { timestamp } : {}), certificates: { chain: contents.certificates, anchored: contents.anchored } };
}

// A bundle shows its in-toto statement, or for a message signature the digest it signs.
function bundleShown(bundle: unknown): Record<string, string> {
  const b = bundle as { mediaType?: string; dsseEnvelope?: { payload?: string; payloadType?: string }; messageSignature?: { messageDigest?: { algorithm?: string; digest?: string } } };
  if (b.dsseEnvelope?.payload) return { bundle: b.mediaType ?? '', statement: pretty(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8')), payloadType: b.dsseEnvelope.payloadType ?? '' };
  const digest = b.messageSignature?.messageDigest;
  return { bundle: b.mediaType ?? '', messageDigest: digest?.digest ? `${digest.algorithm ?? ''} ${Buffer.from(digest.digest, 'base64').toString('hex')}` : '' };
}

// Signed JSON is shown indented; anything else as it is.
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// A remembered verdict may stand only until time alone could change it: a certificate, key or signature expiring, or a certificate becoming valid.
export function verdictHorizon(nodes: ChainNode[], inventory: KeyRecord[], now: Date): string | null {
  const times: number[] = [];
  for (const node of nodes) {
    if (node.kind === 'certificate') times.push(Date.parse(node.details.validTo ?? ''), Date.parse(node.details.validFrom ?? ''));
    if (node.details.expiry) times.push(Date.parse(node.details.expiry));
    const key = node.kind === 'signer' && node.details.fingerprint ? inventory.find((k) => k.fingerprint === node.details.fingerprint) : undefined;
    if (key?.notAfter) times.push(Date.parse(key.notAfter));
    if (key?.revocation) times.push(Date.parse(key.revocation.invalidSince));
  }
  // Times already past are in the verdict; a time that cannot be read ends the horizon now, so such a verdict is never reused.
  const earliest = Math.min(...times.map((t) => (Number.isNaN(t) ? now.getTime() : t)).filter((t) => Number.isNaN(t) || t >= now.getTime()));
  return Number.isFinite(earliest) ? new Date(earliest).toISOString() : null;
}

// What the sigstore library and the checks after it covered, as one list: the library's own steps are not reported one by one.
function bundleChecks(result: BundleVerification): Check[] {
  if (result.verdict !== 'verified') return [{ name: 'bundle', result: 'fail', reason: result.reason }];
  return [
    { name: 'bundle', result: 'pass', reason: 'The signature, the certificate path or key, the transparency-log proof and the timestamps verify against the trusted root.' },
    { name: 'signer identity', result: 'pass', reason: result.signer?.san ? `Signed by ${result.signer.san}${result.signer.issuer ? ` (issuer ${result.signer.issuer})` : ''}, as the policy requires.` : 'Signed by the trusted key.' },
    { name: 'artifact', result: 'pass', reason: 'The bundle signs this manifest digest.' },
  ];
}

function keyLabel(fingerprint: string, inventory: KeyRecord[] | undefined): string {
  const key = inventory?.find((k) => k.fingerprint === fingerprint);
  return key ? `${key.label} (SHA256:${fingerprint.slice(0, 12)}…)` : `key SHA256:${fingerprint.slice(0, 16)}…`;
}

// Inventory status applies: a compromised key invalidates signatures made after "invalid since"; a superseded one keeps earlier timestamped ones;
// an expired key's signatures count only with a trusted time before its expiry, or, without one, only until it expires.
export function judgeKey(verdict: Verdict, reason: string, fingerprint: string | null, signedAt: Date | null, inventory: KeyRecord[], now: Date): { verdict: Verdict; reason: string; checks: Check[] } {
  const key = verdict === 'verified' && fingerprint ? inventory.find((k) => k.fingerprint === fingerprint) : undefined;
  if (!key) return { verdict, reason, checks: [] };
  const judged = (v: Verdict, r: string, why = r) => ({ verdict: v, reason: r, checks: [{ name: 'key status', result: v === 'verified' ? ('pass' as const) : ('fail' as const), reason: why }] });
  if (!key.revocation) {
    const expiry = key.notAfter ? Date.parse(key.notAfter) : Number.NaN;
    if (key.notAfter && Number.isNaN(expiry)) return judged('failed', `Key "${key.label}" has an expiry that cannot be read (${key.notAfter}), so its signatures are not relied on.`);
    if (signedAt && signedAt.getTime() > expiry) return judged('expired', `Signed after key "${key.label}" expired on ${key.notAfter}.`);
    if (!signedAt && now.getTime() > expiry) return judged('expired', `Key "${key.label}" expired on ${key.notAfter}, and the signature has no trusted time to show it was made before then.`);
    return judged(verdict, reason, `Key "${key.label}" is in the inventory and not revoked${key.notAfter ? `; it expires on ${key.notAfter}` : ''}.`);
  }
  const invalidSince = Date.parse(key.revocation.invalidSince);
  const compromised = key.revocation.reason === 'keyCompromise';
  if (signedAt && signedAt.getTime() < invalidSince) {
    return judged(verdict, `${reason} Key "${key.label}" was revoked (${key.revocation.reason}) from ${key.revocation.invalidSince}, after this timestamped signature.`);
  }
  if (!signedAt && !compromised) {
    return judged('revoked', `Key "${key.label}" was revoked (${key.revocation.reason}) and the signature has no trusted time to show it came before ${key.revocation.invalidSince}.`);
  }
  return judged('revoked', `Key "${key.label}" was revoked (${key.revocation.reason}) from ${key.revocation.invalidSince}; this signature does not count.`);
}
