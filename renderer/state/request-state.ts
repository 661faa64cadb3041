import { RequestFailed } from '../../shared/client.ts';
import type { AppError } from '../../shared/errors.ts';

// Stores keep errors as contract data, so screens can show the code and the plain words.
export function asAppError(error: unknown): AppError {
  if (error instanceof RequestFailed) return error.error;
  return { code: 'Unavailable', message: error instanceof Error ? error.message : String(error) };
}

/** Numbers the requests of one kind so only the answer to the newest lands; an answer to an older or dropped one is ignored. */
export interface LatestRequest {
  /** Starts a request and returns its ticket. */
  next(): number;
  /** The ticket of the newest request, for work that belongs to it. */
  current(): number;
  /** Whether the answer carrying this ticket is still wanted. */
  isLatest(ticket: number): boolean;
  /** Gives up every request on its way, because what it was asked for is no longer what the screen says. */
  drop(): void;
}

// One counter per kind of request: a new request or a changed input makes every earlier answer stale.
export function latestRequest(): LatestRequest {
  let ticket = 0;
  return {
    next: () => ++ticket,
    current: () => ticket,
    isLatest: (mine) => mine === ticket,
    drop: () => {
      ticket++;
    },
  };
}

// Two inputs ask the same question when they differ only in surrounding spaces, which every request trims.
export function sameInput(a: string, b: string): boolean {
  return a.trim() === b.trim();
}

// A result is shown only beside the input that produced it: for any other input the screen shows nothing rather than a stale verdict.
export function resultFor<T>(result: T | null, producedFor: string | null, input: string): T | null {
  return result !== null && producedFor !== null && sameInput(producedFor, input) ? result : null;
}
