import { create } from 'zustand';
import { STALE_INTENT_CODES, type AppError } from '../../shared/errors.ts';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { SignatureFormat, SignIntentView, SignPlan, SignProgress, SignResult } from '../../shared/model/signing.model.ts';
import { api, on } from '../api/client.ts';
import { asAppError, latestRequest, sameInput } from '../state/request-state.ts';

export type SignMode = 'single' | 'bulk';
/** form: choosing; preparing: asking main for an intent; review: the intent on screen; confirming: main signs; done: the result. */
export type SignPhase = 'form' | 'preparing' | 'review' | 'confirming' | 'done';
export type SignStep = 'plan' | 'prepare' | 'confirm' | 'cancel';

export interface AnnotationRow {
  id: number;
  key: string;
  value: string;
}

export interface SignChoices {
  keyId: string;
  /** The key was picked while it was already retiring, so it is kept instead of giving way to its successor. */
  retiringPicked: boolean;
  format: SignatureFormat;
  timestamp: boolean;
  annotations: AnnotationRow[];
}

interface SignState {
  mode: SignMode;
  phase: SignPhase;
  reference: string;
  resolving: boolean;
  plan: SignPlan | null;
  /** The reference as typed that produced the plan; the same text is sent to prepare and to the chain picture. */
  planFor: string | null;
  chosen: ReadonlySet<string>;
  chain: ChainReport | null;
  /** The reference the chain picture was read for. */
  chainFor: string | null;
  chainLoading: boolean;
  chainError: AppError | null;
  repository: string;
  tagPattern: string;
  platforms: boolean;
  choices: SignChoices;
  review: SignIntentView | null;
  /** What the intent on screen was asked for, so a result or a fresh review can name it again. */
  reviewMode: SignMode;
  progress: SignProgress | null;
  cancelling: boolean;
  result: SignResult | null;
  /** Where each signed digest can be inspected afterwards. */
  resultRefs: Record<string, string>;
  error: { step: SignStep; error: AppError } | null;
  setMode(mode: SignMode): void;
  setReference(text: string): void;
  setRepository(text: string): void;
  setTagPattern(text: string): void;
  setPlatforms(on: boolean): void;
  setChoices(patch: Partial<SignChoices>): void;
  addAnnotation(): void;
  updateAnnotation(id: number, patch: Partial<Omit<AnnotationRow, 'id'>>): void;
  removeAnnotation(id: number): void;
  toggleManifest(digest: string): void;
  chooseAll(all: boolean): void;
  resolve(reference?: string): Promise<void>;
  refreshChain(): Promise<void>;
  prepare(): Promise<void>;
  confirm(): Promise<void>;
  cancel(): Promise<void>;
  startOver(): void;
  dismissError(): void;
}

/** Intent errors that mean this review can no longer be used and a new one is needed; the sign screen reads them from here. */

// Empty rows are ignored, but a value without a key or a key given twice is refused here, in words, before main sees it.
export function annotationRecord(rows: readonly AnnotationRow[]): { record: Record<string, string> } | { problem: string } {
  const record: Record<string, string> = {};
  for (const [index, row] of rows.entries()) {
    const key = row.key.trim();
    if (key === '' && row.value === '') continue;
    if (key === '') return { problem: `Annotation ${index + 1} has a value but no key.` };
    if (Object.hasOwn(record, key)) return { problem: `The annotation key “${key}” is given twice.` };
    record[key] = row.value;
  }
  return { record };
}

let nextRow = 1;
/** Bumped by every resolve and every edit of the reference, so an answer for an older reference never replaces a newer one. */
const resolves = latestRequest();
/** What the single-image form holds of no resolved image: the plan, the picture and any result are for one reference only. */
const UNRESOLVED = { resolving: false, plan: null, planFor: null, chosen: new Set<string>(), chain: null, chainFor: null, chainLoading: false, chainError: null, result: null, resultRefs: {} };

export const useSign = create<SignState>((set, get) => ({
  mode: 'single',
  phase: 'form',
  reference: '',
  resolving: false,
  plan: null,
  planFor: null,
  chosen: new Set(),
  chain: null,
  chainFor: null,
  chainLoading: false,
  chainError: null,
  repository: '',
  tagPattern: '*',
  platforms: true,
  choices: { keyId: '', retiringPicked: false, format: 'cosign', timestamp: false, annotations: [] },
  review: null,
  reviewMode: 'single',
  progress: null,
  cancelling: false,
  result: null,
  resultRefs: {},
  error: null,
  setMode: (mode) => {
    const { phase } = get();
    if (phase !== 'form' && phase !== 'done') return;
    set({ mode, phase: 'form', result: null, error: null });
  },
  setReference: (reference) => {
    const { phase, mode } = get();
    if (phase !== 'form' && phase !== 'done') return;
    if (mode !== 'single' || sameInput(reference, get().reference)) {
      set({ reference });
      return;
    }
    // Another reference is another image: what was resolved, read or signed for the old one leaves the screen with it.
    resolves.drop();
    set({ reference, ...UNRESOLVED, error: null, phase: 'form' });
  },
  setRepository: (repository) => set({ repository }),
  setTagPattern: (tagPattern) => set({ tagPattern }),
  setPlatforms: (platforms) => set({ platforms }),
  setChoices: (patch) => set({ choices: { ...get().choices, ...patch } }),
  addAnnotation: () => set({ choices: { ...get().choices, annotations: [...get().choices.annotations, { id: nextRow++, key: '', value: '' }] } }),
  updateAnnotation: (id, patch) =>
    set({ choices: { ...get().choices, annotations: get().choices.annotations.map((row) => (row.id === id ? { ...row, ...patch } : row)) } }),
  removeAnnotation: (id) => set({ choices: { ...get().choices, annotations: get().choices.annotations.filter((row) => row.id !== id) } }),
  toggleManifest: (digest) => {
    const next = new Set(get().chosen);
    if (next.has(digest)) next.delete(digest);
    else next.add(digest);
    set({ chosen: next });
  },
  chooseAll: (all) => set({ chosen: new Set(all ? (get().plan?.manifests ?? []).map((m) => m.digest) : []) }),
  resolve: async (reference = get().reference) => {
    const wanted = reference.trim();
    if (!wanted) return;
    const mine = resolves.next();
    set({ reference: wanted, ...UNRESOLVED, resolving: true, error: null, review: null, phase: 'form' });
    void loadChain(wanted, mine);
    try {
      const plan = await api.signing.plan({ reference: wanted });
      if (!resolves.isLatest(mine)) return;
      set({ plan, planFor: wanted, chosen: new Set(plan.manifests.map((m) => m.digest)), resolving: false });
    } catch (error) {
      if (resolves.isLatest(mine)) set({ resolving: false, error: { step: 'plan', error: asAppError(error) } });
    }
  },
  refreshChain: async () => {
    const planFor = get().planFor;
    if (planFor) await loadChain(planFor, resolves.current());
  },
  prepare: async () => {
    const state = get();
    const built = annotationRecord(state.choices.annotations);
    if ('problem' in built) {
      set({ error: { step: 'prepare', error: { code: 'BadInput', message: built.problem } } });
      return;
    }
    const { keyId, format, timestamp } = state.choices;
    const common = { keyId, format, timestamp, annotations: built.record };
    set({ phase: 'preparing', error: null, progress: null });
    try {
      if (state.mode === 'single') {
        const { plan, planFor } = state;
        if (!plan || !planFor) throw new Error('Resolve an image first.');
        const manifests = plan.manifests.filter((m) => state.chosen.has(m.digest)).map((m) => m.digest);
        const review = await api.signing.prepare({ ...common, reference: planFor, digest: plan.digest, manifests });
        set({ review, reviewMode: 'single', phase: 'review' });
      } else {
        const review = await api.signing.prepareBulk({ ...common, repository: state.repository.trim(), tagPattern: state.tagPattern.trim(), platforms: state.platforms });
        set({ review, reviewMode: 'bulk', phase: 'review' });
      }
    } catch (error) {
      set({ phase: 'form', error: { step: 'prepare', error: asAppError(error) } });
    }
  },
  confirm: async () => {
    const { review, phase, reviewMode } = get();
    if (!review || phase !== 'review') return;
    set({ phase: 'confirming', progress: null, cancelling: false, error: null });
    try {
      const result = await api.signing.confirm({ intentId: review.intentId });
      set({ result, resultRefs: inspectRefs(get(), review), phase: 'done', review: null, cancelling: false });
      if (reviewMode === 'single') void get().refreshChain();
    } catch (error) {
      set({ phase: 'form', review: null, cancelling: false, error: { step: 'confirm', error: asAppError(error) } });
    }
  },
  cancel: async () => {
    const { review, phase } = get();
    if (!review) return;
    if (phase === 'review') {
      // Back to the form at once; main drops the intent, and one that already expired needs no dropping.
      set({ phase: 'form', review: null, error: null });
      try {
        await api.signing.cancel({ intentId: review.intentId });
      } catch (error) {
        const failure = asAppError(error);
        if (!STALE_INTENT_CODES.has(failure.code)) set({ error: { step: 'cancel', error: failure } });
      }
      return;
    }
    if (phase !== 'confirming') return;
    set({ cancelling: true });
    try {
      await api.signing.cancel({ intentId: review.intentId });
    } catch (error) {
      if (get().phase === 'confirming') set({ cancelling: false, error: { step: 'cancel', error: asAppError(error) } });
    }
  },
  startOver: () => {
    const { mode, planFor } = get();
    set({ phase: 'form', result: null, review: null, progress: null, error: null });
    if (mode === 'single' && planFor) void get().resolve(planFor);
  },
  dismissError: () => set({ error: null }),
}));

// The picture of what is attached already, read with the same reference the plan was made from.
async function loadChain(reference: string, mine: number): Promise<void> {
  useSign.setState({ chainLoading: true, chainError: null });
  try {
    const chain = await api.images.inspect({ reference });
    if (resolves.isLatest(mine)) useSign.setState({ chain, chainFor: reference, chainLoading: false });
  } catch (error) {
    if (resolves.isLatest(mine)) useSign.setState({ chain: null, chainFor: null, chainError: asAppError(error), chainLoading: false });
  }
}

// Each signed digest maps to a reference the Images screen can open, pinned by digest so a moved tag cannot mislead.
function inspectRefs(state: SignState, review: SignIntentView): Record<string, string> {
  const base = state.reviewMode === 'single' ? (state.planFor ?? '') : state.repository.trim();
  const refs: Record<string, string> = {};
  for (const target of review.targets) refs[target.digest] = pinnedReference(base, target.digest);
  return refs;
}

// `host/repo:tag`, `host/repo@sha256:…` and `oci:/path:tag` all become the repository (or layout) at this digest.
function pinnedReference(reference: string, digest: string): string {
  const at = reference.indexOf('@');
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  return `${colon > slash && slash >= 0 ? named.slice(0, colon) : named}@${digest}`;
}

on.signing.progress((progress) => {
  const { review, phase } = useSign.getState();
  if (review && phase === 'confirming' && progress.intentId === review.intentId) useSign.setState({ progress });
});
