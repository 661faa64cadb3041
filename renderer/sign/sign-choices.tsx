import { useEffect, useState } from 'react';
import { effectiveStatus, type KeyRecord } from '../../shared/model/keys.model.ts';
import { FORMAT_NAMES, SignatureFormatSchema } from '../../shared/model/signing.model.ts';
import { api } from '../api/client.ts';
import { useKeys } from '../state/keys.store.ts';
import { useNav } from '../state/nav.store.ts';
import { useSettings } from '../state/settings.store.ts';
import { KeyStatusBadge } from '../ui/key-badge.tsx';
import { defaultSigningKey, keyLifecycle, lifecycleText } from '../ui/key-lifecycle.ts';
import { annotationRecord, useSign, type SignChoices } from './sign.store.ts';

// A key's lifecycle as an option can say it: lower case, and whether it can sign.
function optionWords(key: KeyRecord, all: readonly KeyRecord[], now: Date): string {
  const view = keyLifecycle(key, all, now);
  const text = lifecycleText(view, now);
  const words = `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  return view.signs ? (view.state === 'retiring' ? `${words}, still signs` : words) : `${words}, cannot sign`;
}

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

  // A chosen key that no longer signs, or one that began retiring after it was chosen (or none chosen yet), gives way
  // to the successor or the first active key; a retiring key is never the default.
  const fallback = keys === null ? choices.keyId : defaultSigningKey(keys, choices.keyId, choices.retiringPicked, now);
  useEffect(() => {
    if (keys !== null && fallback !== choices.keyId) setChoices({ keyId: fallback, retiringPicked: false });
  }, [keys, fallback, choices.keyId, setChoices]);
  const chosenKey = usable.find((key) => key.id === choices.keyId);
  const pick = (keyId: string) => {
    const key = keys?.find((k) => k.id === keyId);
    setChoices({ keyId, retiringPicked: key !== undefined && keyLifecycle(key, keys ?? [], new Date()).state === 'retiring' });
  };
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
      <div className="sign-key-choice">
        <select id="sign-key" value={choices.keyId} onChange={(event) => pick(event.target.value)} disabled={usable.length === 0} aria-describedby={chosenKey ? 'sign-key-status' : undefined}>
          {usable.length === 0 && <option value="">No active key</option>}
          {usable.length > 0 && choices.keyId === '' && <option value="">Choose a key</option>}
          {(keys ?? []).map((key) => {
            const status = effectiveStatus(key, now);
            return (
              <option key={key.id} value={key.id} disabled={status !== 'active'}>
                {key.label} — {optionWords(key, keys ?? [], now)} — SHA256:{key.fingerprint.slice(0, 12)}…
              </option>
            );
          })}
        </select>
        {chosenKey && (
          <span id="sign-key-status" data-testid="sign-key-status">
            <KeyStatusBadge keyRecord={chosenKey} all={keys ?? []} />
          </span>
        )}
      </div>
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
