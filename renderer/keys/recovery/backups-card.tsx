import { useEffect, type FormEvent } from 'react';
import { ErrorBox } from '../../ui/error-box.tsx';
import { useRecovery } from './recovery.store.ts';
import { BackupKeySection } from './backup-key-section.tsx';
import { RecoveryReview } from './recovery-review.tsx';
import { BackupResultView, DrillResultView, ManifestView, RestoreResultView } from './recovery-results.tsx';

// Backups are only worth what a drill proves, so making one and proving it sit on the same card as the keys.
export function BackupsCard() {
  const loadDrills = useRecovery((s) => s.loadDrills);
  useEffect(() => {
    void loadDrills();
  }, [loadDrills]);
  return (
    <section className="card backups-card" aria-labelledby="backups-title" data-testid="backups-card">
      <h2 id="backups-title">Backups and restore drills</h2>
      <p className="muted">
        A backup holds the software keys, the token keys made wrappable (wrapped under the backup key), the inventory, policies, revocations and the audit log,
        encrypted. Its secret never reaches this page: main splits it
        among custodians, any M of N of whom can open it, and writes one recovery sheet file per custodian into the folder you name.
      </p>
      <BackupKeySection />
      <CreateBackup />
      <OpenBackup />
    </section>
  );
}

function CreateBackup() {
  const s = useRecovery();
  const count = s.custodians.length;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void s.prepareBackup();
  };

  return (
    <div className="recovery-section" data-testid="backup-create">
      <h3>Create a backup</h3>
      {(s.backupPhase === 'form' || s.backupPhase === 'preparing') && (
        <form className="form-grid recovery-form" aria-label="Create a backup" onSubmit={submit}>
          <label htmlFor="backup-output">Output folder (absolute path)</label>
          <input id="backup-output" value={s.outputDir} onChange={(e) => s.setOutputDir(e.target.value)} placeholder="/media/backup/signet" spellCheck={false} />
          <fieldset className="span recovery-rows">
            <legend>Custodians ({count})</legend>
            {s.custodians.map((r, i) => (
              <div key={r.id} className="inline-form recovery-row">
                <label htmlFor={`custodian-${r.id}`}>Custodian {i + 1}</label>
                <input id={`custodian-${r.id}`} value={r.value} onChange={(e) => s.updateCustodian(r.id, e.target.value)} placeholder="name" maxLength={64} />
                <button type="button" className="secondary" onClick={() => s.removeCustodian(r.id)} disabled={count <= 2} aria-label={`Remove custodian ${i + 1}`}>
                  Remove
                </button>
              </div>
            ))}
            <button type="button" className="secondary" onClick={() => s.addCustodian()} disabled={count >= 16}>
              Add custodian
            </button>
          </fieldset>
          <label htmlFor="backup-threshold">Custodians needed to open (M of {count})</label>
          <input
            id="backup-threshold"
            type="number"
            min={2}
            max={Math.max(2, count)}
            value={s.threshold}
            onChange={(e) => s.setThreshold(Math.min(Math.max(2, count), Math.max(2, Number(e.target.value))))}
            className="recovery-threshold"
          />
          <p className="span muted small">
            Any {s.threshold} of the {count} custodians together can open the backup; fewer learn nothing about it.
          </p>
          <div className="span">
            <button type="submit" disabled={s.backupPhase === 'preparing'}>
              {s.backupPhase === 'preparing' ? 'Asking main…' : 'Review backup…'}
            </button>
          </div>
        </form>
      )}
      {s.backupError && <ErrorBox error={s.backupError} />}
      {s.backupReview && (s.backupPhase === 'review' || s.backupPhase === 'confirming') && (
        <RecoveryReview
          review={s.backupReview}
          testId="backup-review"
          note="Nothing has been written yet. Signet writes the encrypted backup and one recovery sheet per custodian into the output folder, once, when you confirm."
          confirmText="Confirm and write the backup"
          busyText="Writing the backup and the recovery sheets…"
          busy={s.backupPhase === 'confirming'}
          onConfirm={() => void s.confirmBackup()}
          onCancel={s.cancelBackup}
          onAgain={() => void s.prepareBackup()}
        />
      )}
      {s.backupResult && s.backupPhase === 'done' && <BackupResultView result={s.backupResult} onAgain={s.newBackup} />}
    </div>
  );
}

function OpenBackup() {
  const s = useRecovery();
  const busy = s.busy !== null || s.restorePhase === 'review' || s.restorePhase === 'confirming';
  const error = s.openError;

  return (
    <div className="recovery-section" data-testid="backup-open">
      <h3>Inspect, drill or restore a backup</h3>
      <form className="form-grid recovery-form" aria-label="Open a backup" onSubmit={(e) => e.preventDefault()}>
        <div className="span inline-form recovery-row">
          <label htmlFor="open-backup-file">Backup file (absolute path)</label>
          <input id="open-backup-file" value={s.backupFile} onChange={(e) => s.setBackupFile(e.target.value)} placeholder="/media/backup/signet/….signet-backup" spellCheck={false} />
          <button type="button" className="secondary" onClick={() => void s.inspect()} disabled={busy}>
            {s.busy === 'inspect' ? 'Reading…' : 'Show manifest'}
          </button>
        </div>
        <fieldset className="span recovery-rows">
          <legend>Recovery sheet files ({s.sheets.length})</legend>
          <p className="muted small">The sheet files of the custodians who are present, as absolute paths; Signet reads them, this page does not.</p>
          {s.sheets.map((r, i) => (
            <div key={r.id} className="inline-form recovery-row">
              <label htmlFor={`sheet-${r.id}`}>Sheet {i + 1}</label>
              <input id={`sheet-${r.id}`} value={r.value} onChange={(e) => s.updateSheet(r.id, e.target.value)} placeholder="/media/custodian/….html" spellCheck={false} />
              <button type="button" className="secondary" onClick={() => s.removeSheet(r.id)} disabled={s.sheets.length <= 1} aria-label={`Remove sheet ${i + 1}`}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" className="secondary" onClick={() => s.addSheet()} disabled={s.sheets.length >= 16}>
            Add sheet
          </button>
        </fieldset>
        <div className="span actions">
          <button type="button" onClick={() => void s.runDrill()} disabled={busy}>
            {s.busy === 'drill' ? 'Drilling…' : 'Run restore drill'}
          </button>
          <button type="button" className="danger" onClick={() => void s.prepareRestore()} disabled={busy}>
            {s.busy === 'restore' && s.restorePhase === 'preparing' ? 'Opening the backup…' : 'Review restore…'}
          </button>
        </div>
        <p className="span muted small">
          A drill restores every key into fresh, separate stores and proves each one signs; the live keys are not touched. A restore replaces the live inventory
          and records.
        </p>
      </form>
      {error && (
        <div data-testid={`open-error-${error.step}`}>
          <ErrorBox error={error.error} />
        </div>
      )}
      {s.manifest && (
        <section className="recovery-result" role="region" aria-label="Backup manifest">
          <h4>Manifest</h4>
          <ManifestView manifest={s.manifest} file={s.manifestFor} testId="inspect-manifest" />
        </section>
      )}
      {s.drill && <DrillResultView drill={s.drill} />}
      {s.restoreReview && (s.restorePhase === 'review' || s.restorePhase === 'confirming') && (
        <RecoveryReview
          review={s.restoreReview}
          testId="restore-review"
          danger
          note="Nothing has been restored yet. The whole backup was opened and checked; main restores it, once, when you confirm."
          confirmText="Confirm and restore"
          busyText="Restoring…"
          busy={s.restorePhase === 'confirming'}
          onConfirm={() => void s.confirmRestore()}
          onCancel={s.cancelRestore}
          onAgain={() => void s.prepareRestore()}
        >
          <p className="notice notice-warning" role="note" data-testid="restore-warning">
            Restoring replaces the key inventory, policies, revocations, settings and audit log with the backup’s. Keys made after this backup drop out of the
            inventory (their key material stays where it is). Every replaced file, and each sealed key with the same id, is kept aside under recovery/replaced/ in
            the data folder.
          </p>
        </RecoveryReview>
      )}
      {s.restoreResult && s.restorePhase === 'done' && <RestoreResultView result={s.restoreResult} />}
    </div>
  );
}
