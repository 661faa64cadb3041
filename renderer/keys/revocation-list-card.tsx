import { useCallback, useEffect, useState, type ChangeEvent } from 'react';
import type { AppError } from '../../shared/errors.ts';
import { effectiveStatus, type KeyRecord, type RevocationSigner } from '../../shared/model/keys.model.ts';
import { api } from '../api/client.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { saveFile } from '../ui/save-file.ts';
import { StatusBadge } from '../ui/status-badge.tsx';
import { useKeys } from '../state/keys.store.ts';
import { asAppError } from '../state/request-state.ts';

// The officer chooses the key that signs the revocation list; without one no list is published, so the card says so and offers the choice.
export function RevocationListCard({ keys }: { keys: KeyRecord[] }) {
  const prepare = useKeys((state) => state.prepare);
  const [signer, setSigner] = useState<RevocationSigner | null>(null);
  const [choice, setChoice] = useState('');
  const [failure, setFailure] = useState<AppError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const refresh = useCallback(() => {
    api.keys.revocationSigner({}).then(setSigner, (error: unknown) => setFailure(asAppError(error)));
  }, []);
  useEffect(refresh, [refresh, keys]);
  const now = new Date();
  const candidates = keys.filter((k) => effectiveStatus(k, now) === 'active');
  const admin = keys.find((k) => k.id === signer?.adminKeyId) ?? null;
  const chosen = candidates.find((k) => k.id === choice) ?? candidates[0] ?? null;

  const run = async (action: () => Promise<string | null>) => {
    setBusy(true);
    setFailure(null);
    setNote(null);
    try {
      setNote(await action());
    } catch (error) {
      setFailure(asAppError(error));
    }
    setBusy(false);
    refresh();
  };
  // Main states what changes and the key it replaces; the review above the list asks for the confirmation.
  const designate = () =>
    run(async () => {
      const refused = await prepare({ action: 'set-admin', keyId: chosen!.id });
      if (refused) throw refused;
      return 'Review the change and confirm it.';
    });
  const exportList = () =>
    run(async () => {
      const file = await api.keys.revocations({});
      saveFile(file.filename, file.text, file.mediaType);
      return null;
    });
  const importList = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    void run(async () => {
      const result = await api.keys.importRevocations({ text: await file.text() });
      return result.applied.length === 0 ? 'The list was newer and verified; it changed no revocation here.' : `Applied to ${result.applied.length} key(s).`;
    });
  };

  return (
    <div className="card" aria-labelledby="revocation-list-title" data-testid="revocation-list">
      <h2 id="revocation-list-title">Revocation list</h2>
      <dl className="facts">
        <dt>Signed by</dt>
        <dd data-testid="revocation-admin">
          {admin ? admin.label : 'no admin key'} {signer && <StatusBadge tone={signer.usable ? 'ok' : 'fail'} text={signer.usable ? 'can sign' : 'cannot sign'} />}
        </dd>
        <dt>Sequence</dt>
        <dd>{signer?.sequence ?? 'none published yet'}</dd>
      </dl>
      {signer?.problem && (
        <p className="notice notice-warning" role="status">
          {signer.problem}
        </p>
      )}
      <div className="actions">
        <span className="inline-form">
          <label htmlFor="admin-key">Admin key</label>
          <select id="admin-key" value={chosen?.id ?? ''} onChange={(e) => setChoice(e.target.value)} disabled={candidates.length === 0}>
            {candidates.length === 0 && <option value="">no active key</option>}
            {candidates.map((k) => (
              <option key={k.id} value={k.id}>
                {k.label}
              </option>
            ))}
          </select>
          <button type="button" disabled={busy || !chosen || chosen.id === signer?.adminKeyId} onClick={() => void designate()}>
            Make admin key
          </button>
        </span>
        <button type="button" disabled={busy || !signer?.usable} onClick={() => void exportList()}>
          Export revocation list
        </button>
        <label className="button secondary" htmlFor="import-revocations">
          Import revocation list…
        </label>
        <input id="import-revocations" type="file" accept="application/json,.json" hidden onChange={importList} />
      </div>
      {note && <p role="status">{note}</p>}
      {failure && <ErrorBox error={failure} />}
    </div>
  );
}
