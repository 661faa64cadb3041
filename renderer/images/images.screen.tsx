import { useCallback, useEffect, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { ChainGraph } from '../ui/chain-graph.tsx';
import { layoutChain } from '../ui/chain-layout.ts';
import { exportPicture, exportReport } from './chain-export.ts';
import { NodeDetails } from '../ui/node-details.tsx';
import { nodeTitle, VERDICT_VIEW } from '../ui/verdict.ts';
import { useImages } from '../state/images.store.ts';
import { resultFor } from '../state/request-state.ts';
import { useSettings } from '../state/settings.store.ts';

/** How many recent images show before "Show more", so the chain stays above the fold. */
const RECENT_SHOWN = 5;

function ExportButtons({ report, collapsed }: { report: ChainReport; collapsed: ReadonlySet<string> }) {
  const [problem, setProblem] = useState<string | null>(null);
  const picture = (format: 'png' | 'svg') => {
    setProblem(null);
    exportPicture(report, layoutChain(report, collapsed), format).catch((error: unknown) => setProblem(`The picture could not be made: ${(error as Error).message}`));
  };
  return (
    <div className="header-actions" role="group" aria-label="Export the chain">
      <button type="button" className="secondary" onClick={() => exportReport(report)}>
        Export JSON
      </button>
      <button type="button" className="secondary" onClick={() => picture('png')}>
        Export PNG
      </button>
      <button type="button" className="secondary" onClick={() => picture('svg')}>
        Export SVG
      </button>
      {problem && <span className="problem">{problem}</span>}
    </div>
  );
}

// The images inspected lately: the first few as chips, the rest one click away, so the list never pushes the chain down.
function RecentImages({ recent, onPick }: { recent: string[]; onPick(reference: string): void }) {
  const [all, setAll] = useState(false);
  if (recent.length === 0) return null;
  const shown = all ? recent : recent.slice(0, RECENT_SHOWN);
  const more = recent.length - shown.length;
  return (
    <div className={`recent${all ? ' is-open' : ''}`} role="group" aria-label="Recent images">
      <span className="muted">Recent:</span>
      {shown.map((r) => (
        <button key={r} type="button" className="chip" title={r} onClick={() => onPick(r)}>
          {r}
        </button>
      ))}
      {more > 0 && (
        <button type="button" className="link" aria-expanded="false" onClick={() => setAll(true)}>
          Show {more} more
        </button>
      )}
      {all && recent.length > RECENT_SHOWN && (
        <button type="button" className="link" aria-expanded="true" onClick={() => setAll(false)}>
          Show fewer
        </button>
      )}
    </div>
  );
}

function BrowsePanel() {
  const settings = useSettings((s) => s.settings);
  const { browse, openStore, openRepository, inspect } = useImages();
  const stores = [...(settings?.registries ?? []).map((r) => ({ kind: 'registry' as const, name: r.name })), ...(settings?.layouts ?? []).map((l) => ({ kind: 'layout' as const, name: l.name }))];
  return (
    <nav className="browse" aria-label="Browse registries and layouts">
      <h2>Browse</h2>
      {stores.length === 0 && <p className="muted">No registry or image layout is configured yet (System screen).</p>}
      <ul className="plain-list">
        {stores.map((store) => (
          <li key={`${store.kind}:${store.name}`}>
            <button type="button" className="link one-line" title={store.name} aria-current={browse.store?.name === store.name && browse.store.kind === store.kind ? 'true' : undefined} onClick={() => void openStore(store)}>
              {store.kind === 'layout' ? '🗀 ' : '⛁ '}
              {store.name}
            </button>
          </li>
        ))}
      </ul>
      {browse.error && <ErrorBox error={browse.error} />}
      {browse.note && <p className="muted">{browse.note}</p>}
      {browse.repositories && browse.store?.kind === 'registry' && (
        <>
          <h3>Repositories</h3>
          <ul className="plain-list">
            {browse.repositories.map((repository) => (
              <li key={repository}>
                <button type="button" className="link one-line" title={repository} aria-current={browse.repository === repository ? 'true' : undefined} onClick={() => void openRepository(repository)}>
                  {repository}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {browse.tags && (
        <>
          <h3>Tags</h3>
          {browse.tags.length === 0 && <p className="muted">No tags.</p>}
          <ul className="plain-list">
            {browse.tags.map(({ tag, reference }) => (
              <li key={tag}>
                <button type="button" className="link one-line" title={tag} onClick={() => void inspect(reference)}>
                  {tag}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </nav>
  );
}

// The Images screen: an image reference in, its whole trust chain out, as a picture with reasons.
export function ImagesScreen() {
  const { reference, report: held, reportFor, loading, progress, error, recent, selected, collapsed, setReference, inspect, loadRecent, select, toggle, arrivedAt, requestedAt } = useImages();
  const loadSettings = useSettings((s) => s.load);
  const [drawn, setDrawn] = useState<{ report: ChainReport; ms: number; totalMs: number } | null>(null);
  useEffect(() => {
    void loadRecent();
    void loadSettings();
  }, [loadRecent, loadSettings]);
  // Only the first full draw of a report counts: from the report's arrival (and, in total, from the request) to the frame after its nodes were painted.
  const onDrawn = useCallback(
    (drawnReport: ChainReport) =>
      setDrawn((earlier) => {
        if (earlier?.report === drawnReport) return earlier;
        const now = performance.now();
        return { report: drawnReport, ms: Math.round(now - arrivedAt), totalMs: Math.round(now - requestedAt) };
      }),
    [arrivedAt, requestedAt],
  );
  const closeDetails = useCallback(() => select(null), [select]);
  // Only a report for exactly the reference in the field is drawn; one for an earlier reference is never left beside it.
  const report = loading || error ? null : resultFor(held, reportFor, reference);
  const drawnIn = drawn && drawn.report === report ? drawn.ms : null;
  const selectedNode = report?.nodes.find((n) => n.id === selected) ?? null;
  const verdict = report ? VERDICT_VIEW[report.verdict] : null;

  return (
    <section aria-labelledby="screen-title" className="screen images-screen">
      <header className="screen-header">
        <h1 id="screen-title">Images</h1>
      </header>
      <form
        className="inline-form inspect-form"
        onSubmit={(event) => {
          event.preventDefault();
          void inspect();
        }}
      >
        <label htmlFor="image-reference">Image</label>
        <input id="image-reference" value={reference} onChange={(event) => setReference(event.target.value)} placeholder="registry.example.com/team/app:1.2 or oci:/path/to/layout:tag" spellCheck={false} autoComplete="off" />
        <button type="submit" disabled={loading || reference.trim() === ''}>
          {loading ? 'Inspecting…' : 'Inspect'}
        </button>
      </form>
      <RecentImages recent={recent} onPick={(r) => void inspect(r)} />
      <div className="images-layout">
        <BrowsePanel />
        <div className="graph-column">
          {loading && (
            <div className="progress" role="status" aria-live="polite">
              <span className="spinner" aria-hidden="true" />
              {progress ? `${progress.step}${progress.total ? `: ${progress.done} of ${progress.total}` : '…'}` : 'Asking the registry…'}
              {progress && progress.total > 0 && <progress max={progress.total} value={progress.done} />}
            </div>
          )}
          {error && <ErrorBox error={error} onRetry={() => void inspect()} />}
          {report && verdict && (
            <ReactFlowProvider>
              <div className="chain-summary" data-testid="chain-summary" data-verdict={report.verdict} data-for={reportFor ?? ''}>
                <StatusBadge tone={verdict.tone} text={verdict.word} />
                <span>{report.reason}</span>
                <span className="muted">
                  {report.nodes.length} nodes{drawnIn !== null ? `, drawn in ${drawnIn} ms` : ''}
                </span>
                <ExportButtons report={report} collapsed={collapsed} />
              </div>
              {report.graph.problems.length > 0 && (
                <ul className="notice notice-warning">
                  {report.graph.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              )}
              <div className="graph-frame" data-testid="chain-graph" data-drawn={drawnIn !== null ? 'yes' : 'no'} data-drawn-ms={drawnIn ?? ''} data-total-ms={drawnIn !== null && drawn ? drawn.totalMs : ''}>
                <ChainGraph report={report} collapsed={collapsed} selected={selected} onSelect={select} onToggle={toggle} onDrawn={onDrawn} />
              </div>
            </ReactFlowProvider>
          )}
          {!report && !loading && !error && <p className="muted">Type an image reference, pick a recent one, or browse a registry.</p>}
        </div>
        {selectedNode && report && <NodeDetails node={selectedNode} title={nodeTitle(selectedNode, report)} onClose={closeDetails} />}
      </div>
    </section>
  );
}
