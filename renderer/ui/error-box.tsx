import type { AppError } from '../../shared/errors.ts';

// Shows what went wrong in words, the code for reference, and a way to try again.
export function ErrorBox({ error, onRetry }: { error: AppError; onRetry?: () => void }) {
  return (
    <div className="error-box" role="alert">
      <strong>{error.message}</strong>
      {error.details && error.details.length > 0 && (
        <ul>
          {error.details.map((detail) => (
            <li key={detail}>{detail}</li>
          ))}
        </ul>
      )}
      <div className="error-meta">
        <code>{error.code}</code>
        {error.ref && <span> reference {error.ref}</span>}
        {onRetry && (
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </div>
  );
}
