import { useState } from 'react';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import { CopyButton } from '../ui/copy-button.tsx';
import { TimeText } from '../ui/time-text.tsx';

/** A moment as main writes it into the log. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Digests, fingerprints, key ids and references: values worth copying, and shown monospaced. */
const COPYABLE = /^(sha256:[0-9a-f]{64}|SHA256:[0-9a-f]{64}|[0-9a-f]{40,}|k-[0-9a-f]{16})$|^[^\s]+[/@:][^\s]+$/;

// "invalidSince" reads "Invalid since", "key_id" reads "Key id": the log's field names in words.
export function fieldLabel(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// One value of the details: a time as a time, a digest with a copy button, lists and nested records as lists.
function DetailValue({ value, path }: { value: unknown; path: string }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === 'string') {
    if (ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))) return <TimeText value={value} />;
    if (COPYABLE.test(value))
      return (
        <>
          <span className="mono small">{value}</span> <CopyButton value={value} label={`Copy ${fieldLabel(path)}`} />
        </>
      );
    return <span className="pre-line">{value}</span>;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return <span>{typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    return (
      <ul className="plain-list">
        {value.map((item, index) => (
          <li key={index}>
            <DetailValue value={item} path={path} />
          </li>
        ))}
      </ul>
    );
  }
  if (typeof value === 'object') return <DetailList record={Object.fromEntries(Object.entries(value))} />;
  return <span>{String(value)}</span>;
}

function DetailList({ record }: { record: Record<string, unknown> }) {
  const entries = Object.entries(record);
  if (entries.length === 0) return <span className="muted">No details.</span>;
  return (
    <dl className="audit-facts">
      {entries.map(([name, value]) => (
        <div key={name} className="fact-row">
          <dt>{fieldLabel(name)}</dt>
          <dd>
            <DetailValue value={value} path={name} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

// An entry's details as labelled values, with the exact JSON main logged one click away.
export function AuditDetails({ entry }: { entry: AuditEntry }) {
  const [raw, setRaw] = useState(false);
  const id = `audit-json-${entry.seq}`;
  return (
    <div className="audit-details" data-testid="audit-details">
      <DetailList record={entry.details} />
      <button type="button" className="secondary" aria-expanded={raw} aria-controls={raw ? id : undefined} onClick={() => setRaw((r) => !r)}>
        {raw ? 'Hide JSON' : 'Show JSON'}
      </button>
      {raw && (
        <pre id={id} className="audit-json mono small" data-testid="audit-json">
          {JSON.stringify(entry.details, null, 2)}
        </pre>
      )}
    </div>
  );
}
