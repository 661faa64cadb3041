import { useEffect, useState } from 'react';
import type { SignProgress } from '../../shared/model/signing.model.ts';
import { useSign } from '../stores/sign.store.ts';

const LONG_HEX = /sha256:[0-9a-f]{64}|SHA256:|^[0-9a-f]{32,}$/;

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

// Main's intent, fact by fact and digest by digest; signing happens only on the explicit confirm below it.
export function SignReview() {
  const { review, reviewMode, phase, progress, cancelling, confirm, cancel, prepare } = useSign();
  const now = useNow();
  if (!review) return null;
  const busy = phase === 'confirming';
  const expiresAt = Date.parse(review.expiresAt);
  const expired = !busy && now >= expiresAt;
  const deadline = new Date(expiresAt).toLocaleTimeString();
  const tags = new Set(review.targets.map((t) => t.tag).filter((t) => t !== null)).size;
  const count = review.targets.length;

  return (
    <section className="card review sign-review" role="region" aria-label="Review what will be signed" data-testid="sign-review" data-intent={review.intentId}>
      <h2>{review.title}</h2>
      <p className="muted">Nothing has been signed yet. Main signs exactly the {count === 1 ? 'manifest' : `${count} manifests`} below, once, with the key and format shown, when you confirm.</p>
      {expired ? (
        <p className="notice notice-warning" role="status" data-testid="sign-expired">
          This review expired at {deadline}. Nothing was signed with it; review again to get a new one.
        </p>
      ) : (
        !busy && (
          <p role="timer" data-testid="sign-expiry">
            Confirm before <strong>{deadline}</strong> ({left(expiresAt - now)} left).
          </p>
        )
      )}
      <dl className="facts" data-testid="sign-facts">
        {review.facts.map((fact) => (
          <div key={`${fact.label}:${fact.value}`} className="fact-row">
            <dt>{fact.label}</dt>
            <dd className={LONG_HEX.test(fact.value) ? 'mono small' : undefined}>{fact.value}</dd>
          </div>
        ))}
      </dl>
      <h3 id="sign-targets-title">
        {count} {count === 1 ? 'manifest' : 'manifests'} to sign{reviewMode === 'bulk' ? ` from ${tags} ${tags === 1 ? 'tag' : 'tags'}` : ''}
      </h3>
      <div className="target-list" tabIndex={0} role="group" aria-labelledby="sign-targets-title">
        <table>
          <thead>
            <tr>
              <th scope="col">Digest</th>
              <th scope="col">Tag</th>
              <th scope="col">Platform</th>
            </tr>
          </thead>
          <tbody>
            {review.targets.map((target) => (
              <tr key={target.digest} data-testid="sign-target" data-digest={target.digest}>
                <td className="mono small">{target.digest}</td>
                <td>{target.tag ?? '—'}</td>
                <td>{target.platform ?? (target.tag ? 'index or single image' : '—')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {busy && <SignRunning progress={progress} count={count} cancelling={cancelling} />}
      <div className="actions">
        {!expired && (
          <button type="button" onClick={() => void confirm()} disabled={busy} aria-describedby="sign-targets-title">
            {busy ? 'Signing…' : 'Confirm and sign'}
          </button>
        )}
        {expired && (
          <button type="button" onClick={() => void prepare()}>
            Review again
          </button>
        )}
        {!busy && (
          <button type="button" className="secondary" onClick={() => void cancel()}>
            Cancel
          </button>
        )}
        {busy && reviewMode === 'bulk' && (
          <button type="button" className="danger" onClick={() => void cancel()} disabled={cancelling}>
            {cancelling ? 'Stopping after the image in hand…' : 'Cancel'}
          </button>
        )}
      </div>
    </section>
  );
}

// A running signature: done of total from main's progress pushes, and the digest in hand.
function SignRunning({ progress, count, cancelling }: { progress: SignProgress | null; count: number; cancelling: boolean }) {
  const total = progress?.total ?? count;
  const done = progress?.done ?? 0;
  return (
    <div className="sign-progress" role="status" aria-live="polite" data-testid="sign-progress" data-done={done} data-total={total}>
      <span className="spinner" aria-hidden="true" />
      <span>
        {cancelling ? 'Stopping after the image in hand' : 'Signing, pushing and verifying'}: <strong>{done} of {total}</strong> done
        {progress?.current ? (
          <>
            , now <span className="mono small">{progress.current}</span>
          </>
        ) : null}
      </span>
      <progress max={Math.max(total, 1)} value={done} aria-label={`${done} of ${total} signed`} />
    </div>
  );
}
