import { saveFile } from '../../ui/save-file.ts';
import { StatusBadge } from '../../ui/status-badge.tsx';
import { TableHead } from '../../ui/table-head.tsx';
import { VERDICT_VIEW } from '../../ui/verdict.ts';
import { useCompromise } from './compromise.store.ts';
import { useKeys } from '../../state/keys.store.ts';
import { TimeText } from '../../ui/time-text.tsx';

// Step 4: everything done, with times; the revocation list, the exports and the report itself can be saved.
export function CompromiseReportView() {
  const { report, assessment } = useCompromise();
  const keys = useKeys((s) => s.keys);
  if (!report) return null;
  const successor = keys?.find((k) => k.id === report.successorId);
  const referenceOf = (digest: string) => assessment?.affected.find((a) => a.digest === digest)?.reference ?? digest;
  const verified = report.resigned.filter((r) => r.verdict === 'verified').length;
  return (
    <div className="compromise-step" data-testid="compromise-report" data-resigned={report.resigned.length} data-verified={verified} data-removed={report.removed.length}>
      <p role="status">
        <StatusBadge tone={verified === report.resigned.length ? 'ok' : 'warn'} text={`${verified} of ${report.resigned.length} re-signed images verified`} /> Successor:{' '}
        {successor ? `${successor.label} ` : ''}
        <span className="mono small">{report.successorId ?? 'none'}</span>
      </p>
      <h3>Timeline</h3>
      <ol className="compromise-timeline" data-testid="compromise-timeline">
        {report.timeline.map((t, index) => (
          <li key={`${t.time}-${index}`}>
            <TimeText value={t.time} relative="never" /> {t.what}
          </li>
        ))}
      </ol>
      {report.resigned.length > 0 && (
        <>
          <h3>Re-signed</h3>
          <div className="target-list" tabIndex={0} role="group" aria-label="Re-signed images">
            <table>
              <TableHead columns={['Image', 'Written', 'Verification']} />
              <tbody>
                {report.resigned.map((r) => {
                  const view = VERDICT_VIEW[r.verdict];
                  return (
                    <tr key={r.digest} data-testid="resigned-target" data-verdict={r.verdict}>
                      <td className="mono small">{referenceOf(r.digest)}</td>
                      <td className="small">{r.written.join(', ') || 'nothing new'}</td>
                      <td>
                        <StatusBadge tone={view.tone} text={view.word} /> <span className="small">{r.reason}</span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {report.removed.length > 0 && (
        <>
          <h3>Removed signatures</h3>
          <ul>
            {report.removed.map((r) => (
              <li key={`${r.reference}-${r.what}`} data-testid="removed-signature">
                <span className="mono small">{r.reference}</span>: {r.what}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Files</h3>
      <div className="actions">
        <button type="button" onClick={() => saveFile(report.revocationList.filename, report.revocationList.text, report.revocationList.mediaType)}>
          Save the revocation list
        </button>
        <button type="button" className="secondary" onClick={() => saveFile(`compromise-${report.keyId}.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json')}>
          Save the report
        </button>
      </div>
      {report.exports.map((e) => (
        <div key={`${e.policyId}-${e.target}`} className="compromise-export">
          <h4>
            Policy {e.policyId} for {e.target}
          </h4>
          <div className="actions">
            {e.files.map((f) => (
              <button key={f.filename} type="button" className="secondary" onClick={() => saveFile(f.filename, f.text, f.mediaType)}>
                Save {f.filename}
              </button>
            ))}
          </div>
          {e.gaps.length > 0 && (
            <ul className="small">
              {e.gaps.map((g) => (
                <li key={g}>{g}</li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}
