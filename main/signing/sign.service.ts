import { randomUUID, type X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { InspectInput } from '../../shared/model/images.model.ts';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import { formatImageReference, parseImageReference } from '../../shared/model/image-reference.model.ts';
import { ALGORITHM_NAMES, effectiveStatus, type KeyRecord } from '../../shared/model/keys.model.ts';
import { FORMAT_NAMES, type PrepareBulkSign, type PrepareSign, type SignIntentView, type SignPlan, type SignProgress, type SignResult, type SignatureFormat } from '../../shared/model/signing.model.ts';
import type { Settings } from '../../shared/model/settings.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import { matchesGlob } from '../../shared/glob.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import type { ConfirmationFact } from '../confirm/confirmation.types.ts';
import { SignetError } from '../errors.ts';
import { Discovery } from '../images/discovery.ts';
import { assertConfiguredLayout, resolveImageTarget, type ImageTarget } from '../images/image-target.ts';
import { ManifestDocumentSchema, readDocument } from '../images/oci-documents.ts';
import type { ImagesService } from '../images/images.service.ts';
import { VerifyEngine } from '../images/verify.engine.ts';
import type { IntentService } from '../intents/intent.service.ts';
import { ecdsaDerToRaw } from '../encoding/key-encoding.ts';
import type { KeyService } from '../keys/keys.service.ts';
import { runPool } from '../platform/task-pool.ts';
import { describeLocation } from '../keys/key-location.ts';
import type { CredentialSource } from '../registry/registry.client.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { AuthorityService } from '../trust/authority.service.ts';
import { appendCosignSignature, simpleSigningPayload } from './cosign.writer.ts';
import {
  BUNDLE_MEDIA_TYPE,
  chainThumbprints,
  COSIGN_SIGN_PREDICATE,
  dsseSignedBytes,
  JWS_MEDIA_TYPE,
  NOTATION_SIGNATURE_TYPE,
  notationEnvelope,
  notationParts,
  notationSignedBytes,
  signingStatement,
  sigstoreBundle,
} from './envelopes.ts';
import { pushReferrer } from './referrer.writer.ts';
import { requestTimestamp } from './tsa.client.ts';

export interface SignServiceDeps {
  dataDir: string;
  settings: SettingsService;
  keys: KeyService;
  intents: IntentService;
  audit: AuditLog;
  images: ImagesService;
  authority: AuthorityService;
  credentials: CredentialSource;
  agent: string;
  onProgress(progress: SignProgress): void;
  now?: () => Date;
}

interface Target {
  digest: string;
  mediaType: string;
  size: number;
  tag: string | null;
  platform: string | null;
}

declare module '../intents/intent.service.ts' {
  interface IntentPayloads {
    sign: SignOrder;
  }
}

/** Everything an intent stands for; facts shown to the person are rebuilt from it before acting. */
interface SignOrder {
  reference: string;
  insecure: boolean;
  keyId: string;
  format: SignatureFormat;
  annotations: Record<string, string>;
  timestamp: boolean;
  /** Tags whose digest was pinned when the intent was issued; each must still point there. */
  pins: { tag: string; digest: string }[];
  targets: Target[];
  bulk: boolean;
}

interface Signed {
  written: string[];
  /** The manifest the signature lives in, so its verdict can be found in the verification report. */
  attachment: string;
}

const FORMAT_KINDS: Record<string, SignatureFormat> = { 'cosign-signature': 'cosign', 'sigstore-bundle-signature': 'sigstore-bundle', 'notation-signature': 'notation' };
const MAX_BULK = 2000;
/** Signatures made together on a token; a cancel wastes at most these. */
const SIGN_BATCH = 16;
/** Images pushed and verified at once; the registry client caps its own connections too. */
const PUSH_CONCURRENCY = 4;

/**
 * Signing images: main resolves and pins what will be signed, issues a single-use intent naming
 * every digest, the key and the destination, asks the person through its own channel, re-checks
 * that nothing moved, signs through the key backend, pushes, verifies what it pushed and records
 * it in the audit log. Nothing is published to a public transparency log.
 */
export class SignService {
  private readonly deps: SignServiceDeps;
  private readonly now: () => Date;
  private readonly running = new Map<string, { cancelled: boolean }>();

  constructor(deps: SignServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  // A tag is resolved at once, so the person reviews a digest, never a name that can move.
  async plan(input: InspectInput): Promise<SignPlan> {
    const target = await this.target(input.reference, input.insecure);
    const graph = await new Discovery(target.source).discover(target.repository, target.reference);
    // A person is shown what is signed: a manifest that cannot be read cannot be reviewed, so it is never offered for signing.
    if (graph.root.unreadable) throw new SignetError('BadInput', `${input.reference} cannot be signed: its manifest is unreadable: ${graph.root.unreadable}`);
    const signedWith = (attachments: { kind: string }[]) => [...new Set(attachments.flatMap((a) => (FORMAT_KINDS[a.kind] ? [FORMAT_KINDS[a.kind]!] : [])))];
    const manifests = [
      { digest: graph.root.digest, mediaType: graph.root.mediaType, size: graph.root.size, platform: null, signedWith: signedWith(graph.root.attachments) },
      ...graph.root.children.map((child) => ({ digest: child.digest, mediaType: child.mediaType, size: child.size, platform: platformName(child.platform), signedWith: signedWith(child.attachments) })),
    ];
    return { reference: input.reference, repository: repositoryName(target), tag: graph.tag, digest: graph.root.digest, kind: graph.root.kind, manifests };
  }

  async prepare(input: PrepareSign): Promise<SignIntentView> {
    const target = await this.target(input.reference, input.insecure);
    const root = await target.source.getManifest(target.repository, target.reference);
    const tag = target.reference.startsWith('sha256:') ? null : target.reference;
    if (root.digest !== input.digest) throw new SignetError('Conflict', `${input.reference} now points at ${root.digest}, not the ${input.digest} that was reviewed; resolve it again.`);
    const plan = await this.children(target, root.digest, root.mediaType, root.bytes);
    const targets: Target[] = [];
    for (const digest of input.manifests) {
      const found = plan.find((m) => m.digest === digest);
      if (!found) throw new SignetError('BadInput', `${digest} is neither ${input.reference} nor one of its platform manifests.`);
      if (!targets.some((t) => t.digest === digest)) targets.push({ ...found, tag: digest === root.digest ? tag : null });
    }
    return this.issue({ reference: input.reference, insecure: input.insecure, keyId: input.keyId, format: input.format, annotations: input.annotations, timestamp: input.timestamp, pins: tag ? [{ tag, digest: root.digest }] : [], targets, bulk: false }, target);
  }

  // One review lists every digest of every matching tag, so one confirmation covers exactly them.
  async prepareBulk(input: PrepareBulkSign): Promise<SignIntentView> {
    const target = await this.target(input.repository, input.insecure);
    const tags = (await target.source.listTags(target.repository)).filter((t) => !/^sha256-[0-9a-f]{64}/.test(t) && matchesGlob(input.tagPattern, t)).sort();
    if (tags.length === 0) throw new SignetError('NotFound', `No tag of ${repositoryName(target)} matches ${input.tagPattern}.`);
    const targets: Target[] = [];
    const pins: SignOrder['pins'] = [];
    const resolved = new Map<string, Omit<Target, 'tag'>[]>();
    await inPool(tags.map((tag) => async () => {
      const root = await target.source.getManifest(target.repository, tag);
      resolved.set(tag, input.platforms ? await this.children(target, root.digest, root.mediaType, root.bytes) : [{ digest: root.digest, mediaType: root.mediaType, size: root.bytes.length, platform: null }]);
    }), PUSH_CONCURRENCY);
    for (const tag of tags) {
      const manifests = resolved.get(tag)!;
      const root = manifests[0]!;
      pins.push({ tag, digest: root.digest });
      for (const manifest of manifests) {
        if (targets.some((t) => t.digest === manifest.digest)) continue;
        targets.push({ ...manifest, tag: manifest.digest === root.digest ? tag : null });
      }
      if (targets.length > MAX_BULK) throw new SignetError('BadInput', `More than ${MAX_BULK} manifests match; narrow the tag pattern.`);
    }
    return this.issue({ reference: input.repository, insecure: input.insecure, keyId: input.keyId, format: input.format, annotations: input.annotations, timestamp: input.timestamp, pins, targets, bulk: true }, target);
  }

  // The person is asked by main's own channel; then every pinned tag is re-read and nothing is pushed if one moved.
  async confirm(intentId: string): Promise<SignResult> {
    const confirmed = await this.deps.intents.confirm(intentId, ['sign'], {
      doing: 'sign',
      recheck: async ({ payload: order }) => {
        const target = await this.target(order.reference, order.insecure);
        const key = await this.usableKey(order.keyId, order.format, await this.deps.settings.get(), target);
        await inPool(order.pins.map((pin) => async () => {
          const now = await target.source.getManifest(target.repository, pin.tag);
          if (now.digest !== pin.digest) throw new SignetError('Conflict', `${pin.tag} moved from ${pin.digest} to ${now.digest} after it was reviewed; nothing was signed.`);
        }), PUSH_CONCURRENCY);
        return { facts: await this.facts(order, key, target), state: { key, target } };
      },
    });
    const { key, target } = confirmed.state;
    const control = { cancelled: false };
    this.running.set(intentId, control);
    try {
      return await this.run(intentId, confirmed.payload, key, target, control, confirmed.host);
    } finally {
      this.running.delete(intentId);
    }
  }

  // A compromise response re-signs digests across repositories under the intent it already had confirmed; this issues no intent of its own and is never reachable from a renderer.
  async signConfirmedTargets(targets: { repository: string; digest: string }[], keyId: string, format: SignatureFormat, host: HostKind, options: { timestamp?: boolean } = {}): Promise<SignResult['signed']> {
    const settings = await this.deps.settings.get();
    const timestamp = options.timestamp ?? false;
    if (timestamp && !settings.signing.tsaUrl) throw new SignetError('BadInput', 'No timestamp authority is configured; sign without a timestamp or add its URL under System, Signing.');
    const byRepository = new Map<string, string[]>();
    for (const t of targets) byRepository.set(t.repository, [...new Set([...(byRepository.get(t.repository) ?? []), t.digest])]);
    const signed: SignResult['signed'] = [];
    for (const [repository, digests] of byRepository) {
      const target = await this.target(repository, false);
      const successorOf = (await this.deps.keys.get(keyId)).predecessor;
      const key = await this.usableKey(keyId, format, settings, target, successorOf);
      const items: Target[] = [];
      for (const digest of digests) {
        const manifest = await target.source.getManifest(target.repository, digest);
        items.push({ digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length, tag: null, platform: null });
      }
      const order: SignOrder = { reference: repository, insecure: false, keyId, format, annotations: {}, timestamp, pins: [], targets: items, bulk: true };
      const result = await this.run(`confirmed-${randomUUID()}`, order, key, target, { cancelled: false }, host);
      signed.push(...result.signed);
    }
    return signed;
  }

  // A running bulk stops after the image in hand; an intent not yet confirmed is dropped.
  cancel(intentId: string): { cancelled: boolean } {
    const running = this.running.get(intentId);
    if (running) {
      running.cancelled = true;
      return { cancelled: true };
    }
    return { cancelled: this.deps.intents.discard(intentId) };
  }

  private async issue(order: SignOrder, target: ImageTarget): Promise<SignIntentView> {
    const settings = await this.deps.settings.get();
    const key = await this.usableKey(order.keyId, order.format, settings, target);
    if (order.timestamp && !settings.signing.tsaUrl) throw new SignetError('BadInput', 'No timestamp authority is configured; add its URL under System, Signing, or sign without a timestamp.');
    if (order.format === 'notation' && !(await this.deps.authority.view()).exists) {
      throw new SignetError('NotFound', "Notation signatures need Signet's certificate authority; create it first (Sign screen, or `signet authority create`).");
    }
    const facts = await this.facts(order, key, target);
    const intent = this.deps.intents.issue({ action: 'sign', title: order.bulk ? `Sign ${order.targets.length} manifests` : 'Sign image', facts, payload: order });
    return {
      intentId: intent.id,
      title: intent.title,
      facts: intent.facts,
      targets: order.targets.map((t) => ({ digest: t.digest, tag: t.tag, platform: t.platform })),
      expiresAt: new Date(intent.expiresAt).toISOString(),
    };
  }

  private async facts(order: SignOrder, key: KeyRecord, target: ImageTarget): Promise<ConfirmationFact[]> {
    const settings = await this.deps.settings.get();
    const destination =
      order.format === 'cosign'
        ? `${repositoryName(target)}, tag sha256-<digest>.sig of each manifest`
        : `${repositoryName(target)}, an OCI referrer of each manifest${target.writer.name.startsWith('oci:') ? '' : ' (with the sha256-<digest> index tag where the registry has no referrers API)'}`;
    const facts: ConfirmationFact[] = [
      { label: 'Image', value: order.reference },
      { label: 'Repository', value: repositoryName(target) },
      ...order.pins.map((pin) => ({ label: `Tag ${pin.tag} pinned to`, value: pin.digest })),
      { label: `Manifests to sign (${order.targets.length})`, value: order.targets.map((t) => `${t.digest}${t.platform ? ` (${t.platform})` : t.tag ? ` (${t.tag})` : ''}`).join('\n') },
      { label: 'Key', value: key.label },
      { label: 'Key fingerprint (SHA-256)', value: key.fingerprint },
      { label: 'Key algorithm', value: ALGORITHM_NAMES[key.algorithm] },
      { label: 'Key held in', value: describeLocation(key.location).heldIn },
      { label: 'Format', value: FORMAT_NAMES[order.format] },
      { label: 'Destination', value: destination },
      { label: 'Annotations', value: Object.keys(order.annotations).length ? Object.entries(order.annotations).map(([k, v]) => `${k}=${v}`).join('\n') : 'none' },
      { label: 'Timestamp', value: order.timestamp ? `RFC 3161 from ${settings.signing.tsaUrl}` : 'none' },
      { label: 'Transparency log', value: 'nothing is published to a public transparency log' },
    ];
    return facts;
  }

  private async run(intentId: string, order: SignOrder, key: KeyRecord, target: ImageTarget, control: { cancelled: boolean }, host: HostKind): Promise<SignResult> {
    const settings = await this.deps.settings.get();
    const before = target.writer.requestCount();
    const chain = order.format === 'notation' ? await this.deps.authority.chainFor(key, host) : [];
    const signed: SignResult['signed'] = [];
    const progress = (current: string | null) => this.deps.onProgress({ intentId, done: signed.length, total: order.targets.length, current });
    const trust = await this.deps.images.trustOptions(host);
    progress(order.targets[0]?.digest ?? null);
    const batch = order.format === 'notation' ? 1 : SIGN_BATCH;
    try {
      for (let start = 0; start < order.targets.length && !control.cancelled; start += batch) {
        const group = order.targets.slice(start, start + batch);
        const pushes = await this.signGroup(order, key, target, group, chain, settings, host);
        await inPool(group.map((item, index) => async () => {
          if (control.cancelled) return;
          const outcome = await pushes[index]!();
          const report = await new VerifyEngine(target.source).verify(target.repository, item.digest, { reference: verifyReference(target), ...trust, now: this.now(), manifestOnly: true });
          signed.push({ digest: item.digest, tag: item.tag, platform: item.platform, written: outcome.written, ...findVerdict(report, item.digest, outcome.attachment, key.fingerprint) });
          progress(order.targets.find((t) => !signed.some((s) => s.digest === t.digest))?.digest ?? null);
        }), PUSH_CONCURRENCY);
      }
    } finally {
      const position = new Map(order.targets.map((t, i) => [t.digest, i]));
      signed.sort((a, b) => position.get(a.digest)! - position.get(b.digest)!);
      await this.deps.audit.append({
        host,
        action: 'image.sign',
        subject: key.id,
        details: { repository: repositoryName(target), format: order.format, fingerprint: key.fingerprint, digests: signed.map((s) => s.digest), written: signed.flatMap((s) => s.written), cancelled: control.cancelled, timestamp: order.timestamp, complete: signed.length === order.targets.length },
      });
    }
    return { format: order.format, keyId: key.id, fingerprint: key.fingerprint, signed, cancelled: control.cancelled, requests: target.writer.requestCount() - before };
  }

  // Signatures for a group are made together (one batch on a token); each returned step pushes one of them.
  private async signGroup(order: SignOrder, key: KeyRecord, target: ImageTarget, group: Target[], chain: X509Certificate[], settings: Settings, host: HostKind): Promise<(() => Promise<Signed>)[]> {
    const repository = repositoryName(target);
    const stamp = async (signature: Buffer) => (order.timestamp ? requestTimestamp(settings.signing.tsaUrl!, signature) : null);
    if (order.format === 'cosign') {
      const payloads = group.map((t) => simpleSigningPayload(repository, t.digest, order.annotations));
      const signatures = await this.deps.keys.signPayloads(key.id, payloads, host);
      return group.map((item, i) => async () => {
        const written = await appendCosignSignature(target.source, target.writer, target.repository, item.digest, { payload: payloads[i]!, signature: signatures[i]!, timestampResponse: await stamp(signatures[i]!) });
        return { written, attachment: `sha256-${item.digest.slice(7)}.sig` };
      });
    }
    if (order.format === 'sigstore-bundle') {
      const statements = group.map((t) => signingStatement(repository, t.digest, order.annotations));
      const signatures = await this.deps.keys.signPayloads(key.id, statements.map(dsseSignedBytes), host);
      return group.map((item, i) => async () => {
        const bundle = sigstoreBundle(statements[i]!, signatures[i]!, key.publicKeyPem, await stamp(signatures[i]!));
        const annotations = { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': COSIGN_SIGN_PREDICATE, 'org.opencontainers.image.created': this.now().toISOString(), ...order.annotations };
        const written = await pushReferrer(target.source, target.writer, target.repository, item, { artifactType: BUNDLE_MEDIA_TYPE, layerMediaType: BUNDLE_MEDIA_TYPE, layer: bundle, annotations });
        return { written, attachment: written[0]!.replace(/^referrer /, '') };
      });
    }
    const item = group[0]!;
    const algorithm = key.algorithm === 'ecdsa-p384' ? 'ES384' : 'ES256';
    const parts = notationParts({ mediaType: item.mediaType, digest: item.digest, size: item.size }, order.annotations, algorithm, this.now());
    const [der] = await this.deps.keys.signPayloads(key.id, [notationSignedBytes(parts)], host);
    const signature = ecdsaDerToRaw(der!, algorithm === 'ES384' ? 48 : 32);
    return [
      async () => {
        const envelope = notationEnvelope(parts, signature, chain, this.deps.agent, await stamp(signature));
        const annotations = { 'io.cncf.notary.x509chain.thumbprint#S256': chainThumbprints(chain), 'org.opencontainers.image.created': this.now().toISOString() };
        const written = await pushReferrer(target.source, target.writer, target.repository, item, { artifactType: NOTATION_SIGNATURE_TYPE, layerMediaType: JWS_MEDIA_TYPE, layer: envelope, annotations });
        return { written, attachment: written[0]!.replace(/^referrer /, '') };
      },
    ];
  }

  // Only an active, unexpired key may sign, with a format it can make, where the signing rules let it.
  private async usableKey(keyId: string, format: SignatureFormat, settings: Settings, target: ImageTarget, successorOf: string | null = null): Promise<KeyRecord> {
    const key = await this.deps.keys.get(keyId);
    const status = effectiveStatus(key, this.now());
    if (status !== 'active') throw new SignetError(status === 'expired' ? 'Expired' : 'Forbidden', `Key "${key.label}" is ${status} and cannot sign.`);
    if (format === 'notation' && key.algorithm !== 'ecdsa-p256' && key.algorithm !== 'ecdsa-p384') {
      throw new SignetError('BadInput', `Notation signatures here are ECDSA (ES256, ES384); "${key.label}" is ${ALGORITHM_NAMES[key.algorithm]}.`);
    }
    const repository = repositoryName(target);
    const rules = settings.signing.rules.filter((rule) => matchesGlob(rule.scope, repository));
    if (rules.length > 0 && !rules.some((rule) => rule.keyIds.includes(key.id) || (successorOf !== null && rule.keyIds.includes(successorOf)))) {
      throw new SignetError('Forbidden', `Key "${key.label}" is not allowed to sign in ${repository}; the signing rule for ${rules.map((r) => r.scope).join(', ')} names other keys.`);
    }
    return key;
  }

  private async target(reference: string, insecure: boolean): Promise<ImageTarget> {
    const settings = await this.deps.settings.get();
    assertConfiguredLayout(reference, settings);
    return resolveImageTarget(reference, settings, { insecure, cacheDir: join(this.deps.dataDir, 'cache'), credentials: this.deps.credentials });
  }

  private async children(target: ImageTarget, digest: string, mediaType: string, bytes: Buffer): Promise<Omit<Target, 'tag'>[]> {
    const parsed = readDocument(bytes, ManifestDocumentSchema, `The manifest ${digest}`);
    const list: Omit<Target, 'tag'>[] = [{ digest, mediaType: mediaType || parsed.mediaType || '', size: bytes.length, platform: null }];
    for (const child of parsed.manifests ?? []) {
      if (!child.digest || child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
      const fetched = await target.source.getManifest(target.repository, child.digest);
      list.push({ digest: fetched.digest, mediaType: fetched.mediaType || child.mediaType || '', size: fetched.bytes.length, platform: platformName(child.platform) });
    }
    return list;
  }
}

// The steps with at most `limit` in flight, stopping early: the first failure is thrown once the running ones have settled.
async function inPool(steps: (() => Promise<void>)[], limit: number): Promise<void> {
  await runPool(steps, (step) => step(), { concurrency: limit });
}

function platformName(platform: { os?: string; architecture?: string; variant?: string } | null | undefined): string | null {
  return platform?.os && platform.architecture ? `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}` : null;
}

// registry/repository without tag or digest: what cosign names in its payload and what signing rules match.
function repositoryName(target: ImageTarget): string {
  if (target.display.startsWith('oci:')) return target.display.replace(/(@sha256:[0-9a-f]+|:[^/:]+)$/, '');
  return formatImageReference({ ...parseImageReference(target.display), tag: null, digest: null });
}

function verifyReference(target: ImageTarget): string {
  return target.display.startsWith('oci:') ? target.display : repositoryName(target);
}

// The verdict of exactly the signature just written, not of whatever else the image carries.
function findVerdict(report: ChainReport, digest: string, attachment: string, fingerprint: string): { verdict: SignResult['signed'][number]['verdict']; reason: string } {
  const ids = new Set(report.edges.filter((e) => e.from === digest).map((e) => e.to));
  const candidates = report.nodes.filter((n) => ids.has(n.id) && n.kind === 'signature' && (n.details.digest === attachment || n.details.tag === attachment));
  const mine = candidates.filter((n) => {
    const signer = report.nodes.find((s) => s.id === `${n.id}/signer`);
    return !signer?.details.fingerprint || signer.details.fingerprint === fingerprint;
  });
  const best = mine.find((n) => n.verdict === 'verified') ?? mine[0];
  if (!best) return { verdict: 'not-checked', reason: 'The signature was pushed but the verification engine did not find it on the image.' };
  return { verdict: best.verdict, reason: best.reason };
}
