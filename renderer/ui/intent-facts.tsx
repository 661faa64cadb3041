import { useEffect, useState } from 'react';

/** Digests, fingerprints and key URIs are long unbroken strings: they are shown small and monospaced. */
const LONG_VALUE = /sha256:[0-9a-f]{64}|SHA256:|^[0-9a-f]{32,}$|^pkcs11:/i;

// Main's facts as it stated them, one row each, never reworded by the page.
export function FactList({ facts, testId, className }: { facts: { label: string; value: string }[]; testId?: string; className?: string }) {
  return (
    <dl className={`facts${className ? ` ${className}` : ''}`} data-testid={testId}>
      {facts.map((fact) => (
        <div key={`${fact.label}:${fact.value}`} className="fact-row">
          <dt>{fact.label}</dt>
          <dd className={LONG_VALUE.test(fact.value) ? 'mono small pre-line' : 'pre-line'}>{fact.value}</dd>
        </div>
      ))}
    </dl>
  );
}

// An intent is good for two minutes; the review counts down so nobody confirms a dead one.
export function useDeadline(expiresAt: string, busy: boolean): { expired: boolean; deadline: string; remaining: string } {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const at = Date.parse(expiresAt);
  const seconds = Math.max(0, Math.ceil((at - now) / 1000));
  const minutes = Math.floor(seconds / 60);
  return { expired: !busy && now >= at, deadline: new Date(at).toLocaleTimeString(), remaining: minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s` };
}

// The countdown, or once it has run out, that nothing was done and a new review is needed.
export function DeadlineNotice({ expiresAt, busy, nothingDone, testIds = {} }: { expiresAt: string; busy: boolean; nothingDone: string; testIds?: { expired?: string; timer?: string } }) {
  const { expired, deadline, remaining } = useDeadline(expiresAt, busy);
  if (expired) {
    return (
      <p className="notice notice-warning" role="status" data-testid={testIds.expired}>
        This review expired at {deadline}. {nothingDone} Review again to get a new one.
      </p>
    );
  }
  if (busy) return null;
  return (
    <p role="timer" data-testid={testIds.timer}>
      Confirm before <strong>{deadline}</strong> ({remaining} left).
    </p>
  );
}
