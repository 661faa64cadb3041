import type { ErrorCode } from '../../shared/errors.ts';

// What each refusal is called at the top of an error box, and what a person can usually do about it.
const WORDS: Record<ErrorCode, { title: string; next: string }> = {
  BadInput: { title: 'Input not accepted', next: 'Correct what is named above and try again.' },
  NotFound: { title: 'Not found', next: 'Check the name or reference; it may have been removed or not exist yet.' },
  Unauthorized: { title: 'Not allowed without signing in', next: 'Sign in to the registry or reload the page with its access link, then try again.' },
  Forbidden: { title: 'Not allowed', next: 'This is refused on purpose; the message above says what is allowed instead.' },
  Locked: { title: 'Locked', next: 'Unlock what is named above, then try again.' },
  Conflict: { title: 'Changed in the meantime', next: 'Something changed since this was shown; look again and repeat the step.' },
  Expired: { title: 'Expired', next: 'The confirmation ran out of time; review it again.' },
  Cancelled: { title: 'Cancelled', next: 'Nothing was done. Start again when you are ready.' },
  Timeout: { title: 'Took too long', next: 'Check that the other side is reachable and try again.' },
  Unavailable: { title: 'Could not reach the registry or service', next: 'Check that it is running and reachable, then try again.' },
  Internal: { title: 'Something went wrong inside Signet', next: 'Try again; if it keeps happening, report it with the reference under Details.' },
};

/** The short headline for a refusal, so a raw code is never what a person reads first. */
export function errorTitle(code: ErrorCode): string {
  return WORDS[code].title;
}

/** A general next step for a refusal, shown under its own message. */
export function errorNextStep(code: ErrorCode): string {
  return WORDS[code].next;
}
