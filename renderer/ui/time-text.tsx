/** How much of a moment the text shows: the day only, or the day and the time of day. */
export type TimeStyle = 'date' | 'datetime';

const DAY = 86_400_000;
/** Within this distance of now a relative phrase ("in 5 days", "3 hours ago") says more than a date. */
const NEAR = 7 * DAY;

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', DAY],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

// The moment in UTC, spelled the same everywhere, for the hover title and for anyone comparing logs.
export function utcText(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

// The moment in the reader's own time zone and words; the year is left out while it is this year.
export function localText(iso: string, style: TimeStyle = 'datetime', now: Date = new Date()): string {
  const at = new Date(iso);
  const sameYear = at.getFullYear() === now.getFullYear();
  const day: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) };
  return style === 'date' ? at.toLocaleDateString(undefined, day) : at.toLocaleString(undefined, { ...day, hour: '2-digit', minute: '2-digit' });
}

// "in 5 days", "3 hours ago", "now": how far the moment is from now, in the largest whole unit.
export function relativeText(iso: string, now: Date = new Date()): string {
  const diff = Date.parse(iso) - now.getTime();
  const words = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return words.format(Math.round(diff / size), unit);
  }
  return words.format(0, 'second');
}

// A moment as a <time> element: local text, a relative phrase while it is near (or always, or never), and UTC on hover.
export function TimeText({ value, style = 'datetime', relative = 'near', className }: { value: string; style?: TimeStyle; relative?: 'near' | 'always' | 'only' | 'never'; className?: string }) {
  const now = new Date();
  const near = Math.abs(Date.parse(value) - now.getTime()) < NEAR;
  const showRelative = relative === 'always' || relative === 'only' || (relative === 'near' && near);
  const text = relative === 'only' ? relativeText(value, now) : showRelative ? `${localText(value, style, now)} (${relativeText(value, now)})` : localText(value, style, now);
  return (
    <time dateTime={value} title={utcText(value)} className={className}>
      {text}
    </time>
  );
}
