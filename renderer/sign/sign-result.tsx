import { FORMAT_NAMES, type SignResult } from '../../shared/model/signing.model.ts';
import { CopyButton } from '../ui/copy-button.tsx';
import { TimeText } from '../ui/time-text.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { TableHead } from '../ui/table-head.tsx';
import { VERDICT_VIEW } from '../ui/verdict.ts';
import { WhyUntrustedLink } from '../ui/trust-link.tsx';
import { useImages } from '../state/images.store.ts';
import { useKeys } from '../state/keys.store.ts';
import { useNav } from '../state/nav.store.ts';
import { useSign } from './sign.store.ts';

/** When the page received each result; main's answer carries no time of its own. */
const finishedAt = new WeakMap<SignResult, string>();

// The moment a result first reached the page, kept for as long as that result is on screen.
export function resultTime(result: SignResult): string {
  const known = finishedAt.get(result);
  if (known) return known;
  const now = new Date().toISOString();
  finishedAt.set(result, now);
  return now;
}

// What main signed, wrote and then verified, per digest, with the verdict in words and a way to inspect it.
export function SignResultPanel() {
  const { result, resultRefs, startOver } = useSign();
  const keys = useKeys((s) => s.keys);
  const go = useNav((s) => s.go);
  if (!result) return null;
  const verified = result.signed.filter((t) => t.verdict === 'verified').length;
  const total = result.signed.length;
  const key = keys?.find((k) => k.id === result.keyId);
  const inspect = (reference: string) => {
    go('images');
    void useImages.getState().inspect(reference);
  };

  return (
    <section className="card sign-result" aria-labelledby="sign-result-title" data-testid="sign-result" data-cancelled={String(result.cancelled)} data-verified={verified} data-total={total}>
      <h2 id="sign-result-title">{result.cancelled ? 'Stopped before the end' : 'Signed'}</h2>
      {result.cancelled && (
        <p className="notice notice-warning" role="status">
          The run was cancelled. {total === 0 ? 'Nothing was signed.' : 'What is listed below was signed before it stopped; nothing else was.'}
        </p>
      )}
      <p role="status" className="sign-summary">
        <StatusBadge tone={verified === total && total > 0 ? 'ok' : total === 0 ? 'off' : 'warn'} text={`${verified} of ${total} verified`} /> Signet checked each signature after pushing it; the verdict and its
        reason are listed per manifest.
      </p>
      <dl className="facts">
        <dt>Finished</dt>
        <dd>
          <TimeText value={resultTime(result)} />
        </dd>
        <dt>Format</dt>
        <dd>{FORMAT_NAMES[result.format]}</dd>
        <dt>Key</dt>
        <dd>
          {key ? `${key.label} ` : ''}
          <span className="mono small">SHA256:{result.fingerprint}</span> <CopyButton value={`SHA256:${result.fingerprint}`} label="Copy the key fingerprint" />
        </dd>
        <dt>Registry requests</dt>
        <dd data-testid="sign-requests">{result.requests}</dd>
      </dl>
      {total > 0 && (
        <div className="target-list" tabIndex={0} role="group" aria-label={`${total} signed manifests`}>
          <table>
            <TableHead columns={['Digest', 'Tag', 'Platform', 'Written', 'Verification', 'hidden:Inspect']} />
            <tbody>
              {result.signed.map((target) => {
                const view = VERDICT_VIEW[target.verdict];
                const reference = resultRefs[target.digest];
                return (
                  <tr key={target.digest} data-testid="signed-target" data-digest={target.digest} data-verdict={target.verdict}>
                    <td className="mono small">
                      {target.digest} <CopyButton value={target.digest} label={`Copy ${target.digest}`} />
                    </td>
                    <td>{target.tag ?? '—'}</td>
                    <td>{target.platform ?? '—'}</td>
                    <td>
                      <ul className="plain-list mono small">
                        {target.written.map((item) => (
                          <li key={item}>{item}</li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      <StatusBadge tone={view.tone} text={view.word} />
                      <div className="small">{target.reason}</div>
                      {target.verdict === 'untrusted' && <WhyUntrustedLink />}
                    </td>
                    <td>
                      {reference && (
                        <button type="button" className="secondary" aria-label={`Inspect ${target.digest}`} onClick={() => inspect(reference)}>
                          Inspect
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={startOver}>
          Sign again
        </button>
      </div>
    </section>
  );
}
