import { ErrorBox } from '../ui/error-box.tsx';
import { useWorkshop } from './workshop.store.ts';

// A failed workshop action stays on screen, on the list and in a lesson alike, until the trainer dismisses it.
export function WorkshopActionError() {
  const actionError = useWorkshop((s) => s.actionError);
  const dismissError = useWorkshop((s) => s.dismissError);
  if (!actionError) return null;
  return (
    <div data-testid="workshop-action-error">
      <ErrorBox error={actionError.error} />
      <button type="button" className="secondary" onClick={dismissError}>
        Dismiss
      </button>
    </div>
  );
}
