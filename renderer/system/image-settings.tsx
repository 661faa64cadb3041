import { useState, type FormEvent } from 'react';
import type { TrustSettings } from '../../shared/model/settings.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { FileChoice } from './file-choice.tsx';
import { useSettingsForm } from '../ui/use-settings-form.ts';

// Layout folders on disk are browsable and inspectable like registries, and only the ones named here.
export function LayoutsCard() {
  const { settings, save, saving, formError } = useSettingsForm();
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  const layouts = settings?.layouts ?? [];
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await save({ layouts: [...layouts, { name: name.trim(), path: path.trim() }] })) {
      setName('');
      setPath('');
    }
  };
  return (
    <div className="card" aria-labelledby="layouts-title">
      <h2 id="layouts-title">Image layouts</h2>
      {layouts.length === 0 && <p className="muted">No OCI image layout folder is configured.</p>}
      <ul className="plain-list">
        {layouts.map((layout) => (
          <li key={layout.name}>
            <strong>{layout.name}</strong> <code>{layout.path}</code>{' '}
            <button type="button" className="link" disabled={saving} onClick={() => void save({ layouts: layouts.filter((l) => l.name !== layout.name) })}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={(event) => void add(event)}>
        <label htmlFor="layout-name">Layout name</label>
        <input id="layout-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="workshop" spellCheck={false} />
        <label htmlFor="layout-path">Layout folder</label>
        <input id="layout-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/images" spellCheck={false} />
        <button type="submit" disabled={saving || name.trim() === '' || path.trim() === ''}>
          Add layout
        </button>
      </form>
      {formError && <ErrorBox error={formError} />}
    </div>
  );
}

const FILE_LISTS: { key: 'keyFiles' | 'caFiles' | 'rekorKeyFiles' | 'tsaFiles' | 'notationStores' | 'crlFiles'; label: string; hint: string }[] = [
  { key: 'keyFiles', label: 'Public-key files', hint: 'PEM public keys (cosign.pub) trusted besides the inventory keys' },
  { key: 'caFiles', label: 'Certificate roots', hint: 'PEM roots for certificate-signed cosign signatures' },
  { key: 'rekorKeyFiles', label: 'Rekor keys', hint: 'PEM keys of private transparency logs' },
  { key: 'tsaFiles', label: 'Timestamp authorities', hint: 'PEM roots of RFC 3161 timestamp authorities' },
  { key: 'notationStores', label: 'Notation trust stores', hint: 'folders or PEM files of Notary Project CA roots; signingAuthority:PATH for signing authorities, tsa:PATH for timestamp authorities' },
  { key: 'crlFiles', label: 'Revocation lists', hint: 'CRL files (PEM or DER) for checking Notation certificates offline' },
];

// What the inspector trusts besides the inventory's own keys, one line per file or folder.
export function TrustCard() {
  const { settings, save, saving, formError } = useSettingsForm();
  const trust = settings?.trust;
  const [draft, setDraft] = useState<Record<string, string>>({});
  if (!trust) return null;
  const text = (key: string, value: string) => draft[key] ?? value;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const lines = (key: (typeof FILE_LISTS)[number]['key']) =>
      text(key, trust[key].join('\n'))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const next: TrustSettings = {
      ...trust,
      keyFiles: lines('keyFiles'),
      caFiles: lines('caFiles'),
      rekorKeyFiles: lines('rekorKeyFiles'),
      tsaFiles: lines('tsaFiles'),
      notationStores: lines('notationStores'),
      crlFiles: lines('crlFiles'),
      identity: text('identity', trust.identity ?? '').trim() || null,
      issuer: text('issuer', trust.issuer ?? '').trim() || null,
      trustedRootFile: text('trustedRootFile', trust.trustedRootFile ?? '').trim() || null,
    };
    if (await save({ trust: next })) setDraft({});
  };
  return (
    <div className="card" aria-labelledby="trust-title">
      <h2 id="trust-title">Trust for verification</h2>
      <p className="muted">Every key in the inventory is trusted, its status (revoked, expired) judged by its record. Add what else signatures may chain to.</p>
      <form className="form-grid" onSubmit={(event) => void submit(event)}>
        {FILE_LISTS.map(({ key, label, hint }) => (
          <div key={key} className="file-list-field">
            <label>
              {label}
              <textarea rows={2} value={text(key, trust[key].join('\n'))} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} placeholder={hint} spellCheck={false} />
            </label>
            <FileChoice what={label} onChosen={(path) => setDraft((now) => ({ ...now, [key]: appendLine(now[key] ?? trust[key].join('\n'), path) }))} />
          </div>
        ))}
        <label>
          Signer identity (email or SAN)
          <input value={text('identity', trust.identity ?? '')} onChange={(e) => setDraft({ ...draft, identity: e.target.value })} spellCheck={false} />
        </label>
        <label>
          OIDC issuer
          <input value={text('issuer', trust.issuer ?? '')} onChange={(e) => setDraft({ ...draft, issuer: e.target.value })} spellCheck={false} />
        </label>
        <div className="file-list-field">
          <label>
            Sigstore trusted root file (instead of the public-good root)
            <input value={text('trustedRootFile', trust.trustedRootFile ?? '')} onChange={(e) => setDraft({ ...draft, trustedRootFile: e.target.value })} spellCheck={false} />
          </label>
          <FileChoice what="the Sigstore trusted root" onChosen={(path) => setDraft((now) => ({ ...now, trustedRootFile: path }))} />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={trust.publicGood} disabled={saving} onChange={(e) => void save({ trust: { ...trust, publicGood: e.target.checked } })} /> Trust sigstore's public-good root (shipped with Signet, works offline)
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={trust.requireTlog} disabled={saving} onChange={(e) => void save({ trust: { ...trust, requireTlog: e.target.checked } })} /> Require a transparency-log entry for key-signed signatures
        </label>
        <button type="submit" disabled={saving}>
          Save trust
        </button>
      </form>
      {formError && <ErrorBox error={formError} />}
    </div>
  );
}

// A chosen file joins the list as its own line, after what was typed.
function appendLine(text: string, line: string): string {
  const kept = text.replace(/\s+$/, '');
  return kept === '' ? line : `${kept}\n${line}`;
}
