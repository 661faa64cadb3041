import type { ErrorCode } from '../../shared/errors.ts';

/** The CLI's exit codes: a pipeline tells "the answer is no" from "no answer could be reached". */
export const EXIT = {
  /** Done; for a check, verified. */
  done: 0,
  /** The check ran and the answer is no (unsigned, failed, untrusted, revoked, expired), or the operation was refused. */
  notVerified: 1,
  /** The command line is wrong. */
  usage: 2,
  /** No verdict could be reached: unreachable, not found, bad input, a store or token that cannot be used. */
  couldNotCheck: 3,
  /** The person declined the confirmation. */
  cancelled: 4,
} as const;

/** One of the codes above. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

// Each error code's class: whether it is an answer (refused) or the lack of one (could not check).
const BY_ERROR: Record<ErrorCode, ExitCode> = {
  BadInput: EXIT.couldNotCheck,
  NotFound: EXIT.couldNotCheck,
  Unauthorized: EXIT.couldNotCheck,
  Forbidden: EXIT.notVerified,
  Locked: EXIT.couldNotCheck,
  Conflict: EXIT.notVerified,
  Expired: EXIT.notVerified,
  Cancelled: EXIT.cancelled,
  Timeout: EXIT.couldNotCheck,
  Unavailable: EXIT.couldNotCheck,
  Internal: EXIT.couldNotCheck,
};

// The exit code of a command that ended in an error instead of a result.
export function exitCodeFor(code: ErrorCode): ExitCode {
  return BY_ERROR[code];
}

/** The exit codes as every verb's --help lists them. */
export const EXIT_CODE_LINES: readonly string[] = [
  `  ${EXIT.done}  done; for a check, verified`,
  `  ${EXIT.notVerified}  not verified (unsigned, failed, untrusted, revoked, expired), or the operation was refused`,
  `  ${EXIT.usage}  the command line is wrong`,
  `  ${EXIT.couldNotCheck}  could not check: registry unreachable, not found, bad input, store or token unavailable`,
  `  ${EXIT.cancelled}  the confirmation was declined`,
];
