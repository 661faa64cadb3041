import { COVERAGE_WORDS, type CoverageClass } from '../../shared/model/scan.model.ts';
import type { BadgeTone } from '../ui/status-badge.tsx';

/** Each class has an icon and words besides its colour (the `cov-` classes in styles.css), so nothing relies on colour alone. */
export const COVERAGE_VIEW: Record<CoverageClass, { icon: string; words: string; tone: BadgeTone }> = {
  verified: { icon: '✓', words: COVERAGE_WORDS.verified, tone: 'ok' },
  failing: { icon: '✕', words: COVERAGE_WORDS.failing, tone: 'fail' },
  unsigned: { icon: '!', words: COVERAGE_WORDS.unsigned, tone: 'warn' },
  'revoked-or-expired': { icon: '⊘', words: COVERAGE_WORDS['revoked-or-expired'], tone: 'fail' },
  untrusted: { icon: '⚠', words: COVERAGE_WORDS.untrusted, tone: 'fail' },
  unreadable: { icon: '?', words: COVERAGE_WORDS.unreadable, tone: 'off' },
};

// Percentages are shown the same way everywhere: whole numbers, with one decimal only near the ends where rounding would hide a gap.
export function percent(share: number): string {
  const value = share * 100;
  if ((value > 0 && value < 1) || (value > 99 && value < 100)) return `${value.toFixed(1)}%`;
  return `${Math.round(value)}%`;
}

// Scan times are shown in the viewer's locale, to the minute.
export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
