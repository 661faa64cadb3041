/**
 * Runs writes one after another, in the order they were started. Each caller gets its own write's
 * result or error; a failed write never blocks or fails the writes queued behind it.
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  // Queues `work` behind every write started before it; its own outcome is returned, the queue goes on either way.
  run<T>(work: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  // Settles once every write started so far has finished, whatever their outcome; it never rejects.
  async idle(): Promise<void> {
    await this.tail;
  }
}

/**
 * One WriteQueue per key: writes under the same key run one after another, writes under different
 * keys run side by side. A key's queue is dropped once its last write settles.
 */
export class KeyedWriteQueue {
  private readonly queues = new Map<string, { queue: WriteQueue; pending: number }>();

  // Queues `work` behind the writes started before it under the same key, with WriteQueue's failure behaviour.
  run<T>(key: string, work: () => Promise<T> | T): Promise<T> {
    const entry = this.queues.get(key) ?? { queue: new WriteQueue(), pending: 0 };
    this.queues.set(key, entry);
    entry.pending++;
    const run = entry.queue.run(work);
    const done = () => {
      entry.pending--;
      if (entry.pending === 0 && this.queues.get(key) === entry) this.queues.delete(key);
    };
    run.then(done, done);
    return run;
  }

  // How many keys have writes queued or running (a measure for tests and leaks).
  get size(): number {
    return this.queues.size;
  }
}
