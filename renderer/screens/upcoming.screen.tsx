import type { Screen } from '../stores/nav.store.ts';

const PLANNED: Record<Exclude<Screen, 'system' | 'keys' | 'audit' | 'images' | 'sign' | 'policies' | 'scan'>, { title: string; holds: string[] }> = {
  workshop: {
    title: 'Workshop',
    holds: ['An offline signing lab for trainers: a sandboxed key store and registry, guided lessons and a presenter view.'],
  },
};

// Screens not built yet say what they will hold instead of showing invented data.
export function UpcomingScreen({ screen }: { screen: Exclude<Screen, 'system' | 'keys' | 'audit' | 'images' | 'sign' | 'policies' | 'scan'> }) {
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
