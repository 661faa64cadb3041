import { useId } from 'react';
import { CoverageClassSchema, type CoverageClass } from '../../shared/model/scan.model.ts';
import { COVERAGE_VIEW, percent } from './coverage-view.ts';

const WIDTH = 600;
const HEIGHT = 36;

// One stacked bar of the coverage classes, with a table beside it that says the same in words and numbers.
export function CoverageChart({ counts, total }: { counts: Partial<Record<CoverageClass, number>>; total: number }) {
  const id = useId();
  const classes = CoverageClassSchema.options;
  const described = classes
    .filter((c) => (counts[c] ?? 0) > 0)
    .map((c) => `${counts[c]} ${COVERAGE_VIEW[c].words}`)
    .join(', ');
  let x = 0;
  const segments = classes.flatMap((c) => {
    const count = counts[c] ?? 0;
    if (count === 0 || total === 0) return [];
    const width = (count / total) * WIDTH;
    const segment = { coverage: c, count, x, width };
    x += width;
    return [segment];
  });
  return (
    <div className="coverage-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} preserveAspectRatio="none" data-testid="coverage-chart">
        <title id={`${id}-title`}>{`Coverage of ${total} images`}</title>
        <desc id={`${id}-desc`}>{total === 0 ? 'No images were checked.' : `${described}.`}</desc>
        <rect x={0} y={0} width={WIDTH} height={HEIGHT} className="chart-empty" />
        {segments.map((s) => (
          <g key={s.coverage} data-testid="coverage-segment" data-class={s.coverage} data-count={s.count}>
            <title>{`${COVERAGE_VIEW[s.coverage].words}: ${s.count} of ${total} (${percent(s.count / total)})`}</title>
            <rect x={s.x} y={0} width={s.width} height={HEIGHT} className={`chart-fill cov-${s.coverage}`} />
            {s.width >= 22 && (
              <text x={s.x + s.width / 2} y={HEIGHT / 2} className="chart-segment-icon" textAnchor="middle" dominantBaseline="central" aria-hidden="true">
                {COVERAGE_VIEW[s.coverage].icon}
              </text>
            )}
          </g>
        ))}
      </svg>
      <table className="coverage-table">
        <caption className="visually-hidden">Images per coverage class</caption>
        <thead>
          <tr>
            <th scope="col">Coverage</th>
            <th scope="col" className="number">
              Images
            </th>
            <th scope="col" className="number">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {classes.map((c) => {
            const count = counts[c] ?? 0;
            return (
              <tr key={c} data-testid="coverage-count" data-class={c} data-count={count} className={count === 0 ? 'muted' : undefined}>
                <th scope="row">
                  <span className={`swatch cov-${c}`} aria-hidden="true">
                    {COVERAGE_VIEW[c].icon}
                  </span>
                  {COVERAGE_VIEW[c].words}
                </th>
                <td className="number">{count}</td>
                <td className="number">{total === 0 ? '—' : percent(count / total)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
