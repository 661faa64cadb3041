import { useEffect, useState } from 'react';
import { effectiveStatus, type EffectiveKeyStatus, type KeyRecord } from '../../shared/model/keys.model.ts';
import { FORMAT_NAMES, SignatureFormatSchema } from '../../shared/model/signing.model.ts';
import { api } from '../api/client.ts';
import { useKeys } from '../state/keys.store.ts';
import { useNav } from '../state/nav.store.ts';
import { useSettings } from '../state/settings.store.ts';
import { annotationRecord, useSign, type SignChoices } from './sign.store.ts';

const STATUS_WORDS: Record<EffectiveKeyStatus, string> = {
  active: 'active',
  expired: 'expired, cannot sign',
  retired: 'retired, cannot sign',
  revoked: 'revoked, cannot sign',
  destroyed: 'destroyed, cannot sign',
};

// Only a key that is active right now may be chosen; the rest stay listed so the user sees why they are missing.
function activeKeys(keys: readonly KeyRecord[] | null, now: Date): KeyRecord[] {
  return (keys ?? []).filter((key) => effectiveStatus(key, now) === 'active');
}

// Why the Review button is disabled, in words, or null when the choices are complete.
export function choicesProblem(keys: readonly KeyRecord[] | null, choices: SignChoices): string | null {
  if (keys === null) return 'Reading the keys…';
  if (!activeKeys(keys, new Date()).some((key) => key.id === choices.keyId)) return 'Choose an active signing key.';
  const annotations = annotationRecord(choices.annotations);
  return 'problem' in annotations ? annotations.problem : null;
}

// The key, the format, annotations and the timestamp: the same choices for one image and for a whole repository.
export function SignChoicesFields() {
  const { choices, setChoices, addAnnotation, updateAnnotation, removeAnnotation } = useSign();
  const { keys, error: keysError } = useKeys();
  const settings = useSettings((s) => s.settings);
  const go = useNav((s) => s.go);
  const [authority, setAuthority] = useState<boolean | null>(null);
  const now = new Date();
  const usable = activeKeys(keys, now);
  const tsaUrl = settings?.signing.tsaUrl ?? null;
  const annotations = annotationRecord(choices.annotations);

  // A chosen key that is no longer active (or none chosen yet) gives way to the first active one.
  const usableIds = usable.map((key) => key.id).join(' ');
  useEffect(() => {
    if (keys === null) return;
    const ids = usableIds === '' ? [] : usableIds.split(' ');
    const fallback = ids[0] ?? '';
    if (!ids.includes(choices.keyId) && choices.keyId !== fallback) setChoices({ keyId: fallback });
  }, [keys, usableIds, choices.keyId, setChoices]);
  useEffect(() => {
    if (settings && tsaUrl === null && choices.timestamp) setChoices({ timestamp: false });
  }, [settings, tsaUrl, choices.timestamp, setChoices]);
  useEffect(() => {
    if (choices.format !== 'notation') return;
    let live = true;
    api.authority.get({}).then(
      (view) => live && setAuthority(view.exists),
      () => live && setAuthority(null),
    );
    return () => {
      live = false;
    };
  }, [choices.format]);

  return (
    <>
      <label htmlFor="sign-key">Signing key</label>
      <select id="sign-key" value={choices.keyId} onChange={(event) => setChoices({ keyId: event.target.value })} disabled={usable.length === 0}>
        {usable.length === 0 && <option value="">No active key</option>}
        {(keys ?? []).map((key) => {
          const status = effectiveStatus(key, now);
          return (
            <option key={key.id} value={key.id} disabled={status !== 'active'}>
              {key.label} — {STATUS_WORDS[status]} — SHA256:{key.fingerprint.slice(0, 12)}…
            </option>
          );
        })}
      </select>
      {keysError && <p className="span problem">The keys could not be read: {keysError.message}</p>}
      {keys !== null && usable.length === 0 && (
        <p className="span notice notice-warning">
          There is no active key to sign with.{' '}
          <button type="button" className="link" onClick={() => go('keys')}>
            Generate one on the Keys screen
          </button>
        </p>
      )}
      <fieldset className="span sign-fieldset">
        <legend>Format</legend>
        {SignatureFormatSchema.options.map((format) => (
          <div key={format} className="checkbox">
            <input type="radio" id={`sign-format-${format}`} name="sign-format" value={format} checked={choices.format === format} onChange={() => setChoices({ format })} />
            <label htmlFor={`sign-format-${format}`}>{FORMAT_NAMES[format]}</label>
          </div>
        ))}
        {choices.format === 'notation' && authority === false && (
          <p className="notice notice-warning">Signet’s certificate authority for Notation does not exist yet; a Notation signature needs a certificate from it for this key.</p>
        )}
      </fieldset>
      <fieldset className="span sign-fieldset">
        <legend>Annotations (optional)</legend>
        {choices.annotations.length === 0 && <p className="muted">No annotations. They are signed together with the digest.</p>}
        {choices.annotations.map((row, index) => (
          <div key={row.id} className="annotation-row">
            <label htmlFor={`annotation-key-${row.id}`}>Annotation key {index + 1}</label>
            <input id={`annotation-key-${row.id}`} className="mono" value={row.key} onChange={(event) => updateAnnotation(row.id, { key: event.target.value })} placeholder="org.example/release" spellCheck={false} autoComplete="off" />
            <label htmlFor={`annotation-value-${row.id}`}>Annotation value {index + 1}</label>
            <input id={`annotation-value-${row.id}`} value={row.value} onChange={(event) => updateAnnotation(row.id, { value: event.target.value })} spellCheck={false} autoComplete="off" />
            <button type="button" className="secondary" aria-label={`Remove annotation ${index + 1}`} onClick={() => removeAnnotation(row.id)}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={addAnnotation}>
          Add annotation
        </button>
        {'problem' in annotations && (
          <p className="problem" role="alert">
            {annotations.problem}
          </p>
        )}
      </fieldset>
      <div className="span">
        <span className="checkbox">
          <input type="checkbox" id="sign-timestamp" checked={choices.timestamp} disabled={tsaUrl === null} onChange={(event) => setChoices({ timestamp: event.target.checked })} aria-describedby="sign-timestamp-note" />
          <label htmlFor="sign-timestamp">Ask the timestamp authority for an RFC 3161 timestamp</label>
        </span>
        <p id="sign-timestamp-note" className="muted small">
          {tsaUrl ? (
            <>
              Timestamp authority: <span className="mono">{tsaUrl}</span>
            </>
          ) : settings ? (
            'No timestamp authority is set in the signing settings, so none can be asked.'
          ) : (
            'Reading the settings…'
          )}
        </p>
      </div>
    </>
  );
}
