/** Where a host writes what went wrong behind everyone's back; its own log, never a client. */
export type LastResortLog = (message: string, error: unknown) => void;

const defaultLog: LastResortLog = (message, error) => console.error(`[signet] ${message}:`, error);

// A long-running host (browser host, desktop shell) keeps serving when one request's bug escapes every handler; the error is logged, not sent to anyone.
export function keepServingOnUnexpectedErrors(host: string, log: LastResortLog = defaultLog): () => void {
  const onException = (error: unknown) => log(`${host} kept running after an uncaught exception`, error);
  const onRejection = (reason: unknown) => log(`${host} kept running after an unhandled rejection`, reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
