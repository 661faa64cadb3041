import type { ReactNode } from 'react';
import type { ScanDiff } from '../../shared/model/scan.model.ts';
import { COVERAGE_VIEW } from './coverage-view.ts';

type Key = { repository: string; tag: string; platform: string | null };

const nameOf = (key: Key) => `${key.repository}:${key.tag}${key.platform ? ` (${key.platform})` : ''}`;
const signers = (list: readonly string[]) => (list.length > 0 ? list.join(', ') : 'no signer');

function Part<T extends Key>({ id, title, items, line }: { id: string; title: string; items: readonly T[]; line: (item: T) => ReactNode }) {
  return (
    <section className="diff-part" aria-labelledby={`diff-${id}`} data-testid={`diff-${id}`} data-count={items.length}>
      <h3 id={`diff-${id}`}>
        {title} <span className="muted">({items.length})</span>
      </h3>
      {items.length === 0 ? (
        <p className="muted small">None.</p>
      ) : (
        <ul className="plain-list small">
          {items.map((item) => (
            <li key={nameOf(item)}>
              <span className="mono">{nameOf(item)}</span>
              {line(item)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// What changed between two scans, worst news first: what lost its signature, then whose signer changed.
export function ScanDiffView({ diff, fromLabel, toLabel }: { diff: ScanDiff; fromLabel: string; toLabel: string }) {
  const total = diff.becameUnsigned.length + diff.signerChanged.length + diff.coverageChanged.length + diff.added.length + diff.removed.length;
  return (
    <div className="scan-diff" data-testid="scan-diff" data-from={diff.from} data-to={diff.to}>
      <p>
        From <strong>{fromLabel}</strong> to <strong>{toLabel}</strong>: {total === 0 ? 'nothing changed.' : `${total} ${total === 1 ? 'change' : 'changes'}.`}
      </p>
      <Part id="unsigned" title="Became unsigned" items={diff.becameUnsigned} line={() => null} />
      <Part
        id="signer"
        title="Signer changed"
        items={diff.signerChanged}
        line={(item) => (
          <>
            : {signers(item.before)} → {signers(item.after)}
          </>
        )}
      />
      <Part
        id="coverage"
        title="Coverage changed"
        items={diff.coverageChanged}
        line={(item) => (
          <>
            : <span aria-hidden="true">{COVERAGE_VIEW[item.before].icon}</span> {COVERAGE_VIEW[item.before].words} → <span aria-hidden="true">{COVERAGE_VIEW[item.after].icon}</span> {COVERAGE_VIEW[item.after].words}
          </>
        )}
      />
      <Part id="added" title="Added" items={diff.added} line={() => null} />
      <Part id="removed" title="Removed" items={diff.removed} line={() => null} />
    </div>
  );
}
