import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { AffectedImage, CompromiseAssessment, CompromiseIntent, CompromiseReport, CompromiseScope, PrepareCompromise } from '../../shared/model/compromise.model.ts';
import { parseImageReference } from '../../shared/model/image-reference.model.ts';
import { ALGORITHM_NAMES, effectiveStatus, type KeyRecord } from '../../shared/model/keys.model.ts';
import type { Policy } from '../../shared/model/policy.model.ts';
import { isLoopbackHost, type Settings } from '../../shared/model/settings.model.ts';
import { FORMAT_NAMES, type SignatureFormat } from '../../shared/model/signing.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import type { ConfirmationFact } from '../confirm/confirmation.types.ts';
import { SignetError } from '../errors.ts';
import { attachmentTag } from '../images/discovery.ts';
import type { ImageSource } from '../images/image-source.types.ts';
import type { ImagesService } from '../images/images.service.ts';
import { RegistrySource } from '../images/registry.source.ts';
import { VerifyEngine, type VerifyOptions } from '../images/verify.engine.ts';
import type { IntentService } from '../intents/intent.service.ts';
import { fingerprintOf, HASH_FOR } from '../encoding/key-encoding.ts';
import type { KeyService } from '../keys/keys.service.ts';
import { describeLocation, specOf } from '../keys/key-location.ts';
import { strengthens, strongestRevocation } from '../keys/revocation-list.ts';
import { settlePool } from '../platform/task-pool.ts';
import { inventoryRecordOf } from '../policy/policy-signers.ts';
import type { PolicyService } from '../policy/policy.service.ts';
import { RegistryClient, type CredentialSource } from '../registry/registry.client.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { removeCosignSignatures } from '../signing/cosign.writer.ts';
import type { SignService } from '../signing/sign.service.ts';
import { appendToTag } from '../signing/tag-append.ts';

export interface CompromiseServiceDeps {
  keys: KeyService;
  audit: AuditLog;
  settings: SettingsService;
  images: Pick<ImagesService, 'trustOptions'>;
  signing: SignService;
  policies: PolicyService;
  intents: IntentService;
  credentials: CredentialSource;
  now: () => Date;
}

declare module '../intents/intent.service.ts' {
  interface IntentPayloads {
    compromise: CompromiseOrder;
  }
}

/** What a compromise intent stands for; the facts shown are rebuilt from it before anything is done. */
interface CompromiseOrder {
  input: PrepareCompromise;
  affected: AffectedImage[];
  /** Affected images signed before "invalid since" without a trusted time: they fail once the key is revoked. */
  suspectBefore: number;
}

/** One signature by the key found on an image in a registry. */
interface FoundSignature {
  manifest: string;
  attachment: string;
  kind: string;
  via: string;
  time: string | null;
}

interface Evidence {
  reference: string;
  digest: string;
  formats: SignatureFormat[];
  auditTimes: { time: string; timestamped: boolean }[];
  stamped: string[];
  untimed: number;
  foundIn: Set<AffectedImage['foundIn'][number]>;
}

const FORMAT_KINDS: Record<string, SignatureFormat> = { 'cosign-signature': 'cosign', 'sigstore-bundle-signature': 'sigstore-bundle', 'notation-signature': 'notation' };
const ATTACHMENT_TAG = /^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$/;
const WALK_CONCURRENCY = 4;
const AUDIT_LIMIT = 5000;

/**
 * A guided way out of a stolen key: find what it signed after it stopped being trustworthy (the
 * audit log and the registries), then under one confirmed intent rotate to a successor, revoke the
 * key for keyCompromise, re-sign every affected digest with the successor in its own format,
 * optionally take the compromised signatures off the registry, publish the revocation list, export
 * the policies that named the key, and record it all as one audit entry and one timed report.
 */
export class CompromiseService {
  private readonly deps: CompromiseServiceDeps;

  constructor(deps: CompromiseServiceDeps) {
    this.deps = deps;
  }

  // The response is only as good as the list of what the key signed, so both the log and the registries are asked.
  async assess(scope: CompromiseScope, host: HostKind): Promise<CompromiseAssessment> {
    return (await this.evaluate(scope, host)).assessment;
  }

  private async evaluate(scope: CompromiseScope, host: HostKind): Promise<{ assessment: CompromiseAssessment; suspectBefore: number }> {
    const key = await this.deps.keys.get(scope.keyId);
    const since = Date.parse(scope.invalidSince);
    if (since > this.deps.now().getTime()) throw new SignetError('BadInput', '"Invalid since" cannot be in the future.');
    const notes: string[] = [];
    const evidence = new Map<string, Evidence>();
    const entry = (reference: string, digest: string): Evidence => {
      const name = `${reference}@${digest}`;
      let found = evidence.get(name);
      if (!found) {
        found = { reference: name, digest, formats: [], auditTimes: [], stamped: [], untimed: 0, foundIn: new Set() };
        evidence.set(name, found);
      }
      return found;
    };
    let imageSignatures = 0;
    for (const logged of await this.deps.audit.list({ action: 'image.sign', subject: key.id, limit: AUDIT_LIMIT })) {
      if (logged.action !== 'image.sign') continue;
      const repository = typeof logged.details.repository === 'string' ? logged.details.repository : null;
      const digests = Array.isArray(logged.details.digests) ? logged.details.digests.filter((d): d is string => typeof d === 'string') : [];
      const format = typeof logged.details.format === 'string' && logged.details.format in FORMAT_NAMES ? (logged.details.format as SignatureFormat) : null;
      if (!repository) continue;
      for (const digest of digests) {
        const found = entry(repository, digest);
        found.auditTimes.push({ time: logged.time, timestamped: logged.details.timestamp === true });
        if (format && !found.formats.includes(format)) found.formats.push(format);
        found.foundIn.add('audit-log');
        if (Date.parse(logged.time) >= since) imageSignatures++;
      }
    }
    const rawSignatures = (await this.deps.audit.list({ action: 'key.sign', subject: key.id, limit: AUDIT_LIMIT })).filter((e) => Date.parse(e.time) >= since);
    const rawCount = rawSignatures.reduce((sum, e) => sum + (e.action === 'key.signBatch' && typeof e.details.count === 'number' ? e.details.count : 1), 0);
    if (rawCount > imageSignatures) {
      notes.push(`The audit log shows ${rawCount} signature(s) by this key since ${scope.invalidSince}, ${imageSignatures} of them image signatures listed here; the others signed payloads outside image signing (such as \`signet keys sign\`), which cannot be re-signed here: review the key.sign entries in the audit log.`);
    }
    if (scope.registries.length > 0) {
      const settings = await this.deps.settings.get();
      const trust = await this.deps.images.trustOptions(host);
      for (const wanted of scope.registries) {
        const config = settings.registries.find((r) => r.name === wanted.name);
        if (!config) throw new SignetError('NotFound', `No registry named ${wanted.name} is configured.`);
        await this.walkRegistry(config, wanted.repositories, key, trust, notes, (reference, signature) => {
          const found = entry(reference, signature.manifest);
          found.foundIn.add('registry-scan');
          const format = FORMAT_KINDS[signature.kind];
          if (format && !found.formats.includes(format)) found.formats.unshift(format);
          if (signature.time) found.stamped.push(signature.time);
          else found.untimed++;
        });
      }
    }
    const affected: AffectedImage[] = [];
    let suspectBefore = 0;
    for (const found of evidence.values()) {
      const after = [...found.auditTimes.map((a) => a.time), ...found.stamped].filter((t) => Date.parse(t) >= since).sort();
      const loggedBefore = found.auditTimes.filter((a) => Date.parse(a.time) < since).length;
      const unexplained = found.untimed > loggedBefore;
      if (after.length > 0 || unexplained) {
        if (found.formats.length > 1) notes.push(`${found.reference} carries this key's signatures in ${found.formats.join(' and ')}; it is re-signed as ${found.formats[0]}.`);
        affected.push({ reference: found.reference, digest: found.digest, format: found.formats[0] ?? null, signedAt: after.at(-1) ?? null, foundIn: [...found.foundIn].sort() });
      } else if (found.untimed > 0 || found.auditTimes.some((a) => !a.timestamped)) {
        suspectBefore++;
      }
    }
    affected.sort((a, b) => a.reference.localeCompare(b.reference));
    if (suspectBefore > 0) {
      notes.push(`${suspectBefore} image(s) were signed by this key before ${scope.invalidSince} without a trusted timestamp. Once the key is revoked for keyCompromise, verification refuses those signatures too (nothing shows they came before the compromise); sign them again with the successor if they must keep verifying.`);
    }
    if (affected.some((a) => a.signedAt === null)) notes.push('Images with no signing time carry a signature by this key that neither the audit log nor a trusted timestamp dates; a compromised key\'s undated signatures cannot be trusted, so they count as affected.');
    return { assessment: { keyId: key.id, label: key.label, fingerprint: key.fingerprint, invalidSince: scope.invalidSince, affected, notes }, suspectBefore };
  }

  // One intent names the whole response and every digest, so one confirmation covers exactly that and nothing else.
  async prepare(input: PrepareCompromise, host: HostKind): Promise<CompromiseIntent> {
    const key = await this.deps.keys.get(input.keyId);
    if (key.status === 'destroyed') throw new SignetError('Conflict', `Key "${key.label}" is destroyed; there is nothing left to revoke or rotate.`);
    const signer = await this.deps.keys.revocationSigner();
    if (!signer.usable && signer.adminKeyId !== key.id) {
      throw new SignetError('Conflict', `The response publishes a signed revocation list, and none can be signed now: ${signer.problem} Revoking the key alone (Revoke…) works without an admin key.`);
    }
    const { assessment, suspectBefore } = await this.evaluate(input, host);
    const order: CompromiseOrder = { input, affected: assessment.affected, suspectBefore };
    const facts = await this.facts(order, key);
    const intent = this.deps.intents.issue({ action: 'compromise', title: `Respond to the compromise of "${key.label}"`, facts, payload: order });
    return { intentId: intent.id, title: intent.title, facts: intent.facts, affected: order.affected, expiresAt: new Date(intent.expiresAt).toISOString() };
  }

  // Asked through main's own channel; the facts are rebuilt and must equal those confirmed, then each step is timed into the report.
  async confirm(intentId: string): Promise<CompromiseReport> {
    const confirmed = await this.deps.intents.confirm(intentId, ['compromise'], {
      doing: 'respond to a compromise',
      recheck: async ({ payload }) => {
        const key = await this.deps.keys.get(payload.input.keyId);
        return { facts: await this.facts(payload, key), state: key };
      },
    });
    const { payload: order, state: key, host } = confirmed;

    const timeline: CompromiseReport['timeline'] = [];
    const step = (what: string) => timeline.push({ time: this.deps.now().toISOString(), what });
    const report: CompromiseReport = { keyId: key.id, successorId: null, invalidSince: order.input.invalidSince, resigned: [], removed: [], revocationList: { filename: 'revocations.json', mediaType: 'application/json', text: '' }, exports: [], timeline };
    step(`Confirmed the response to the compromise of "${key.label}" (${key.fingerprint}).`);
    let failure: string | null = null;
    try {
      const listSigner = (await this.deps.keys.revocationSigner()).adminKeyId;
      const successor = await this.successor(key, host, step);
      report.successorId = successor.id;
      const current = await this.deps.keys.get(key.id);
      if (current.status === 'revoked' && !strengthens(current.revocation, { reason: 'keyCompromise', invalidSince: order.input.invalidSince, revokedAt: this.deps.now().toISOString() })) {
        step(`"${key.label}" was already revoked (${current.revocation?.reason} from ${current.revocation?.invalidSince}); the revocation was left as it is.`);
      } else {
        await this.deps.keys.revoke(key.id, { reason: 'keyCompromise', invalidSince: order.input.invalidSince }, host);
        step(`Revoked "${key.label}" for keyCompromise, invalid since ${order.input.invalidSince}, after the rotation (a revoked key can no longer be rotated); revoking published the revocation list.`);
      }
      if (listSigner === key.id) {
        await this.deps.keys.setAdmin(successor.id, host);
        step(`"${key.label}" signed the revocation list; "${successor.label}" now signs it instead.`);
      }
      if (order.input.resign) await this.resign(order, successor, host, report, step);
      else step('Re-signing was not chosen; the affected images carry no valid signature until they are signed again.');
      if (order.input.removeCompromisedSignatures) await this.remove(order, key, host, report, step);
      const list = await this.deps.keys.revocationList(host);
      report.revocationList.text = `${JSON.stringify(list, null, 2)}\n`;
      const entries = list.document.entries.length;
      step(`Published the revocation list: ${entries} entr${entries === 1 ? 'y' : 'ies'}, sequence ${list.document.sequence}, signed by the admin key ${list.document.signer.fingerprint}.`);
      await this.export(order, key, successor, report, step);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      step(`Stopped: ${failure}`);
      throw error;
    } finally {
      const entry = await this.deps.audit.append({
        host,
        action: 'compromise.respond',
        subject: key.id,
        details: {
          fingerprint: key.fingerprint,
          invalidSince: order.input.invalidSince,
          successor: report.successorId,
          affected: order.affected.map((a) => a.reference),
          resigned: report.resigned.map((r) => ({ digest: r.digest, verdict: r.verdict })),
          removed: report.removed,
          exports: report.exports.map((e) => ({ policyId: e.policyId, target: e.target })),
          complete: failure === null,
          ...(failure ? { error: failure } : {}),
          timeline,
        },
      });
      if (failure === null) step(`Recorded the response in the audit log (entry ${entry.seq}).`);
    }
    return report;
  }

  // The successor comes from a rotation while the key is still active (rotation needs that), an earlier rotation, or a fresh key on the same backend.
  private async successor(key: KeyRecord, host: HostKind, step: (what: string) => void): Promise<KeyRecord> {
    const current = await this.deps.keys.get(key.id);
    if (current.successor) {
      const existing = await this.deps.keys.get(current.successor);
      if (effectiveStatus(existing, this.deps.now()) === 'active') {
        step(`"${key.label}" was already rotated to "${existing.label}" (${existing.fingerprint}); that key is the successor.`);
        return existing;
      }
    }
    if (effectiveStatus(current, this.deps.now()) === 'active' && !current.successor) {
      const rotated = await this.deps.keys.rotate(key.id, { overlapDays: 0 }, host);
      step(`Rotated "${key.label}" to the successor "${rotated.successor.label}" (${rotated.successor.fingerprint}) on the same backend, before revoking: only an active key can be rotated. The rotation statement is cross-signed by the compromised key too, so it shows only that the key's holder agreed.`);
      return rotated.successor;
    }
    const backend = specOf(key.location);
    const all = await this.deps.keys.list();
    let label = `${key.label.replace(/ r\d+$/, '')} r2`;
    for (let n = 3; all.some((k) => k.status !== 'destroyed' && k.label.toLowerCase() === label.toLowerCase()); n++) label = `${key.label.replace(/ r\d+$/, '')} r${n}`;
    const fresh = await this.deps.keys.generate({ backend, algorithm: key.algorithm, label: label.slice(0, 64) }, host);
    step(`"${key.label}" is ${effectiveStatus(current, this.deps.now())} and cannot be rotated; generated "${fresh.label}" (${fresh.fingerprint}) on the same backend as its successor.`);
    return fresh;
  }

  // Each digest is signed again in the format it was signed in, so the same verifiers keep finding a signature.
  private async resign(order: CompromiseOrder, successor: KeyRecord, host: HostKind, report: CompromiseReport, step: (what: string) => void): Promise<void> {
    const timestamp = Boolean((await this.deps.settings.get()).signing.tsaUrl);
    for (const format of ['cosign', 'sigstore-bundle', 'notation'] as const) {
      const targets = order.affected.filter((a) => (a.format ?? 'cosign') === format).map((a) => ({ repository: repositoryOf(a.reference), digest: a.digest }));
      if (targets.length === 0) continue;
      const signed = await this.deps.signing.signConfirmedTargets(targets, successor.id, format, host, { timestamp });
      report.resigned.push(...signed);
      const verified = signed.filter((s) => s.verdict === 'verified').length;
      step(`Re-signed ${signed.length} image(s) as ${FORMAT_NAMES[format]} with "${successor.label}"${timestamp ? ', timestamped' : ''}; ${verified} of ${signed.length} verified after the push.`);
    }
  }

  // Only the stolen key's signatures go: cosign layers that verify with it are cut from the .sig manifest, referrers it signed are deleted.
  private async remove(order: CompromiseOrder, key: KeyRecord, host: HostKind, report: CompromiseReport, step: (what: string) => void): Promise<void> {
    const settings = await this.deps.settings.get();
    const trust = await this.deps.images.trustOptions(host);
    const publicKey = createPublicKey(key.publicKeyPem);
    const hashes = [...new Set([HASH_FOR[key.algorithm], 'sha256' as const])];
    const compromised = (payload: Buffer, signature: Buffer) => hashes.some((hash) => safeVerify(hash, payload, publicKey, signature));
    let skipped = 0;
    for (const image of order.affected) {
      const repositoryRef = repositoryOf(image.reference);
      const store = registryFor(repositoryRef, settings, this.deps.credentials);
      if (!store) {
        skipped++;
        continue;
      }
      const chain = await new VerifyEngine(store.source).verify(store.repository, image.digest, { reference: repositoryRef, ...trust, now: this.deps.now() });
      const found = (await signaturesBy(chain, key.fingerprint, store.source, store.repository)).filter((s) => s.manifest === image.digest);
      if (found.some((s) => s.kind === 'cosign-signature')) {
        const outcome = await removeCosignSignatures(store.source, store.source, store.repository, image.digest, compromised);
        if (outcome.empty && outcome.manifest) await store.client.deleteManifest(store.repository, outcome.manifest);
        if (outcome.removed > 0) report.removed.push({ reference: image.reference, what: `${outcome.removed} cosign signature layer(s) from ${attachmentTag(image.digest, 'sig')}${outcome.empty ? ' (the tag held nothing else and was deleted)' : ''}` });
      }
      for (const referrer of found.filter((s) => s.kind !== 'cosign-signature')) {
        const deleted = await store.client.deleteManifest(store.repository, referrer.attachment);
        if (referrer.via === 'referrers-tag') await dropFromFallbackIndex(store, image.digest, referrer.attachment);
        report.removed.push({ reference: image.reference, what: `${FORMAT_KINDS[referrer.kind] ? FORMAT_NAMES[FORMAT_KINDS[referrer.kind]!] : referrer.kind} referrer ${referrer.attachment}${deleted ? '' : ' (already gone)'}${referrer.via === 'referrers-tag' ? `, dropped from ${attachmentTag(image.digest, null)}` : ''}` });
      }
    }
    step(`Removed ${report.removed.length} compromised signature(s) from ${new Set(report.removed.map((r) => r.reference)).size} image(s)${skipped ? `; ${skipped} image(s) in OCI layouts were left as they are` : ''}.`);
  }

  // Exports leave a revoked key out; a policy that names no successor would then admit nothing the successor signs, which is said as a gap.
  private async export(order: CompromiseOrder, key: KeyRecord, successor: KeyRecord, report: CompromiseReport, step: (what: string) => void): Promise<void> {
    if (order.input.exportTargets.length === 0) {
      step('No policy export was chosen.');
      return;
    }
    const inventory = await this.deps.keys.list();
    const naming = namingPolicies(await this.deps.policies.list(), key, inventory);
    for (const policy of naming) {
      const namesSuccessor = policy.rules.some((r) => r.signers.some((s) => inventoryRecordOf(s, inventory)?.id === successor.id));
      const extra = namesSuccessor ? [] : [`Policy ${policy.id} names the revoked key "${key.label}" but not its successor "${successor.label}"; add the successor so images it re-signed are admitted.`];
      for (const target of order.input.exportTargets) {
        try {
          const exported = await this.deps.policies.export(policy.id, target);
          report.exports.push({ policyId: policy.id, target, files: exported.files, gaps: [...exported.gaps, ...extra] });
        } catch (error) {
          report.exports.push({ policyId: policy.id, target, files: [], gaps: [`The export failed: ${error instanceof Error ? error.message : String(error)}`, ...extra] });
        }
      }
    }
    step(naming.length === 0 ? 'No policy names the key; nothing was exported.' : `Exported ${naming.length} polic${naming.length === 1 ? 'y' : 'ies'} naming the key (${naming.map((p) => p.id).join(', ')}) for ${order.input.exportTargets.join(', ')}.`);
  }

  private async facts(order: CompromiseOrder, key: KeyRecord): Promise<ConfirmationFact[]> {
    const { input, affected } = order;
    const settings = await this.deps.settings.get();
    const inventory = await this.deps.keys.list();
    const naming = namingPolicies(await this.deps.policies.list(), key, inventory);
    const status = effectiveStatus(key, this.deps.now());
    const backend = describeLocation(key.location).heldIn;
    const successor = key.successor
      ? `the existing successor ${key.successor}`
      : status === 'active'
        ? `a new ${ALGORITHM_NAMES[key.algorithm]} key from rotating "${key.label}", generated on the same backend (${backend})`
        : `a new ${ALGORITHM_NAMES[key.algorithm]} key generated on the same backend (${backend}); "${key.label}" is ${status} and cannot be rotated`;
    const signer = await this.deps.keys.revocationSigner();
    const wanted = { reason: 'keyCompromise' as const, invalidSince: input.invalidSince, revokedAt: this.deps.now().toISOString() };
    const revocation =
      key.status !== 'revoked'
        ? `keyCompromise, invalid since ${input.invalidSince}`
        : strengthens(key.revocation, wanted)
          ? `already revoked (${key.revocation?.reason} from ${key.revocation?.invalidSince}); made stronger: ${strongestRevocation(key.revocation, wanted).reason} from ${strongestRevocation(key.revocation, wanted).invalidSince}`
          : `already revoked (${key.revocation?.reason} from ${key.revocation?.invalidSince}); left as it is`;
    const resign = input.resign
      ? affected.length === 0
        ? 'none: no image is affected'
        : affected.map((a) => `${a.reference} (${FORMAT_NAMES[a.format ?? 'cosign']})`).join('\n')
      : `none: re-signing is off; ${affected.length} affected image(s) stay without a valid signature`;
    return [
      { label: 'Compromised key', value: key.label },
      { label: 'Key fingerprint (SHA-256)', value: key.fingerprint },
      { label: 'Key held in', value: backend },
      { label: 'Revocation', value: revocation },
      { label: 'Successor', value: successor },
      { label: 'Order', value: 'rotate first (only an active key can be rotated), then revoke, re-sign, remove, publish, export' },
      { label: `Digests to re-sign with the successor (${input.resign ? affected.length : 0})`, value: resign },
      { label: 'Timestamp on the new signatures', value: input.resign && settings.signing.tsaUrl ? `RFC 3161 from ${settings.signing.tsaUrl}` : 'none' },
      { label: 'Compromised signatures', value: input.removeCompromisedSignatures ? 'removed from the registry on every affected image (cosign layers cut from the .sig tag, referrers deleted)' : 'left in place; verification refuses them once the key is revoked' },
      { label: 'Signed before "invalid since" without a trusted timestamp', value: order.suspectBefore === 0 ? 'none' : `${order.suspectBefore} image(s): not re-signed here, refused by verification once the key is revoked` },
      { label: 'Revocation list', value: signer.adminKeyId === key.id ? 'published again with this key listed, signed by the successor, which becomes the admin key' : `published again with this key listed, signed by the admin key ${signer.adminKeyId ?? ''}` },
      { label: 'Policy exports', value: input.exportTargets.length === 0 ? 'none' : naming.length === 0 ? `no policy names this key (${input.exportTargets.join(', ')} chosen)` : naming.map((p) => `${p.id}: ${input.exportTargets.join(', ')}`).join('\n') },
      { label: 'Transparency log', value: 'nothing is published to a public transparency log' },
    ];
  }

  // Reads every non-attachment tag of the named repositories (else the catalog) and reports each signature the key made.
  private async walkRegistry(config: Settings['registries'][number], named: string[] | null, key: KeyRecord, trust: Omit<VerifyOptions, 'reference'>, notes: string[], found: (reference: string, signature: FoundSignature) => void): Promise<void> {
    const client = new RegistryClient({ baseUrl: config.url, insecure: config.insecure, credentials: this.deps.credentials, cleartextHosts: (await this.deps.settings.get()).cleartextCredentialHosts });
    const source = new RegistrySource(client);
    const host = client.base.host;
    let repositories: string[];
    try {
      repositories = named ?? (await client.listRepositories());
    } catch (error) {
      notes.push(`${config.name} does not list its repositories (${error instanceof Error ? error.message : String(error)}); name the repositories to search there.`);
      return;
    }
    const work: { repository: string; tag: string }[] = [];
    const seen = new Set<string>();
    for (const repository of repositories) {
      let tags: string[];
      try {
        tags = (await client.listTags(repository)).filter((t) => !ATTACHMENT_TAG.test(t));
      } catch (error) {
        notes.push(`${host}/${repository} could not be listed: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      for (const tag of tags) work.push({ repository, tag });
    }
    // Every tag is read; one that cannot be is a note, never the end of the walk.
    const outcomes = await settlePool(work, async ({ repository, tag }) => {
      const report = await new VerifyEngine(source).verify(repository, tag, { reference: `${host}/${repository}:${tag}`, ...trust, now: this.deps.now() });
      for (const signature of await signaturesBy(report, key.fingerprint, source, repository)) {
        const name = `${repository}/${signature.attachment}/${signature.manifest}/${signature.time ?? ''}`;
        if (seen.has(name)) continue;
        seen.add(name);
        found(`${host}/${repository}`, signature);
      }
    }, { concurrency: WALK_CONCURRENCY });
    outcomes.forEach((outcome, index) => {
      const { repository, tag } = work[index]!;
      if (outcome.status === 'failed') notes.push(`${host}/${repository}:${tag} could not be read: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`);
    });
  }
}

// Signatures in a chain report made by the key: cosign and bundle signers carry its fingerprint; a Notation leaf certificate holds its public key.
async function signaturesBy(report: ChainReport, fingerprint: string, source: ImageSource, repository: string): Promise<FoundSignature[]> {
  const found: FoundSignature[] = [];
  for (const node of report.nodes) {
    if (node.kind !== 'signature') continue;
    const manifest = report.edges.find((e) => e.to === node.id && e.label === 'signed by')?.from;
    if (!manifest) continue;
    const signer = report.nodes.find((n) => n.id === `${node.id}/signer`);
    const kind = node.details.attachmentKind ?? '';
    const attachment = node.details.digest ?? '';
    const mine = signer?.details.fingerprint === fingerprint || (kind === 'notation-signature' && (await notationSignedBy(source, repository, attachment, fingerprint)));
    if (!mine) continue;
    const stamp = report.nodes.find((n) => n.id === `${node.id}/timestamp`);
    found.push({ manifest, attachment, kind, via: node.details.via ?? '', time: stamp && stamp.verdict === 'verified' && stamp.details.time ? new Date(stamp.details.time).toISOString() : null });
  }
  return found;
}

// A Notation JWS carries its certificate chain; the leaf's public key says which key signed.
async function notationSignedBy(source: ImageSource, repository: string, attachment: string, fingerprint: string): Promise<boolean> {
  try {
    const manifest = JSON.parse((await source.getManifest(repository, attachment)).bytes.toString('utf8')) as { layers?: { digest: string }[] };
    const layer = manifest.layers?.[0];
    if (!layer) return false;
    const envelope = JSON.parse((await source.getBlob(repository, layer.digest, 1024 * 1024)).toString('utf8')) as { header?: { x5c?: string[] } };
    const leaf = envelope.header?.x5c?.[0];
    if (!leaf) return false;
    return fingerprintOf(new X509Certificate(Buffer.from(leaf, 'base64')).publicKey.export({ type: 'spki', format: 'der' })) === fingerprint;
  } catch {
    return false;
  }
}

// The referrers fallback index keeps listing a deleted referrer unless it is rewritten; an emptied index is deleted.
async function dropFromFallbackIndex(store: { source: RegistrySource; client: RegistryClient; repository: string }, subject: string, referrer: string): Promise<void> {
  const tag = attachmentTag(subject, null);
  let left = -1;
  const written = await appendToTag(store.source, store.source, store.repository, tag, {
    mediaType: 'application/vnd.oci.image.index.v1+json',
    holds: (current) => !((current.manifests as { digest?: string }[] | undefined) ?? []).some((d) => d.digest === referrer),
    merge: async (current) => {
      const manifests = Array.isArray(current?.manifests) ? (current.manifests as { digest?: string }[]) : [];
      if (!manifests.some((d) => d.digest === referrer)) return null;
      const next = manifests.filter((d) => d.digest !== referrer);
      left = next.length;
      return { ...current, manifests: next };
    },
  });
  if (written && left === 0) await store.client.deleteManifest(store.repository, written);
}

function namingPolicies(policies: Policy[], key: KeyRecord, inventory: KeyRecord[]): Policy[] {
  return policies.filter((p) => p.rules.some((r) => r.signers.some((s) => inventoryRecordOf(s, inventory)?.id === key.id)));
}

// registry/repository of a reference written as registry/repository@digest (or oci:/path@digest).
function repositoryOf(reference: string): string {
  const at = reference.lastIndexOf('@');
  return at > 0 ? reference.slice(0, at) : reference;
}

// A registry repository to read and write directly (never through the cache); layouts are not edited here.
function registryFor(repositoryRef: string, settings: Settings, credentials: CredentialSource): { source: RegistrySource; client: RegistryClient; repository: string } | null {
  if (repositoryRef.startsWith('oci:')) return null;
  const parsed = parseImageReference(repositoryRef);
  const configured = settings.registries.find((r) => new URL(r.url).host === parsed.registry);
  const host = parsed.registry === 'docker.io' ? 'registry-1.docker.io' : parsed.registry;
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const client = new RegistryClient({ baseUrl: configured?.url ?? `${isLoopbackHost(hostname) ? 'http' : 'https'}://${host}`, insecure: configured?.insecure, credentials, cleartextHosts: settings.cleartextCredentialHosts });
  return { source: new RegistrySource(client), client, repository: parsed.repository };
}

function safeVerify(hash: 'sha256' | 'sha384' | null, payload: Buffer, key: ReturnType<typeof createPublicKey>, signature: Buffer): boolean {
  try {
    return verify(key.asymmetricKeyType === 'ed25519' ? null : hash, payload, key, signature);
  } catch {
    return false;
  }
}

