import { useEffect, useState, type FormEvent } from 'react';
import type { AppError } from '../../../shared/errors.ts';
import type { BackupKey } from '../../../shared/model/recovery.model.ts';
import { api } from '../../api/client.ts';
import { ErrorBox } from '../../ui/error-box.tsx';
import { useBackendChoices } from '../../ui/use-backend-choices.ts';
import { asAppError } from '../../state/request-state.ts';

// Token keys made wrappable reach backups only through the backup key, so where it lives is shown beside the backup form, and it is made here once.
export function BackupKeySection() {
  const choices = useBackendChoices().filter((c) => c.spec.kind === 'pkcs11' && !c.tpm);
  const [key, setKey] = useState<BackupKey | null | undefined>(undefined);
  const [tokenId, setTokenId] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);

  useEffect(() => {
    void api.recovery.backupKey({}).then(
      (value) => setKey(value),
      (error: unknown) => setFailure(asAppError(error)),
    );
  }, []);

  const chosen = choices.find((c) => c.id === tokenId) ?? choices[0];
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!chosen || chosen.spec.kind !== 'pkcs11') return;
    setBusy(true);
    setFailure(null);
    try {
      setKey(await api.recovery.createBackupKey({ modulePath: chosen.spec.modulePath, tokenLabel: chosen.spec.tokenLabel }));
    } catch (error) {
      setFailure(asAppError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="recovery-section" data-testid="backup-key">
      <h3>Backup key for token keys</h3>
      {key === undefined && !failure && <p className="muted">Reading…</p>}
      {key && (
        <p>
          Token keys made wrappable go into backups wrapped under the RSA-3072 backup key on token <strong>“{key.tokenLabel}”</strong> (serial {key.tokenSerial}
          ), fingerprint <span className="mono small">{key.fingerprint.slice(0, 32)}…</span>. Only that token opens them; keep it apart from the tokens whose keys
          it holds.
        </p>
      )}
      {key === null && (
        <form className="inline-form" aria-label="Make the backup key" onSubmit={(event) => void submit(event)}>
          <p className="muted small span">
            No backup key yet: wrappable token keys stay out of backups until there is one. It is made once, on a second token (not a TPM), and can only unwrap.
          </p>
          <label htmlFor="backup-key-token">Token</label>
          <select id="backup-key-token" value={chosen?.id ?? ''} onChange={(e) => setTokenId(e.target.value)} disabled={choices.length === 0}>
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <button type="submit" className="secondary" disabled={busy || !chosen}>
            {busy ? 'Making the backup key…' : 'Make backup key'}
          </button>
        </form>
      )}
      {failure && <ErrorBox error={failure} />}
    </div>
  );
}
