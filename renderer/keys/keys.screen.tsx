import { useEffect, useState, type FormEvent } from 'react';
import type { AppError } from '../../shared/errors.ts';
import { useBackendChoices } from '../ui/use-backend-choices.ts';
import { FactList } from '../ui/intent-facts.tsx';
import {
  ALGORITHM_NAMES,
  effectiveStatus,
  KeyAlgorithmSchema,
  RevocationReasonSchema,
  TPM_ALGORITHMS,
  type KeyAlgorithm,
  type KeyRecord,
  type PublicKeyFormat,
  type RevocationReason,
} from '../../shared/model/keys.model.ts';
import { api } from '../api/client.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { saveFile } from '../ui/save-file.ts';
import { CopyButton } from '../ui/copy-button.tsx';
import { KeyStatusBadge } from '../ui/key-badge.tsx';
import { EXPIRY_WARNING_DAYS } from '../ui/key-lifecycle.ts';
import { TimeText } from '../ui/time-text.tsx';
import { TableHead } from '../ui/table-head.tsx';
import { useKeys } from '../state/keys.store.ts';
import { useNav } from '../state/nav.store.ts';
import { asAppError } from '../state/request-state.ts';
import { BackupsCard } from './recovery/backups-card.tsx';
import { KeyDrillLine } from './recovery/key-drill-line.tsx';
import { CompromiseFlow } from './compromise/compromise-flow.tsx';
import { RevocationListCard } from './revocation-list-card.tsx';
import { useCompromise } from './compromise/compromise.store.ts';

const DAY = 86_400_000;

function isAppError(value: unknown): value is AppError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value && !('id' in value);
}

// The Keys screen: the inventory with status and expiry, generation, and the confirmed lifecycle actions.
export function KeysScreen() {
  const { keys, error, load, selected, select } = useKeys();
  const [generating, setGenerating] = useState(false);
  const go = useNav((s) => s.go);
  const [differences, setDifferences] = useState<{ kind: string; message: string }[]>([]);
  useEffect(() => {
    void load();
    // Reconciliation reports; it never changes anything, so it runs every time the screen opens.
    api.keys.reconcile({}).then(setDifferences, () => setDifferences([]));
  }, [load]);
  const now = new Date();
  const expiringSoon = (keys ?? []).filter((k) => {
    if (effectiveStatus(k, now) !== 'active' || !k.notAfter) return false;
    return Date.parse(k.notAfter) - now.getTime() < EXPIRY_WARNING_DAYS * DAY;
  });
  const current = keys?.find((k) => k.id === selected) ?? null;

  return (
    <section aria-labelledby="screen-title" className="screen">
      <header className="screen-header">
        <h1 id="screen-title">Keys</h1>
        <button type="button" onClick={() => setGenerating((g) => !g)} aria-expanded={generating}>
          {generating ? 'Close' : 'Generate key'}
        </button>
      </header>
      {error && <ErrorBox error={error} onRetry={() => void load()} />}
      {expiringSoon.map((k) => (
        <div key={k.id} className="notice notice-warning" role="status">
          Key “{k.label}” expires on <TimeText value={k.notAfter!} style="date" relative="never" />, in {Math.max(0, Math.ceil((Date.parse(k.notAfter!) - now.getTime()) / DAY))} days. Rotate it
          before then.
        </div>
      ))}
      {differences.map((d) => (
        <div key={d.message} className="notice notice-warning" role="status" data-testid="reconcile-difference">
          {d.message} Nothing was changed.
        </div>
      ))}
      {generating && <GenerateForm onDone={() => setGenerating(false)} />}
      <ReviewPanel />
      <div className="card">
        {keys === null && !error && <p className="muted">Reading the inventory…</p>}
        {keys?.length === 0 && (
          <div className="empty-state" data-testid="empty-keys">
            <p>No keys yet. Generate one: a software key sealed by the OS keychain needs nothing else; for an HSM, make a SoftHSM token in System first.</p>
            <div className="empty-state-actions">
              <button type="button" onClick={() => setGenerating(true)} disabled={generating}>
                Generate your first key
              </button>
              <button type="button" className="secondary" onClick={() => go('system', 'tokens')}>
                Make a SoftHSM token in System
              </button>
            </div>
          </div>
        )}
        {keys && keys.length > 0 && (
          <table>
            <TableHead columns={['Label', 'Status', 'Algorithm', 'Held in', 'Expires', 'Signatures', 'Fingerprint']} />
            <tbody>
              {keys.map((key) => {
                return (
                  <tr key={key.id} data-testid={`key-${key.label}`} className={key.id === selected ? 'selected' : undefined}>
                    <th scope="row">
                      <button type="button" className="link" onClick={() => select(key.id)}>
                        {key.label}
                      </button>
                    </th>
                    <td>
                      <KeyStatusBadge keyRecord={key} all={keys} />
                    </td>
                    <td>{ALGORITHM_NAMES[key.algorithm]}</td>
                    <td>{key.location.kind === 'pkcs11' ? `token ${key.location.tokenLabel}` : 'software (keychain)'}</td>
                    <td>{key.notAfter ? <TimeText value={key.notAfter} style="date" /> : 'never'}</td>
                    <td>{key.signatureCount}</td>
                    <td className="mono small">
                      <span title={`SHA256:${key.fingerprint}`}>{key.fingerprint.slice(0, 16)}…</span>
                      <CopyButton value={`SHA256:${key.fingerprint}`} label={`Copy fingerprint SHA256:${key.fingerprint.slice(0, 16)}…`} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      {current && <KeyDetail key={current.id} keyRecord={current} all={keys ?? []} />}
      {keys && <RevocationListCard keys={keys} />}
      <CompromiseFlow />
      <BackupsCard />
    </section>
  );
}

function GenerateForm({ onDone }: { onDone: () => void }) {
  const generate = useKeys((s) => s.generate);
  const choices = useBackendChoices();
  const [backendId, setBackendId] = useState('software');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>('ecdsa-p256');
  const [label, setLabel] = useState('');
  const [expires, setExpires] = useState('');
  const [wrappable, setWrappable] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);
  const backend = choices.find((c) => c.id === backendId) ?? choices[0]!;
  const algorithms = backend.tpm ? TPM_ALGORITHMS : KeyAlgorithmSchema.options;
  const canWrap = backend.spec.kind === 'pkcs11' && !backend.tpm;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    const result = await generate({
      backend: backend.spec,
      algorithm: algorithms.includes(algorithm) ? algorithm : 'ecdsa-p256',
      label,
      notAfter: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : undefined,
      ...(canWrap && wrappable ? { wrappable: true } : {}),
    });
    setBusy(false);
    if (isAppError(result)) setFailure(result);
    else onDone();
  };

  return (
    <form className="card form-grid" onSubmit={(event) => void submit(event)} aria-label="Generate a key">
      <h2>Generate a key</h2>
      <label htmlFor="key-backend">Held in</label>
      <select id="key-backend" value={backend.id} onChange={(e) => setBackendId(e.target.value)}>
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
      <label htmlFor="key-algorithm">Algorithm</label>
      <select id="key-algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value as KeyAlgorithm)}>
        {algorithms.map((a) => (
          <option key={a} value={a}>
            {ALGORITHM_NAMES[a]}
            {a === 'ecdsa-p256' ? ' (default)' : ''}
          </option>
        ))}
      </select>
      {backend.tpm && <p className="muted span">A TPM signs with P-256, P-384 and RSA; it has no Ed25519.</p>}
      <label htmlFor="key-label">Label</label>
      <input id="key-label" value={label} onChange={(e) => setLabel(e.target.value)} placeholder="release signing 2027" required />
      <label htmlFor="key-expires">Expires (optional)</label>
      <input id="key-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      {canWrap && (
        <label className="span checkbox" htmlFor="key-wrappable">
          <input id="key-wrappable" type="checkbox" checked={wrappable} onChange={(e) => setWrappable(e.target.checked)} />
          Backups may hold it, wrapped under the backup key on a second token (it never leaves the token in the clear). Leave unticked for a key that
          must never leave this token; back that one up with a twin.
        </label>
      )}
      {backend.tpm && <p className="muted span">A TPM key never leaves the TPM, not even wrapped; back it up with a twin on another token.</p>}
      <div className="span">
        <button type="submit" disabled={busy || label.trim() === ''}>
          {busy ? 'Generating…' : 'Generate'}
        </button>
      </div>
      {failure && (
        <div className="span">
          <ErrorBox error={failure} />
        </div>
      )}
    </form>
  );
}

function KeyDetail({ keyRecord: key, all }: { keyRecord: KeyRecord; all: KeyRecord[] }) {
  const { prepare, select } = useKeys();
  const [failure, setFailure] = useState<AppError | null>(null);
  const [reason, setReason] = useState<RevocationReason>('superseded');
  const [invalidSince, setInvalidSince] = useState(() => localInputValue(new Date()));
  const [overlap, setOverlap] = useState(7);
  const status = effectiveStatus(key, new Date());
  const name = (id: string) => all.find((k) => k.id === id)?.label ?? id;

  const act = async (request: Parameters<typeof prepare>[0]) => setFailure(await prepare(request));
  const download = async (format: PublicKeyFormat) => {
    try {
      const file = await api.keys.exportPublic({ keyId: key.id, format });
      saveFile(file.filename, file.text, file.mediaType);
    } catch (error) {
      setFailure(asAppError(error));
    }
  };

  return (
    <div className="card" aria-labelledby="detail-title" data-testid="key-detail">
      <h2 id="detail-title">{key.label}</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="key-detail-status">
          <KeyStatusBadge keyRecord={key} all={all} />
        </dd>
        <dt>Fingerprint</dt>
        <dd className="mono small">
          SHA256:{key.fingerprint} <CopyButton value={`SHA256:${key.fingerprint}`} label="Copy the fingerprint" />
        </dd>
        <dt>Held in</dt>
        <dd className="mono small">
          {key.location.kind === 'pkcs11' ? (
            <>
              {key.location.uri} <CopyButton value={key.location.uri} label="Copy the PKCS#11 URI" />
            </>
          ) : (
            'software, sealed by the OS keychain'
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <TimeText value={key.createdAt} />
        </dd>
        <dt>Expires</dt>
        <dd>{key.notAfter ? <TimeText value={key.notAfter} relative="always" /> : 'never'}</dd>
        <dt>Signatures</dt>
        <dd>{key.signatureCount}</dd>
        <KeyDrillLine keyRecord={key} />
        {key.retireAt && (
          <>
            <dt>Retires</dt>
            <dd>
              <TimeText value={key.retireAt} relative="always" />
            </dd>
          </>
        )}
        {key.predecessor && <LineageLink title="Succeeds" id={key.predecessor} label={name(key.predecessor)} onSelect={select} />}
        {key.successor && <LineageLink title="Succeeded by" id={key.successor} label={name(key.successor)} onSelect={select} />}
        {key.revocation && (
          <>
            <dt>Revoked</dt>
            <dd>
              <TimeText value={key.revocation.revokedAt} />, {key.revocation.reason}, invalid since <TimeText value={key.revocation.invalidSince} />
            </dd>
          </>
        )}
        {key.destroyedAt && (
          <>
            <dt>Destroyed</dt>
            <dd>
              <TimeText value={key.destroyedAt} />
            </dd>
          </>
        )}
      </dl>
      <pre className="pem">{key.publicKeyPem}</pre>
      <div className="actions">
        <button type="button" onClick={() => void download('pem')}>
          Export PEM
        </button>
        <button type="button" onClick={() => void download('cosign-pub')}>
          Export cosign.pub
        </button>
        <button type="button" onClick={() => void download('jwk')}>
          Export JWK
        </button>
      </div>
      {key.status !== 'destroyed' && status === 'active' && (
        <div className="actions">
          <span className="inline-form">
            <label htmlFor="overlap">Overlap days</label>
            <input id="overlap" type="number" min={0} max={365} value={overlap} onChange={(e) => setOverlap(Number(e.target.value))} />
            <button type="button" onClick={() => void act({ action: 'rotate', keyId: key.id, overlapDays: overlap })}>
              Rotate…
            </button>
          </span>
        </div>
      )}
      {key.status !== 'destroyed' && (
        <section className="danger-zone" aria-labelledby="danger-zone-title" data-testid="danger-zone">
          <h3 id="danger-zone-title">Danger zone</h3>
          <p className="muted small">These cannot be undone: a revoked key never signs again and a destroyed key is gone for good. Each is reviewed before main does it.</p>
          {key.revocation?.reason !== 'keyCompromise' && (
            <div className="danger-row">
              <span className="inline-form">
                <label htmlFor="reason">Reason</label>
                <select id="reason" value={reason} onChange={(e) => setReason(e.target.value as RevocationReason)}>
                  {RevocationReasonSchema.options.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
                <label htmlFor="invalid-since">Invalid since</label>
                <input id="invalid-since" type="datetime-local" value={invalidSince} onChange={(e) => setInvalidSince(e.target.value)} />
                <button type="button" className="danger" onClick={() => void act({ action: 'revoke', keyId: key.id, reason, invalidSince: new Date(invalidSince).toISOString() })}>
                  {key.status === 'revoked' ? 'Revoke again, stronger…' : 'Revoke…'}
                </button>
              </span>
            </div>
          )}
          <div className="danger-row">
            <button type="button" className="danger" onClick={() => useCompromise.getState().open(key.id)}>
              Respond to a compromise…
            </button>
            <button type="button" className="danger" onClick={() => void act({ action: 'destroy', keyId: key.id })}>
              Destroy…
            </button>
          </div>
        </section>
      )}
      {failure && <ErrorBox error={failure} />}
    </div>
  );
}

// A datetime-local field holds the reader's local time, so now is written in that zone, not in UTC.
function localInputValue(now: Date): string {
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

// One step of a key's lineage, as a link to the other key.
function LineageLink({ title, id, label, onSelect }: { title: string; id: string; label: string; onSelect: (id: string) => void }) {
  return (
    <>
      <dt>{title}</dt>
      <dd>
        <button type="button" className="link" onClick={() => onSelect(id)}>
          {label}
        </button>
      </dd>
    </>
  );
}

// Shows main's intent, fact by fact, and confirms it only on an explicit click (and the label typed back, to destroy).
function ReviewPanel() {
  const { review, confirm, dismissReview } = useKeys();
  const [typed, setTyped] = useState('');
  const [failure, setFailure] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  if (!review) return null;

  const go = async () => {
    setBusy(true);
    const result = await confirm(review.typeToConfirm !== null ? typed : undefined);
    setBusy(false);
    if (isAppError(result)) setFailure(result);
    else {
      setTyped('');
      setFailure(null);
    }
  };

  return (
    <div className="card review" role="dialog" aria-labelledby="review-title" aria-describedby="review-note">
      <h2 id="review-title">{review.title}</h2>
      <p id="review-note" className="muted">
        Signet will do exactly this, once, if you confirm before <TimeText value={review.expiresAt} relative="never" />.
      </p>
      <FactList facts={review.facts} />
      {review.typeToConfirm !== null && (
        <p className="inline-form">
          <label htmlFor="type-to-confirm">Type “{review.typeToConfirm}” to confirm</label>
          <input id="type-to-confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
        </p>
      )}
      <div className="actions">
        <button type="button" className="danger" disabled={busy || (review.typeToConfirm !== null && typed !== review.typeToConfirm)} onClick={() => void go()}>
          Confirm {review.action === 'set-admin' ? 'admin key' : review.action}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setFailure(null);
            dismissReview();
          }}
        >
          Cancel
        </button>
      </div>
      {failure && <ErrorBox error={failure} />}
    </div>
  );
}
