import type { AppError, ErrorCode } from './errors.ts';

// Lets any world build an error value without a class hierarchy crossing the boundary, and without loading the error schemas.
export function appError(code: ErrorCode, message: string, details?: string[]): AppError {
  return details && details.length > 0 ? { code, message, details } : { code, message };
}
