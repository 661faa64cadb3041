import type { ScanSchedule } from '../../shared/model/scan.model.ts';

/** How the scheduler waits; tests hand in one they fire themselves. */
export interface ScanTimers {
  after(ms: number, callback: () => void): { clear(): void };
}

// Real timers never keep the process alive: the app decides when it quits, not a pending scan.
export const realTimers: ScanTimers = {
  after: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return { clear: () => clearTimeout(timer) };
  },
};

/**
 * One timer per schedule, re-armed after each run finishes; a schedule whose previous run is still
 * going is skipped rather than started twice.
 */
export class ScanScheduler {
  private readonly timers: ScanTimers;
  private readonly runOne: (schedule: ScanSchedule) => Promise<void>;
  private readonly armed = new Map<string, { clear(): void }>();
  private readonly running = new Map<string, Promise<void>>();
  private schedules = new Map<string, ScanSchedule>();
  private closed = false;

  constructor(runOne: (schedule: ScanSchedule) => Promise<void>, timers: ScanTimers = realTimers) {
    this.runOne = runOne;
    this.timers = timers;
  }

  // Replaces every timer; a run in progress finishes and then follows the new schedule, if it is still there.
  arm(schedules: ScanSchedule[]): void {
    for (const timer of this.armed.values()) timer.clear();
    this.armed.clear();
    this.schedules = new Map(schedules.map((s) => [s.id, s]));
    if (this.closed) return;
    for (const schedule of schedules) this.wait(schedule.id);
  }

  // Runs a schedule now; false when it is already running (or unknown, or the scheduler is closed).
  async fire(id: string): Promise<boolean> {
    const schedule = this.schedules.get(id);
    if (!schedule || this.closed || this.running.has(id)) return false;
    this.armed.get(id)?.clear();
    this.armed.delete(id);
    const run = this.runOne(schedule)
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(id);
        this.wait(id);
      });
    this.running.set(id, run);
    await run;
    return true;
  }

  // Timers stop at once; runs in progress are waited for (their owner cancels them first).
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.armed.values()) timer.clear();
    this.armed.clear();
    await Promise.all(this.running.values());
  }

  private wait(id: string): void {
    const schedule = this.schedules.get(id);
    if (!schedule || this.closed || this.armed.has(id) || this.running.has(id)) return;
    this.armed.set(
      id,
      this.timers.after(schedule.everyMinutes * 60_000, () => {
        this.armed.delete(id);
        void this.fire(id);
      }),
    );
  }
}
