import { useEffect, useState, type FormEvent } from 'react';
import type { AppError } from '../../shared/errors.ts';
import type { AuthorityView } from '../../shared/model/signing.model.ts';
import { api } from '../api/client.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { saveFile } from '../ui/save-file.ts';
import { useBackendChoices } from '../ui/use-backend-choices.ts';
import { useSettingsForm } from '../ui/use-settings-form.ts';
import { useKeys } from '../state/keys.store.ts';
import { asAppError } from '../state/request-state.ts';

// The timestamp authority signing may ask, and which keys may sign in which repositories.
export function SigningCard() {
  const { settings, save, saving, formError } = useSettingsForm();
  const { keys, load } = useKeys();
  const [tsaUrl, setTsaUrl] = useState<string | null>(null);
  const [scope, setScope] = useState('');
  const [keyId, setKeyId] = useState('');
  useEffect(() => {
    if (!keys) void load();
  }, [keys, load]);
  const signing = settings?.signing;
  if (!signing) return null;
  const signers = (keys ?? []).filter((k) => k.status !== 'destroyed');
  const label = (id: string) => signers.find((k) => k.id === id)?.label ?? id;
  const saveTsa = async (event: FormEvent) => {
    event.preventDefault();
    if (await save({ signing: { ...signing, tsaUrl: (tsaUrl ?? signing.tsaUrl ?? '').trim() || null } })) setTsaUrl(null);
  };
  const addRule = async (event: FormEvent) => {
    event.preventDefault();
    const existing = signing.rules.find((r) => r.scope === scope.trim());
    const rules = existing
      ? signing.rules.map((r) => (r === existing ? { ...r, keyIds: [...new Set([...r.keyIds, keyId])] } : r))
      : [...signing.rules, { scope: scope.trim(), keyIds: [keyId] }];
    if (await save({ signing: { ...signing, rules } })) setScope('');
  };
  return (
    <div className="card" aria-labelledby="signing-title">
      <h2 id="signing-title">Signing</h2>
      <form className="inline-form" onSubmit={(event) => void saveTsa(event)}>
        <label htmlFor="tsa-url">Timestamp authority (RFC 3161) URL</label>
        <input id="tsa-url" value={tsaUrl ?? signing.tsaUrl ?? ''} onChange={(e) => setTsaUrl(e.target.value)} placeholder="https://tsa.example.com/tsr" spellCheck={false} />
        <button type="submit" disabled={saving}>
          Save
        </button>
      </form>
      <h3>Who may sign where</h3>
      <p className="muted">A repository that matches a rule (glob, * and ?) may be signed only by the keys the rule names; repositories no rule matches may be signed by any active key.</p>
      {signing.rules.length === 0 && <p className="muted">No signing rule yet.</p>}
      <ul className="plain-list" aria-label="Signing rules">
        {signing.rules.map((rule) => (
          <li key={rule.scope}>
            <code>{rule.scope}</code>: {rule.keyIds.map(label).join(', ')}{' '}
            <button type="button" className="link" disabled={saving} onClick={() => void save({ signing: { ...signing, rules: signing.rules.filter((r) => r !== rule) } })}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={(event) => void addRule(event)}>
        <label htmlFor="rule-scope">Repository scope</label>
        <input id="rule-scope" value={scope} onChange={(e) => setScope(e.target.value)} placeholder="registry.example.com/team/*" spellCheck={false} />
        <label htmlFor="rule-key">Key</label>
        <select id="rule-key" value={keyId} onChange={(e) => setKeyId(e.target.value)}>
          <option value="">Choose a key</option>
          {signers.map((k) => (
            <option key={k.id} value={k.id}>
              {k.label}
            </option>
          ))}
        </select>
        <button type="submit" disabled={saving || scope.trim() === '' || keyId === ''}>
          Add rule
        </button>
      </form>
      {formError && <ErrorBox error={formError} />}
    </div>
  );
}

// Notation signatures carry an X.509 chain; Signet issues it from a root and an intermediate key it holds.
export function AuthorityCard() {
  const [view, setView] = useState<AuthorityView | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [name, setName] = useState('');
  const [backendId, setBackendId] = useState('software');
  const [busy, setBusy] = useState(false);
  const choices = useBackendChoices();
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(asAppError(failure));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void run(async () => setView(await api.authority.get({})));
  }, []);
  const create = (event: FormEvent) => {
    event.preventDefault();
    const backend = choices.find((c) => c.id === backendId) ?? choices[0]!;
    void run(async () => setView(await api.authority.create({ name: name.trim(), backend: backend.spec })));
  };
  const exportCrl = () =>
    void run(async () => {
      const file = await api.authority.crl({});
      saveFile(file.filename, file.text, file.mediaType);
    });
  return (
    <div className="card" aria-labelledby="authority-title">
      <h2 id="authority-title">Certificate authority for Notation</h2>
      {view === null && !error && <p className="muted">Reading…</p>}
      {view && !view.exists && (
        <form className="inline-form" onSubmit={create}>
          <p className="muted span">Signet makes a root and an intermediate key (ECDSA P-256) where you choose, and issues code-signing certificates to signing keys when they first sign in the Notation format.</p>
          <label htmlFor="authority-name">Organisation name</label>
          <input id="authority-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Acme Release" />
          <label htmlFor="authority-backend">Keys held in</label>
          <select id="authority-backend" value={backendId} onChange={(e) => setBackendId(e.target.value)}>
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <button type="submit" disabled={busy || name.trim() === ''}>
            Create authority
          </button>
        </form>
      )}
      {view?.exists && (
        <>
          <details>
            <summary>Root and intermediate certificates (PEM)</summary>
            <pre className="mono">{`${view.rootPem ?? ''}${view.intermediatePem ?? ''}`}</pre>
          </details>
          <h3>Issued certificates</h3>
          {view.leaves.length === 0 && <p className="muted">None yet: a key gets one the first time it signs in the Notation format.</p>}
          <ul className="plain-list" aria-label="Issued certificates">
            {view.leaves.map((leaf) => (
              <li key={leaf.serial}>
                {leaf.subject} <span className="mono">{leaf.serial}</span> until {leaf.notAfter}
                {leaf.revoked ? <strong> (revoked: listed in the CRL)</strong> : null}
              </li>
            ))}
          </ul>
          <button type="button" disabled={busy} onClick={exportCrl}>
            Export CRL
          </button>
        </>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  );
}
