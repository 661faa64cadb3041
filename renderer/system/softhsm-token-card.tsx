import { useState, type FormEvent } from 'react';
import type { AppError } from '../../shared/errors.ts';
import { api } from '../api/client.ts';
import { asAppError } from '../state/request-state.ts';
import { showToast } from '../state/toast.store.ts';
import { useSystem } from '../state/system.store.ts';
import { ErrorBox } from '../ui/error-box.tsx';

// A first HSM token without the terminal's tools: the page sends only a label; main asks for both PINs in its own prompt.
export function SoftHsmTokenCard({ where }: { where: 'terminal' | 'window' }) {
  const load = useSystem((s) => s.load);
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      const made = await api.tokens.create({ label: label.trim() });
      showToast(`Token “${made.tokenLabel}” is ready; generate a key on it in Keys.`);
      setLabel('');
      await load(true);
    } catch (error) {
      setFailure(asAppError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" aria-labelledby="softhsm-token-title" data-testid="softhsm-token-card">
      <h2 id="softhsm-token-title">Make a SoftHSM token</h2>
      <p className="muted">
        A SoftHSM token keeps keys the way a hardware HSM does, in Signet&apos;s own SoftHSM store under its data folder. You choose its security officer PIN and user PIN{' '}
        {where === 'window' ? "in Signet's PIN window" : 'in the terminal where Signet runs'}; this page never sees them.
      </p>
      <form className="inline-form" onSubmit={(event) => void submit(event)}>
        <label htmlFor="softhsm-token-label">Token label</label>
        <input id="softhsm-token-label" value={label} maxLength={32} onChange={(event) => setLabel(event.target.value)} placeholder="signing" spellCheck={false} />
        <button type="submit" disabled={busy || label.trim() === ''}>
          {busy ? (where === 'window' ? 'Enter the PINs in the PIN window…' : 'Enter the PINs in the terminal…') : 'Make token'}
        </button>
      </form>
      {failure && <ErrorBox error={failure} />}
    </div>
  );
}
