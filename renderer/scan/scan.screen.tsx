import { useEffect, useMemo, type FormEvent } from 'react';
import type { ScanImage } from '../../shared/model/scan.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { CoverageChart } from './coverage-chart.tsx';
import { percent, when } from './coverage-view.ts';
import { inspectReference, storeOf } from './scan-reference.ts';
import { ScanHistory } from './scan-history.tsx';
import { ScanSchedules } from './scan-schedules.tsx';
import { ScanTable } from './scan-table.tsx';
import { useImages } from '../state/images.store.ts';
import { useNav } from '../state/nav.store.ts';
import { buildStart, useScan, type ExportFormat } from './scan.store.ts';
import { useSettings } from '../state/settings.store.ts';
import { BusyLine } from '../ui/busy-line.tsx';

const PHASE_WORDS = { listing: 'Listing repositories and tags', checking: 'Checking signatures', done: 'Finishing' } as const;
const EXPORTS: { format: ExportFormat; label: string }[] = [
  { format: 'csv', label: 'Export CSV' },
  { format: 'json', label: 'Export JSON' },
  { format: 'html', label: 'HTML report' },
];

// The Scan screen: how much of a registry or layout is signed and verified, what changed since last time, and what is missing.
export function ScanScreen() {
  const load = useScan((s) => s.load);
  const loadSettings = useSettings((s) => s.load);
  useEffect(() => {
    void loadSettings();
    void load();
  }, [load, loadSettings]);
  return (
    <section aria-labelledby="screen-title" className="screen scan-screen">
      <header className="screen-header">
        <h1 id="screen-title">Scan</h1>
      </header>
      <Alerts />
      <StartForm />
      <Running />
      <div className="scan-top">
        <Summary />
        <ScanHistory />
      </div>
      <Images />
      <ScanSchedules />
    </section>
  );
}

// Scheduled scans that found a drop or a new signer say so here; the page never asks for notification permissions.
function Alerts() {
  const { alerts, dismissAlert, select } = useScan();
  if (alerts.length === 0) return null;
  return (
    <div className="scan-alerts" role="alert" data-testid="scan-alerts">
      {alerts.map((alert) => (
        <div key={alert.scanId} className="notice notice-warning scan-alert" data-scan={alert.scanId}>
          <strong>{alert.title}</strong> <span>{alert.body}</span>
          <div className="actions compact">
            <button type="button" className="secondary" onClick={() => void select(alert.scanId)}>
              Show the scan
            </button>
            <button type="button" className="secondary" onClick={() => dismissAlert(alert.scanId)}>
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}

const sourcesOf = (registries: readonly { name: string }[], layouts: readonly { name: string }[]) => [...registries.map((r) => `registry:${r.name}`), ...layouts.map((l) => `layout:${l.name}`)];

function StartForm() {
  const settings = useSettings((s) => s.settings);
  const go = useNav((s) => s.go);
  const { form, policies, policiesError, running, startError, setForm, start } = useScan();
  const registries = settings?.registries ?? [];
  const layouts = settings?.layouts ?? [];
  const known = sourcesOf(registries, layouts);
  // The first configured store is chosen until another is, and a store removed from the settings stops being chosen.
  useEffect(() => {
    if (!settings) return;
    const choices = sourcesOf(settings.registries, settings.layouts);
    if (choices[0] && !choices.includes(form.source)) setForm({ source: choices[0] });
  }, [settings, form.source, setForm]);
  const built = buildStart(form);
  const problem = 'problem' in built ? built.problem : null;
  const isRegistry = form.source.startsWith('registry:');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!problem && !running) void start();
  };
  if (settings && known.length === 0) {
    return (
      <div className="card">
        <p>No registry or image layout is configured yet, so there is nothing to scan.</p>
        <button type="button" onClick={() => go('system', 'registries')}>
          Configure one on the System screen
        </button>
      </div>
    );
  }
  return (
    <form className="card form-grid scan-form" aria-labelledby="scan-form-title" onSubmit={submit}>
      <h2 id="scan-form-title">Scan for signature coverage</h2>
      <label htmlFor="scan-source">Source</label>
      <select id="scan-source" value={form.source} onChange={(event) => setForm({ source: event.target.value })} disabled={running}>
        {registries.length > 0 && (
          <optgroup label="Registries">
            {registries.map((r) => (
              <option key={r.name} value={`registry:${r.name}`}>
                {r.name} ({new URL(r.url).host})
              </option>
            ))}
          </optgroup>
        )}
        {layouts.length > 0 && (
          <optgroup label="Image layouts">
            {layouts.map((l) => (
              <option key={l.name} value={`layout:${l.name}`}>
                {l.name} ({l.path})
              </option>
            ))}
          </optgroup>
        )}
      </select>
      {isRegistry && (
        <fieldset className="span scan-scope" disabled={running}>
          <legend>Repositories</legend>
          <span className="checkbox">
            <input type="radio" id="scan-scope-catalog" name="scan-scope" checked={form.scope === 'catalog'} onChange={() => setForm({ scope: 'catalog' })} />
            <label htmlFor="scan-scope-catalog">The whole catalog</label>
          </span>
          <span className="checkbox">
            <input type="radio" id="scan-scope-list" name="scan-scope" checked={form.scope === 'list'} onChange={() => setForm({ scope: 'list' })} />
            <label htmlFor="scan-scope-list">Only these repositories</label>
          </span>
          {form.scope === 'list' && (
            <>
              <label htmlFor="scan-repositories" className="visually-hidden">
                Repositories to scan
              </label>
              <textarea
                id="scan-repositories"
                className="mono"
                rows={3}
                value={form.repositories}
                onChange={(event) => setForm({ repositories: event.target.value })}
                placeholder={'team/app\nteam/worker'}
                spellCheck={false}
                aria-describedby="scan-repositories-note"
              />
              <span id="scan-repositories-note" className="muted small">
                One a line, as the registry names them (without its host).
              </span>
            </>
          )}
        </fieldset>
      )}
      <label htmlFor="scan-policy">Policy</label>
      <select id="scan-policy" value={form.policyId} onChange={(event) => setForm({ policyId: event.target.value })} disabled={running} aria-describedby={policiesError ? 'scan-policy-note' : undefined}>
        <option value="">No policy: the configured trust decides</option>
        {(policies ?? []).map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({p.id})
          </option>
        ))}
      </select>
      {policiesError && (
        <p id="scan-policy-note" className="span muted small">
          The policies could not be read ({policiesError.message}); the scan can still run without one.
        </p>
      )}
      <label htmlFor="scan-tags">Tag pattern</label>
      <input id="scan-tags" className="mono" value={form.tagPattern} onChange={(event) => setForm({ tagPattern: event.target.value })} placeholder="*" spellCheck={false} autoComplete="off" disabled={running} aria-describedby="scan-tags-note" />
      <p id="scan-tags-note" className="span muted small">
        <code>*</code> matches any run of characters and <code>?</code> one character.
      </p>
      <div className="span">
        <span className="checkbox">
          <input type="checkbox" id="scan-full" checked={form.fullRescan} onChange={(event) => setForm({ fullRescan: event.target.checked })} disabled={running} aria-describedby="scan-full-note" />
          <label htmlFor="scan-full">Full re-scan</label>
        </span>
        <span id="scan-full-note" className="muted small">
          {' '}
          Check every image again, instead of reusing what an earlier scan learnt about digests that did not change.
        </span>
      </div>
      <div className="span actions">
        <button type="submit" disabled={problem !== null || running} aria-describedby={problem ? 'scan-form-problem' : undefined}>
          {running ? 'Scanning…' : 'Start scan'}
        </button>
        {problem && (
          <span id="scan-form-problem" className="muted">
            {problem}
          </span>
        )}
      </div>
      {startError && (
        <div className="span">
          <ErrorBox error={startError} onRetry={startError.code === 'BadInput' ? undefined : () => void start()} />
        </div>
      )}
    </form>
  );
}

// A scan in progress: how far it got, how fast, and a way to stop it that keeps what was checked.
function Running() {
  const { running, runningId, progress, cancelling, cancelError, cancel } = useScan();
  if (!running) return null;
  const done = progress?.done ?? 0;
  const total = progress?.total ?? 0;
  return (
    <section className="card scan-running" aria-labelledby="scan-running-title">
      <h2 id="scan-running-title">Scanning</h2>
      <div className="scan-progress" role="status" aria-live="polite" data-testid="scan-progress" data-done={done} data-total={total} data-scan={runningId ?? ''}>
        <span className="spinner" aria-hidden="true" />
        <span>
          {progress ? PHASE_WORDS[progress.phase] : 'Starting'}
          {total > 0 ? `: ${done} of ${total}` : '…'}
          {progress && progress.rate > 0 && `, ${progress.rate < 10 ? progress.rate.toFixed(1) : Math.round(progress.rate)} images/s`}
        </span>
        {progress?.current && <span className="mono small current">{progress.current}</span>}
        <progress max={Math.max(total, 1)} value={done} aria-label={total > 0 ? `${done} of ${total} images checked` : 'Waiting for the first count'} />
        <button type="button" className="danger" onClick={() => void cancel()} disabled={!runningId || cancelling} aria-describedby="scan-cancel-note">
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
        <span id="scan-cancel-note" className="muted small">
          {runningId ? 'What was checked before the stop is kept as a partial result.' : 'Cancel is possible once main reports the first progress.'}
        </span>
      </div>
      {cancelError && <ErrorBox error={cancelError} />}
    </section>
  );
}

// One scan's numbers: the share signed and verified, each class in words and in the chart, and what could not be read.
function Summary() {
  const { selected, record, recordLoading, recordError, exporting, exportError, history, select, exportScan } = useScan();
  if (recordError && selected) return <ErrorBox error={recordError} onRetry={() => void select(selected)} />;
  if (!record) {
    if (recordLoading) return <BusyLine text="Reading the scan…" />;
    return history && history.length === 0 ? (
      <p className="card muted" data-testid="empty-scans">
        No scans yet. Choose a registry or layout above and press Start scan: the first scan shows how much is signed and starts the history.
      </p>
    ) : null;
  }
  const { summary } = record;
  return (
    <section className="card scan-summary" aria-labelledby="scan-summary-title" data-testid="scan-summary" data-scan={summary.scanId} data-total={summary.total} data-cancelled={String(summary.cancelled)} data-coverage={summary.coverage}>
      <h2 id="scan-summary-title">
        Scan of <span className="mono">{summary.source}</span>
      </h2>
      <p className="coverage-headline">
        <strong data-testid="scan-coverage">{percent(summary.coverage)}</strong> signed and verified{' '}
        <span className="muted">
          ({summary.counts.verified ?? 0} of {summary.total} images)
        </span>
        {summary.cancelled && <StatusBadge tone="warn" text="cancelled" />}
        {!summary.cancelled && summary.missing.length > 0 && <StatusBadge tone="warn" text="partial" />}
      </p>
      {summary.cancelled && (
        <p className="notice notice-warning" role="status">
          This scan was cancelled: the numbers cover only what was checked before it stopped.
        </p>
      )}
      {summary.missing.length > 0 && (
        <div className="notice notice-warning" data-testid="scan-missing">
          <strong>Not everything could be read, so this result is partial. Missing:</strong>
          <ul>
            {summary.missing.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      )}
      <CoverageChart counts={summary.counts} total={summary.total} />
      <dl className="facts small">
        <dt>Started</dt>
        <dd>{when(summary.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(summary.finishedAt)}</dd>
        <dt>Policy</dt>
        <dd>{summary.policyId ?? 'none: the configured trust decided'}</dd>
        <dt>Registry requests</dt>
        <dd data-testid="scan-requests">{summary.requests}</dd>
      </dl>
      <div className="actions" role="group" aria-label="Export this scan">
        {EXPORTS.map(({ format, label }) => (
          <button key={format} type="button" className="secondary" disabled={exporting !== null} onClick={() => void exportScan(format)}>
            {exporting === format ? 'Exporting…' : label}
          </button>
        ))}
      </div>
      {exportError && <ErrorBox error={exportError} />}
    </section>
  );
}

// The table under the summary, with Inspect opening the Images screen at the row's digest.
function Images() {
  const record = useScan((s) => s.record);
  const settings = useSettings((s) => s.settings);
  const go = useNav((s) => s.go);
  const store = useMemo(() => (record ? storeOf(record.summary.source, settings) : null), [record, settings]);
  if (!record) return null;
  const referenceOf = (image: ScanImage) => inspectReference(store, image);
  const inspect = (reference: string) => {
    go('images');
    void useImages.getState().inspect(reference);
  };
  return <ScanTable key={record.summary.scanId} images={record.images} referenceOf={referenceOf} onInspect={inspect} />;
}
