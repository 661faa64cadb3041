export type BadgeTone = 'ok' | 'fail' | 'warn' | 'off';

const ICONS: Record<BadgeTone, string> = { ok: '✓', fail: '✕', warn: '!', off: '–' };

// Colour is never the only signal: each badge has an icon and words.
export function StatusBadge({ tone, text }: { tone: BadgeTone; text: string }) {
  return (
    <span className={`badge badge-${tone}`}>
      <span aria-hidden="true" className="badge-icon">
        {ICONS[tone]}
      </span>
      {text}
    </span>
  );
}
