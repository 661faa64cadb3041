import { useEffect, useRef } from 'react';
import type { Lesson, LessonStep } from '../../shared/model/workshop.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { WorkshopActionError } from './action-error.tsx';
import { STALE_INTENT_CODES } from '../../shared/errors.ts';
import { stepsRun, useWorkshop } from './workshop.store.ts';
import { HappenedPanel } from './happened-panel.tsx';
import { actionWords, CONFIRMED_KINDS, expectWords } from './lesson-words.ts';
import { StepResultPanel } from './step-result.tsx';
import { StepReview } from './step-review.tsx';
import { latestChain, WorkshopChain } from './workshop-chain.tsx';
import { BusyLine } from '../ui/busy-line.tsx';

// Keys a presenter's clicker or keyboard sends; form fields and the chain picture keep their own arrow keys.
function usePresenterKeys(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.altKey || event.ctrlKey || event.metaKey || target?.closest('input, textarea, select, [contenteditable], .react-flow, [role="tablist"]')) return;
      const forward = event.key === 'ArrowRight' || event.key === 'PageDown';
      const backward = event.key === 'ArrowLeft' || event.key === 'PageUp';
      if (!forward && !backward) return;
      event.preventDefault();
      const { view, show } = useWorkshop.getState();
      show(view + (forward ? 1 : -1));
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [active]);
}

type StepState = 'ran' | 'ran-unexpected' | 'ran-before' | 'next' | 'later';

const STATE_WORDS: Record<StepState, string> = {
  ran: 'ran, as the lesson expects',
  'ran-unexpected': 'ran, not as the lesson expects',
  'ran-before': 'ran earlier',
  next: 'next to run',
  later: 'not run yet',
};

const STATE_ICONS: Record<StepState, string> = { ran: '✓', 'ran-unexpected': '✕', 'ran-before': '✓', next: '▶', later: '○' };

function stateOf(step: LessonStep, index: number): (state: ReturnType<typeof useWorkshop.getState>) => StepState {
  return (state) => {
    const result = state.results[step.id];
    if (result) return result.asExpected ? 'ran' : 'ran-unexpected';
    const run = stepsRun(state);
    return index < run ? 'ran-before' : index === run ? 'next' : 'later';
  };
}

// A lesson under way: the step's words beside the live chain, one step at a time, with the sandbox controls around it.
export function LessonView({ lesson }: { lesson: Lesson }) {
  const state = useWorkshop();
  const { view, presenter, happenedOpen, busy, notice, phase, show, reset, leave, backToLessons, toggleHappened } = state;
  usePresenterKeys(presenter);
  const total = lesson.steps.length;
  const run = stepsRun(state);
  const finished = run >= total;
  const moving = phase === 'preparing' || phase === 'running';
  const expectedCount = lesson.steps.filter((s) => state.results[s.id]?.asExpected).length;
  const ranHere = lesson.steps.filter((s) => state.results[s.id]).length;
  const step = lesson.steps[view];
  const result = step ? state.results[step.id] : undefined;
  const stepState = step ? stateOf(step, view)(state) : 'later';

  return (
    <div className="workshop-lesson-view" data-testid="workshop-lesson-view" data-lesson={lesson.id}>
      <div className="workshop-toolbar" role="group" aria-label="Lesson controls">
        <button type="button" className="secondary" onClick={backToLessons} disabled={moving || busy !== null}>
          All lessons
        </button>
        <button type="button" className="secondary" aria-expanded={happenedOpen} aria-controls="workshop-happened" onClick={() => void toggleHappened()}>
          {happenedOpen ? 'Hide what happened' : 'Show what happened'}
        </button>
        <button type="button" className="secondary" onClick={() => void reset()} disabled={moving || busy !== null}>
          {busy?.action === 'reset' ? 'Resetting…' : 'Reset to the lesson start'}
        </button>
        <button type="button" className="secondary" onClick={() => void leave()} disabled={moving || busy !== null}>
          {busy?.action === 'leave' ? 'Leaving…' : 'Leave workshop'}
        </button>
      </div>
      <h2 className="workshop-lesson-title">{lesson.title}</h2>
      {notice && (
        <p className="notice notice-info" role="status" data-testid="workshop-notice">
          {notice}
        </p>
      )}
      <WorkshopActionError />
      <div className="workshop-counter-row">
        <p className="workshop-counter" data-testid="workshop-step-counter" aria-live="polite">
          Step {view + 1} of {total}
        </p>
        <span className={`workshop-step-state state-${stepState}`} data-testid="workshop-step-state" data-state={stepState}>
          <span aria-hidden="true">{STATE_ICONS[stepState]}</span> This step {STATE_WORDS[stepState]}
        </span>
        <span className="muted">
          {run} of {total} steps run
        </span>
        <nav className="workshop-nav" aria-label="Move between steps">
          <button type="button" className="secondary" onClick={() => show(view - 1)} disabled={view === 0 || moving}>
            ← Back
          </button>
          <button type="button" onClick={() => show(view + 1)} disabled={view >= total - 1 || moving}>
            Next →
          </button>
        </nav>
      </div>
      {presenter && <p className="muted small workshop-keys-hint">The arrow keys and Page Up / Page Down move between steps too.</p>}
      {finished && (
        <p className="notice notice-info workshop-complete" role="status" data-testid="workshop-complete" data-expected={expectedCount} data-ran={ranHere}>
          <strong>Lesson complete.</strong> All {total} steps ran.
          {ranHere > 0 && ` ${expectedCount} of the ${ranHere} run on this screen showed what the lesson expects.`}
        </p>
      )}
      {happenedOpen && <HappenedPanel />}
      <div className="workshop-layout">
        <div className="workshop-main">{step && <StepPanel step={step} index={view} />}</div>
        <WorkshopChain latest={latestChain(lesson, state.results, view)} total={total} />
      </div>
      {step && result && <StepResultPanel step={step} result={result} last={view === total - 1} />}
      {!presenter && <StepList lesson={lesson} />}
    </div>
  );
}

// Every step of the lesson with where it stands, in words and an icon; choosing one shows it.
function StepList({ lesson }: { lesson: Lesson }) {
  const state = useWorkshop();
  const moving = state.phase === 'preparing' || state.phase === 'running';
  return (
    <ol className="workshop-steps" aria-label="Steps of this lesson">
      {lesson.steps.map((step, index) => {
        const stepState = stateOf(step, index)(state);
        return (
          <li key={step.id} data-state={stepState}>
            <button type="button" className="link" aria-current={index === state.view ? 'step' : undefined} onClick={() => state.show(index)} disabled={moving}>
              {index + 1}. {step.title}
            </button>{' '}
            <span className="muted small">
              <span aria-hidden="true">{STATE_ICONS[stepState]}</span> {STATE_WORDS[stepState]}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

// One step: what it shows and why, what it will do, and running it (with main's review first when it signs, rotates or revokes).
function StepPanel({ step, index }: { step: LessonStep; index: number }) {
  const state = useWorkshop();
  const { phase, review, stepError, results, busy, runStep, show } = state;
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  // Moving to another step moves focus to its title, so a screen reader reads the new step from the top.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [step.id]);
  const run = stepsRun(state);
  const result = results[step.id];
  const expected = expectWords(step.expect);
  const confirmed = CONFIRMED_KINDS.has(step.action.kind);
  const reviewing = review?.stepId === step.id;
  const error = stepError?.stepId === step.id ? stepError : null;
  const stale = error?.during === 'run' && STALE_INTENT_CODES.has(error.error.code);

  return (
    <section className="card workshop-step" aria-labelledby="workshop-step-title" data-testid="workshop-step" data-step={step.id} data-index={index + 1}>
      <h3 id="workshop-step-title" ref={heading} tabIndex={-1} className="workshop-step-title">
        {step.title}
      </h3>
      <p className="workshop-explanation">{step.explanation}</p>
      <p className="workshop-action">
        <strong>What it does:</strong> {actionWords(step.action)}
      </p>
      {expected.length > 0 && (
        <p className="workshop-expect">
          <strong>What to look for:</strong> {expected.join('; ')}.
        </p>
      )}
      {!result && index === run && !reviewing && (
        <div className="actions">
          <button type="button" onClick={() => void runStep()} disabled={phase !== 'idle' || busy !== null} aria-describedby={confirmed ? `workshop-confirm-note-${step.id}` : undefined}>
            {phase === 'preparing' ? 'Asking main…' : phase === 'running' ? 'Running…' : 'Run this step'}
          </button>
          {confirmed && (
            <span id={`workshop-confirm-note-${step.id}`} className="muted">
              Signet shows what this step will do first; nothing happens until you confirm.
            </span>
          )}
        </div>
      )}
      {phase === 'running' && !reviewing && (
        <BusyLine text="Running the step in the sandbox…" />
      )}
      {!result && index < run && <p className="muted">This step ran before this page opened. Reset to run the lesson again from its start.</p>}
      {index > run && (
        <div className="actions">
          <span className="muted">Steps run in order: step {run + 1} comes first.</span>
          <button type="button" className="secondary" onClick={() => show(run)} disabled={phase !== 'idle'}>
            Go to step {run + 1}
          </button>
        </div>
      )}
      {error && (
        <div data-testid="workshop-step-error" data-code={error.error.code}>
          {stale && (
            <p className="notice notice-warning" role="status">
              That review can no longer be used; main says why below. Review again to get a new one.
            </p>
          )}
          <ErrorBox error={error.error} onRetry={!stale && index === run && !result ? () => void runStep() : undefined} />
          {stale && (
            <button type="button" onClick={() => void runStep()}>
              Review again
            </button>
          )}
        </div>
      )}
      {reviewing && <StepReview />}
      {result && <p className="muted">This step has run; what it did is shown below the picture.</p>}
    </section>
  );
}
