import { useEffect, useRef, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { ErrorBox } from '../ui/error-box.tsx';
import { choicesProblem, SignChoicesFields } from './sign-choices.tsx';
import { SignChainPanel, SignPlanPanel } from './sign-plan.tsx';
import { SignResultPanel } from './sign-result.tsx';
import { SignReview } from './sign-review.tsx';
import { useKeys } from '../state/keys.store.ts';
import { useSettings } from '../state/settings.store.ts';
import { STALE_INTENT_CODES } from '../../shared/errors.ts';
import { useSign, type SignMode } from './sign.store.ts';
import { BusyLine } from '../ui/busy-line.tsx';
import { showToast } from '../state/toast.store.ts';
import type { SignResult } from '../../shared/model/signing.model.ts';

const MODES: { mode: SignMode; label: string }[] = [
  { mode: 'single', label: 'One image' },
  { mode: 'bulk', label: 'Bulk: matching tags' },
];

/** Results already announced, so coming back to the screen does not announce one again. */
const announced = new WeakSet<SignResult>();

// A finished run is announced once with what it signed and how many verified.
function useResultToast(): void {
  const result = useSign((s) => s.result);
  useEffect(() => {
    if (!result || announced.has(result)) return;
    announced.add(result);
    const verified = result.signed.filter((t) => t.verdict === 'verified').length;
    const total = result.signed.length;
    showToast(`${result.cancelled ? 'Signing stopped' : 'Signed'}: ${total} manifest${total === 1 ? '' : 's'}, ${verified} verified.`);
  }, [result]);
}

// The Sign screen: resolve, choose, review main's intent, confirm; nothing is signed that was not shown first.
export function SignScreen() {
  const { mode, phase } = useSign();
  const loadKeys = useKeys((s) => s.load);
  const loadSettings = useSettings((s) => s.load);
  useResultToast();
  useEffect(() => {
    void loadKeys();
    void loadSettings();
  }, [loadKeys, loadSettings]);

  return (
    <section aria-labelledby="screen-title" className="screen sign-screen">
      <header className="screen-header">
        <h1 id="screen-title">Sign</h1>
      </header>
      <ModeTabs />
      <div role="tabpanel" id={`sign-panel-${mode}`} aria-labelledby={`sign-tab-${mode}`} data-phase={phase}>
        {mode === 'single' ? <SingleImage /> : <Bulk />}
      </div>
    </section>
  );
}

function ModeTabs() {
  const { mode, phase, setMode } = useSign();
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const locked = phase !== 'form' && phase !== 'done';
  const move = (event: KeyboardEvent, index: number) => {
    if (locked || (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft')) return;
    event.preventDefault();
    const next = (index + (event.key === 'ArrowRight' ? 1 : MODES.length - 1)) % MODES.length;
    const target = MODES[next];
    if (!target) return;
    setMode(target.mode);
    tabs.current[next]?.focus();
  };
  return (
    <div role="tablist" aria-label="What to sign" className="tabs">
      {MODES.map((tab, index) => (
        <button
          key={tab.mode}
          ref={(element) => {
            tabs.current[index] = element;
          }}
          type="button"
          role="tab"
          id={`sign-tab-${tab.mode}`}
          aria-selected={mode === tab.mode}
          aria-controls={`sign-panel-${tab.mode}`}
          tabIndex={mode === tab.mode ? 0 : -1}
          disabled={locked && mode !== tab.mode}
          onClick={() => setMode(tab.mode)}
          onKeyDown={(event) => move(event, index)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

function SingleImage() {
  const { reference, resolving, plan, phase, error, setReference, resolve } = useSign();
  const locked = phase === 'preparing' || phase === 'review' || phase === 'confirming';
  return (
    <>
      <form
        className="inline-form sign-resolve"
        onSubmit={(event) => {
          event.preventDefault();
          void resolve();
        }}
      >
        <label htmlFor="sign-reference">Image reference</label>
        <input
          id="sign-reference"
          value={reference}
          onChange={(event) => setReference(event.target.value)}
          placeholder="registry.example.com/team/app:1.2, …@sha256:… or oci:/path/to/layout:tag"
          spellCheck={false}
          autoComplete="off"
          disabled={locked}
        />
        <button type="submit" disabled={resolving || locked || reference.trim() === ''}>
          {resolving ? 'Resolving…' : 'Resolve'}
        </button>
      </form>
      {resolving && (
        <BusyLine text="Resolving the reference to a digest…" />
      )}
      {error?.step === 'plan' && <ErrorBox error={error.error} onRetry={() => void resolve()} />}
      {!plan && !resolving && !error && <p className="muted">Type an image reference and resolve it: the tag is pinned to a digest before anything else is chosen.</p>}
      {phase === 'done' && <SignResultPanel />}
      <div className={phase === 'done' ? 'sign-layout single' : 'sign-layout'}>
        {phase !== 'done' && (
          <div className="sign-main">
            <StepError />
            {(phase === 'form' || phase === 'preparing') && plan && (
              <>
                <SignPlanPanel />
                <ChoicesForm title="How to sign" />
              </>
            )}
            {(phase === 'review' || phase === 'confirming') && <SignReview />}
          </div>
        )}
        <SignChainPanel />
      </div>
    </>
  );
}

function Bulk() {
  const { repository, tagPattern, platforms, phase, setRepository, setTagPattern, setPlatforms } = useSign();
  return (
    <div className="sign-main bulk">
      <StepError />
      {(phase === 'form' || phase === 'preparing') && (
        <ChoicesForm title="Sign every matching tag of a repository">
          <label htmlFor="bulk-repository">Repository</label>
          <input id="bulk-repository" className="mono" value={repository} onChange={(event) => setRepository(event.target.value)} placeholder="127.0.0.1:5000/shop/app or oci:/path/to/layout" spellCheck={false} autoComplete="off" />
          <label htmlFor="bulk-pattern">Tag pattern</label>
          <input id="bulk-pattern" className="mono" value={tagPattern} onChange={(event) => setTagPattern(event.target.value)} placeholder="* or v1.*" spellCheck={false} autoComplete="off" aria-describedby="bulk-pattern-note" />
          <p id="bulk-pattern-note" className="span muted small">
            <code>*</code> matches any run of characters and <code>?</code> one character. Every tag is resolved to a digest before the review, and the review lists each one.
          </p>
          <div className="span">
            <span className="checkbox">
              <input type="checkbox" id="bulk-platforms" checked={platforms} onChange={(event) => setPlatforms(event.target.checked)} />
              <label htmlFor="bulk-platforms">Include platform manifests</label>
            </span>
          </div>
        </ChoicesForm>
      )}
      {(phase === 'review' || phase === 'confirming') && <SignReview />}
      {phase === 'done' && <SignResultPanel />}
    </div>
  );
}

// The shared form around the key, format, annotation and timestamp choices, ending in Review.
function ChoicesForm({ title, children }: { title: string; children?: ReactNode }) {
  const { mode, phase, plan, chosen, choices, repository, tagPattern, prepare } = useSign();
  const keys = useKeys((s) => s.keys);
  const problem =
    mode === 'single'
      ? !plan
        ? 'Resolve an image first.'
        : chosen.size === 0
          ? 'Choose at least one manifest.'
          : choicesProblem(keys, choices)
      : repository.trim() === ''
        ? 'Type the repository to sign.'
        : tagPattern.trim() === ''
          ? 'Type a tag pattern.'
          : choicesProblem(keys, choices);
  const preparing = phase === 'preparing';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!problem && !preparing) void prepare();
  };
  return (
    <form className="card form-grid sign-form" aria-labelledby={`sign-form-title-${mode}`} onSubmit={submit}>
      <h2 id={`sign-form-title-${mode}`}>{title}</h2>
      {children}
      <SignChoicesFields />
      <div className="span actions">
        <button type="submit" disabled={problem !== null || preparing} aria-describedby={problem ? 'sign-form-problem' : undefined}>
          {preparing ? 'Asking main for the review…' : 'Review'}
        </button>
        {problem && (
          <span id="sign-form-problem" className="muted">
            {problem}
          </span>
        )}
      </div>
    </form>
  );
}

// Failures of prepare, confirm and cancel; a review main no longer honours is named as such, with the way back.
function StepError() {
  const { error, mode, planFor, prepare, resolve, dismissError } = useSign();
  if (!error || error.step === 'plan') return null;
  const stale = error.step === 'confirm' && STALE_INTENT_CODES.has(error.error.code);
  // A Conflict means what was reviewed no longer matches the registry (a tag moved): only a fresh resolve helps.
  const moved = mode === 'single' && planFor !== null && error.error.code === 'Conflict';
  return (
    <div data-testid="sign-error" data-code={error.error.code}>
      {stale && (
        <p className="notice notice-warning" role="status">
          That review can no longer be used; main says why below. Review again to get a new one.
        </p>
      )}
      {error.step === 'confirm' && !stale && error.error.code !== 'Cancelled' && <p className="notice notice-warning">Signing stopped with an error. Check the Images screen or the audit log for what was written before it.</p>}
      <ErrorBox error={error.error} onRetry={error.step === 'prepare' && !moved ? () => void prepare() : undefined} />
      <div className="actions">
        {moved && (
          <button type="button" onClick={() => void resolve(planFor)}>
            Resolve again
          </button>
        )}
        {stale && !moved && (
          <button type="button" onClick={() => void prepare()}>
            Review again
          </button>
        )}
        <button type="button" className="secondary" onClick={dismissError}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
