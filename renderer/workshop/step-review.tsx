import { useEffect, useState } from 'react';
import { useWorkshop } from '../stores/workshop.store.ts';

// Re-renders once a second so a deadline on screen counts down.
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

/** Digests, fingerprints and key URIs are long unbroken strings: they are shown small and monospaced. */
const LONG_VALUE = /sha256:[0-9a-f]{64}|^[0-9a-f]{32,}$|^pkcs11:/i;

function left(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

// Main's statement of what a signing, rotating or revoking step will do; it runs only on the explicit Confirm below.
export function StepReview() {
  const { review, phase, confirm, cancelReview, runStep } = useWorkshop();
  const now = useNow();
  if (!review) return null;
  const { intent } = review;
  const busy = phase === 'running';
  const expiresAt = Date.parse(intent.expiresAt);
  const expired = !busy && now >= expiresAt;
  const deadline = new Date(expiresAt).toLocaleTimeString();
  return (
    <section className="card review workshop-review" role="region" aria-label="Review this step" data-testid="workshop-review" data-intent={intent.intentId}>
      <h3>{intent.title}</h3>
      <p>Nothing has happened yet. Main does exactly this, in the sandbox only, when you confirm.</p>
      {expired ? (
        <p className="notice notice-warning" role="status" data-testid="workshop-review-expired">
          This review expired at {deadline}. Nothing was done with it; review again to get a new one.
        </p>
      ) : (
        !busy && (
          <p role="timer" className="muted">
            Confirm before <strong>{deadline}</strong> ({left(expiresAt - now)} left).
          </p>
        )
      )}
      <dl className="facts" data-testid="workshop-review-facts">
        {intent.facts.map((fact) => (
          <div key={`${fact.label}:${fact.value}`} className="fact-row">
            <dt>{fact.label}</dt>
            <dd className={LONG_VALUE.test(fact.value) ? 'mono small' : undefined}>{fact.value}</dd>
          </div>
        ))}
      </dl>
      {busy && (
        <p className="progress" role="status">
          <span className="spinner" aria-hidden="true" /> Running the step in the sandbox…
        </p>
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
