import { z } from 'zod';

export { appError } from './app-error.ts';

/** Every failure that crosses the boundary carries one of these codes, never a stack trace. */
export const ErrorCodeSchema = z.enum([
  'BadInput',
  'NotFound',
  'Unauthorized',
  'Forbidden',
  'Locked',
  'Conflict',
  'Expired',
  'Cancelled',
  'Timeout',
  'Unavailable',
  'Internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const AppErrorSchema = z
  .object({
    code: ErrorCodeSchema,
    message: z.string().min(1).max(2000),
    /** Field paths and short facts that help the user fix the input; never secrets. */
    details: z.array(z.string().max(500)).max(50).optional(),
    /** Correlates an Internal error with the main-process log without exposing it. */
    ref: z.string().max(64).optional(),
  })
  .strict();
export type AppError = z.infer<typeof AppErrorSchema>;

/** The refusals that mean the intent on screen is no longer usable (expired, used, or unknown): the page asks main for a new one. */
export const STALE_INTENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['Expired', 'Conflict', 'Unauthorized']);
