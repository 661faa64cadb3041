import { useId } from 'react';
import type { ScanSummary } from '../../shared/model/scan.model.ts';
import { percent, when } from './coverage-view.ts';

const WIDTH = 600;
const HEIGHT = 200;
const LEFT = 44;
const RIGHT = 16;
const TOP = 12;
const BOTTOM = 28;
const GRID = [0, 0.25, 0.5, 0.75, 1];

// Whether a scan's numbers are the whole story: a cancelled or partial scan is drawn hollow and said so in words.
function partial(scan: ScanSummary): boolean {
  return scan.cancelled || scan.missing.length > 0;
}

// The share of signed and verified images over time, one point per scan, with the same numbers in a table for those who do not see the picture.
export function TrendChart({ scans, selected, source }: { scans: readonly ScanSummary[]; selected: string | null; source: string }) {
  const id = useId();
  const ordered = [...scans].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  const times = ordered.map((s) => Date.parse(s.finishedAt));
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  const span = last - first;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const xOf = (time: number) => LEFT + (span > 0 ? ((time - first) / span) * plotWidth : plotWidth / 2);
  const yOf = (share: number) => TOP + (1 - share) * plotHeight;
  const points = ordered.map((scan, index) => ({ scan, x: xOf(times[index] ?? first), y: yOf(scan.coverage) }));
  const newest = ordered.at(-1);
  const oldest = ordered[0];
  const description =
    oldest && newest
      ? `${ordered.length} ${ordered.length === 1 ? 'scan' : 'scans'} from ${when(oldest.finishedAt)} to ${when(newest.finishedAt)}; coverage went from ${percent(oldest.coverage)} to ${percent(newest.coverage)}.`
      : 'No scans yet.';
  return (
    <figure className="trend-chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>
        Share signed and verified over time, <span className="mono">{source}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} data-testid="trend-chart" data-points={points.length}>
        <title id={`${id}-title`}>{`Coverage trend of ${source}`}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {GRID.map((share) => (
          <g key={share} aria-hidden="true">
            <line x1={LEFT} x2={WIDTH - RIGHT} y1={yOf(share)} y2={yOf(share)} className="chart-grid" />
            <text x={LEFT - 6} y={yOf(share)} textAnchor="end" dominantBaseline="central" className="chart-label">
              {`${share * 100}%`}
            </text>
          </g>
        ))}
        {oldest && (
          <text x={points[0]?.x ?? LEFT} y={HEIGHT - 8} textAnchor={points.length === 1 ? 'middle' : 'start'} className="chart-label" aria-hidden="true">
            {when(oldest.finishedAt)}
          </text>
        )}
        {newest && points.length > 1 && (
          <text x={WIDTH - RIGHT} y={HEIGHT - 8} textAnchor="end" className="chart-label" aria-hidden="true">
            {when(newest.finishedAt)}
          </text>
        )}
        {points.length > 1 && <polyline points={points.map((p) => `${p.x},${p.y}`).join(' ')} className="chart-line" />}
        {points.map(({ scan, x, y }) => (
          <g key={scan.scanId} data-testid="trend-point" data-scan={scan.scanId} data-coverage={scan.coverage}>
            <title>{`${when(scan.finishedAt)}: ${percent(scan.coverage)} signed and verified (${scan.counts.verified ?? 0} of ${scan.total})${partial(scan) ? ', partial result' : ''}`}</title>
            {scan.scanId === selected && <circle cx={x} cy={y} r={9} className="chart-point-ring" />}
            <circle cx={x} cy={y} r={5} className={partial(scan) ? 'chart-point hollow' : 'chart-point'} />
          </g>
        ))}
      </svg>
      <details className="chart-table">
        <summary>The trend as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Finished</th>
              <th scope="col" className="number">
                Signed and verified
              </th>
              <th scope="col" className="number">
                Images
              </th>
              <th scope="col">Complete</th>
            </tr>
          </thead>
          <tbody>
            {ordered.map((scan) => (
              <tr key={scan.scanId}>
                <td>{when(scan.finishedAt)}</td>
                <td className="number">{percent(scan.coverage)}</td>
                <td className="number">{scan.total}</td>
                <td>{scan.cancelled ? 'cancelled' : scan.missing.length > 0 ? 'partial' : 'yes'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
