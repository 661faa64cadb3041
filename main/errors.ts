import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { appError } from '../shared/app-error.ts';
import type { AppError, ErrorCode } from '../shared/errors.ts';

/** A failure main expects and can explain; its message is written for the user. */
export class SignetError extends Error {
  readonly code: ErrorCode;
  readonly details: string[] | undefined;

  constructor(code: ErrorCode, message: string, details?: string[]) {
    super(message);
    this.name = 'SignetError';
    this.code = code;
    this.details = details;
  }
}

export type InternalErrorLog = (ref: string, error: unknown) => void;

const defaultLog: InternalErrorLog = (ref, error) => {
  console.error(`[signet] internal error ${ref}:`, error);
};

// Turns anything thrown into data safe to send: known errors keep their words, the rest only a reference.
export function toAppError(error: unknown, log: InternalErrorLog = defaultLog): AppError {
  if (error instanceof SignetError) return appError(error.code, error.message, error.details);
  const ref = randomBytes(4).toString('hex');
  log(ref, error);
  return { code: 'Internal', message: `Unexpected failure in main (reference ${ref}); the details are in the log.`, ref };
}

// Turns schema issues into short "field: problem" lines a person can act on.
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 20).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
    return `${path}: ${issue.message}`.slice(0, 500);
  });
}
