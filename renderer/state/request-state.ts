import { RequestFailed } from '../../shared/client.ts';
import type { AppError } from '../../shared/errors.ts';

// Stores keep errors as contract data, so screens can show the code and the plain words.
export function asAppError(error: unknown): AppError {
  if (error instanceof RequestFailed) return error.error;
  return { code: 'Unavailable', message: error instanceof Error ? error.message : String(error) };
}
