import type { LessonStep, StepResult } from '../../shared/model/workshop.model.ts';
import { StatusBadge } from '../ui/status-badge.tsx';
import { expectWords } from './lesson-words.ts';

// What a step did, in words: the outcome, main's facts, and whether it showed what the lesson expects, said plainly when it did not.
export function StepResultPanel({ step, result, last }: { step: LessonStep; result: StepResult; last: boolean }) {
  const expected = expectWords(step.expect);
  return (
    <section className={`card workshop-result${result.asExpected ? '' : ' not-expected'}`} aria-labelledby={`workshop-result-${step.id}`} data-testid="workshop-result" data-step={step.id} data-as-expected={String(result.asExpected)}>
      <h3 id={`workshop-result-${step.id}`}>What this step did</h3>
      <p className="workshop-expectation">
        {result.asExpected ? (
          <StatusBadge tone="ok" text="Showed what the lesson expects" />
        ) : (
          <StatusBadge tone="fail" text="Did not show what the lesson expects" />
        )}
      </p>
      {!result.asExpected && (
        <p className="notice notice-warning" data-testid="workshop-not-expected">
          This step did not show what the lesson expects{expected.length > 0 ? ` (the lesson expects that ${expected.join(', and that ')})` : ''}. Read the outcome and the picture to see what
          happened instead; Reset brings the lesson back to its start.
        </p>
      )}
      <p className="workshop-outcome" data-testid="workshop-outcome">
        {result.outcome}
      </p>
      {result.facts.length > 0 && (
        <dl className="facts" data-testid="workshop-result-facts">
          {result.facts.map((fact) => (
            <div key={`${fact.label}:${fact.value}`} className="fact-row">
              <dt>{fact.label}</dt>
              <dd>{fact.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {last && <p className="muted">This was the last step of the lesson.</p>}
    </section>
  );
}
