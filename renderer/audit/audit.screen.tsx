import { useCallback, useEffect, useState } from 'react';
import type { AppError } from '../../shared/errors.ts';
import type { AuditEntry, AuditVerification } from '../../shared/model/audit.model.ts';
import { api } from '../api/client.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { saveFile } from '../ui/save-file.ts';
import { StatusBadge } from '../ui/status-badge.tsx';
import { TableHead } from '../ui/table-head.tsx';
import { asAppError } from '../state/request-state.ts';
import { useNav } from '../state/nav.store.ts';
import { AuditDetails } from './audit-details.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { TimeText } from '../ui/time-text.tsx';

// The Audit screen: whether the chain holds, and the entries, filtered and exportable.
export function AuditScreen() {
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [action, setAction] = useState('');
  const [failure, setFailure] = useState<AppError | null>(null);

  const refresh = useCallback(async () => {
    try {
      setFailure(null);
      const [checked, listed] = await Promise.all([api.audit.verify({}), api.audit.list({ action: action || undefined, limit: 500 })]);
      setVerification(checked);
      setEntries(listed);
    } catch (error) {
      setFailure(asAppError(error));
    }
  }, [action]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const exportShown = () => saveFile('signet-audit.jsonl', (entries ?? []).map((e) => `${JSON.stringify(e)}\n`).join(''), 'application/x-ndjson');

  return (
    <section aria-labelledby="screen-title" className="screen">
      <header className="screen-header">
        <h1 id="screen-title">Audit</h1>
        <div className="header-actions">
          <button type="button" onClick={() => void refresh()}>
            Verify again
          </button>
          <button type="button" className="secondary" onClick={exportShown} disabled={!entries || entries.length === 0}>
            Export
          </button>
        </div>
      </header>
      {failure && <ErrorBox error={failure} onRetry={() => void refresh()} />}
      {verification && (
        <div className="card" data-testid="audit-verification">
          {verification.ok ? (
            <p>
              <StatusBadge tone="ok" text="Chain intact" /> {verification.entries} entries, {verification.checkpoints} signed checkpoints.
            </p>
          ) : verification.firstBad ? (
            <p>
              <StatusBadge tone="fail" text="Chain broken" /> At line {verification.firstBad.line} (entry {verification.firstBad.seq}): {verification.firstBad.reason}.
            </p>
          ) : (
            <p>
              <StatusBadge tone="fail" text="Not verified" /> {verification.entries} entries chain, but the checkpoint kept outside the log could not be checked.
            </p>
          )}
          {verification.anchor && <p className="muted">Checkpoint outside the log: {verification.anchor.note}</p>}
        </div>
      )}
      <div className="card">
        <p className="inline-form">
          <label htmlFor="audit-action">Action starts with</label>
          <input id="audit-action" value={action} onChange={(e) => setAction(e.target.value)} placeholder="key." spellCheck={false} />
        </p>
        {entries?.length === 0 && action && <p className="muted">No entries match.</p>}
        {entries?.length === 0 && !action && <EmptyAudit />}
        {entries && entries.length > 0 && (
          <table>
            <TableHead columns={['#', 'Time', 'From', 'Action', 'Subject', 'Details']} />
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.seq} data-testid="audit-entry" data-seq={entry.seq} data-action={entry.action}>
                  <td className="mono">{entry.seq}</td>
                  <td className="small">
                    <TimeText value={entry.time} />
                  </td>
                  <td>{entry.host}</td>
                  <td className="mono">{entry.action}</td>
                  <td className="mono small">
                    {entry.subject ?? '—'}
                    {entry.subject && <CopyButton value={entry.subject} label={`Copy the subject of entry ${entry.seq}`} />}
                  </td>
                  <td className="details">
                    <AuditDetails entry={entry} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

// A new log has nothing to show until something happens; the first thing most people do is make a key.
function EmptyAudit() {
  const go = useNav((s) => s.go);
  return (
    <div className="empty-state" data-testid="empty-audit">
      <p className="muted">No entries yet. Every key made, signature written and setting confirmed is recorded here; start by generating a key.</p>
      <div className="empty-state-actions">
        <button type="button" onClick={() => go('keys')}>
          Go to Keys
        </button>
      </div>
    </div>
  );
}
