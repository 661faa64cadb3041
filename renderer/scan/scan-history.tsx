import { ErrorBox } from '../ui/error-box.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { useScan } from './scan.store.ts';
import { percent, when } from './coverage-view.ts';
import { ScanDiffView } from './scan-diff.tsx';
import { TrendChart } from './trend-chart.tsx';

// Earlier scans: the trend of the chosen source, the list to open one from, and two ticked to see what changed.
export function ScanHistory() {
  const { history, historyError, selected, compare, diff, diffing, diffError, loadHistory, select, toggleCompare, runDiff } = useScan();
  if (historyError) return <ErrorBox error={historyError} onRetry={() => void loadHistory()} />;
  if (!history) return null;
  const shown = history.find((s) => s.scanId === selected) ?? history[0];
  // Only scans of the same source under the same policy are comparable points of one trend.
  const sameSource = shown ? history.filter((s) => s.source === shown.source && s.policyId === shown.policyId) : [];
  const label = (scanId: string) => {
    const scan = history.find((s) => s.scanId === scanId);
    return scan ? `${when(scan.finishedAt)} (${percent(scan.coverage)})` : scanId;
  };
  return (
    <section className="card scan-history" aria-labelledby="scan-history-title">
      <h2 id="scan-history-title">History</h2>
      {history.length === 0 && <p className="muted">No scans yet. The first one starts the history and its trend.</p>}
      {shown && <TrendChart scans={sameSource} selected={selected} source={shown.policyId ? `${shown.source}, policy ${shown.policyId}` : shown.source} />}
      {history.length > 0 && (
        <div className="history-list" tabIndex={0} role="group" aria-label={`${history.length} earlier scans`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Finished</th>
                <th scope="col" className="number">
                  Coverage
                </th>
                <th scope="col" className="number">
                  Images
                </th>
                <th scope="col">Result</th>
                <th scope="col">Compare</th>
              </tr>
            </thead>
            <tbody>
              {history.map((scan) => (
                <tr key={scan.scanId} className={scan.scanId === selected ? 'selected' : undefined} data-testid="history-row" data-scan={scan.scanId}>
                  <td>
                    <button type="button" className="link" aria-current={scan.scanId === selected ? 'true' : undefined} onClick={() => void select(scan.scanId)}>
                      {when(scan.finishedAt)}
                    </button>
                    <div className="mono small muted history-source">{scan.source}</div>
                  </td>
                  <td className="number">{percent(scan.coverage)}</td>
                  <td className="number">{scan.total}</td>
                  <td>{scan.cancelled ? <StatusBadge tone="warn" text="cancelled" /> : scan.missing.length > 0 ? <StatusBadge tone="warn" text="partial" /> : <StatusBadge tone="ok" text="complete" />}</td>
                  <td>
                    <input type="checkbox" id={`compare-${scan.scanId}`} checked={compare.includes(scan.scanId)} onChange={() => toggleCompare(scan.scanId)} />
                    <label htmlFor={`compare-${scan.scanId}`} className="visually-hidden">
                      Compare the scan of {when(scan.finishedAt)}
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {history.length > 1 && (
        <div className="actions">
          <button type="button" onClick={() => void runDiff()} disabled={compare.length !== 2 || diffing} aria-describedby="compare-note">
            {diffing ? 'Comparing…' : 'Compare the two ticked scans'}
          </button>
          <span id="compare-note" className="muted">
            {compare.length === 2 ? 'The older one is the starting point.' : `Tick two scans to compare (${compare.length} ticked).`}
          </span>
        </div>
      )}
      {diffError && <ErrorBox error={diffError} onRetry={() => void runDiff()} />}
      {diff && <ScanDiffView diff={diff} fromLabel={label(diff.from)} toLabel={label(diff.to)} />}
    </section>
  );
}
