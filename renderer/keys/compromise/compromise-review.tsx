import { FactList } from '../../ui/intent-facts.tsx';
import { POLICY_TARGET_NAMES, PolicyTargetSchema } from '../../../shared/model/policy.model.ts';
import { useCompromise } from './compromise.store.ts';
import { TimeText } from '../../ui/time-text.tsx';

// Step 2: the choices main will turn into one intent.
export function CompromiseOptions() {
  const { resign, removeSignatures, exportTargets, assessment, busy, setResign, setRemoveSignatures, toggleExport, back, prepare } = useCompromise();
  return (
    <div className="compromise-step">
      <p className="muted">
        The key is rotated to a successor on the same backend, then revoked for keyCompromise. {assessment?.affected.length ?? 0} affected image(s) can be signed again
        with the successor.
      </p>
      <label className="check">
        <input type="checkbox" checked={resign} onChange={(e) => setResign(e.target.checked)} /> Re-sign every affected image with the successor, in the format it was
        signed in
      </label>
      <label className="check">
        <input type="checkbox" checked={removeSignatures} onChange={(e) => setRemoveSignatures(e.target.checked)} /> Remove the compromised signatures from the registry
      </label>
      <fieldset>
        <legend>Export the policies that name this key</legend>
        {PolicyTargetSchema.options.map((target) => (
          <label key={target} className="check">
            <input type="checkbox" checked={exportTargets.has(target)} onChange={() => toggleExport(target)} /> {POLICY_TARGET_NAMES[target]}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="button" className="secondary" onClick={back}>
          Back
        </button>
        <button type="button" disabled={busy} onClick={() => void prepare()}>
          {busy ? 'Preparing…' : 'Review'}
        </button>
      </div>
    </div>
  );
}

// Step 3: main's own facts, every digest among them; confirming asks again through main's channel.
export function CompromiseReview() {
  const { intent, busy, back, confirm } = useCompromise();
  if (!intent) return null;
  return (
    <div className="compromise-step review" role="dialog" aria-labelledby="compromise-review-title" data-testid="compromise-review">
      <h3 id="compromise-review-title">{intent.title}</h3>
      <p className="muted">Signet will do exactly this, once, if you confirm before <TimeText value={intent.expiresAt} relative="never" />.</p>
      <FactList facts={intent.facts} />
      <div className="actions">
        <button type="button" className="secondary" disabled={busy} onClick={back}>
          Back
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>
          {busy ? 'Responding…' : 'Confirm the response'}
        </button>
      </div>
    </div>
  );
}
