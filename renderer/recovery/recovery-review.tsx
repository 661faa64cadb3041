import { useEffect, useState, type ReactNode } from 'react';
import type { RecoveryIntentView } from '../../shared/model/recovery.model.ts';

// Re-renders once a second so a deadline on screen counts down.
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

function left(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

interface RecoveryReviewProps {
  review: RecoveryIntentView;
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
  const now = useNow();
  const expiresAt = Date.parse(review.expiresAt);
  const expired = !busy && now >= expiresAt;
  const deadline = new Date(expiresAt).toLocaleTimeString();
  const titleId = `${testId}-title`;
  return (
    <section className="card review recovery-review" role="region" aria-labelledby={titleId} data-testid={testId} data-intent={review.intentId}>
      <h3 id={titleId}>{review.title}</h3>
      <p className="muted">{note}</p>
      {children}
      {expired ? (
        <p className="notice notice-warning" role="status">
          This review expired at {deadline}. Nothing was done with it; review again to get a new one.
        </p>
      ) : (
        !busy && (
          <p role="timer">
            Confirm before <strong>{deadline}</strong> ({left(expiresAt - now)} left).
          </p>
        )
      )}
      <dl className="facts recovery-facts">
        {review.facts.map((fact) => (
          <div key={fact.label} className="fact-row">
            <dt>{fact.label}</dt>
            <dd>{fact.value}</dd>
          </div>
        ))}
      </dl>
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
