import type { FormEvent } from 'react';
import type { Enforcement, PolicyEvaluation } from '../../shared/model/policy.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { StatusBadge, type BadgeTone } from '../ui/status-badge.tsx';
import { usePolicies } from './policies.store.ts';
import { resultFor } from '../state/request-state.ts';
import { BusyLine } from '../ui/busy-line.tsx';

const VERDICT_VIEW: Record<PolicyEvaluation['verdict'], { tone: BadgeTone; icon: string; words: string }> = {
  pass: { tone: 'ok', icon: '✓', words: 'Pass: the image meets the rule that applies to it.' },
  fail: { tone: 'fail', icon: '✕', words: 'Fail: the image does not meet the rule that applies to it.' },
  'no-rule': { tone: 'off', icon: '–', words: 'No rule: no rule’s scope matches this repository, so the policy says nothing about it.' },
};

const ENFORCEMENT_WORDS: Record<Enforcement, string> = {
  enforce: 'enforce (failures are refused)',
  warn: 'warn (failures are admitted with a warning)',
  audit: 'audit (failures are admitted and recorded)',
};

// Why the image would or would not run, in words: a failing warn or audit rule still admits.
function admissionWords(evaluation: PolicyEvaluation): string {
  if (!evaluation.admitted) return 'Not admitted: an admission controller enforcing this policy would refuse this image.';
  if (evaluation.verdict === 'fail' && evaluation.enforcement === 'warn') return 'Admitted, with a warning: the rule that failed only warns.';
  if (evaluation.verdict === 'fail' && evaluation.enforcement === 'audit') return 'Admitted: the rule that failed only audits, so the failure is recorded and nothing is blocked.';
  if (evaluation.verdict === 'no-rule') return 'Admitted: no rule covers this repository.';
  return 'Admitted: an admission controller enforcing this policy would let this image run.';
}

// Try it: one image reference against the selected policy's saved rules, with the verdict and every reason main gave.
export function PolicyTrial({ policyId }: { policyId: string }) {
  const { reference, evaluating, evaluation: held, evaluatedFor, evaluateError, setReference, evaluate } = usePolicies();
  // The verdict stays only beside the policy and the reference it was given for.
  const evaluation = evaluatedFor?.policyId === policyId ? resultFor(held, evaluatedFor.reference, reference) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void evaluate();
  };
  return (
    <section className="card policy-trial" aria-labelledby="policy-trial-title" data-testid="policy-trial">
      <h2 id="policy-trial-title">Try it</h2>
      <p className="muted">Evaluates the saved policy {policyId} against one image, the way an admission controller would: the tag is pinned to a digest and every attached signature is verified.</p>
      <form className="inline-form trial-form" onSubmit={submit}>
        <label htmlFor="policy-reference">Image reference</label>
        <input id="policy-reference" className="mono" value={reference} onChange={(event) => setReference(event.target.value)} placeholder="registry.example.com/team/app:1.2 or …@sha256:…" spellCheck={false} autoComplete="off" />
        <button type="submit" disabled={evaluating || reference.trim() === ''}>
          {evaluating ? 'Evaluating…' : 'Evaluate'}
        </button>
      </form>
      {evaluating && (
        <BusyLine text="Reading the image and its signatures…" />
      )}
      <p className="visually-hidden" role="status">
        {evaluation ? `${VERDICT_VIEW[evaluation.verdict].words} ${evaluation.admitted ? 'Admitted.' : 'Not admitted.'}` : ''}
      </p>
      {evaluateError && <ErrorBox error={evaluateError} onRetry={() => void evaluate()} />}
      {evaluation && <VerdictPanel evaluation={evaluation} />}
    </section>
  );
}

// The verdict with an icon and words (never colour alone), the deciding rule, the accepted signers and every reason.
export function VerdictPanel({ evaluation }: { evaluation: PolicyEvaluation }) {
  const view = VERDICT_VIEW[evaluation.verdict];
  return (
    <section className={`verdict-panel verdict-${evaluation.verdict}`} data-testid="policy-verdict" data-verdict={evaluation.verdict} data-admitted={String(evaluation.admitted)} aria-labelledby="policy-verdict-title">
      <h3 id="policy-verdict-title" className="verdict-head">
        <span className={`verdict-icon badge-${view.tone}`} aria-hidden="true">
          {view.icon}
        </span>
        {view.words}
      </h3>
      <p className="verdict-admission">
        <StatusBadge tone={evaluation.admitted ? (evaluation.verdict === 'fail' ? 'warn' : 'ok') : 'fail'} text={evaluation.admitted ? 'Admitted' : 'Not admitted'} /> {admissionWords(evaluation)}
      </p>
      <dl className="facts">
        <dt>Image</dt>
        <dd className="mono small">{evaluation.reference}</dd>
        <dt>Digest</dt>
        <dd className="mono small" data-testid="policy-verdict-digest">
          {evaluation.digest}
        </dd>
        <dt>Decided by</dt>
        <dd data-testid="policy-verdict-rule">
          {evaluation.rule === null ? (
            'No rule: none of the scopes matches this repository.'
          ) : (
            <>
              the rule for <code>{evaluation.rule}</code>
              {evaluation.enforcement ? `, ${ENFORCEMENT_WORDS[evaluation.enforcement]}` : ''}
            </>
          )}
        </dd>
        <dt>Accepted signers</dt>
        <dd>
          {evaluation.rule === null ? (
            'None asked: no rule applies.'
          ) : evaluation.acceptedSigners.length === 0 ? (
            <span data-testid="policy-accepted-none">None of the rule’s signers has a valid signature on this image.</span>
          ) : (
            <ul className="plain-list" aria-label="Accepted signers" data-testid="policy-accepted">
              {evaluation.acceptedSigners.map((signer) => (
                <li key={signer}>
                  <span aria-hidden="true">✓ </span>
                  {signer}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <h4>Reasons</h4>
      {evaluation.reasons.length === 0 ? (
        <p className="muted">Signet gave no further reason.</p>
      ) : (
        <ul className="verdict-reasons" data-testid="policy-reasons">
          {evaluation.reasons.map((reason, index) => (
            <li key={`${index}-${reason}`}>{reason}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
