import { useToasts } from '../state/toast.store.ts';

// The polite live region the toasts appear in; it is always present so a screen reader hears each one arrive.
export function Toasts() {
  const { toasts, dismiss } = useToasts();
  return (
    <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
      {toasts.map((toast) => (
        <div key={toast.id} className="toast" data-testid="toast">
          <span aria-hidden="true" className="toast-icon">
            ✓
          </span>
          <span className="toast-text">{toast.text}</span>
          <button type="button" className="toast-close" aria-label={`Dismiss: ${toast.text}`} onClick={() => dismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
