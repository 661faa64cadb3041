import type { Screen } from '../stores/nav.store.ts';

const PLANNED: Record<Exclude<Screen, 'system' | 'keys' | 'audit' | 'images' | 'sign'>, { title: string; holds: string[] }> = {
  policies: {
    title: 'Policies',
    holds: ['Trust policies per repository scope, and their export for Kyverno, policy-controller, containers-policy.json and Notation.'],
  },
  scan: {
    title: 'Scan',
    holds: ['Signature coverage across registries and OCI layouts, with history, trends and diffs between scans.'],
  },
  workshop: {
    title: 'Workshop',
    holds: ['An offline signing lab for trainers: a sandboxed key store and registry, guided lessons and a presenter view.'],
  },
};

// Screens not built yet say what they will hold instead of showing invented data.
export function UpcomingScreen({ screen }: { screen: Exclude<Screen, 'system' | 'keys' | 'audit' | 'images' | 'sign'> }) {
  const plan = PLANNED[screen];
  return (
    <section aria-labelledby="screen-title" className="screen">
      <header className="screen-header">
        <h1 id="screen-title">{plan.title}</h1>
      </header>
      <div className="card empty">
        <p>This screen is not available yet. It will hold:</p>
        <ul>
          {plan.holds.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </div>
    </section>
  );
}
