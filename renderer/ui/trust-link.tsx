import { useNav } from '../state/nav.store.ts';

// Beside an untrusted verdict: the one place that decides what signatures may chain to, one click away.
export function WhyUntrustedLink() {
  const go = useNav((s) => s.go);
  return (
    <button type="button" className="link why-untrusted" data-testid="why-untrusted" onClick={() => go('system', 'trust')}>
      Why is this untrusted? → System › Trust
    </button>
  );
}
