import { X509Certificate, type KeyObject } from 'node:crypto';
import type { ChainNode, ChainReport } from '../../shared/model/chain.model.ts';
import { matchesGlob } from '../../shared/glob.ts';
import { parseImageReference } from '../../shared/model/image-reference.model.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { Policy, PolicyEvaluation, PolicyRule, PolicySigner } from '../../shared/model/policy.model.ts';
import type { Settings } from '../../shared/model/settings.model.ts';
import type { SignatureFormat } from '../../shared/model/signing.model.ts';
import { SignetError } from '../errors.ts';
import { resolveImageTarget } from '../images/image-target.ts';
import type { ImageSource } from '../images/image-source.types.ts';
import { VerifyEngine, type VerifyOptions } from '../images/verify.engine.ts';
import type { CredentialSource } from '../registry/registry.client.ts';
import { publicKeysFromPem } from '../signatures/cosign.verifier.ts';
import { publicGoodTrustedRoot } from '../trust/public-good.ts';
import { loadTrust } from '../trust/trust-sources.ts';
import { cosignTrustFromTrustedRoot } from '../signatures/trusted-root.ts';
import { inventoryRecordOf, sameCertificate, signerName, twinsOf } from './policy-signers.ts';
import type { KeyInventory, KeyTwin, SettingsReader, SignetAuthority } from './policy.types.ts';

export interface PolicyEvaluatorDeps {
  /** Where fetched manifests and blobs are kept by digest, so repeated evaluations are cheap. */
  cacheDir: string;
  settings: SettingsReader;
  keys: KeyInventory;
  credentials: CredentialSource;
  /** Signet's CA, whose CRLs apply when a CA signer is Signet's own root. */
  authority?: SignetAuthority;
  /** Twin pairs: a signer named by one key also accepts its twin's signature, as the same signer. */
  twins?: () => Promise<KeyTwin[]>;
  now?: () => Date;
}

/** Decides a policy's verdict on one image; nothing is written or audited. */
export interface PolicyJudge {
  evaluate(policy: Policy, reference: string, insecure: boolean): Promise<PolicyEvaluation>;
}

/** The material every signer's check shares: Rekor keys and timestamp authorities to read evidence with, and a trusted root. */
interface Infrastructure {
  rekorKeys: KeyObject[];
  tsa: X509Certificate[];
  trustedRoot: unknown;
}

/** What one signer's own run of the engine showed. */
interface SignerOutcome {
  name: string;
  accepted: boolean;
  /** Formats in which this signer's signature on the image verified, accepted by the rule or not. */
  verifiedFormats: Set<SignatureFormat>;
  attestations: { predicateType: string; format: SignatureFormat }[];
  /** Why a signature by this signer does not count, when that is worth telling. */
  notes: string[];
}

const FORMAT_OF: Record<string, SignatureFormat> = {
  'cosign-signature': 'cosign',
  'cosign-attestation': 'cosign',
  'sigstore-bundle-signature': 'sigstore-bundle',
  'sigstore-bundle-attestation': 'sigstore-bundle',
  'notation-signature': 'notation',
};

/**
 * Evaluates a policy the way an admission controller would: the first rule whose scope matches
 * decides, each signer is checked on its own with only its trust, and the verdict counts the signers
 * whose signature on the image itself verified in a format the rule accepts.
 */
export class PolicyEvaluator implements PolicyJudge {
  private readonly deps: PolicyEvaluatorDeps;

  constructor(deps: PolicyEvaluatorDeps) {
    this.deps = deps;
  }

  async evaluate(policy: Policy, reference: string, insecure: boolean): Promise<PolicyEvaluation> {
    const settings = await this.deps.settings.get();
    const target = resolveImageTarget(reference, settings, { insecure, cacheDir: this.deps.cacheDir, credentials: this.deps.credentials });
    const digest = (await target.source.getManifest(target.repository, target.reference)).digest;
    const subject = scopeSubject(reference);
    const rule = policy.rules.find((r) => matchesGlob(r.scope, subject));
    const base = { reference, digest, policyId: policy.id };
    if (!rule) {
      return { ...base, rule: null, verdict: 'no-rule', enforcement: null, admitted: true, acceptedSigners: [], reasons: [`No rule of policy "${policy.name}" covers ${subject}, so the policy does not decide for this image.`] };
    }
    const inventory = await this.deps.keys.list();
    const twins = (await this.deps.twins?.()) ?? [];
    const infrastructure = await this.infrastructure(settings, inventory);
    const outcomes: SignerOutcome[] = [];
    for (const signer of rule.signers) {
      outcomes.push(await this.judgeSigner(signer, rule, inventory, twins, infrastructure, target.source, target.repository, digest, target.display));
    }
    const { pass, reasons } = verdictOf(rule, outcomes);
    if (!pass && rule.enforcement !== 'enforce') reasons.push(`The rule is in ${rule.enforcement} mode, so an admission controller would still admit the image${rule.enforcement === 'warn' ? ' with a warning' : ' and record the failure'}.`);
    return { ...base, rule: rule.scope, verdict: pass ? 'pass' : 'fail', enforcement: rule.enforcement, admitted: pass || rule.enforcement !== 'enforce', acceptedSigners: outcomes.filter((o) => o.accepted).map((o) => o.name), reasons };
  }

  // Transparency-log keys, timestamp authorities and the trusted root come from the settings; who may sign comes only from the policy.
  private async infrastructure(settings: Settings, inventory: KeyRecord[]): Promise<Infrastructure> {
    const trust = settings.trust;
    const loaded = await loadTrust(
      { keyFiles: [], keyRefs: [], rekorKeyFiles: trust.rekorKeyFiles, caFiles: [], tsaFiles: trust.tsaFiles, notationStores: [], trustedRootFile: trust.trustedRootFile ?? undefined, publicGood: trust.publicGood },
      inventory,
    );
    return { rekorKeys: loaded.cosign?.rekorKeys ?? [], tsa: loaded.cosign?.tsa ?? [], trustedRoot: loaded.trustedRoot };
  }

  private async judgeSigner(signer: PolicySigner, rule: PolicyRule, inventory: KeyRecord[], twins: KeyTwin[], infrastructure: Infrastructure, source: ImageSource, repository: string, digest: string, display: string): Promise<SignerOutcome> {
    const alternates = twinsOf(inventoryRecordOf(signer, inventory), twins, inventory);
    const name = `${signerName(signer, inventory)}${alternates.length > 0 ? ` (or its twin ${alternates.map((k) => `"${k.label}"`).join(', ')})` : ''}`;
    const trust = await this.trustFor(signer, inventory, infrastructure, alternates);
    if ('problem' in trust) return { name, accepted: false, verifiedFormats: new Set(), attestations: [], notes: [`${name}: ${trust.problem}`] };
    let report: ChainReport;
    try {
      report = await new VerifyEngine(source).verify(repository, digest, { reference: display, ...trust.options, now: this.deps.now?.() });
    } catch (error) {
      if (error instanceof SignetError) throw error;
      throw new SignetError('Unavailable', `The image could not be read to check ${name}'s signature: ${(error as Error).message}`);
    }
    return outcomeOf(report, signer, name, rule);
  }

  // Each signer is checked with only its own trust, so a signature counts for exactly the signer who made it.
  private async trustFor(signer: PolicySigner, inventory: KeyRecord[], infrastructure: Infrastructure, alternates: KeyRecord[]): Promise<{ options: Omit<VerifyOptions, 'reference'> } | { problem: string }> {
    const { rekorKeys, tsa, trustedRoot } = infrastructure;
    const keyed = (keys: KeyObject[]) => ({ options: { keys: [...keys, ...alternates.flatMap((k) => publicKeysFromPem(k.publicKeyPem))], cosign: { rekorKeys, roots: [], intermediates: [], tsa }, trustedRoot, inventory } });
    switch (signer.kind) {
      case 'key': {
        const record = inventory.find((k) => k.id === signer.keyId);
        if (!record) return { problem: `no key ${signer.keyId} is in the inventory.` };
        return keyed(publicKeysFromPem(record.publicKeyPem));
      }
      case 'publicKey': {
        const keys = safely(() => publicKeysFromPem(signer.pem));
        return keys && keys.length > 0 ? keyed(keys) : { problem: 'its PEM holds no readable public key.' };
      }
      case 'identity': {
        const root = trustedRoot ?? (await publicGoodTrustedRoot());
        const material = cosignTrustFromTrustedRoot(root);
        return {
          options: {
            keys: [],
            cosign: { rekorKeys: [...rekorKeys, ...material.rekorKeys], roots: material.roots, intermediates: material.intermediates, tsa: [...tsa, ...material.tsa], identity: { san: signer.subject, issuer: signer.issuer } },
            trustedRoot: root,
            bundlePolicy: { identity: signer.subject, issuer: signer.issuer },
            inventory,
          },
        };
      }
      case 'ca': {
        const certificate = safely(() => new X509Certificate(signer.pem));
        if (!certificate) return { problem: 'its PEM holds no readable certificate.' };
        const authority = this.deps.authority;
        const crls = authority && sameCertificate(signer.pem, await authority.rootPem()) ? (await authority.trust()).crls : undefined;
        return {
          options: {
            keys: [],
            cosign: { rekorKeys, roots: [certificate], intermediates: [], tsa },
            notation: { ca: [certificate], signingAuthority: [], tsa, trustedIdentities: [], level: 'strict', ...(crls ? { crls } : {}) },
            inventory,
          },
        };
      }
    }
  }
}

// Scopes are written against registry/repository; an OCI layout is known by its path.
function scopeSubject(reference: string): string {
  if (reference.startsWith('oci:')) return reference.replace(/(@sha256:[0-9a-f]+|:[^/:]+)$/, '');
  try {
    const parsed = parseImageReference(reference);
    return `${parsed.registry}/${parsed.repository}`;
  } catch (error) {
    throw new SignetError('BadInput', (error as Error).message);
  }
}

function safely<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

// Only what hangs off the image's own manifest counts; a signed platform manifest does not sign the index.
function outcomeOf(report: ChainReport, signer: PolicySigner, name: string, rule: PolicyRule): SignerOutcome {
  const root = report.graph.root.digest;
  const byId = new Map(report.nodes.map((n) => [n.id, n]));
  const attached = report.edges.filter((e) => e.from === root).flatMap((e) => {
    const node = byId.get(e.to);
    return node && (node.kind === 'signature' || node.kind === 'attestation') ? [node] : [];
  });
  const mine = (node: ChainNode) => signer.kind !== 'identity' || byId.get(`${node.id}/signer`)?.label === signer.subject;
  const verifiedFormats = new Set<SignatureFormat>();
  const attestations: SignerOutcome['attestations'] = [];
  const judged: string[] = [];
  for (const node of attached) {
    const format = FORMAT_OF[node.details.attachmentKind ?? ''];
    if (!format) continue;
    if (node.verdict === 'verified' && mine(node)) {
      if (node.kind === 'signature') verifiedFormats.add(format);
      else attestations.push({ predicateType: predicateTypeOf(node), format });
    } else if (node.kind === 'signature' && (node.verdict === 'revoked' || node.verdict === 'expired')) {
      judged.push(`${name}: ${node.reason}`);
    }
  }
  const accepted = [...verifiedFormats].some((f) => rule.formats.includes(f));
  const notes = accepted ? [] : verifiedFormats.size > 0 ? [`${name}: signed only in a format the rule does not accept: ${[...verifiedFormats].join(', ')}.`] : [...new Set(judged)];
  return { name, accepted, verifiedFormats, attestations, notes };
}

// A cosign attestation manifest names one predicate type for all its layers; each statement names its own.
function predicateTypeOf(node: ChainNode): string {
  try {
    const statement = JSON.parse(node.details.statement ?? '') as { predicateType?: unknown };
    if (typeof statement.predicateType === 'string') return statement.predicateType;
  } catch {
    // Not a statement: fall back to what discovery read from the manifest.
  }
  return node.details.predicateType ?? '';
}

function verdictOf(rule: PolicyRule, outcomes: SignerOutcome[]): { pass: boolean; reasons: string[] } {
  const accepted = outcomes.filter((o) => o.accepted);
  const missing = outcomes.filter((o) => !o.accepted).map((o) => o.name);
  const reasons: string[] = [];
  const signed = accepted.length >= rule.threshold;
  const names = accepted.map((o) => o.name).join(', ');
  if (signed) {
    reasons.push(`${accepted.length} of the ${rule.threshold} required signer${rule.threshold === 1 ? '' : 's'} signed: ${names}.`);
  } else {
    const more = rule.threshold - accepted.length;
    reasons.push(`${accepted.length} of the ${rule.threshold} required signer${rule.threshold === 1 ? '' : 's'} signed${accepted.length ? `: ${names}` : ''}; missing: ${missing.join(', ')}${more < missing.length ? ` (any ${more} of them)` : ''}.`);
    reasons.push(...outcomes.filter((o) => !o.accepted).flatMap((o) => o.notes));
  }
  let attested = true;
  for (const type of rule.attestations) {
    const allowed = (a: SignerOutcome['attestations'][number]) => a.predicateType === type && rule.formats.includes(a.format);
    if (accepted.some((o) => o.attestations.some(allowed))) continue;
    attested = false;
    const others = outcomes.filter((o) => !o.accepted && o.attestations.some(allowed)).map((o) => o.name);
    const wrongFormat = [...new Set(outcomes.flatMap((o) => o.attestations.filter((a) => a.predicateType === type && !rule.formats.includes(a.format)).map((a) => a.format)))];
    const detail = others.length ? ` (${others.join(', ')} attested it, but without an accepted signature of their own on the image)` : wrongFormat.length ? ` (one exists only in a format the rule does not accept: ${wrongFormat.join(', ')})` : '';
    reasons.push(`no verified ${type} attestation from an accepted signer${detail}.`);
  }
  return { pass: signed && attested, reasons };
}
