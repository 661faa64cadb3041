import { create } from 'zustand';
import type { AppError } from '../../shared/errors.ts';
import type { Enforcement, Policy, PolicyEvaluation, PolicyExport, PolicySigner, PolicyTarget } from '../../shared/model/policy.model.ts';
import { SignatureFormatSchema, type SignatureFormat } from '../../shared/model/signing.model.ts';
import { api } from '../api/client.ts';
import { asAppError, sameInput } from '../state/request-state.ts';

/** One signer in the editor, with a key that stays stable while rows are added and removed. */
export interface SignerRow {
  key: number;
  signer: PolicySigner;
}

/** One rule in the editor; the key keeps React's rows stable while rules move up and down. */
export interface RuleDraft {
  key: number;
  scope: string;
  signers: SignerRow[];
  threshold: number;
  formats: SignatureFormat[];
  attestations: string[];
  enforcement: Enforcement;
}

/** The policy as the editor holds it until main accepts it. */
export interface PolicyDraft {
  id: string;
  name: string;
  description: string;
  rules: RuleDraft[];
}

/** Predicate types offered when a rule asks for attestations; any other URI can be typed. */
export const SUGGESTED_PREDICATES: readonly { type: string; name: string }[] = [
  { type: 'https://slsa.dev/provenance/v1', name: 'SLSA provenance v1' },
  { type: 'https://slsa.dev/provenance/v0.2', name: 'SLSA provenance v0.2' },
  { type: 'https://spdx.dev/Document', name: 'SPDX SBOM' },
  { type: 'https://cyclonedx.org/bom', name: 'CycloneDX SBOM' },
  { type: 'https://cosign.sigstore.dev/attestation/vuln/v1', name: 'cosign vulnerability scan' },
];

interface PoliciesState {
  policies: Policy[] | null;
  loading: boolean;
  listError: AppError | null;
  /** The saved policy that Try it and Export work on. */
  selected: string | null;
  /** The policy whose deletion the page is asking to confirm. */
  confirmingDelete: string | null;
  removing: boolean;
  removeError: AppError | null;
  draft: PolicyDraft | null;
  /** The id of the saved policy the draft replaces, or null when the draft is a new policy. */
  editing: string | null;
  /** Whether the id still follows the name, as it does for a new policy until the id is typed. */
  idFollowsName: boolean;
  dirty: boolean;
  saving: boolean;
  saveError: AppError | null;
  /** Whether the draft changed after main refused it, so the refusal describes an older form. */
  changedSinceError: boolean;
  notice: string | null;
  reference: string;
  evaluating: boolean;
  evaluation: PolicyEvaluation | null;
  /** The policy and the reference as typed that the evaluation on screen answers. */
  evaluatedFor: { policyId: string; reference: string } | null;
  evaluateError: AppError | null;
  target: PolicyTarget;
  exporting: boolean;
  exported: PolicyExport | null;
  exportError: AppError | null;
  load(): Promise<void>;
  select(id: string | null): void;
  askRemove(id: string | null): void;
  remove(): Promise<void>;
  startNew(): void;
  edit(id: string): void;
  closeEditor(): void;
  setDraft(patch: Partial<Omit<PolicyDraft, 'rules'>>): void;
  addRule(): void;
  removeRule(key: number): void;
  moveRule(key: number, by: -1 | 1): void;
  updateRule(key: number, patch: Partial<Omit<RuleDraft, 'key' | 'signers'>>): void;
  addSigner(ruleKey: number, signer: PolicySigner): string | null;
  removeSigner(ruleKey: number, signerKey: number): void;
  save(): Promise<boolean>;
  setReference(text: string): void;
  evaluate(): Promise<void>;
  setTarget(target: PolicyTarget): void;
  exportPolicy(): Promise<void>;
  dismissNotice(): void;
}

let nextKey = 1;
/** Bumped by each evaluation and export, and by any change of selection, so an older answer never replaces a newer one. */
const tickets = { evaluate: 0, export: 0 };

// A new selection makes every answer still on its way about the old one irrelevant.
function forget(): void {
  tickets.evaluate++;
  tickets.export++;
}

// A new rule starts strict: enforced, every format, one signer to be chosen.
function blankRule(): RuleDraft {
  return { key: nextKey++, scope: '', signers: [], threshold: 1, formats: [...SignatureFormatSchema.options], attestations: [], enforcement: 'enforce' };
}

// The editor keeps its own row keys; a saved policy is turned into rows once, when editing starts.
export function toDraft(policy: Policy): PolicyDraft {
  return {
    id: policy.id,
    name: policy.name,
    description: policy.description,
    rules: policy.rules.map((rule) => ({
      key: nextKey++,
      scope: rule.scope,
      signers: rule.signers.map((signer) => ({ key: nextKey++, signer })),
      threshold: rule.threshold,
      formats: [...rule.formats],
      attestations: [...rule.attestations],
      enforcement: rule.enforcement,
    })),
  };
}

// What is sent to main: the draft without row keys, trimmed where a stray space would only cause a refusal.
export function fromDraft(draft: PolicyDraft): Policy {
  return {
    id: draft.id.trim(),
    name: draft.name.trim(),
    description: draft.description,
    rules: draft.rules.map((rule) => ({
      scope: rule.scope.trim(),
      signers: rule.signers.map((row) => row.signer),
      threshold: rule.threshold,
      // The order on screen is the schema's order, whatever order the boxes were ticked in.
      formats: SignatureFormatSchema.options.filter((format) => rule.formats.includes(format)),
      attestations: rule.attestations,
      enforcement: rule.enforcement,
    })),
  };
}

// A new policy's id is offered from its name, in the form main accepts (lower case, digits, dashes).
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

// Two signers are the same when they would accept the same signatures, so adding one twice is refused.
export function sameSigner(a: PolicySigner, b: PolicySigner): boolean {
  if (a.kind === 'key' && b.kind === 'key') return a.keyId === b.keyId;
  if (a.kind === 'identity' && b.kind === 'identity') return a.subject === b.subject && a.issuer === b.issuer;
  if ((a.kind === 'publicKey' && b.kind === 'publicKey') || (a.kind === 'ca' && b.kind === 'ca')) return a.pem.trim() === b.pem.trim();
  return false;
}

const cleared = { evaluation: null, evaluatedFor: null, evaluateError: null, evaluating: false, exported: null, exportError: null, exporting: false };

// Policies, the one being edited, and what was last evaluated or exported for the selected one.
export const usePolicies = create<PoliciesState>((set, get) => {
  const mapRule = (key: number, change: (rule: RuleDraft) => RuleDraft) => {
    const draft = get().draft;
    if (!draft) return;
    set({ draft: { ...draft, rules: draft.rules.map((rule) => (rule.key === key ? change(rule) : rule)) }, dirty: true, changedSinceError: get().saveError !== null });
  };
  return {
    policies: null,
    loading: false,
    listError: null,
    selected: null,
    confirmingDelete: null,
    removing: false,
    removeError: null,
    draft: null,
    editing: null,
    idFollowsName: false,
    dirty: false,
    saving: false,
    saveError: null,
    changedSinceError: false,
    notice: null,
    reference: '',
    evaluating: false,
    evaluation: null,
    evaluatedFor: null,
    evaluateError: null,
    target: 'kyverno',
    exporting: false,
    exported: null,
    exportError: null,
    load: async () => {
      set({ loading: true, listError: null });
      try {
        const policies = await api.policies.list({});
        const selected = get().selected;
        set({ policies, loading: false, selected: selected && policies.some((p) => p.id === selected) ? selected : (policies[0]?.id ?? null) });
      } catch (error) {
        set({ listError: asAppError(error), loading: false });
      }
    },
    select: (id) => {
      if (id === get().selected) return;
      forget();
      set({ selected: id, ...cleared });
    },
    askRemove: (id) => set({ confirmingDelete: id, removeError: null }),
    remove: async () => {
      const id = get().confirmingDelete;
      if (!id) return;
      set({ removing: true, removeError: null });
      try {
        await api.policies.remove({ policyId: id });
        const policies = (get().policies ?? []).filter((p) => p.id !== id);
        const { selected, editing } = get();
        if (selected === id) forget();
        set({
          policies,
          removing: false,
          confirmingDelete: null,
          notice: `Deleted the policy ${id}.`,
          ...(selected === id ? { selected: policies[0]?.id ?? null, ...cleared } : {}),
          ...(editing === id ? { draft: null, editing: null, dirty: false, saveError: null } : {}),
        });
      } catch (error) {
        set({ removing: false, removeError: asAppError(error) });
      }
    },
    startNew: () =>
      set({ draft: { id: '', name: '', description: '', rules: [blankRule()] }, editing: null, idFollowsName: true, dirty: false, saveError: null, changedSinceError: false, notice: null }),
    edit: (id) => {
      const policy = get().policies?.find((p) => p.id === id);
      if (!policy) return;
      get().select(id);
      set({ draft: toDraft(policy), editing: id, idFollowsName: false, dirty: false, saveError: null, changedSinceError: false, notice: null });
    },
    closeEditor: () => set({ draft: null, editing: null, dirty: false, saveError: null, changedSinceError: false }),
    setDraft: (patch) => {
      const { draft, editing, idFollowsName } = get();
      if (!draft) return;
      const next = { ...draft, ...patch };
      if (patch.id !== undefined) set({ idFollowsName: false });
      else if (patch.name !== undefined && editing === null && idFollowsName) next.id = slugOf(patch.name);
      set({ draft: next, dirty: true, changedSinceError: get().saveError !== null });
    },
    addRule: () => {
      const draft = get().draft;
      if (draft) set({ draft: { ...draft, rules: [...draft.rules, blankRule()] }, dirty: true, changedSinceError: get().saveError !== null });
    },
    removeRule: (key) => {
      const draft = get().draft;
      if (draft) set({ draft: { ...draft, rules: draft.rules.filter((rule) => rule.key !== key) }, dirty: true, changedSinceError: get().saveError !== null });
    },
    moveRule: (key, by) => {
      const draft = get().draft;
      if (!draft) return;
      const from = draft.rules.findIndex((rule) => rule.key === key);
      const to = from + by;
      const moving = draft.rules[from];
      if (from < 0 || to < 0 || to >= draft.rules.length || !moving) return;
      const rules = draft.rules.filter((rule) => rule.key !== key);
      rules.splice(to, 0, moving);
      set({ draft: { ...draft, rules }, dirty: true, changedSinceError: get().saveError !== null });
    },
    updateRule: (key, patch) => mapRule(key, (rule) => ({ ...rule, ...patch })),
    addSigner: (ruleKey, signer) => {
      const rule = get().draft?.rules.find((r) => r.key === ruleKey);
      if (!rule) return 'That rule is no longer in the editor.';
      if (rule.signers.some((row) => sameSigner(row.signer, signer))) return 'That signer is in this rule already.';
      mapRule(ruleKey, (r) => ({ ...r, signers: [...r.signers, { key: nextKey++, signer }] }));
      return null;
    },
    removeSigner: (ruleKey, signerKey) => mapRule(ruleKey, (rule) => ({ ...rule, signers: rule.signers.filter((row) => row.key !== signerKey) })),
    save: async () => {
      const { draft, saving } = get();
      if (!draft || saving) return false;
      set({ saving: true, saveError: null, changedSinceError: false });
      try {
        const saved = await api.policies.save(fromDraft(draft));
        const others = (get().policies ?? []).filter((p) => p.id !== saved.id);
        forget();
        set({
          // Main keeps a saved policy last, and so does the list.
          policies: [...others, saved],
          saving: false,
          draft: null,
          editing: null,
          dirty: false,
          selected: saved.id,
          notice: `Saved the policy “${saved.name}”.`,
          ...cleared,
        });
        return true;
      } catch (error) {
        set({ saving: false, saveError: asAppError(error) });
        return false;
      }
    },
    setReference: (reference) => {
      if (sameInput(reference, get().reference)) {
        set({ reference });
        return;
      }
      // A verdict or a refusal for the old reference says nothing about the new one.
      tickets.evaluate++;
      set({ reference, evaluation: null, evaluatedFor: null, evaluateError: null, evaluating: false });
    },
    evaluate: async () => {
      const { selected, reference } = get();
      const wanted = reference.trim();
      if (!selected || wanted === '') return;
      const mine = ++tickets.evaluate;
      set({ evaluating: true, evaluation: null, evaluatedFor: null, evaluateError: null });
      try {
        const evaluation = await api.policies.evaluate({ policyId: selected, reference: wanted });
        if (mine === tickets.evaluate) set({ evaluation, evaluatedFor: { policyId: selected, reference: wanted }, evaluating: false });
      } catch (error) {
        if (mine === tickets.evaluate) set({ evaluateError: asAppError(error), evaluating: false });
      }
    },
    setTarget: (target) => {
      if (target === get().target) return;
      tickets.export++;
      set({ target, exported: null, exportError: null, exporting: false });
    },
    exportPolicy: async () => {
      const { selected, target } = get();
      if (!selected) return;
      const mine = ++tickets.export;
      set({ exporting: true, exported: null, exportError: null });
      try {
        const exported = await api.policies.export({ policyId: selected, target });
        if (mine === tickets.export) set({ exported, exporting: false });
      } catch (error) {
        if (mine === tickets.export) set({ exportError: asAppError(error), exporting: false });
      }
    },
    dismissNotice: () => set({ notice: null }),
  };
});
