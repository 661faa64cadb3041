import { join } from 'node:path';
import { PolicyExportSchema, PolicySchema, type Policy, type PolicyEvaluation, type PolicyExport, type PolicyTarget } from '../../shared/model/policy.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import { SignetError } from '../errors.ts';
import { assertConfiguredLayout } from '../images/image-target.ts';
import type { CredentialSource } from '../registry/registry.client.ts';
import { DataStore } from '../storage/data.store.ts';
import { publicGoodTrustedRoot } from '../trust/public-good.ts';
import { PolicyEvaluator } from './policy.evaluator.ts';
import { exportPolicy } from './policy.exporter.ts';
import { readTwins } from '../recovery/twin.service.ts';
import type { KeyInventory, KeyTwin, SettingsReader, SignetAuthority } from './policy.types.ts';

export interface PolicyServiceDeps {
  dataDir: string;
  audit: AuditLog;
  now?: () => Date;
  /** Registries, layouts and verification material, for evaluation. */
  settings?: SettingsReader;
  /** Inventory keys named by policies, judged by their records. */
  keys?: KeyInventory;
  credentials?: CredentialSource;
  /** Signet's CA, whose CRLs apply when a policy trusts its root. */
  authority?: SignetAuthority;
}

// Hosts without the app (the CLI's evaluate and export) read the same document the service keeps.
export async function readPolicies(dataDir: string): Promise<Policy[]> {
  const store = DataStore.for(dataDir);
  return parsePolicies(await store.read((reader) => reader.text('policies'), null), store.file);
}

function parsePolicies(text: string | null, file: string): Policy[] {
  if (text === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SignetError('Conflict', `The policies in ${file} (document "policies") are damaged; they cannot be read. Nothing was changed.`);
  }
  const result = PolicySchema.array().safeParse(parsed);
  if (!result.success) throw new SignetError('Conflict', `${file} (document "policies") does not hold valid policies; nothing was changed.`);
  return result.data;
}

// A policy the caller names by id; an unknown id is the caller's mistake, said plainly.
export function findPolicy(policies: Policy[], id: string): Policy {
  const policy = policies.find((p) => p.id === id);
  if (!policy) throw new SignetError('NotFound', `No policy ${id}.`);
  return policy;
}

/**
 * Trust policies: which signers, formats, thresholds and attestations each repository scope
 * requires. Stored crash-safely; every change is audited.
 */
export class PolicyService {
  protected readonly deps: PolicyServiceDeps;
  private readonly store: DataStore;

  constructor(deps: PolicyServiceDeps) {
    this.deps = deps;
    this.store = DataStore.for(deps.dataDir);
  }

  list(): Promise<Policy[]> {
    return readPolicies(this.deps.dataDir);
  }

  async get(id: string): Promise<Policy> {
    return findPolicy(await this.list(), id);
  }

  // A policy with the same id is replaced as a whole, in one transaction with its audit entry.
  async save(policy: Policy, host: HostKind): Promise<Policy> {
    return this.store.write(async (tx) => {
      const saved = { ...policy, updatedAt: (this.deps.now?.() ?? new Date()).toISOString() };
      const others = parsePolicies(tx.text('policies'), this.store.file).filter((p) => p.id !== policy.id);
      tx.put('policies', [...others, saved]);
      await this.deps.audit.appendWithin(tx, { host, action: 'policy.save', subject: policy.id, details: { name: policy.name, rules: policy.rules.length } });
      return saved;
    });
  }

  async remove(id: string, host: HostKind): Promise<{ removed: boolean }> {
    return this.store.write(async (tx) => {
      const all = parsePolicies(tx.text('policies'), this.store.file);
      if (!all.some((p) => p.id === id)) return { removed: false };
      tx.put('policies', all.filter((p) => p.id !== id));
      await this.deps.audit.appendWithin(tx, { host, action: 'policy.remove', subject: id, details: {} });
      return { removed: true };
    });
  }

  // Read-only: the image is checked once per signer with only that signer trusted; nothing is audited.
  async evaluate(policyId: string, reference: string, insecure: boolean): Promise<PolicyEvaluation> {
    const policy = await this.get(policyId);
    const { settings, keys, credentials, authority, now } = this.deps;
    if (!settings || !keys || !credentials) throw new SignetError('Unavailable', 'Policy evaluation needs the settings, the key inventory and registry credentials, and this host does not provide them.');
    assertConfiguredLayout(reference, await settings.get());
    return new PolicyEvaluator({ cacheDir: join(this.deps.dataDir, 'cache'), settings, keys, credentials, authority, now, twins: () => readTwins(this.deps.dataDir) }).evaluate(policy, reference, insecure);
  }

  // The files for one admission controller, and in words every part of the policy it cannot enforce as Signet does.
  async export(policyId: string, target: PolicyTarget): Promise<PolicyExport> {
    return exportForTarget(await this.get(policyId), target, { ...this.deps, twins: () => readTwins(this.deps.dataDir) });
  }
}

// Shared by the service and the CLI: inventory keys and Signet's root are read only when the policy names such signers.
export async function exportForTarget(policy: Policy, target: PolicyTarget, deps: Pick<PolicyServiceDeps, 'keys' | 'authority' | 'now'> & { twins?: () => Promise<KeyTwin[]> }): Promise<PolicyExport> {
  const signers = policy.rules.flatMap((r) => r.signers);
  if (!deps.keys && signers.some((s) => s.kind === 'key' || s.kind === 'publicKey')) throw new SignetError('Unavailable', 'Exporting key signers needs the key inventory, and this host does not provide it.');
  const inventory = deps.keys ? await deps.keys.list() : [];
  const signetRootPem = deps.authority && signers.some((s) => s.kind === 'ca') ? await deps.authority.rootPem() : null;
  const context = { inventory, signetRootPem, trustedRoot: await publicGoodTrustedRoot(), twins: deps.twins ? await deps.twins() : [], now: deps.now?.() ?? new Date() };
  return PolicyExportSchema.parse(exportPolicy(policy, target, context));
}
