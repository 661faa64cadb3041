import type { BackupManifest, BackupResult, DrillResult, RestoreResult } from '../../../shared/model/recovery.model.ts';
import { StatusBadge } from '../../ui/status-badge.tsx';
import { TimeText } from '../../ui/time-text.tsx';

type ItemKind = BackupManifest['items'][number]['kind'];
type NotIncluded = BackupManifest['notIncluded'];

const KIND_WORDS: Record<ItemKind, string> = {
  'software-key': 'software key',
  'wrapped-key': 'wrapped token key',
  inventory: 'key inventory',
  policies: 'policies',
  revocations: 'revocations',
  'audit-log': 'audit log',
  settings: 'settings',
  authority: 'authority',
};

function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return `${(count / 1024 / 1024).toFixed(1)} MiB`;
}

// How a backup opens, in words: which custodians, how many of them together.
function unlockWords(unlock: BackupManifest['unlock']): string {
  if (unlock.kind === 'passphrase') return 'a passphrase typed at a terminal (signet backup restore FILE --passphrase)';
  return `any ${unlock.threshold} of ${unlock.custodians.length} custodians together: ${unlock.custodians.join(', ')}`;
}

// Token keys no backup can hold, each with main's reason and what to do instead.
export function NotIncludedList({ keys, testId }: { keys: NotIncluded; testId: string }) {
  if (keys.length === 0) return <p className="muted">Every key is included: no key is held only on a token.</p>;
  return (
    <ul className="recovery-not-included" data-testid={testId}>
      {keys.map((k) => (
        <li key={k.keyId}>
          <StatusBadge tone="warn" text="Not included" /> <strong>{k.label}</strong> <span className="mono small">{k.keyId}</span>: {k.reason}
        </li>
      ))}
    </ul>
  );
}

// What a backup holds, item by item with its hash, and what it cannot hold.
export function ManifestView({ manifest, file, testId }: { manifest: BackupManifest; file: string | null; testId: string }) {
  return (
    <div className="recovery-manifest" data-testid={testId}>
      <dl className="facts">
        {file && (
          <>
            <dt>Backup file</dt>
            <dd className="mono small">{file}</dd>
          </>
        )}
        <dt>Made</dt>
        <dd>
          <TimeText value={manifest.createdAt} />
        </dd>
        <dt>Opens with</dt>
        <dd>{unlockWords(manifest.unlock)}</dd>
      </dl>
      <h4>Items ({manifest.items.length})</h4>
      <div className="recovery-items" tabIndex={0} role="group" aria-label="Items in the backup">
        <table>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Kind</th>
              <th scope="col">Size</th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {manifest.items.map((item) => (
              <tr key={item.name}>
                <td className="mono small">{item.name}</td>
                <td>{KIND_WORDS[item.kind]}</td>
                <td>{bytes(item.bytes)}</td>
                <td className="mono small">{item.sha256.slice(0, 16)}…</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>Not included ({manifest.notIncluded.length})</h4>
      <NotIncludedList keys={manifest.notIncluded} testId={`${testId}-not-included`} />
      <p className="muted small">The manifest is authenticated with the contents: an edit is detected when the backup is opened.</p>
    </div>
  );
}

// The written backup: its file, each custodian's sheet, and what to do with the sheets now.
export function BackupResultView({ result, onAgain }: { result: BackupResult; onAgain(): void }) {
  const custodians = result.manifest.unlock.kind === 'shares' ? result.manifest.unlock.custodians : [];
  return (
    <section className="recovery-result" role="region" aria-label="Backup written" data-testid="backup-result">
      <h3>
        <StatusBadge tone="ok" text="Backup written" />
      </h3>
      <dl className="facts">
        <dt>Backup file</dt>
        <dd className="mono small" data-testid="backup-file">
          {result.backupFile}
        </dd>
      </dl>
      {result.sheets.length > 0 && (
        <>
          <h4>Recovery sheets ({result.sheets.length})</h4>
          <p className="notice notice-warning">
            Hand each sheet to its custodian (printed, or the file on a medium they keep), then delete these files from this folder. The sheets were written by
            main and are not shown here.
          </p>
          <ol className="recovery-sheets">
            {result.sheets.map((sheet, i) => (
              <li key={sheet} data-testid="backup-sheet">
                <strong>{custodians[i] ?? `Custodian ${i + 1}`}</strong>: <span className="mono small">{sheet}</span>
              </li>
            ))}
          </ol>
        </>
      )}
      <ManifestView manifest={result.manifest} file={null} testId="backup-result-manifest" />
      <div className="actions">
        <button type="button" className="secondary" onClick={onAgain}>
          Make another backup
        </button>
      </div>
    </section>
  );
}

// A drill's outcome key by key, in words and icon, and the keys it could not cover.
export function DrillResultView({ drill }: { drill: DrillResult }) {
  return (
    <section className="recovery-result" role="region" aria-label="Restore drill result" data-testid="drill-result" data-passed={String(drill.passed)}>
      <h3>
        <StatusBadge tone={drill.passed ? 'ok' : 'fail'} text={drill.passed ? 'Drill passed' : 'Drill failed'} />
      </h3>
      <p className="muted">
        {drill.passed
          ? 'Every key in the backup was restored into fresh stores, signed a test message, and verified against its published public key. The live keys were not touched.'
          : 'At least one key could not be restored and proven from this backup; the reasons are below. The live keys were not touched.'}{' '}
        Run <TimeText value={drill.at} /> on <span className="mono small">{drill.backupFile}</span>.
      </p>
      {drill.keys.length === 0 && <p>The backup holds no software keys to drill.</p>}
      <p className="muted small" data-testid="drill-fresh-token">
        {drill.freshToken}
      </p>
      <ul className="recovery-drill-keys">
        {drill.keys.map((k) => (
          <li key={k.keyId} data-testid="drill-key" data-key={k.label} data-passed={String(k.passed)}>
            <StatusBadge tone={k.passed ? 'ok' : 'fail'} text={k.passed ? 'Passed' : 'Failed'} /> <strong>{k.label}</strong>: {k.reason}
          </li>
        ))}
      </ul>
      {drill.notIncluded.length > 0 && (
        <>
          <h4>Not in the backup ({drill.notIncluded.length})</h4>
          <NotIncludedList keys={drill.notIncluded} testId="drill-not-included" />
        </>
      )}
    </section>
  );
}

// What a restore put back, and what it could not.
export function RestoreResultView({ result }: { result: RestoreResult }) {
  return (
    <section className="recovery-result" role="region" aria-label="Restore result" data-testid="restore-result">
      <h3>
        <StatusBadge tone="ok" text="Restored" />
      </h3>
      <p>
        Restored {result.restoredKeys.length} software {result.restoredKeys.length === 1 ? 'key' : 'keys'} and {result.restoredItems.length}{' '}
        {result.restoredItems.length === 1 ? 'item' : 'items'}. The files it replaced are kept aside under recovery/replaced/ in the data folder.
      </p>
      <ul className="recovery-items-list">
        {result.restoredItems.map((item) => (
          <li key={item} className="mono small">
            {item}
          </li>
        ))}
      </ul>
      {result.tokenKeys.length > 0 && (
        <>
          <h4>Token keys ({result.tokenKeys.length})</h4>
          <ul className="recovery-items-list" data-testid="restore-token-keys">
            {result.tokenKeys.map((k) => (
              <li key={k.keyId}>
                <strong>{k.label}</strong> <span className="mono small">{k.keyId}</span>: {k.outcome}
              </li>
            ))}
          </ul>
        </>
      )}
      {result.notIncluded.length > 0 && (
        <>
          <h4>Not in the backup ({result.notIncluded.length})</h4>
          <NotIncludedList keys={result.notIncluded} testId="restore-not-included" />
        </>
      )}
    </section>
  );
}
