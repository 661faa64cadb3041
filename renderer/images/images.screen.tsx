import { useCallback, useEffect, useState } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { ChainGraph } from '../ui/chain-graph.tsx';
import { exportPicture, exportReport } from './chain-export.ts';
import { NodeDetails } from '../ui/node-details.tsx';
import { VERDICT_VIEW } from '../ui/verdict.ts';
import { useImages } from '../state/images.store.ts';
import { resultFor } from '../state/request-state.ts';
import { useSettings } from '../state/settings.store.ts';

function ExportButtons({ report }: { report: ChainReport }) {
  const flow = useReactFlow();
  const [problem, setProblem] = useState<string | null>(null);
  const picture = (format: 'png' | 'svg') => {
    setProblem(null);
    exportPicture(report, flow.getNodes(), format).catch((error: unknown) => setProblem(`The picture could not be made: ${(error as Error).message}`));
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
            <button type="button" className="link" aria-current={browse.store?.name === store.name && browse.store.kind === store.kind ? 'true' : undefined} onClick={() => void openStore(store)}>
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
                <button type="button" className="link" aria-current={browse.repository === repository ? 'true' : undefined} onClick={() => void openRepository(repository)}>
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
                <button type="button" className="link" onClick={() => void inspect(reference)}>
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
  const { reference, report: held, reportFor, loading, progress, error, recent, selected, collapsed, setReference, inspect, loadRecent, select, toggle, requestedAt } = useImages();
  const loadSettings = useSettings((s) => s.load);
  const [drawn, setDrawn] = useState<{ report: ChainReport; ms: number } | null>(null);
  useEffect(() => {
    void loadRecent();
    void loadSettings();
  }, [loadRecent, loadSettings]);
  // Only the first full draw of a report counts: from the request to the frame after it was laid out.
  const onDrawn = useCallback(
    (drawnReport: ChainReport) => setDrawn((earlier) => (earlier?.report === drawnReport ? earlier : { report: drawnReport, ms: Math.round(performance.now() - requestedAt) })),
    [requestedAt],
  );
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
      {recent.length > 0 && (
        <div className="recent" role="group" aria-label="Recent images">
          <span className="muted">Recent:</span>
          {recent.map((r) => (
            <button key={r} type="button" className="chip" onClick={() => void inspect(r)}>
              {r}
            </button>
          ))}
        </div>
      )}
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
                <ExportButtons report={report} />
              </div>
              {report.graph.problems.length > 0 && (
                <ul className="notice notice-warning">
                  {report.graph.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              )}
              <div className="graph-frame" data-testid="chain-graph" data-drawn={drawnIn !== null ? 'yes' : 'no'} data-drawn-ms={drawnIn ?? ''}>
                <ChainGraph report={report} collapsed={collapsed} selected={selected} onSelect={select} onToggle={toggle} onDrawn={onDrawn} />
              </div>
            </ReactFlowProvider>
          )}
          {!report && !loading && !error && <p className="muted">Type an image reference, pick a recent one, or browse a registry.</p>}
        </div>
        {selectedNode && <NodeDetails node={selectedNode} onClose={() => select(null)} />}
      </div>
    </section>
  );
}
