import type { FormEvent } from 'react';
import { POLICY_TARGET_NAMES, PolicyTargetSchema } from '../../shared/model/policy.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { saveFile } from '../ui/save-file.ts';
import { usePolicies } from './policies.store.ts';

// Export: the selected policy for one admission target, every file in full, and what the target cannot express shown first.
export function PolicyExportPanel({ policyId }: { policyId: string }) {
  const { target, exporting, exported, exportError, setTarget, exportPolicy } = usePolicies();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void exportPolicy();
  };
  return (
    <section className="card policy-export" aria-labelledby="policy-export-title" data-testid="policy-export">
      <h2 id="policy-export-title">Export</h2>
      <form onSubmit={submit}>
        <fieldset className="sign-fieldset">
          <legend>Target</legend>
          {PolicyTargetSchema.options.map((option) => (
            <div key={option} className="checkbox">
              <input type="radio" id={`policy-target-${option}`} name="policy-target" value={option} checked={target === option} onChange={() => setTarget(option)} />
              <label htmlFor={`policy-target-${option}`}>{POLICY_TARGET_NAMES[option]}</label>
            </div>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={exporting}>
            {exporting ? 'Exporting…' : `Export ${policyId}`}
          </button>
        </div>
      </form>
      {exportError && <ErrorBox error={exportError} onRetry={() => void exportPolicy()} />}
      {exported && (
        <div className="export-result" data-testid="policy-export-result" data-target={exported.target} data-gaps={exported.gaps.length}>
          {exported.gaps.length > 0 ? (
            <section className="export-gaps" role="alert" aria-labelledby="policy-gaps-title" data-testid="policy-gaps">
              <h3 id="policy-gaps-title">
                <span aria-hidden="true">! </span>What this target cannot express
              </h3>
              <p>These files are not the whole policy. {POLICY_TARGET_NAMES[exported.target]} cannot express the following as written, so a cluster using them decides differently from Signet in these cases:</p>
              <ul>
                {exported.gaps.map((gap, index) => (
                  <li key={`${index}-${gap}`}>{gap}</li>
                ))}
              </ul>
            </section>
          ) : (
            <p className="notice notice-info" role="status" data-testid="policy-no-gaps">
              <span aria-hidden="true">✓ </span>
              {POLICY_TARGET_NAMES[exported.target]} expresses every rule of this policy as written.
            </p>
          )}
          {exported.files.map((file, index) => (
            <section key={file.filename} className="export-file" aria-labelledby={`policy-file-${index}`} data-testid="policy-export-file" data-filename={file.filename}>
              <div className="export-file-head">
                <h3 id={`policy-file-${index}`} className="mono">
                  {file.filename}
                </h3>
                <span className="muted small">{file.mediaType}</span>
                <button type="button" aria-label={`Save ${file.filename}`} onClick={() => saveFile(file.filename, file.text, file.mediaType)}>
                  Save
                </button>
              </div>
              <pre className="export-text" tabIndex={0} aria-label={`Contents of ${file.filename}`}>
                {file.text}
              </pre>
            </section>
          ))}
        </div>
      )}
    </section>
  );
}
