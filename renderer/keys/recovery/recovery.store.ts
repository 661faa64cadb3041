import { create } from 'zustand';
import type { AppError } from '../../../shared/errors.ts';
import { CustodiansSchema, type BackupManifest, type BackupResult, type DrillResult, type RestoreResult } from '../../../shared/model/recovery.model.ts';
import { api } from '../../api/client.ts';
import { asAppError } from '../../state/request-state.ts';
import { useKeys } from '../../state/keys.store.ts';
import type { IntentView } from '../../../shared/model/intent.model.ts';

/** form: choosing; preparing: asking main for an intent; review: main's facts on screen; confirming: main writes; done: the result. */
export type RecoveryPhase = 'form' | 'preparing' | 'review' | 'confirming' | 'done';
export type OpenStep = 'inspect' | 'drill' | 'restore';

export interface PathRow {
  id: number;
  value: string;
}

export interface KeyDrillStatus {
  keyId: string;
  lastPassed: string | null;
  lastFailed: string | null;
}

interface RecoveryState {
  /** When each key's backup last passed or failed a drill, by key id; null until read. */
  drills: Record<string, KeyDrillStatus> | null;
  drillsError: AppError | null;
  outputDir: string;
  custodians: PathRow[];
  threshold: number;
  backupPhase: RecoveryPhase;
  backupReview: IntentView | null;
  backupResult: BackupResult | null;
  backupError: AppError | null;
  backupFile: string;
  sheets: PathRow[];
  manifest: BackupManifest | null;
  /** The backup file the manifest on screen was read from. */
  manifestFor: string | null;
  busy: OpenStep | null;
  drill: DrillResult | null;
  restorePhase: RecoveryPhase;
  restoreReview: IntentView | null;
  restoreResult: RestoreResult | null;
  openError: { step: OpenStep; error: AppError } | null;
  loadDrills(): Promise<void>;
  setOutputDir(text: string): void;
  addCustodian(): void;
  updateCustodian(id: number, name: string): void;
  removeCustodian(id: number): void;
  setThreshold(value: number): void;
  prepareBackup(): Promise<void>;
  confirmBackup(): Promise<void>;
  cancelBackup(): void;
  newBackup(): void;
  setBackupFile(text: string): void;
  addSheet(): void;
  updateSheet(id: number, path: string): void;
  removeSheet(id: number): void;
  inspect(): Promise<void>;
  runDrill(): Promise<void>;
  prepareRestore(): Promise<void>;
  confirmRestore(): Promise<void>;
  cancelRestore(): void;
}

let nextRow = 1;
const row = (value = ''): PathRow => ({ id: nextRow++, value });

// Main refuses a relative path too; saying so here spares a round trip and names the field.
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

// The custodians as main will check them, so a problem is named in words before any intent is asked for.
export function custodiansFrom(rows: readonly PathRow[], threshold: number): { names: string[]; threshold: number } | { problem: string } {
  const names = rows.map((r) => r.value.trim()).filter((n) => n !== '');
  const checked = CustodiansSchema.safeParse({ names, threshold });
  if (checked.success) return checked.data;
  if (names.length < 2) return { problem: 'Name at least two custodians: a backup split among custodians needs two or more of them.' };
  const issue = checked.error.issues[0];
  return { problem: issue ? `Custodians: ${issue.message}.` : 'The custodians are not valid.' };
}

// The sheet paths as typed, blanks dropped; each must be absolute because main, not the page, reads them.
function openInput(state: RecoveryState): { backupFile: string; shareFiles: string[] } | { problem: string } {
  const backupFile = state.backupFile.trim();
  if (!isAbsolutePath(backupFile)) return { problem: 'Give the backup file as an absolute path, for example /media/backup/signet-backup-….signet-backup.' };
  const shareFiles = state.sheets.map((s) => s.value.trim()).filter((s) => s !== '');
  if (shareFiles.length === 0) return { problem: 'Add the recovery sheet files of the custodians who are present.' };
  const relative = shareFiles.find((s) => !isAbsolutePath(s));
  if (relative !== undefined) return { problem: `The recovery sheet “${relative}” is not an absolute path.` };
  return { backupFile, shareFiles };
}

const badInput = (message: string): AppError => ({ code: 'BadInput', message });

export const useRecovery = create<RecoveryState>((set, get) => ({
  drills: null,
  drillsError: null,
  outputDir: '',
  custodians: [row(), row(), row()],
  threshold: 2,
  backupPhase: 'form',
  backupReview: null,
  backupResult: null,
  backupError: null,
  backupFile: '',
  sheets: [row(), row()],
  manifest: null,
  manifestFor: null,
  busy: null,
  drill: null,
  restorePhase: 'form',
  restoreReview: null,
  restoreResult: null,
  openError: null,
  loadDrills: async () => {
    try {
      const list = await api.recovery.drills({});
      set({ drills: Object.fromEntries(list.map((d) => [d.keyId, d])), drillsError: null });
    } catch (error) {
      set({ drillsError: asAppError(error) });
    }
  },
  setOutputDir: (outputDir) => set({ outputDir }),
  addCustodian: () => set({ custodians: [...get().custodians, row()] }),
  updateCustodian: (id, name) => set({ custodians: get().custodians.map((r) => (r.id === id ? { ...r, value: name } : r)) }),
  removeCustodian: (id) => {
    const custodians = get().custodians.filter((r) => r.id !== id);
    set({ custodians, threshold: Math.min(get().threshold, Math.max(2, custodians.length)) });
  },
  setThreshold: (threshold) => set({ threshold: Number.isFinite(threshold) ? Math.round(threshold) : 2 }),
  prepareBackup: async () => {
    const state = get();
    const outputDir = state.outputDir.trim();
    if (!isAbsolutePath(outputDir)) {
      set({ backupError: badInput('Give the output folder as an absolute path, for example /media/backup/signet.') });
      return;
    }
    const custodians = custodiansFrom(state.custodians, state.threshold);
    if ('problem' in custodians) {
      set({ backupError: badInput(custodians.problem) });
      return;
    }
    set({ backupPhase: 'preparing', backupError: null, backupResult: null });
    try {
      const backupReview = await api.recovery.prepareBackup({ outputDir, custodians });
      set({ backupReview, backupPhase: 'review' });
    } catch (error) {
      set({ backupPhase: 'form', backupError: asAppError(error) });
    }
  },
  confirmBackup: async () => {
    const { backupReview, backupPhase } = get();
    if (!backupReview || backupPhase !== 'review') return;
    set({ backupPhase: 'confirming', backupError: null });
    try {
      const backupResult = await api.recovery.confirmBackup({ intentId: backupReview.intentId });
      set({ backupResult, backupReview: null, backupPhase: 'done', backupFile: backupResult.backupFile });
    } catch (error) {
      set({ backupPhase: 'form', backupReview: null, backupError: asAppError(error) });
    }
  },
  // There is no channel to drop a recovery intent: an unconfirmed one does nothing and expires on its own.
  cancelBackup: () => set({ backupPhase: 'form', backupReview: null, backupError: null }),
  newBackup: () => set({ backupPhase: 'form', backupReview: null, backupResult: null, backupError: null }),
  setBackupFile: (backupFile) => set({ backupFile }),
  addSheet: () => set({ sheets: [...get().sheets, row()] }),
  updateSheet: (id, path) => set({ sheets: get().sheets.map((r) => (r.id === id ? { ...r, value: path } : r)) }),
  removeSheet: (id) => set({ sheets: get().sheets.filter((r) => r.id !== id) }),
  inspect: async () => {
    const backupFile = get().backupFile.trim();
    if (!isAbsolutePath(backupFile)) {
      set({ openError: { step: 'inspect', error: badInput('Give the backup file as an absolute path.') } });
      return;
    }
    set({ busy: 'inspect', openError: null, manifest: null, manifestFor: null });
    try {
      const manifest = await api.recovery.inspect({ backupFile });
      set({ manifest, manifestFor: backupFile, busy: null });
    } catch (error) {
      set({ busy: null, openError: { step: 'inspect', error: asAppError(error) } });
    }
  },
  runDrill: async () => {
    const input = openInput(get());
    if ('problem' in input) {
      set({ openError: { step: 'drill', error: badInput(input.problem) } });
      return;
    }
    set({ busy: 'drill', openError: null, drill: null });
    try {
      const drill = await api.recovery.drill(input);
      set({ drill, busy: null });
    } catch (error) {
      set({ busy: null, openError: { step: 'drill', error: asAppError(error) } });
    }
    await get().loadDrills();
  },
  prepareRestore: async () => {
    const input = openInput(get());
    if ('problem' in input) {
      set({ openError: { step: 'restore', error: badInput(input.problem) } });
      return;
    }
    set({ busy: 'restore', restorePhase: 'preparing', openError: null, restoreResult: null });
    try {
      const restoreReview = await api.recovery.prepareRestore(input);
      set({ restoreReview, restorePhase: 'review', busy: null });
    } catch (error) {
      set({ restorePhase: 'form', busy: null, openError: { step: 'restore', error: asAppError(error) } });
    }
  },
  confirmRestore: async () => {
    const { restoreReview, restorePhase } = get();
    if (!restoreReview || restorePhase !== 'review') return;
    set({ restorePhase: 'confirming', busy: 'restore', openError: null });
    try {
      const restoreResult = await api.recovery.confirmRestore({ intentId: restoreReview.intentId });
      set({ restoreResult, restoreReview: null, restorePhase: 'done', busy: null });
    } catch (error) {
      set({ restorePhase: 'form', restoreReview: null, busy: null, openError: { step: 'restore', error: asAppError(error) } });
    }
    await Promise.all([get().loadDrills(), useKeys.getState().load()]);
  },
  cancelRestore: () => set({ restorePhase: 'form', restoreReview: null, openError: null }),
}));
