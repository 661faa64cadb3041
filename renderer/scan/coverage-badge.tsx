import type { CoverageClass } from '../../shared/model/scan.model.ts';
import { COVERAGE_VIEW } from './coverage-view.ts';

// Like the status badge, but with the class's own icon, so untrusted, revoked and failing differ in shape as well as in words.
export function CoverageBadge({ coverage }: { coverage: CoverageClass }) {
  const view = COVERAGE_VIEW[coverage];
  return (
    <span className={`badge badge-${view.tone}`}>
      <span aria-hidden="true" className="badge-icon">
        {view.icon}
      </span>
      {view.words}
    </span>
  );
}
