import { useEffect } from 'react';
import type { ChainNode } from '../../shared/model/chain.model.ts';
import type { AttachmentKind } from '../../shared/model/image-graph.model.ts';
import { compatibilityOf } from '../../shared/model/compatibility.model.ts';
import { StatusBadge } from './status-badge.tsx';
import { KIND_WORDS, VERDICT_VIEW } from './verdict.ts';
import { WhyUntrustedLink } from './trust-link.tsx';

/** Long values (payloads, manifests, statements) are folded and shown as preformatted text. */
const LONG_FIELDS = new Set(['payload', 'statement', 'manifest', 'annotations', 'checks']);
const FIELD_WORDS: Record<string, string> = {
  payload: 'Signed payload',
  statement: 'Signed statement',
  manifest: 'Raw manifest',
  annotations: 'Annotations',
  checks: 'Checks',
  via: 'Found through',
  attachmentKind: 'Format',
};

const SUPPORT_WORDS = { yes: '✓ yes', partly: '~ partly', no: '✕ no' } as const;

// Everything known about one node, the reason for its verdict first; Esc closes it from anywhere on the screen.
export function NodeDetails({ node, title, onClose }: { node: ChainNode; title?: string; onClose(): void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      event.preventDefault();
      onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  const view = VERDICT_VIEW[node.verdict];
  const entries = Object.entries(node.details);
  const short = entries.filter(([key, value]) => !LONG_FIELDS.has(key) && value.length < 300);
  const long = entries.filter(([key, value]) => LONG_FIELDS.has(key) || value.length >= 300);
  const compatibility = node.details.attachmentKind ? compatibilityOf(node.details.attachmentKind as AttachmentKind, node.details.via ?? '') : [];
  return (
    <aside className="node-details" aria-label="Node details">
      <div className="node-details-head">
        <div>
          <div className="muted">{KIND_WORDS[node.kind] ?? node.kind}</div>
          <h3>{title ?? node.label}</h3>
          {title && title !== node.label && <div className="muted node-details-label">{node.label}</div>}
        </div>
        <button type="button" className="link" onClick={onClose} aria-label="Close the details">
          Close
        </button>
      </div>
      <StatusBadge tone={view.tone} text={view.word} />
      <p className="node-reason" data-testid="node-reason">
        {node.reason}
      </p>
      {node.verdict === 'untrusted' && <WhyUntrustedLink />}
      {short.length > 0 && (
        <dl className="detail-facts">
          {short.map(([key, value]) => (
            <div key={key} className="fact">
              <dt>{FIELD_WORDS[key] ?? key}</dt>
              <dd>
                <code>{value}</code>
              </dd>
            </div>
          ))}
        </dl>
      )}
      {compatibility.length > 0 && (
        <table className="compatibility" aria-label="Which verifiers can see this signature">
          <thead>
            <tr>
              <th scope="col">Verifier</th>
              <th scope="col">Sees it</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {compatibility.map((row) => (
              <tr key={row.verifier} data-support={row.support}>
                <td>{row.verifier}</td>
                <td>{SUPPORT_WORDS[row.support]}</td>
                <td className="muted">{row.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {long.map(([key, value]) => (
        <details key={key} open={key === 'payload' || key === 'statement'}>
          <summary>{FIELD_WORDS[key] ?? key}</summary>
          <pre className="raw">{value}</pre>
        </details>
      ))}
    </aside>
  );
}
