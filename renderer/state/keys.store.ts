import { create } from 'zustand';
import type { AppError } from '../../shared/errors.ts';
import type { GenerateKeyInput, KeyIntentView, KeyRecord, PrepareKeyAction } from '../../shared/model/keys.model.ts';
import { api, on } from '../api/client.ts';
import { asAppError } from './request-state.ts';
import { showToast } from './toast.store.ts';

// What a confirmed action did, in one sentence for the toast; `key` is what main answered (the successor, for a rotation).
function doneText(action: KeyIntentView['action'], key: KeyRecord, before: readonly KeyRecord[] | null): string {
  if (action === 'rotate') {
    const old = before?.find((k) => k.id === key.predecessor);
    return `Rotated${old ? ` “${old.label}”` : ''}: “${key.label}” signs from now on.`;
  }
  if (action === 'revoke') return `Revoked “${key.label}”.`;
  if (action === 'destroy') return `Destroyed “${key.label}”.`;
  return `“${key.label}” now signs revocation lists.`;
}

interface KeysState {
  keys: KeyRecord[] | null;
  loading: boolean;
  error: AppError | null;
  selected: string | null;
  /** The intent main issued and the page is showing for review, if any. */
  review: KeyIntentView | null;
  load(): Promise<void>;
  select(id: string | null): void;
  generate(input: GenerateKeyInput): Promise<KeyRecord | AppError>;
  prepare(request: PrepareKeyAction): Promise<AppError | null>;
  confirm(typed?: string): Promise<KeyRecord | AppError>;
  dismissReview(): void;
}

export const useKeys = create<KeysState>((set, get) => ({
  keys: null,
  loading: false,
  error: null,
  selected: null,
  review: null,
  load: async () => {
    set({ loading: true, error: null });
    try {
      set({ keys: await api.keys.list({}), loading: false });
    } catch (error) {
      set({ error: asAppError(error), loading: false });
    }
  },
  select: (id) => set({ selected: id }),
  generate: async (input) => {
    try {
      const key = await api.keys.generate(input);
      set({ selected: key.id });
      showToast(`Generated “${key.label}”.`);
      return key;
    } catch (error) {
      return asAppError(error);
    }
  },
  prepare: async (request) => {
    try {
      set({ review: await api.keys.prepare(request) });
      return null;
    } catch (error) {
      return asAppError(error);
    }
  },
  confirm: async (typed) => {
    const review = get().review;
    if (!review) return { code: 'BadInput', message: 'Nothing is waiting for confirmation.' };
    try {
      const key = await api.keys.confirm({ intentId: review.intentId, typedConfirmation: typed });
      set({ review: null, selected: key.id });
      showToast(doneText(review.action, key, get().keys));
      return key;
    } catch (error) {
      return asAppError(error);
    }
  },
  dismissReview: () => set({ review: null }),
}));

on.keys.changed((keys) => useKeys.setState({ keys }));
