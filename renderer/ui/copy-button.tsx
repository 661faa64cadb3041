import { useEffect, useState } from 'react';

type CopyState = 'idle' | 'copied' | 'failed';

// Copies one value (a digest, a fingerprint, a reference) to the clipboard and says so where it was clicked.
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<CopyState>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2000);
    return () => window.clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="copy">
      <button type="button" className="copy-button" aria-label={label} title={label} onClick={() => void copy()}>
        Copy
      </button>
      <span role="status" className={`copy-note copy-${state}`}>
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy' : ''}
      </span>
    </span>
  );
}
