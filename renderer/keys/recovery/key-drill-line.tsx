import { useEffect, type ReactNode } from 'react';
import type { KeyRecord } from '../../../shared/model/keys.model.ts';
import { StatusBadge } from '../../ui/status-badge.tsx';
import { useRecovery } from './recovery.store.ts';
import { TimeText } from '../../ui/time-text.tsx';

// A backup nobody has restored is a hope, so each key says when a drill last proved its backup.
export function KeyDrillLine({ keyRecord: key }: { keyRecord: KeyRecord }) {
  const drills = useRecovery((s) => s.drills);
  const drillsError = useRecovery((s) => s.drillsError);
  const loadDrills = useRecovery((s) => s.loadDrills);
  useEffect(() => {
    if (drills === null) void loadDrills();
  }, [drills, loadDrills]);
  const status = drills?.[key.id];
  let line: ReactNode = null;
  if (drills === null) line = <span className="muted">{drillsError ? `could not be read: ${drillsError.message}` : 'reading…'}</span>;
  else if (!status && key.location.kind === 'pkcs11' && !key.location.wrappable) line = <span className="muted">not in backups: held on token “{key.location.tokenLabel}”; make a twin on another token</span>;
  else if (!status || (status.lastPassed === null && status.lastFailed === null)) line = <StatusBadge tone="warn" text="never drilled" />;
  else if (status.lastFailed !== null && (status.lastPassed === null || status.lastFailed > status.lastPassed)) {
    line = (
      <>
        <StatusBadge tone="fail" text="last failed" /> <TimeText value={status.lastFailed} />
        {status.lastPassed !== null && (
          <span className="muted small">
            {' '}
            (last passed <TimeText value={status.lastPassed} />)
          </span>
        )}
      </>
    );
  } else if (status.lastPassed !== null)
    line = (
      <>
        <StatusBadge tone="ok" text="last passed" /> <TimeText value={status.lastPassed} />
      </>
    );
  return (
    <>
      <dt>Backup drill</dt>
      <dd data-testid="key-drill">{line}</dd>
    </>
  );
}
