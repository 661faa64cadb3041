import { create } from 'zustand';
import type { AppError } from '../../../shared/errors.ts';
import type { CompromiseAssessment, CompromiseIntent, CompromiseReport } from '../../../shared/model/compromise.model.ts';
import type { PolicyTarget } from '../../../shared/model/policy.model.ts';
import { api } from '../../api/client.ts';
import { asAppError } from '../../state/request-state.ts';

/** scope: when and where to look; options: what to do; review: main's intent on screen; report: what was done. */
export type CompromiseStep = 'scope' | 'options' | 'review' | 'report';

interface CompromiseState {
  keyId: string | null;
  step: CompromiseStep;
  /** A local date-time as the input shows it; sent to main as an ISO time. */
  invalidSince: string;
  registries: ReadonlySet<string>;
  resign: boolean;
  removeSignatures: boolean;
  exportTargets: ReadonlySet<PolicyTarget>;
  busy: boolean;
  assessment: CompromiseAssessment | null;
  intent: CompromiseIntent | null;
  report: CompromiseReport | null;
  error: AppError | null;
  open(keyId: string): void;
  close(): void;
  setInvalidSince(value: string): void;
  toggleRegistry(name: string): void;
  setResign(on: boolean): void;
  setRemoveSignatures(on: boolean): void;
  toggleExport(target: PolicyTarget): void;
  assess(): Promise<void>;
  toOptions(): void;
  back(): void;
  prepare(): Promise<void>;
  confirm(): Promise<void>;
}

// datetime-local wants the local wall time without seconds.
function localNow(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function toggled<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  const next = new Set(set);
  if (next.has(value)) next.delete(value);
  else next.add(value);
  return next;
}

const FRESH = {
  step: 'scope' as CompromiseStep,
  registries: new Set<string>() as ReadonlySet<string>,
  resign: true,
  removeSignatures: false,
  exportTargets: new Set<PolicyTarget>() as ReadonlySet<PolicyTarget>,
  busy: false,
  assessment: null,
  intent: null,
  report: null,
  error: null,
};

/** The guided compromise response: main assesses, issues one intent, asks through its own channel, and reports. */
export const useCompromise = create<CompromiseState>((set, get) => {
  const scope = () => {
    const s = get();
    return { keyId: s.keyId!, invalidSince: new Date(s.invalidSince).toISOString(), registries: [...s.registries].map((name) => ({ name, repositories: null })) };
  };
  const run = async (work: () => Promise<Partial<CompromiseState>>) => {
    set({ busy: true, error: null });
    try {
      set({ ...(await work()), busy: false });
    } catch (error) {
      set({ busy: false, error: asAppError(error) });
    }
  };
  return {
    keyId: null,
    invalidSince: localNow(),
    ...FRESH,
    open: (keyId) => set({ keyId, invalidSince: localNow(), ...FRESH }),
    close: () => set({ keyId: null, ...FRESH }),
    setInvalidSince: (invalidSince) => set({ invalidSince, assessment: null }),
    toggleRegistry: (name) => set({ registries: toggled(get().registries, name), assessment: null }),
    setResign: (resign) => set({ resign }),
    setRemoveSignatures: (removeSignatures) => set({ removeSignatures }),
    toggleExport: (target) => set({ exportTargets: toggled(get().exportTargets, target) }),
    assess: () => run(async () => ({ assessment: await api.compromise.assess(scope()) })),
    toOptions: () => set({ step: 'options', error: null }),
    back: () => set({ step: get().step === 'review' ? 'options' : 'scope', intent: null, error: null }),
    prepare: () =>
      run(async () => {
        const s = get();
        const intent = await api.compromise.prepare({ ...scope(), resign: s.resign, removeCompromisedSignatures: s.removeSignatures, exportTargets: [...s.exportTargets] });
        return { intent, step: 'review' };
      }),
    confirm: () =>
      run(async () => {
        const report = await api.compromise.confirm({ intentId: get().intent!.intentId });
        return { report, intent: null, step: 'report' };
      }),
  };
});
