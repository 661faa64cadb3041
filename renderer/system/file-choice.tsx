import { useRef, useState, type ChangeEvent } from 'react';
import type { AppError } from '../../shared/errors.ts';
import { api } from '../api/client.ts';
import { asAppError } from '../state/request-state.ts';
import { useSystem } from '../state/system.store.ts';
import { ErrorBox } from '../ui/error-box.tsx';

// The bytes of a file the person chose, as base64, in slices small enough for String.fromCharCode.
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/**
 * "Choose file…" beside a path field. The desktop app opens main's own dialog, which answers a path; the browser
 * host reads the chosen file in the page and hands its bytes to main, which keeps them under the data folder once the
 * person confirmed it at the host's terminal.
 */
export function FileChoice({ what, onChosen }: { what: string; onChosen(path: string): void }) {
  const host = useSystem((s) => s.status?.versions.host ?? null);
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);

  const run = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setFailure(null);
    try {
      const path = await work();
      if (path !== null) onChosen(path);
    } catch (error) {
      setFailure(asAppError(error));
    } finally {
      setBusy(false);
    }
  };
  const picked = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) void run(async () => (await api.files.storeTrust({ name: file.name, base64: await base64Of(file) })).path);
  };
  const choose = () => {
    if (host === 'electron') void run(async () => (await api.files.choose({ title: `Choose ${what}` })).path);
    else input.current?.click();
  };

  return (
    <span className="file-choice">
      <button type="button" className="secondary" onClick={choose} disabled={busy} title={`Choose a file for ${what}`}>
        {busy ? 'Reading…' : 'Choose file…'}
      </button>
      {host !== 'electron' && <input ref={input} type="file" hidden onChange={picked} data-testid="file-input" accept=".pem,.pub,.crt,.cer,.crl,.der,.json,application/x-pem-file" />}
      {busy && host !== 'electron' && (
        <span className="muted" role="status">
          Confirm keeping the file in the terminal where Signet runs; a trust file decides what verifies, so the page cannot say yes for you.
        </span>
      )}
      {failure && <ErrorBox error={failure} />}
    </span>
  );
}
