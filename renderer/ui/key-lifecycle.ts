import { effectiveStatus, type KeyRecord, type RevocationReason } from '../../shared/model/keys.model.ts';
import type { BadgeTone } from './status-badge.tsx';
import { localText, relativeText } from './time-text.tsx';

/** Where a key stands in its life, finer than its stored status: a rotation, a near expiry and a compromise each have their own. */
export type KeyLifecycle = 'active' | 'rotating' | 'retiring' | 'expiring' | 'expired' | 'retired' | 'revoked' | 'compromised' | 'destroyed';

/** A key this close to its not-after is flagged as expiring soon. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY = 86_400_000;

/** One badge: words before the moment, the moment itself (shown as a date or "in 5 days"), and words after it. */
export interface LifecycleView {
  state: KeyLifecycle;
  tone: BadgeTone;
  icon: string;
  lead: string;
  time: { iso: string; relative: boolean } | null;
  tail: string;
  /** Whether the key may sign now. */
  signs: boolean;
}

export const REASON_WORDS: Record<RevocationReason, string> = {
  unspecified: 'no reason given',
  keyCompromise: 'key compromise',
  affiliationChanged: 'affiliation changed',
  superseded: 'superseded',
  cessationOfOperation: 'no longer used',
  privilegeWithdrawn: 'privilege withdrawn',
};

const ICONS: Record<KeyLifecycle, string> = {
  active: '✓',
  rotating: '↻',
  retiring: '↘',
  expiring: '!',
  expired: '⌛',
  retired: '–',
  revoked: '⊘',
  compromised: '⚠',
  destroyed: '✕',
};

// A rotation's overlap is running: the key still signs, until its retireAt.
function isRetiring(key: KeyRecord, now: Date): boolean {
  return effectiveStatus(key, now) === 'active' && key.retireAt !== null;
}

// The lifecycle of one key at `now`; `all` is the inventory, so a successor can tell its predecessor is still retiring.
export function keyLifecycle(key: KeyRecord, all: readonly KeyRecord[], now: Date = new Date()): LifecycleView {
  const view = (state: KeyLifecycle, tone: BadgeTone, lead: string, iso: string | null, tail = '', relative = false): LifecycleView => ({
    state,
    tone,
    icon: ICONS[state],
    lead,
    time: iso ? { iso, relative } : null,
    tail,
    signs: state === 'active' || state === 'rotating' || state === 'retiring' || state === 'expiring',
  });
  const status = effectiveStatus(key, now);
  if (status === 'destroyed') return view('destroyed', 'off', 'Destroyed', key.destroyedAt);
  if (status === 'revoked') {
    const revocation = key.revocation;
    const reason = revocation ? ` · ${REASON_WORDS[revocation.reason]}` : '';
    return view(revocation?.reason === 'keyCompromise' ? 'compromised' : 'revoked', 'fail', 'Revoked', revocation?.revokedAt ?? null, reason);
  }
  if (status === 'retired') return view('retired', 'off', 'Retired', key.retireAt);
  if (status === 'expired') return view('expired', 'fail', 'Expired', key.notAfter);
  if (key.retireAt) return view('retiring', 'warn', 'Retiring · until', key.retireAt);
  if (key.notAfter && Date.parse(key.notAfter) - now.getTime() < EXPIRY_WARNING_DAYS * DAY) return view('expiring', 'warn', 'Expires', key.notAfter, '', true);
  const predecessor = key.predecessor ? all.find((k) => k.id === key.predecessor) : undefined;
  if (predecessor && isRetiring(predecessor, now)) return view('rotating', 'ok', 'Active · rotated in', key.createdAt);
  return view('active', 'ok', 'Active', null);
}

// The badge as one line of plain text, for places that hold no markup (an <option>).
export function lifecycleText(view: LifecycleView, now: Date = new Date()): string {
  const moment = view.time ? ` ${view.time.relative ? relativeText(view.time.iso, now) : localText(view.time.iso, 'date', now)}` : '';
  return `${view.lead}${moment}${view.tail}`;
}

// The key the Sign screen starts with: the current choice while it is a good one, else the successor of a retiring
// choice, else the first key that signs and is not retiring; a retiring key stays only when it was picked as one.
export function defaultSigningKey(keys: readonly KeyRecord[], currentId: string, retiringPicked: boolean, now: Date = new Date()): string {
  const preferred = (key: KeyRecord): boolean => effectiveStatus(key, now) === 'active' && !isRetiring(key, now);
  const current = keys.find((k) => k.id === currentId);
  if (current && preferred(current)) return current.id;
  if (current && isRetiring(current, now) && retiringPicked) return current.id;
  const seen = new Set<string>();
  let next = current?.successor ?? null;
  while (next !== null && !seen.has(next)) {
    seen.add(next);
    const wanted = next;
    const successor = keys.find((k) => k.id === wanted);
    if (!successor) break;
    if (preferred(successor)) return successor.id;
    next = successor.successor;
  }
  // Nothing chosen yet: the successor of a rotation carries on a signing identity, so it comes before other active keys.
  const successorOfRotation = keys.find((k) => preferred(k) && k.predecessor !== null && keys.some((p) => p.id === k.predecessor && isRetiring(p, now)));
  return successorOfRotation?.id ?? keys.find(preferred)?.id ?? '';
}
