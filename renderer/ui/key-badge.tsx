import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { keyLifecycle } from './key-lifecycle.ts';
import { TimeText } from './time-text.tsx';

// A key's lifecycle as a badge: its own icon, words and colour, and the date that matters (UTC on hover).
export function KeyStatusBadge({ keyRecord, all }: { keyRecord: KeyRecord; all: readonly KeyRecord[] }) {
  const view = keyLifecycle(keyRecord, all);
  return (
    <span className={`badge badge-${view.tone} key-badge`} data-lifecycle={view.state}>
      <span aria-hidden="true" className="badge-icon">
        {view.icon}
      </span>
      <span>
        {view.lead}
        {view.time && (
          <>
            {' '}
            <TimeText value={view.time.iso} style="date" relative={view.time.relative ? 'only' : 'never'} />
          </>
        )}
        {view.tail}
      </span>
    </span>
  );
}
