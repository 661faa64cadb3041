import { useEffect } from 'react';
import { FORMAT_NAMES } from '../../../shared/model/signing.model.ts';
import { ErrorBox } from '../../ui/error-box.tsx';
import { TableHead } from '../../ui/table-head.tsx';
import { useCompromise, type CompromiseStep } from './compromise.store.ts';
import { useKeys } from '../../state/keys.store.ts';
import { useSettings } from '../../state/settings.store.ts';
import { CompromiseOptions, CompromiseReview } from './compromise-review.tsx';
import { CompromiseReportView } from './compromise-report.tsx';

const STEPS: { step: CompromiseStep; name: string }[] = [
  { step: 'scope', name: '1. What it signed' },
  { step: 'options', name: '2. What to do' },
  { step: 'review', name: '3. Review and confirm' },
  { step: 'report', name: '4. Report' },
];

// The guided response to a stolen key, opened from the Keys screen: assess, choose, review main's intent, read the report.
export function CompromiseFlow() {
  const { keyId, step, error, close } = useCompromise();
  const key = useKeys((s) => s.keys?.find((k) => k.id === keyId) ?? null);
  if (!keyId) return null;
  return (
    <section className="card compromise-flow" aria-labelledby="compromise-title" data-testid="compromise-flow" data-step={step}>
      <header className="compromise-header">
        <h2 id="compromise-title">Respond to a compromise of “{key?.label ?? keyId}”</h2>
        <button type="button" className="secondary" onClick={close}>
          Close
        </button>
      </header>
      <ol className="compromise-steps" aria-label="Steps">
        {STEPS.map((s) => (
          <li key={s.step} aria-current={s.step === step ? 'step' : undefined}>
            {s.name}
          </li>
        ))}
      </ol>
      {step === 'scope' && <CompromiseScopeStep />}
      {step === 'options' && <CompromiseOptions />}
      {step === 'review' && <CompromiseReview />}
      {step === 'report' && <CompromiseReportView />}
      {error && <ErrorBox error={error} />}
    </section>
  );
}

// Step 1: from when the key is not trusted, which registries to search beside the audit log, and what was found.
function CompromiseScopeStep() {
  const { invalidSince, registries, assessment, busy, setInvalidSince, toggleRegistry, assess, toOptions } = useCompromise();
  const { settings, load } = useSettings();
  useEffect(() => {
    if (!settings) void load();
  }, [settings, load]);
  return (
    <div className="compromise-step">
      <p className="muted">
        Signet lists the images this key signed from the moment it can no longer be trusted: from the audit log, and from the registries you choose. A signature whose
        time nothing trustworthy shows counts as affected.
      </p>
      <p className="inline-form">
        <label htmlFor="compromise-since">Invalid since</label>
        <input id="compromise-since" type="datetime-local" value={invalidSince} onChange={(e) => setInvalidSince(e.target.value)} />
      </p>
      <fieldset className="compromise-registries">
        <legend>Registries to search</legend>
        {(settings?.registries ?? []).length === 0 && <p className="muted">No registry is configured; only the audit log is read.</p>}
        {(settings?.registries ?? []).map((r) => (
          <label key={r.name} className="check">
            <input type="checkbox" checked={registries.has(r.name)} onChange={() => toggleRegistry(r.name)} /> {r.name} <span className="muted small">{r.url}</span>
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="button" disabled={busy || invalidSince === ''} onClick={() => void assess()}>
          {busy ? 'Assessing…' : 'Assess'}
        </button>
      </div>
      {assessment && (
        <div data-testid="compromise-assessment" data-affected={assessment.affected.length}>
          <h3>
            {assessment.affected.length} affected image{assessment.affected.length === 1 ? '' : 's'}
          </h3>
          {assessment.affected.length > 0 && (
            <div className="target-list" tabIndex={0} role="group" aria-label="Affected images">
              <table>
                <TableHead columns={['Image', 'Format', 'Signed', 'Found in']} />
                <tbody>
                  {assessment.affected.map((a) => (
                    <tr key={a.reference} data-testid="affected-image" data-digest={a.digest}>
                      <td className="mono small">{a.reference}</td>
                      <td>{a.format ? FORMAT_NAMES[a.format] : 'unknown'}</td>
                      <td>{a.signedAt ?? 'unknown time'}</td>
                      <td>{a.foundIn.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {assessment.notes.map((note) => (
            <p key={note} className="notice notice-warning" role="status">
              {note}
            </p>
          ))}
          <div className="actions">
            <button type="button" onClick={toOptions}>
              Next: what to do
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
