import { SignetError } from '../errors.ts';
import type { Fetched } from '../registry/registry.client.ts';
import type { ImageSource } from './image-source.types.ts';

/** How much one verification may read before it stops and says the image is too large to verify. */
export interface VerifyLimits {
  /** Registry or layout reads (manifests, tags, referrers lists, blobs). */
  requests: number;
  /** Bytes of documents and blobs read, all together. */
  bytes: number;
  /** Manifests and attachments in the graph, all together. */
  nodes: number;
  /** Referrers listed for any one manifest. */
  referrersPerManifest: number;
  /** Wall-clock time for the whole verification, in milliseconds. */
  timeMs: number;
}

/** Enough for real images (multi-arch indexes with signatures, attestations and SBOMs per platform), far below what exhausts a host. */
export const DEFAULT_VERIFY_LIMITS: VerifyLimits = { requests: 2000, bytes: 50 * 1024 * 1024, nodes: 500, referrersPerManifest: 64, timeMs: 60_000 };

const NAMES: Record<keyof VerifyLimits, (value: number) => string> = {
  requests: (v) => `requests, ${v}`,
  bytes: (v) => `bytes read, ${v} (${Math.round(v / 1024 / 1024)} MiB)`,
  nodes: (v) => `manifests and attachments, ${v}`,
  referrersPerManifest: (v) => `referrers of one manifest, ${v}`,
  timeMs: (v) => `time, ${v / 1000} s`,
};

/** Thrown where a budget runs out; the verification then fails closed with this message as its reason. */
export class TooLargeToVerify extends SignetError {
  constructor(message: string) {
    super('BadInput', message);
  }
}

/** The counters of one verification: discovery and signature checks draw on the same budget. */
export class VerifyBudget {
  readonly limits: VerifyLimits;
  private readonly deadline: number;
  private requests = 0;
  private bytes = 0;
  private nodes = 0;
  /** The first budget that ran out, in words; null while all hold. */
  exceeded: string | null = null;

  constructor(limits: Partial<VerifyLimits> = {}) {
    this.limits = { ...DEFAULT_VERIFY_LIMITS, ...definedOnly(limits) };
    this.deadline = Date.now() + this.limits.timeMs;
  }

  // Each read is counted before it is sent: past the budget, nothing more is asked of the source.
  request(): void {
    this.checkTime();
    if (++this.requests > this.limits.requests) this.fail('requests');
  }

  read(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.limits.bytes) this.fail('bytes');
  }

  node(): void {
    if (++this.nodes > this.limits.nodes) this.fail('nodes');
  }

  // A manifest with more referrers than the budget allows is refused as a whole: checking only some would hide the rest.
  referrers(count: number): void {
    if (count > this.limits.referrersPerManifest) this.fail('referrersPerManifest');
  }

  checkTime(): void {
    if (Date.now() >= this.deadline) this.fail('timeMs');
  }

  // The error a read gets when the clock runs out while it waits.
  timeUp(): TooLargeToVerify {
    try {
      return this.fail('timeMs');
    } catch (error) {
      return error as TooLargeToVerify;
    }
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  private fail(which: keyof VerifyLimits): never {
    const message = `too large to verify: ${NAMES[which](this.limits[which])}`;
    this.exceeded ??= message;
    throw new TooLargeToVerify(message);
  }
}

function definedOnly(limits: Partial<VerifyLimits>): Partial<VerifyLimits> {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => typeof value === 'number' && Number.isFinite(value) && value > 0));
}

/** A source whose every read draws on a verification's budget and ends when its time does. */
export class BudgetedSource implements ImageSource {
  readonly name: string;
  private readonly inner: ImageSource;
  private readonly budget: VerifyBudget;

  constructor(inner: ImageSource, budget: VerifyBudget) {
    this.inner = inner;
    this.budget = budget;
    this.name = inner.name;
  }

  getManifest(repository: string, reference: string): Promise<Fetched> {
    return this.counted(() => this.inner.getManifest(repository, reference), (f) => f.bytes.length);
  }

  getBlob(repository: string, digest: string, maxBytes?: number): Promise<Buffer> {
    return this.counted(() => this.inner.getBlob(repository, digest, maxBytes), (b) => b.length);
  }

  tryManifest(repository: string, tag: string): Promise<Fetched | null> {
    return this.counted(() => this.inner.tryManifest(repository, tag), (f) => f?.bytes.length ?? 0);
  }

  referrers(repository: string, digest: string): Promise<Buffer | null> {
    return this.counted(() => this.inner.referrers(repository, digest), (b) => b?.length ?? 0);
  }

  listTags(repository: string): Promise<string[]> {
    return this.counted(() => this.inner.listTags(repository), (tags) => tags.reduce((sum, tag) => sum + tag.length, 0));
  }

  // Counted before it is sent; the read races the budget's clock, and one still running when time is up is left to its own timeout, its answer ignored.
  private async counted<T>(start: () => Promise<T>, size: (value: T) => number): Promise<T> {
    this.budget.request();
    const pending = start();
    pending.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(this.budget.timeUp()), this.budget.remainingMs());
      timer.unref();
    });
    outOfTime.catch(() => undefined);
    try {
      const value = await Promise.race([pending, outOfTime]);
      this.budget.read(size(value));
      return value;
    } finally {
      clearTimeout(timer);
    }
  }
}
