import type { AppError } from '../../shared/errors.ts';
import { errorNextStep, errorTitle } from './error-words.ts';

// Says what went wrong and what to do next in words; the code, reference and raw facts wait behind Details.
export function ErrorBox({ error, onRetry }: { error: AppError; onRetry?: () => void }) {
  const hasDetails = (error.details?.length ?? 0) > 0;
  return (
    <div className="error-box" role="alert" data-code={error.code}>
      <p className="error-title">
        <strong>{errorTitle(error.code)}</strong>
        <span className="visually-hidden"> (code {error.code})</span>
      </p>
      <p className="error-message">{error.message}</p>
      <p className="error-next">{errorNextStep(error.code)}</p>
      <div className="error-meta">
        {onRetry && (
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        )}
        <details className="error-details">
          <summary>Details</summary>
          <p>
            Code <code>{error.code}</code>
            {error.ref && <span>, reference <code>{error.ref}</code></span>}
          </p>
          {hasDetails && (
            <ul>
              {error.details?.map((detail) => (
                <li key={detail}>{detail}</li>
              ))}
            </ul>
          )}
        </details>
      </div>
    </div>
  );
}
