import { create } from 'zustand';
import type { AppError } from '../../shared/errors.ts';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { ImageStoreRef, InspectProgress } from '../../shared/model/images.model.ts';
import { api, on } from '../api/client.ts';
import { toggled } from './collapsed-nodes.ts';
import { asAppError, latestRequest, sameInput } from './request-state.ts';

interface Browse {
  store: ImageStoreRef | null;
  repositories: string[] | null;
  note: string | null;
  repository: string | null;
  tags: { tag: string; reference: string }[] | null;
  error: AppError | null;
}

interface ImagesState {
  reference: string;
  report: ChainReport | null;
  /** The reference as typed that produced the report on screen. */
  reportFor: string | null;
  loading: boolean;
  progress: InspectProgress | null;
  error: AppError | null;
  recent: string[];
  selected: string | null;
  collapsed: ReadonlySet<string>;
  browse: Browse;
  /** When the last graph was requested, for the time-to-draw measure the screen reports. */
  requestedAt: number;
  /** When the report on screen arrived from main: the start of the time-to-draw the screen reports. */
  arrivedAt: number;
  setReference(text: string): void;
  inspect(reference?: string): Promise<void>;
  loadRecent(): Promise<void>;
  select(id: string | null): void;
  toggle(id: string): void;
  openStore(store: ImageStoreRef): Promise<void>;
  openRepository(repository: string): Promise<void>;
}

const EMPTY_BROWSE: Browse = { store: null, repositories: null, note: null, repository: null, tags: null, error: null };
/** What the screen holds of no report: used whenever the report on screen would no longer be for the reference typed. */
const NO_REPORT = { report: null, reportFor: null, selected: null };
/** Bumped by each inspect and each edit of the reference, so an answer for an older reference never lands. */
const inspects = latestRequest();

export const useImages = create<ImagesState>((set, get) => ({
  reference: '',
  report: null,
  reportFor: null,
  loading: false,
  progress: null,
  error: null,
  recent: [],
  selected: null,
  collapsed: new Set(),
  browse: EMPTY_BROWSE,
  requestedAt: 0,
  arrivedAt: 0,
  setReference: (reference) => {
    if (sameInput(reference, get().reference)) {
      set({ reference });
      return;
    }
    // A changed reference asks another question: the verdict, the error and any answer on its way were for the old one.
    inspects.drop();
    set({ reference, ...NO_REPORT, error: null, loading: false, progress: null });
  },
  inspect: async (reference = get().reference) => {
    const wanted = reference.trim();
    if (!wanted) return;
    const mine = inspects.next();
    set({ reference: wanted, ...NO_REPORT, loading: true, error: null, progress: null, requestedAt: performance.now() });
    try {
      const report = await api.images.inspect({ reference: wanted });
      if (!inspects.isLatest(mine)) return;
      set({ report, reportFor: wanted, loading: false, selected: null, collapsed: new Set(), progress: null, arrivedAt: performance.now() });
      void get().loadRecent();
    } catch (error) {
      if (inspects.isLatest(mine)) set({ ...NO_REPORT, error: asAppError(error), loading: false, progress: null });
    }
  },
  loadRecent: async () => {
    try {
      set({ recent: await api.images.recent({}) });
    } catch {
      set({ recent: [] });
    }
  },
  select: (selected) => set({ selected }),
  toggle: (id) => set({ collapsed: toggled(get().collapsed, id) }),
  openStore: async (store) => {
    set({ browse: { ...EMPTY_BROWSE, store } });
    try {
      const listed = await api.images.repositories(store);
      set({ browse: { ...get().browse, repositories: listed.repositories, note: listed.note } });
      if (store.kind === 'layout' && listed.repositories[0]) await get().openRepository(listed.repositories[0]);
    } catch (error) {
      set({ browse: { ...get().browse, error: asAppError(error) } });
    }
  },
  openRepository: async (repository) => {
    const store = get().browse.store;
    if (!store) return;
    set({ browse: { ...get().browse, repository, tags: null, error: null } });
    try {
      const listed = await api.images.tags({ ...store, repository });
      set({ browse: { ...get().browse, tags: listed.tags.map((tag) => ({ tag, reference: listed.references[tag] ?? tag })) } });
    } catch (error) {
      set({ browse: { ...get().browse, error: asAppError(error) } });
    }
  },
}));

on.images.progress((progress) => {
  const state = useImages.getState();
  if (state.loading && progress.reference === state.reference) useImages.setState({ progress });
});
