import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Enforcement } from '../../shared/model/policy.model.ts';
import { EnforcementSchema } from '../../shared/model/policy.model.ts';
import { FORMAT_NAMES, SignatureFormatSchema } from '../../shared/model/signing.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { SUGGESTED_PREDICATES, usePolicies, type RuleDraft } from './policies.store.ts';
import { SignerList, SignerPicker } from './signer-picker.tsx';

const ENFORCEMENT: Record<Enforcement, { name: string; means: string }> = {
  enforce: { name: 'Enforce', means: 'An image that fails this rule is refused: admission blocks it.' },
  warn: { name: 'Warn', means: 'An image that fails is admitted, and whoever deploys it is warned.' },
  audit: { name: 'Audit', means: 'An image that fails is admitted silently; the failure is only recorded for review.' },
};

// Main's validation details name fields by path (rules.0.threshold: …); each goes beside the field it is about.
function detailsAt(details: readonly string[] | undefined, prefix: string): string[] {
  return (details ?? []).filter((line) => line.startsWith(`${prefix}:`) || line.startsWith(`${prefix}.`)).map((line) => line.slice(prefix.length).replace(/^[.\w]*: /, ''));
}

// The policy editor: id, name, description and the ordered rules, saved to main only when Save is pressed.
export function PolicyEditor() {
  const { draft, editing, policies, saving, saveError, changedSinceError, dirty, setDraft, addRule, save, closeEditor } = usePolicies();
  const nameInput = useRef<HTMLInputElement>(null);
  const open = draft !== null;
  // Opening the editor puts the keyboard in its first field.
  useEffect(() => {
    if (open) nameInput.current?.focus();
  }, [open, editing]);
  if (!draft) return null;
  const taken = editing === null && (policies ?? []).some((p) => p.id === draft.id.trim());
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!taken) void save();
  };
  // Beside the fields, only main's answer to the form as it still is; the full refusal stays below either way.
  const details = changedSinceError ? undefined : saveError?.details;
  return (
    <form className="card policy-editor" aria-labelledby="policy-editor-title" onSubmit={submit} data-testid="policy-editor" noValidate>
      <h2 id="policy-editor-title">{editing ? `Edit policy ${editing}` : 'New policy'}</h2>
      <div className="form-grid policy-head">
        <label htmlFor="policy-name">Name</label>
        <input id="policy-name" ref={nameInput} value={draft.name} onChange={(event) => setDraft({ name: event.target.value })} placeholder="Production images" autoComplete="off" />
        <FieldProblems lines={detailsAt(details, 'name')} />
        <label htmlFor="policy-id">Id</label>
        <input
          id="policy-id"
          className="mono"
          value={draft.id}
          onChange={(event) => setDraft({ id: event.target.value })}
          readOnly={editing !== null}
          aria-describedby="policy-id-note"
          placeholder="production"
          spellCheck={false}
          autoComplete="off"
        />
        <p id="policy-id-note" className="span muted small">
          {editing
            ? 'The id names the policy in exports and cannot change; to rename it, change the name.'
            : 'Lower-case letters, digits and dashes. Exports use it as the resource name.'}
        </p>
        {taken && (
          <p className="span problem" role="alert">
            A policy with the id {draft.id.trim()} exists already. Choose another id, or edit that policy instead.
          </p>
        )}
        <FieldProblems lines={detailsAt(details, 'id')} />
        <label htmlFor="policy-description">Description</label>
        <textarea id="policy-description" rows={2} value={draft.description} onChange={(event) => setDraft({ description: event.target.value })} placeholder="What this policy protects, and who to ask about it" />
        <FieldProblems lines={detailsAt(details, 'description')} />
      </div>
      <h3>Rules</h3>
      <p className="muted" id="rules-order-note">
        Rules are checked in order: the first rule whose scope matches an image’s repository decides for it, and later rules are not consulted.
      </p>
      <FieldProblems lines={(details ?? []).filter((line) => /^rules: /.test(line)).map((line) => line.slice('rules: '.length))} />
      <ol className="rule-list" aria-describedby="rules-order-note">
        {draft.rules.map((rule, index) => (
          <li key={rule.key}>
            <RuleEditor rule={rule} index={index} count={draft.rules.length} problems={(details ?? []).filter((line) => line.startsWith(`rules.${index}.`)).map((line) => line.slice(`rules.${index}.`.length))} />
          </li>
        ))}
      </ol>
      <button type="button" className="secondary" onClick={addRule}>
        Add rule
      </button>
      <div className="actions policy-save" aria-live="polite">
        <button type="submit" disabled={saving || taken}>
          {saving ? 'Saving…' : 'Save policy'}
        </button>
        <button type="button" className="secondary" onClick={closeEditor}>
          {dirty ? 'Discard changes' : 'Close'}
        </button>
        {dirty && !saving && <span className="muted">Unsaved changes. Try it and Export use the saved policy.</span>}
      </div>
      {saveError && (
        <div data-testid="policy-save-error">
          <p className="problem">
            {changedSinceError
              ? 'Signet refused the last save for the reasons below; the form has changed since. Save again to have it checked; nothing was changed so far.'
              : 'Signet did not save the policy. Fix what is listed and save again; nothing was changed.'}
          </p>
          <ErrorBox error={saveError} />
        </div>
      )}
    </form>
  );
}

function FieldProblems({ lines }: { lines: string[] }) {
  if (lines.length === 0) return null;
  return (
    <ul className="span field-problems" role="alert">
      {lines.map((line) => (
        <li key={line} className="problem">
          {line}
        </li>
      ))}
    </ul>
  );
}

// One rule: scope, signers, threshold, formats, attestations and enforcement, with its own problems from main.
function RuleEditor({ rule, index, count, problems }: { rule: RuleDraft; index: number; count: number; problems: string[] }) {
  const { updateRule, removeRule, moveRule } = usePolicies();
  const number = index + 1;
  const id = (field: string) => `rule-${rule.key}-${field}`;
  const signers = rule.signers.length;
  const toggleFormat = (format: (typeof SignatureFormatSchema.options)[number], on: boolean) =>
    updateRule(rule.key, { formats: on ? [...new Set([...rule.formats, format])] : rule.formats.filter((f) => f !== format) });
  return (
    <fieldset className="rule" data-testid="policy-rule">
      <legend>Rule {number}</legend>
      <div className="rule-tools">
        <button type="button" className="secondary" disabled={index === 0} onClick={() => moveRule(rule.key, -1)} aria-label={`Move rule ${number} up`}>
          Move up
        </button>
        <button type="button" className="secondary" disabled={index === count - 1} onClick={() => moveRule(rule.key, 1)} aria-label={`Move rule ${number} down`}>
          Move down
        </button>
        <button type="button" className="secondary" disabled={count === 1} onClick={() => removeRule(rule.key)} aria-label={`Remove rule ${number}`}>
          Remove rule
        </button>
      </div>
      {problems.length > 0 && (
        <ul className="field-problems" role="alert" aria-label={`Problems with rule ${number}`}>
          {problems.map((line) => (
            <li key={line} className="problem">
              {line}
            </li>
          ))}
        </ul>
      )}
      <div className="form-grid rule-grid">
        <label htmlFor={id('scope')}>Repository scope</label>
        <input
          id={id('scope')}
          className="mono"
          value={rule.scope}
          onChange={(event) => updateRule(rule.key, { scope: event.target.value })}
          placeholder="registry.example.com/team/*"
          aria-describedby={id('scope-note')}
          spellCheck={false}
          autoComplete="off"
        />
        <p id={id('scope-note')} className="span muted small">
          A glob over the repository: <code>*</code> matches any run of characters and <code>?</code> one character.
        </p>
      </div>
      <h4>Signers</h4>
      <SignerList rule={rule} number={number} />
      <SignerPicker rule={rule} number={number} />
      <div className="inline-form threshold">
        <label htmlFor={id('threshold')}>Threshold: at least</label>
        <input
          id={id('threshold')}
          type="number"
          min={1}
          max={Math.max(1, signers)}
          step={1}
          value={rule.threshold}
          disabled={signers === 0}
          onChange={(event) => {
            const value = Math.trunc(Number(event.target.value));
            if (Number.isFinite(value)) updateRule(rule.key, { threshold: value });
          }}
          aria-describedby={id('threshold-note')}
          data-testid="policy-threshold"
        />
        <span id={id('threshold-note')}>
          of these {signers} {signers === 1 ? 'signer' : 'signers'} must have signed the image.
        </span>
        {signers > 0 && (rule.threshold > signers || rule.threshold < 1) && (
          <span className="problem" role="alert">
            The threshold must be between 1 and {signers}.
          </span>
        )}
      </div>
      <fieldset className="sign-fieldset">
        <legend>Formats that count</legend>
        {SignatureFormatSchema.options.map((format) => (
          <div key={format} className="checkbox">
            <input type="checkbox" id={id(`format-${format}`)} checked={rule.formats.includes(format)} onChange={(event) => toggleFormat(format, event.target.checked)} />
            <label htmlFor={id(`format-${format}`)}>{FORMAT_NAMES[format]}</label>
          </div>
        ))}
        {rule.formats.length === 0 && (
          <p className="problem" role="alert">
            Tick at least one format: a signature in no accepted format never counts.
          </p>
        )}
      </fieldset>
      <Attestations rule={rule} number={number} />
      <fieldset className="sign-fieldset">
        <legend>When an image fails this rule</legend>
        {EnforcementSchema.options.map((mode) => (
          <div key={mode} className="radio-line">
            <input type="radio" id={id(`enforcement-${mode}`)} name={id('enforcement')} value={mode} checked={rule.enforcement === mode} onChange={() => updateRule(rule.key, { enforcement: mode })} aria-describedby={id(`enforcement-${mode}-means`)} />
            <label htmlFor={id(`enforcement-${mode}`)}>{ENFORCEMENT[mode].name}</label>
            <span id={id(`enforcement-${mode}-means`)} className="muted">
              {ENFORCEMENT[mode].means}
            </span>
          </div>
        ))}
      </fieldset>
    </fieldset>
  );
}

// Predicate types an accepted signer must have attested; the usual ones are a click away, any other can be typed.
function Attestations({ rule, number }: { rule: RuleDraft; number: number }) {
  const updateRule = usePolicies((s) => s.updateRule);
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const id = (field: string) => `rule-${rule.key}-attestation-${field}`;
  const add = (type: string) => {
    const wanted = type.trim();
    if (wanted === '') return;
    if (rule.attestations.includes(wanted)) {
      setProblem(`${wanted} is required already.`);
      return;
    }
    setProblem(null);
    updateRule(rule.key, { attestations: [...rule.attestations, wanted] });
    setTyped('');
  };
  const enter = (event: KeyboardEvent) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    add(typed);
  };
  const missing = SUGGESTED_PREDICATES.filter((s) => !rule.attestations.includes(s.type));
  return (
    <fieldset className="sign-fieldset">
      <legend>Required attestations</legend>
      {rule.attestations.length === 0 ? (
        <p className="muted">None: signatures alone decide. Add a predicate type to require an attestation from an accepted signer.</p>
      ) : (
        <ul className="plain-list" aria-label={`Attestations rule ${number} requires`}>
          {rule.attestations.map((type) => (
            <li key={type}>
              <code>{type}</code>{' '}
              <button type="button" className="link" aria-label={`Remove ${type} from rule ${number}`} onClick={() => updateRule(rule.key, { attestations: rule.attestations.filter((t) => t !== type) })}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="inline-form">
        <label htmlFor={id('type')}>Predicate type</label>
        <input id={id('type')} className="mono" list={id('suggestions')} value={typed} onChange={(event) => setTyped(event.target.value)} onKeyDown={enter} placeholder="https://slsa.dev/provenance/v1" spellCheck={false} autoComplete="off" />
        <datalist id={id('suggestions')}>
          {SUGGESTED_PREDICATES.map((s) => (
            <option key={s.type} value={s.type}>
              {s.name}
            </option>
          ))}
        </datalist>
        <button type="button" className="secondary" disabled={typed.trim() === ''} onClick={() => add(typed)}>
          Add attestation
        </button>
      </div>
      {missing.length > 0 && (
        <div className="recent" role="group" aria-label={`Suggested predicate types for rule ${number}`}>
          <span className="muted small">Suggestions:</span>
          {missing.map((s) => (
            <button key={s.type} type="button" className="chip" title={s.type} aria-label={`Require ${s.name} (${s.type}) in rule ${number}`} onClick={() => add(s.type)}>
              + {s.name}
            </button>
          ))}
        </div>
      )}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
