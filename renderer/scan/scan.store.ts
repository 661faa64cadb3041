import { create } from 'zustand';
import type { AppError } from '../../shared/errors.ts';
import type { Policy } from '../../shared/model/policy.model.ts';
import { CoverageClassSchema, type CoverageClass, type ScanAlert, type ScanDiff, type ScanImage, type ScanProgress, type ScanRecord, type ScanSchedule, type ScanSummary, type StartScan } from '../../shared/model/scan.model.ts';
import { api, on } from '../api/client.ts';
import { saveFile } from '../ui/save-file.ts';
import { asAppError } from '../state/request-state.ts';

/** What the start form holds, as typed; it becomes a StartScan only when it is complete. */
export interface ScanForm {
  /** `registry:NAME` or `layout:NAME`, or empty until one is chosen. */
  source: string;
  /** A registry is read whole (its catalog) or only at the repositories listed. */
  scope: 'catalog' | 'list';
  repositories: string;
  /** Empty means no policy: the configured trust alone decides. */
  policyId: string;
  tagPattern: string;
  fullRescan: boolean;
}

export type SortColumn = 'repository' | 'tag' | 'platform' | 'digest' | 'coverage' | 'policy' | 'signers' | 'reason' | 'reused';
export interface TableView {
  sort: { column: SortColumn; descending: boolean };
  coverage: CoverageClass | 'all';
  text: string;
}

export type ExportFormat = 'csv' | 'json' | 'html';

interface ScanState {
  form: ScanForm;
  policies: Policy[] | null;
  policiesError: AppError | null;
  running: boolean;
  /** The id main gave the running scan, learnt from its first progress push; Cancel needs it. */
  runningId: string | null;
  progress: ScanProgress | null;
  cancelling: boolean;
  startError: AppError | null;
  cancelError: AppError | null;
  history: ScanSummary[] | null;
  historyError: AppError | null;
  selected: string | null;
  record: ScanRecord | null;
  recordLoading: boolean;
  recordError: AppError | null;
  view: TableView;
  compare: string[];
  diff: ScanDiff | null;
  diffing: boolean;
  diffError: AppError | null;
  exporting: ExportFormat | null;
  exportError: AppError | null;
  schedules: ScanSchedule[] | null;
  schedulesError: AppError | null;
  schedulesSaving: boolean;
  everyMinutes: string;
  alerts: ScanAlert[];
  load(): Promise<void>;
  setForm(patch: Partial<ScanForm>): void;
  start(): Promise<void>;
  cancel(): Promise<void>;
  loadHistory(): Promise<void>;
  select(scanId: string): Promise<void>;
  setView(patch: Partial<TableView>): void;
  sortBy(column: SortColumn): void;
  toggleCompare(scanId: string): void;
  runDiff(): Promise<void>;
  exportScan(format: ExportFormat): Promise<void>;
  loadSchedules(): Promise<void>;
  setEveryMinutes(text: string): void;
  addSchedule(): Promise<void>;
  removeSchedule(id: string): Promise<void>;
  dismissAlert(scanId: string): void;
}

const COVERAGE_ORDER = CoverageClassSchema.options;
export const MIN_EVERY_MINUTES = 5;
export const MAX_EVERY_MINUTES = 7 * 24 * 60;

// The form is checked here, in words, before main sees it; main checks it again against the contract.
export function buildStart(form: ScanForm): { start: StartScan } | { problem: string } {
  const [kind, ...rest] = form.source.split(':');
  const name = rest.join(':');
  if ((kind !== 'registry' && kind !== 'layout') || name === '') return { problem: 'Choose a registry or a layout to scan.' };
  const tagPattern = form.tagPattern.trim() === '' ? '*' : form.tagPattern.trim();
  if (!/^[A-Za-z0-9_.*?-]+$/.test(tagPattern)) return { problem: 'The tag pattern may hold letters, digits, _ . - and the wildcards * and ?.' };
  const common = { policyId: form.policyId === '' ? null : form.policyId, tagPattern, incremental: !form.fullRescan };
  if (kind === 'layout') return { start: { source: { kind: 'layout', name }, ...common } };
  if (form.scope === 'catalog') return { start: { source: { kind: 'registry', name, repositories: null }, ...common } };
  const repositories = [...new Set(repositoryList(form.repositories))];
  if (repositories.length === 0) return { problem: 'List at least one repository, or scan the whole catalog.' };
  return { start: { source: { kind: 'registry', name, repositories }, ...common } };
}

// Repositories may be typed one a line or separated by commas or spaces.
export function repositoryList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

const text = (image: ScanImage, column: SortColumn): string => {
  switch (column) {
    case 'repository':
      return image.repository;
    case 'tag':
      return image.tag;
    case 'platform':
      return image.platform ?? '';
    case 'digest':
      return image.digest ?? '';
    case 'policy':
      return image.policyVerdict ?? '';
    case 'signers':
      return image.signers.join(', ');
    case 'reason':
      return image.reason;
    default:
      return '';
  }
};

// Coverage sorts by how it stands (verified first), reuse by whether it was reused; the rest as text, with natural numbers.
function compareImages(a: ScanImage, b: ScanImage, column: SortColumn): number {
  if (column === 'coverage') return COVERAGE_ORDER.indexOf(a.coverage) - COVERAGE_ORDER.indexOf(b.coverage);
  if (column === 'reused') return Number(a.reused) - Number(b.reused);
  return text(a, column).localeCompare(text(b, column), undefined, { numeric: true, sensitivity: 'base' });
}

// The rows the table shows: filtered by class and text, then sorted, ties broken by repository, tag and platform so the order is stable.
export function visibleImages(images: readonly ScanImage[], view: TableView): ScanImage[] {
  const needle = view.text.trim().toLowerCase();
  const kept = images.filter(
    (image) => (view.coverage === 'all' || image.coverage === view.coverage) && (needle === '' || image.repository.toLowerCase().includes(needle) || image.tag.toLowerCase().includes(needle)),
  );
  const direction = view.sort.descending ? -1 : 1;
  return kept.sort(
    (a, b) => direction * compareImages(a, b, view.sort.column) || compareImages(a, b, 'repository') || compareImages(a, b, 'tag') || compareImages(a, b, 'platform'),
  );
}

// Main wants schedule ids of lower-case letters, digits and dashes; the source and interval make one a person can read.
export function scheduleId(start: StartScan, everyMinutes: number, taken: readonly string[]): string {
  const base = `${start.source.kind}-${start.source.name}-every-${everyMinutes}m`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

/** Bumped by each selection and each diff, so an older answer never replaces a newer one. */
const tickets = { select: 0, diff: 0 };

// A scan as the screen holds it: the form, the run in hand, history, the chosen scan's images, a diff, schedules and alerts.
export const useScan = create<ScanState>((set, get) => ({
  form: { source: '', scope: 'catalog', repositories: '', policyId: '', tagPattern: '*', fullRescan: false },
  policies: null,
  policiesError: null,
  running: false,
  runningId: null,
  progress: null,
  cancelling: false,
  startError: null,
  cancelError: null,
  history: null,
  historyError: null,
  selected: null,
  record: null,
  recordLoading: false,
  recordError: null,
  view: { sort: { column: 'repository', descending: false }, coverage: 'all', text: '' },
  compare: [],
  diff: null,
  diffing: false,
  diffError: null,
  exporting: null,
  exportError: null,
  schedules: null,
  schedulesError: null,
  schedulesSaving: false,
  everyMinutes: '60',
  alerts: [],
  load: async () => {
    const policies = api.policies.list({}).then(
      (list) => set({ policies: list, policiesError: null }),
      (error: unknown) => set({ policies: [], policiesError: asAppError(error) }),
    );
    await Promise.all([policies, get().loadHistory(), get().loadSchedules()]);
    const { selected, history } = get();
    const newest = history?.[0];
    if (!selected && newest) await get().select(newest.scanId);
  },
  setForm: (patch) => set({ form: { ...get().form, ...patch } }),
  start: async () => {
    if (get().running) return;
    const built = buildStart(get().form);
    if ('problem' in built) {
      set({ startError: { code: 'BadInput', message: built.problem } });
      return;
    }
    set({ running: true, runningId: null, progress: null, cancelling: false, startError: null, cancelError: null });
    try {
      const summary = await api.scan.start(built.start);
      set({ running: false, runningId: null, progress: null, cancelling: false });
      await get().loadHistory();
      await get().select(summary.scanId);
    } catch (error) {
      set({ running: false, runningId: null, progress: null, cancelling: false, startError: asAppError(error) });
    }
  },
  cancel: async () => {
    const { runningId, running } = get();
    if (!running || !runningId) return;
    set({ cancelling: true, cancelError: null });
    try {
      const { cancelled } = await api.scan.cancel({ scanId: runningId });
      // False means the scan ended on its own meanwhile; its answer is on its way.
      if (!cancelled && get().running) set({ cancelling: false });
    } catch (error) {
      if (get().running) set({ cancelling: false, cancelError: asAppError(error) });
    }
  },
  loadHistory: async () => {
    try {
      set({ history: await api.scan.history({ limit: 200 }), historyError: null });
    } catch (error) {
      set({ historyError: asAppError(error) });
    }
  },
  select: async (scanId) => {
    const mine = ++tickets.select;
    // The summary and table on screen were for the scan chosen before: they leave until this one's record arrives.
    set({ selected: scanId, record: null, recordLoading: true, recordError: null, exportError: null });
    try {
      const record = await api.scan.get({ scanId });
      if (mine === tickets.select) set({ record, recordLoading: false });
    } catch (error) {
      if (mine === tickets.select) set({ record: null, recordLoading: false, recordError: asAppError(error) });
    }
  },
  setView: (patch) => set({ view: { ...get().view, ...patch } }),
  sortBy: (column) => {
    const { sort } = get().view;
    set({ view: { ...get().view, sort: { column, descending: sort.column === column ? !sort.descending : false } } });
  },
  toggleCompare: (scanId) => {
    const compare = get().compare;
    const next = compare.includes(scanId) ? compare.filter((id) => id !== scanId) : [...compare, scanId].slice(-2);
    tickets.diff++;
    set({ compare: next, diff: null, diffError: null, diffing: false });
  },
  runDiff: async () => {
    const { compare, history } = get();
    if (compare.length !== 2) return;
    // The older scan is "from", whatever order the two were ticked in.
    const picked = compare.map((id) => history?.find((s) => s.scanId === id)).filter((s): s is ScanSummary => s !== undefined);
    const [from, to] = picked.length === 2 ? picked.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((s) => s.scanId) : compare;
    if (!from || !to) return;
    const mine = ++tickets.diff;
    set({ diffing: true, diff: null, diffError: null });
    try {
      const diff = await api.scan.diff({ from, to });
      if (mine === tickets.diff) set({ diff, diffing: false });
    } catch (error) {
      if (mine === tickets.diff) set({ diffError: asAppError(error), diffing: false });
    }
  },
  exportScan: async (format) => {
    const scanId = get().selected;
    if (!scanId || get().exporting) return;
    set({ exporting: format, exportError: null });
    try {
      const file = await api.scan.export({ scanId, format });
      saveFile(file.filename, file.text, file.mediaType);
      set({ exporting: null });
    } catch (error) {
      set({ exporting: null, exportError: asAppError(error) });
    }
  },
  loadSchedules: async () => {
    try {
      set({ schedules: await api.scan.schedules({}), schedulesError: null });
    } catch (error) {
      set({ schedulesError: asAppError(error) });
    }
  },
  setEveryMinutes: (everyMinutes) => set({ everyMinutes }),
  addSchedule: async () => {
    const built = buildStart(get().form);
    if ('problem' in built) {
      set({ schedulesError: { code: 'BadInput', message: built.problem } });
      return;
    }
    const every = Number(get().everyMinutes);
    if (!Number.isInteger(every) || every < MIN_EVERY_MINUTES || every > MAX_EVERY_MINUTES) {
      set({ schedulesError: { code: 'BadInput', message: `The interval is a whole number of minutes from ${MIN_EVERY_MINUTES} to ${MAX_EVERY_MINUTES} (a week).` } });
      return;
    }
    const current = get().schedules ?? [];
    const schedule: ScanSchedule = { id: scheduleId(built.start, every, current.map((s) => s.id)), scan: built.start, everyMinutes: every };
    await saveSchedules([...current, schedule]);
  },
  removeSchedule: async (id) => {
    await saveSchedules((get().schedules ?? []).filter((s) => s.id !== id));
  },
  dismissAlert: (scanId) => set({ alerts: get().alerts.filter((a) => a.scanId !== scanId) }),
}));

async function saveSchedules(schedules: ScanSchedule[]): Promise<void> {
  useScan.setState({ schedulesSaving: true, schedulesError: null });
  try {
    useScan.setState({ schedules: await api.scan.schedule({ schedules }), schedulesSaving: false });
  } catch (error) {
    useScan.setState({ schedulesSaving: false, schedulesError: asAppError(error) });
  }
}

on.scan.progress((progress) => {
  const { running, runningId } = useScan.getState();
  // The first push of a run names it; a scheduled scan running meanwhile keeps its own id and is not shown as ours.
  if (running && (runningId === null || runningId === progress.scanId) && progress.phase !== 'done') {
    useScan.setState({ runningId: progress.scanId, progress });
    return;
  }
  if (running && runningId === progress.scanId) {
    useScan.setState({ progress });
    return;
  }
  // Another scan (a scheduled one) finished: the history gains an entry.
  if (progress.phase === 'done') void useScan.getState().loadHistory();
});

on.scan.alert((alert) => {
  const alerts = useScan.getState().alerts.filter((a) => a.scanId !== alert.scanId);
  useScan.setState({ alerts: [...alerts, alert] });
  void useScan.getState().loadHistory();
});
