import { useEffect, useRef } from 'react';
import type { Policy } from '../../shared/model/policy.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { TableHead } from '../ui/table-head.tsx';
import { PolicyEditor } from './policy-editor.tsx';
import { PolicyExportPanel } from './policy-export.tsx';
import { PolicyTrial } from './policy-trial.tsx';
import { useKeys } from '../state/keys.store.ts';
import { usePolicies } from './policies.store.ts';

// The Policies screen: the saved trust policies, their editor, a trial against a real image, and exports with their gaps.
export function PoliciesScreen() {
  const { policies, listError, load, selected, draft, editing, notice, startNew, dismissNotice } = usePolicies();
  const loadKeys = useKeys((s) => s.load);
  useEffect(() => {
    void load();
    void loadKeys();
  }, [load, loadKeys]);
  const current = policies?.find((p) => p.id === selected) ?? null;

  return (
    <section aria-labelledby="screen-title" className="screen policies-screen">
      <header className="screen-header">
        <h1 id="screen-title">Policies</h1>
        <button type="button" onClick={startNew} disabled={draft !== null}>
          New policy
        </button>
      </header>
      {notice && (
        <p className="notice notice-info" role="status" data-testid="policy-notice">
          {notice}{' '}
          <button type="button" className="link" onClick={dismissNotice}>
            Dismiss
          </button>
        </p>
      )}
      {listError && <ErrorBox error={listError} onRetry={() => void load()} />}
      <PolicyList />
      {draft && <PolicyEditor />}
      {current && (draft === null || editing === current.id) && (
        <div className="policy-tools">
          <PolicyTrial policyId={current.id} />
          <PolicyExportPanel policyId={current.id} />
        </div>
      )}
    </section>
  );
}

function PolicyList() {
  const { policies, listError, selected, draft, editing, confirmingDelete, select, edit, askRemove, startNew } = usePolicies();
  return (
    <div className="card">
      <h2>Saved policies</h2>
      {policies === null && !listError && <p className="muted">Reading the policies…</p>}
      {policies?.length === 0 && draft && <p className="muted">None saved yet.</p>}
      {policies?.length === 0 && !draft && (
        <div className="empty-state" data-testid="empty-policies">
          <p className="muted">No policies yet. A policy says, per repository, whose signatures an image needs before a cluster may run it. Press New policy to write one.</p>
          <div className="empty-state-actions">
            <button type="button" onClick={startNew}>
              Write your first policy
            </button>
          </div>
        </div>
      )}
      {policies && policies.length > 0 && (
        <table aria-label="Saved policies">
          <TableHead columns={['Name', 'Id', 'Rules', 'Updated', 'hidden:Actions']} />
          <tbody>
            {policies.map((policy) => (
              <tr key={policy.id} data-testid={`policy-${policy.id}`} className={policy.id === selected ? 'selected' : undefined} aria-current={policy.id === selected ? 'true' : undefined}>
                <th scope="row">
                  <button type="button" className="link" onClick={() => select(policy.id)} aria-label={`${policy.name}: try it and export`}>
                    {policy.name}
                  </button>
                  {policy.description && <div className="muted small">{policy.description}</div>}
                </th>
                <td className="mono">{policy.id}</td>
                <td data-testid="policy-rule-count">{policy.rules.length}</td>
                <td>{policy.updatedAt ? <time dateTime={policy.updatedAt}>{new Date(policy.updatedAt).toLocaleString()}</time> : '—'}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" className="secondary" onClick={() => edit(policy.id)} disabled={draft !== null && editing !== policy.id} aria-label={`Edit ${policy.name}`}>
                      Edit
                    </button>
                    <button type="button" className="secondary" onClick={() => askRemove(policy.id)} aria-label={`Delete ${policy.name}`} aria-expanded={confirmingDelete === policy.id}>
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirmingDelete && <DeleteConfirmation policy={policies?.find((p) => p.id === confirmingDelete) ?? null} />}
    </div>
  );
}

// Deleting asks here, in the page, naming the policy; the focus moves to the question so the keyboard is where the choice is.
function DeleteConfirmation({ policy }: { policy: Policy | null }) {
  const { removing, removeError, remove, askRemove } = usePolicies();
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), [policy?.id]);
  if (!policy) return null;
  return (
    <div className="card review delete-confirm" role="alertdialog" aria-labelledby="delete-title" aria-describedby="delete-note" data-testid="policy-delete-confirm">
      <h3 id="delete-title">Delete the policy “{policy.name}”?</h3>
      <p id="delete-note">
        Signet forgets {policy.id} and its {policy.rules.length} {policy.rules.length === 1 ? 'rule' : 'rules'}. Files already exported to clusters are not touched. This cannot be undone.
      </p>
      <div className="actions">
        <button type="button" className="danger" disabled={removing} onClick={() => void remove()}>
          {removing ? 'Deleting…' : `Delete ${policy.name}`}
        </button>
        <button type="button" className="secondary" ref={keep} onClick={() => askRemove(null)}>
          Keep it
        </button>
      </div>
      {removeError && <ErrorBox error={removeError} />}
    </div>
  );
}
