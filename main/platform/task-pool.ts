/**
 * A bounded pool: at most `concurrency` tasks run at once (at least one), each worker taking the next
 * item in order until none is left.
 *
 * Failure behaviour, the same for every caller:
 * - `runPool` stops early: after the first task fails no further task starts, the tasks already
 *   running finish, and then the first error (the first to happen) is thrown.
 * - `settlePool` runs every task and reports: it never throws; each item's outcome says whether its
 *   task returned, failed, or never started.
 * In both, `stop` is asked before each task starts; once it says true no further task starts and
 * the tasks already running finish (cancellation). Results come back in item order.
 */
export interface PoolOptions {
  /** How many tasks may run at once; below one counts as one. */
  concurrency: number;
  /** Asked before each task starts; true means start no more (the running ones finish). */
  stop?: () => boolean;
}

/** What became of one item's task in `settlePool`. */
export type TaskOutcome<R> = { status: 'done'; value: R } | { status: 'failed'; error: unknown } | { status: 'skipped' };

type Work<T, R> = (item: T, index: number) => Promise<R>;

// Stops early: the first failure keeps new tasks from starting and is thrown once the running ones finish.
export function runPool<T, R>(items: readonly T[], work: Work<T, R>, options: { concurrency: number; stop?: undefined }): Promise<R[]>;
// With a stop predicate an item whose task never started has no result.
export function runPool<T, R>(items: readonly T[], work: Work<T, R>, options: PoolOptions): Promise<(R | undefined)[]>;
export async function runPool<T, R>(items: readonly T[], work: Work<T, R>, options: PoolOptions): Promise<(R | undefined)[]> {
  const { outcomes, firstFailure } = await drive(items, work, options, true);
  if (firstFailure) throw firstFailure.error;
  return outcomes.map((outcome) => (outcome.status === 'done' ? outcome.value : undefined));
}

// Runs every task (unless `stop` ends it) and reports each outcome; it never throws.
export async function settlePool<T, R>(items: readonly T[], work: Work<T, R>, options: PoolOptions): Promise<TaskOutcome<R>[]> {
  return (await drive(items, work, options, false)).outcomes;
}

async function drive<T, R>(items: readonly T[], work: Work<T, R>, options: PoolOptions, stopOnFailure: boolean): Promise<{ outcomes: TaskOutcome<R>[]; firstFailure: { error: unknown } | null }> {
  const outcomes: TaskOutcome<R>[] = items.map(() => ({ status: 'skipped' }));
  let firstFailure: { error: unknown } | null = null;
  let next = 0;
  const stopped = () => (stopOnFailure && firstFailure !== null) || options.stop?.() === true;
  const worker = async () => {
    while (next < items.length && !stopped()) {
      const index = next++;
      try {
        outcomes[index] = { status: 'done', value: await work(items[index]!, index) };
      } catch (error) {
        outcomes[index] = { status: 'failed', error };
        firstFailure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, worker));
  return { outcomes, firstFailure };
}
