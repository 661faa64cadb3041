import { ErrorBox } from '../ui/error-box.tsx';
import { TableHead } from '../ui/table-head.tsx';
import { useWorkshop } from './workshop.store.ts';

function clock(time: string): string {
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? time : new Date(parsed).toLocaleTimeString();
}

// The presenter's "what happened": every registry write and audit entry in the sandbox since the lesson started.
export function HappenedPanel() {
  const { happened, happenedLoading, happenedError, refreshHappened } = useWorkshop();
  const writes = happened?.registryWrites ?? [];
  const entries = happened?.auditEntries ?? [];
  return (
    <section id="workshop-happened" className="card workshop-happened" aria-labelledby="workshop-happened-title" data-testid="workshop-happened" data-writes={writes.length} data-entries={entries.length}>
      <div className="workshop-happened-head">
        <h2 id="workshop-happened-title">What happened since the lesson started</h2>
        <button type="button" className="secondary" onClick={() => void refreshHappened()} disabled={happenedLoading}>
          {happenedLoading ? 'Reading…' : 'Refresh'}
        </button>
      </div>
      {happenedError && <ErrorBox error={happenedError} onRetry={() => void refreshHappened()} />}
      <h3 id="workshop-writes-title">
        Registry writes: {writes.length}
      </h3>
      {writes.length === 0 ? (
        <p className="muted">Nothing was written to the sandbox's image store yet.</p>
      ) : (
        <div className="target-list" tabIndex={0} role="group" aria-labelledby="workshop-writes-title">
          <table>
            <TableHead columns={['Time', 'What was written']} />
            <tbody>
              {writes.map((write, index) => (
                <tr key={`${write.time}:${index}`} data-testid="happened-write">
                  <td>{clock(write.time)}</td>
                  <td className="mono small">{write.what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3 id="workshop-audit-title">
        Audit entries: {entries.length}
      </h3>
      {entries.length === 0 ? (
        <p className="muted">The sandbox's audit log has no entries for this lesson yet.</p>
      ) : (
        <div className="target-list" tabIndex={0} role="group" aria-labelledby="workshop-audit-title">
          <table>
            <TableHead columns={['#', 'Time', 'Action', 'Subject', 'Summary']} />
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.seq} data-testid="happened-entry" data-action={entry.action}>
                  <td>{entry.seq}</td>
                  <td>{clock(entry.time)}</td>
                  <td className="mono small nowrap">{entry.action}</td>
                  <td className="mono small">{entry.subject ?? '—'}</td>
                  <td>{entry.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
