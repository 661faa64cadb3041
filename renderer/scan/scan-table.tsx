import { useMemo, useState } from 'react';
import { CoverageClassSchema, type CoverageClass, type ScanImage } from '../../shared/model/scan.model.ts';
import { StatusBadge, type BadgeTone } from '../ui/status-badge.tsx';
import { useScan, visibleImages, type SortColumn } from './scan.store.ts';
import { CoverageBadge } from './coverage-badge.tsx';
import { COVERAGE_VIEW } from './coverage-view.ts';
import { WhyUntrustedLink } from '../ui/trust-link.tsx';

const PAGE = 200;
const COLUMNS: { column: SortColumn; label: string }[] = [
  { column: 'repository', label: 'Repository' },
  { column: 'tag', label: 'Tag' },
  { column: 'platform', label: 'Platform' },
  { column: 'digest', label: 'Digest' },
  { column: 'coverage', label: 'Coverage' },
  { column: 'policy', label: 'Policy' },
  { column: 'signers', label: 'Signers' },
  { column: 'reason', label: 'Reason' },
  { column: 'reused', label: 'Reused' },
];
const POLICY_VIEW: Record<'pass' | 'fail' | 'no-rule', { tone: BadgeTone; text: string }> = {
  pass: { tone: 'ok', text: 'passes' },
  fail: { tone: 'fail', text: 'fails' },
  'no-rule': { tone: 'off', text: 'no rule' },
};

// `sha256:` and twelve hex digits are enough to tell rows apart; the whole digest is in the title and the Inspect label.
function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return `${digest.slice(0, colon + 1)}${digest.slice(colon + 1, colon + 13)}`;
}

// The images of one scan: sortable by any column, filtered by class and by repository or tag, each one a click away from the inspector.
export function ScanTable({ images, referenceOf, onInspect }: { images: readonly ScanImage[]; referenceOf: (image: ScanImage) => string | null; onInspect: (reference: string) => void }) {
  const { view, setView, sortBy } = useScan();
  const [shown, setShown] = useState(PAGE);
  const rows = useMemo(() => visibleImages(images, view), [images, view]);
  const perClass = useMemo(() => {
    const counts = new Map<CoverageClass, number>();
    for (const image of images) counts.set(image.coverage, (counts.get(image.coverage) ?? 0) + 1);
    return counts;
  }, [images]);
  const filtered = view.coverage !== 'all' || view.text.trim() !== '';
  return (
    <section className="card scan-images" aria-labelledby="scan-images-title">
      <h2 id="scan-images-title">Images</h2>
      <div className="inline-form scan-filters" role="search" aria-label="Filter the images">
        <label htmlFor="scan-filter-coverage">Coverage</label>
        <select id="scan-filter-coverage" value={view.coverage} onChange={(event) => setView({ coverage: event.target.value as CoverageClass | 'all' })}>
          <option value="all">every class ({images.length})</option>
          {CoverageClassSchema.options.map((c) => (
            <option key={c} value={c}>
              {COVERAGE_VIEW[c].words} ({perClass.get(c) ?? 0})
            </option>
          ))}
        </select>
        <label htmlFor="scan-filter-text">Repository or tag contains</label>
        <input id="scan-filter-text" type="search" value={view.text} onChange={(event) => setView({ text: event.target.value })} spellCheck={false} autoComplete="off" />
        <span className="muted" role="status" data-testid="scan-row-count" data-count={rows.length}>
          {filtered ? `${rows.length} of ${images.length} images` : `${images.length} images`}
        </span>
      </div>
      {rows.length === 0 ? (
        <p className="muted">{images.length === 0 ? 'This scan found no images.' : 'No image matches the filter.'}</p>
      ) : (
        <div className="scan-table-frame">
          <table className="scan-table" data-testid="scan-table">
            <caption className="visually-hidden">Images of the scan; the column headers sort the table.</caption>
            <thead>
              <tr>
                {COLUMNS.map(({ column, label }) => {
                  const active = view.sort.column === column;
                  return (
                    <th key={column} scope="col" aria-sort={active ? (view.sort.descending ? 'descending' : 'ascending') : 'none'}>
                      <button type="button" className="sort" onClick={() => sortBy(column)}>
                        {label}
                        <span aria-hidden="true" className="sort-mark">
                          {active ? (view.sort.descending ? ' ▼' : ' ▲') : ' ↕'}
                        </span>
                      </button>
                    </th>
                  );
                })}
                <th scope="col">
                  <span className="visually-hidden">Inspect</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, shown).map((image) => {
                const reference = referenceOf(image);
                const name = `${image.repository}:${image.tag}${image.platform ? ` (${image.platform})` : ''}`;
                return (
                  <tr
                    key={`${image.repository}\n${image.tag}\n${image.platform ?? ''}\n${image.digest ?? ''}`}
                    data-testid="scan-row"
                    data-repository={image.repository}
                    data-tag={image.tag}
                    data-platform={image.platform ?? ''}
                    data-digest={image.digest ?? ''}
                    data-coverage={image.coverage}
                    data-policy={image.policyVerdict ?? ''}
                  >
                    <td className="mono small wrap">{image.repository}</td>
                    <td className="mono small">{image.tag}</td>
                    <td className="small">{image.platform ?? <span className="muted">tagged</span>}</td>
                    <td className="mono small">{image.digest ? <span title={image.digest}>{shortDigest(image.digest)}</span> : <span className="muted">—</span>}</td>
                    <td>
                      <CoverageBadge coverage={image.coverage} />
                      {image.coverage === 'untrusted' && <WhyUntrustedLink />}
                    </td>
                    <td>
                      {image.policyVerdict ? (
                        <>
                          <StatusBadge tone={POLICY_VIEW[image.policyVerdict].tone} text={POLICY_VIEW[image.policyVerdict].text} />
                          {image.admitted !== null && <div className="small muted">{image.admitted ? 'admitted' : 'not admitted'}</div>}
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="small wrap">{image.signers.length > 0 ? image.signers.join(', ') : <span className="muted">none</span>}</td>
                    <td className="small reason">{image.reason}</td>
                    <td className="small">{image.reused ? <span title="The verdict was reused from an earlier scan: nothing it depends on changed.">↺ reused</span> : <span className="muted">checked</span>}</td>
                    <td>
                      {reference && (
                        <button type="button" className="secondary" aria-label={`Inspect ${name}`} title={reference} onClick={() => onInspect(reference)}>
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
      {rows.length > shown && (
        <div className="actions">
          <span className="muted">
            Showing {shown} of {rows.length}.
          </span>
          <button type="button" className="secondary" onClick={() => setShown(shown + PAGE)}>
            Show {Math.min(PAGE, rows.length - shown)} more
          </button>
        </div>
      )}
    </section>
  );
}
