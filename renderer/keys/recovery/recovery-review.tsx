import type { ReactNode } from 'react';
import { DeadlineNotice, FactList, useDeadline } from '../../ui/intent-facts.tsx';
import type { IntentView } from '../../../shared/model/intent.model.ts';

interface RecoveryReviewProps {
  review: IntentView;
  /** What nothing has happened to yet, in words: "Nothing has been written yet." */
  note: string;
  confirmText: string;
  busyText: string;
  busy: boolean;
  danger?: boolean;
  testId: string;
  onConfirm(): void;
  onCancel(): void;
  onAgain(): void;
  children?: ReactNode;
}

// Main's facts for a backup or a restore, with the deadline; main acts only on the explicit confirm below them.
export function RecoveryReview({ review, note, confirmText, busyText, busy, danger = false, testId, onConfirm, onCancel, onAgain, children }: RecoveryReviewProps) {
  const { expired } = useDeadline(review.expiresAt, busy);
  const titleId = `${testId}-title`;
  return (
    <section className="card review recovery-review" role="region" aria-labelledby={titleId} data-testid={testId} data-intent={review.intentId}>
      <h3 id={titleId}>{review.title}</h3>
      <p className="muted">{note}</p>
      {children}
      <DeadlineNotice expiresAt={review.expiresAt} busy={busy} nothingDone="Nothing was done with it." />
      <FactList facts={review.facts} className="recovery-facts" />
      <div className="actions">
        {expired ? (
          <button type="button" onClick={onAgain}>
            Review again
          </button>
        ) : (
          <button type="button" className={danger ? 'danger' : undefined} onClick={onConfirm} disabled={busy}>
            {busy ? busyText : confirmText}
          </button>
        )}
        {!busy && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {busy && (
        <p role="status" aria-live="polite" className="recovery-busy">
          <span className="spinner" aria-hidden="true" /> {busyText}
        </p>
      )}
    </section>
  );
}
