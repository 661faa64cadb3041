import { DeadlineNotice, FactList, useDeadline } from '../ui/intent-facts.tsx';
import { useWorkshop } from './workshop.store.ts';
import { BusyLine } from '../ui/busy-line.tsx';

// Main's statement of what a signing, rotating or revoking step will do; it runs only on the explicit Confirm below.
export function StepReview() {
  const { review, phase, confirm, cancelReview, runStep } = useWorkshop();
  const busy = phase === 'running';
  const { expired } = useDeadline(review?.intent.expiresAt ?? new Date(0).toISOString(), busy);
  if (!review) return null;
  const { intent } = review;
  return (
    <section className="card review workshop-review" role="region" aria-label="Review this step" data-testid="workshop-review" data-intent={intent.intentId}>
      <h3>{intent.title}</h3>
      <p>Nothing has happened yet. Signet does exactly this, in the sandbox only, when you confirm.</p>
      <DeadlineNotice expiresAt={intent.expiresAt} busy={busy} nothingDone="Nothing was done with it." testIds={{ expired: 'workshop-review-expired' }} />
      <FactList facts={intent.facts} testId="workshop-review-facts" />
      {busy && (
        <BusyLine text="Running the step in the sandbox…" />
      )}
      <div className="actions">
        {expired ? (
          <button
            type="button"
            onClick={() => {
              cancelReview();
              void runStep();
            }}
          >
            Review again
          </button>
        ) : (
          <button type="button" onClick={() => void confirm()} disabled={busy}>
            {busy ? 'Running…' : 'Confirm'}
          </button>
        )}
        {!busy && (
          <button type="button" className="secondary" onClick={cancelReview}>
            Cancel
          </button>
        )}
      </div>
    </section>
  );
}
