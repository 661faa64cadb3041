import { create } from 'zustand';

export interface Toast {
  id: number;
  text: string;
}

interface ToastState {
  toasts: Toast[];
  dismiss(id: number): void;
}

/** How long a toast stays before it leaves by itself. */
const TOAST_MS = 6000;
let nextId = 1;

export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}));

// Announces a finished action briefly; the newest three stay on screen, each leaving after a few seconds.
export function showToast(text: string): void {
  const id = nextId++;
  useToasts.setState((state) => ({ toasts: [...state.toasts.slice(-2), { id, text }] }));
  window.setTimeout(() => useToasts.getState().dismiss(id), TOAST_MS);
}
