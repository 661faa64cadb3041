import { DeadlineNotice, FactList, useDeadline } from '../ui/intent-facts.tsx';
import type { SignProgress } from '../../shared/model/signing.model.ts';
import { useSign } from './sign.store.ts';
import { CopyButton } from '../ui/copy-button.tsx';

// Main's intent, fact by fact and digest by digest; signing happens only on the explicit confirm below it.
export function SignReview() {
  const { review, reviewMode, phase, progress, cancelling, confirm, cancel, prepare } = useSign();
  const busy = phase === 'confirming';
  const { expired } = useDeadline(review?.expiresAt ?? new Date(0).toISOString(), busy);
  if (!review) return null;
  const tags = new Set(review.targets.map((t) => t.tag).filter((t) => t !== null)).size;
  const count = review.targets.length;

  return (
    <section className="card review sign-review" role="region" aria-label="Review what will be signed" data-testid="sign-review" data-intent={review.intentId}>
      <h2>{review.title}</h2>
      <p className="muted">Nothing has been signed yet. Signet signs exactly the {count === 1 ? 'manifest' : `${count} manifests`} below, once, with the key and format shown, when you confirm.</p>
      <DeadlineNotice expiresAt={review.expiresAt} busy={busy} nothingDone="Nothing was signed with it." testIds={{ expired: 'sign-expired', timer: 'sign-expiry' }} />
      <FactList facts={review.facts} testId="sign-facts" />
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
                <td className="mono small">
                  {target.digest} <CopyButton value={target.digest} label={`Copy ${target.digest}`} />
                </td>
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
