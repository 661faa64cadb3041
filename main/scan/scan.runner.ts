import { matchesGlob } from '../../shared/glob.ts';
import type { ChainReport, Verdict } from '../../shared/model/chain.model.ts';
import type { AttachmentKind, ManifestNode } from '../../shared/model/image-graph.model.ts';
import type { PolicyEvaluation } from '../../shared/model/policy.model.ts';
import type { CoverageClass, ScanImage, ScanProgress, StartScan } from '../../shared/model/scan.model.ts';
import { VerifyEngine, type VerifyOptions } from '../images/verify.engine.ts';
import { runPool } from '../platform/task-pool.ts';
import { sha256Digest } from '../registry/registry.client.ts';
import { tagKey, type SourceState, type TagState } from './scan-history.store.ts';
import { ATTACHMENT_TAG, ImageProbe, SharedReads, type ScanTarget } from './scan-target.source.ts';

/** A policy bound to one id, judging one pinned reference. */
export type PolicyJudge = (reference: string, insecure: boolean) => Promise<Pick<PolicyEvaluation, 'verdict' | 'admitted'>>;

export interface ScanRunOptions {
  scanId: string;
  input: StartScan;
  target: ScanTarget;
  trust: Omit<VerifyOptions, 'reference'>;
  /** The trust fingerprint; a remembered verdict reached under another one is never reused. */
  trustKey: string;
  policy: PolicyJudge | null;
  /** What the last scans of this source learnt; null checks everything afresh. */
  previous: SourceState | null;
  control: { cancelled: boolean };
  concurrency: number;
  now: () => Date;
  /** A remembered verdict older than this is checked again even when nothing moved (certificates and keys age). */
  maxReuseAgeMs: number;
  onProgress(progress: ScanProgress): void;
}

export interface ScanRunResult {
  images: ScanImage[];
  missing: string[];
  cancelled: boolean;
  /** Each tag checked or confirmed, with what its verdict depended on; null for one that must be checked again next time. */
  checked: Map<string, TagState | null>;
  /** The tags each repository listed: remembered tags that are gone are forgotten. */
  listed: Map<string, Set<string>>;
}

interface Task {
  repository: string;
  tag: string;
  /** Every tag of the repository, attachment tags included: an attachment not in it is absent, without asking. */
  tags: ReadonlySet<string>;
}

const COVERAGE: Record<Verdict, CoverageClass> = {
  verified: 'verified',
  failed: 'failing',
  revoked: 'revoked-or-expired',
  expired: 'revoked-or-expired',
  untrusted: 'untrusted',
  unsigned: 'unsigned',
  // A signature that cannot be checked with the configured trust (no trust store for its format) is not trusted.
  'not-checked': 'untrusted',
};

const FORMATS: Partial<Record<AttachmentKind, string>> = {
  'cosign-signature': 'cosign',
  'sigstore-bundle-signature': 'sigstore-bundle',
  'notation-signature': 'notation',
};

const PROGRESS_EVERY_MS = 200;

/**
 * One scan: lists repositories and tags, then checks every tag (and each platform manifest under
 * an index) with the verification engine in a bounded pool. A tag whose verdict was remembered
 * is first re-checked by its pointers alone (HEAD requests, and the tag list for attachment tags);
 * when none moved, the remembered verdict stands.
 */
export class ScanRunner {
  private readonly options: ScanRunOptions;
  private readonly shared: SharedReads;
  private readonly policyProblems: string[] = [];

  constructor(options: ScanRunOptions) {
    this.options = options;
    this.shared = new SharedReads(options.target.source);
  }

  async run(): Promise<ScanRunResult> {
    const { target, input, control } = this.options;
    const started = performance.now();
    const missing: string[] = [];
    const listed = new Map<string, Set<string>>();
    const progress = (phase: ScanProgress['phase'], done: number, total: number, current: string | null) =>
      this.options.onProgress({ scanId: this.options.scanId, phase, done, total, rate: done / Math.max((performance.now() - started) / 1000, 0.001), current });
    progress('listing', 0, 0, null);
    const named = input.source.kind === 'registry' ? input.source.repositories : null;
    const repositories = await target.repositories(named);
    const tasks: Task[] = [];
    let attempted = 0;
    await runPool(repositories, async (repository) => {
      attempted++;
      let tags: string[];
      try {
        tags = await target.listTags(repository);
      } catch (error) {
        missing.push(`${repository}: the tag list could not be read (${message(error)})`);
        return;
      }
      const all = new Set(tags);
      const images = tags.filter((t) => !ATTACHMENT_TAG.test(t) && matchesGlob(input.tagPattern, t)).sort();
      listed.set(repository, new Set(images));
      for (const tag of images) tasks.push({ repository, tag, tags: all });
    }, { concurrency: this.options.concurrency, stop: () => control.cancelled });
    tasks.sort((a, b) => a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
    const checked = new Map<string, TagState | null>();
    let done = 0;
    let lastEmit = 0;
    progress('checking', 0, tasks.length, tasks[0] ? `${tasks[0].repository}:${tasks[0].tag}` : null);
    const results = await runPool(tasks, async (task) => {
      const outcome = await this.check(task);
      checked.set(tagKey(task.repository, task.tag), outcome.state);
      done++;
      if (performance.now() - lastEmit >= PROGRESS_EVERY_MS) {
        lastEmit = performance.now();
        progress('checking', done, tasks.length, `${task.repository}:${task.tag}`);
      }
      return outcome.images;
    }, { concurrency: this.options.concurrency, stop: () => control.cancelled });
    const cancelled = control.cancelled && (done < tasks.length || attempted < repositories.length);
    if (cancelled && done < tasks.length) missing.push(`${tasks.length - done} of ${tasks.length} tags were not checked: the scan was cancelled`);
    if (attempted < repositories.length) missing.push(`${repositories.length - attempted} of ${repositories.length} repositories were not listed: the scan was cancelled`);
    missing.push(...this.policyProblems);
    progress('done', done, tasks.length, null);
    return { images: results.flatMap((r) => r ?? []), missing: missing.sort(), cancelled, checked, listed };
  }

  private async check(task: Task): Promise<{ images: ScanImage[]; state: TagState | null }> {
    const previous = this.options.previous?.entries[tagKey(task.repository, task.tag)];
    const known = new Map<string, string>();
    let digest: string | null = null;
    // Under other trust, or once it is too old, a verdict is reached again in full; payloads then come from the digest cache.
    if (previous && this.reusable(previous)) {
      try {
        const moved = await this.moved(task, previous, known);
        if (moved === false) return { images: previous.images.map((image) => ({ ...image, reused: true })), state: previous };
        digest = moved.digest;
      } catch {
        // The full check below reads again and says what failed.
      }
    }
    return this.verify(task, digest, known);
  }

  private reusable(previous: TagState): boolean {
    return reusableState(previous, this.options.trustKey, this.options.now(), this.options.maxReuseAgeMs);
  }

  // False when nothing the verdict depended on moved; otherwise the tag's digest now. HEADs read are kept in `known`.
  private async moved(task: Task, previous: TagState, known: Map<string, string>): Promise<false | { digest: string | null }> {
    const { target } = this.options;
    const pointers = Object.entries(previous.pointers);
    // The tag list already says which attachment tags came or went.
    if (pointers.some(([tag, was]) => task.tags.has(tag) !== (was !== null))) return { digest: null };
    const digest = await target.head(task.repository, task.tag);
    if (digest !== previous.digest) return { digest };
    const same = await Promise.all([
      ...pointers
        .filter(([, was]) => was !== null)
        .map(async ([tag, was]) => {
          const now = await target.head(task.repository, tag);
          if (now) known.set(tag, now);
          return now === was;
        }),
      ...Object.entries(previous.referrers).map(async ([manifest, was]) => {
        const bytes = await this.shared.referrers(task.repository, manifest);
        return (bytes ? sha256Digest(bytes) : null) === was;
      }),
    ]);
    return same.every(Boolean) ? false : { digest };
  }

  private async verify(task: Task, digest: string | null, known: Map<string, string>): Promise<{ images: ScanImage[]; state: TagState | null }> {
    const { target, trust, trustKey } = this.options;
    const probe = new ImageProbe(this.shared, task.tags, known);
    let report: ChainReport;
    try {
      report = await new VerifyEngine(probe).verify(task.repository, digest ?? task.tag, { reference: target.display(task.repository, task.tag), ...trust, now: this.options.now() });
    } catch (error) {
      return { images: [{ repository: task.repository, tag: task.tag, digest, platform: null, coverage: 'unreadable', policyVerdict: null, admitted: null, signers: [], formats: [], reason: `The image could not be read: ${message(error)}`, reused: false }], state: null };
    }
    const images = classify(task, report, probe.errors);
    const judged = this.options.policy ? await this.judge(task, images) : true;
    const state: TagState | null =
      probe.errors.length === 0 && judged
        ? { digest: report.graph.root.digest, pointers: probe.pointers, referrers: probe.referrerIndexes, trust: trustKey, checkedAt: this.options.now().toISOString(), holdsUntil: report.holdsUntil ?? null, images }
        : null;
    return { images, state };
  }

  // Each manifest is judged by the policy on its own digest; an image the policy could not judge keeps no verdict.
  private async judge(task: Task, images: ScanImage[]): Promise<boolean> {
    let all = true;
    for (const image of images) {
      if (!image.digest || image.coverage === 'unreadable') continue;
      try {
        const evaluation = await this.options.policy!(this.options.target.pinned(task.repository, image.digest), this.options.target.insecure);
        image.policyVerdict = evaluation.verdict;
        image.admitted = evaluation.admitted;
      } catch (error) {
        all = false;
        if (this.policyProblems.length < 5) this.policyProblems.push(`the policy verdict of ${task.repository}:${task.tag}${image.platform ? ` (${image.platform})` : ''} (${message(error)})`);
      }
    }
    return all;
  }
}

// A remembered verdict is reused only under the same trust, while young, readable, and before anything it rested on expires.
export function reusableState(previous: TagState, trustKey: string, now: Date, maxReuseAgeMs: number): boolean {
  const age = now.getTime() - Date.parse(previous.checkedAt);
  if (previous.holdsUntil === undefined) return false;
  if (previous.holdsUntil !== null && !(now.getTime() < Date.parse(previous.holdsUntil))) return false;
  return previous.trust === trustKey && age >= 0 && age < maxReuseAgeMs && previous.images.every((i) => i.coverage !== 'unreadable');
}

// Every manifest of the report becomes one row: the tagged one, then each platform manifest under it.
function classify(task: Task, report: ChainReport, errors: string[]): ScanImage[] {
  const nodes = new Map(report.nodes.map((n) => [n.id, n]));
  const row = (manifest: ManifestNode): ScanImage => {
    const node = nodes.get(manifest.digest);
    const verdict = node?.verdict ?? 'unsigned';
    const signatures = report.edges.filter((e) => e.from === manifest.digest && e.label === 'signed by').map((e) => nodes.get(e.to));
    const signers = signatures.filter((s) => s && (s.verdict === 'verified' || s.verdict === 'revoked' || s.verdict === 'expired')).map((s) => nodes.get(`${s!.id}/signer`)?.label);
    const formats = manifest.attachments.map((a) => FORMATS[a.kind]);
    let coverage = COVERAGE[verdict];
    let reason = node?.reason ?? 'No signature is attached to this manifest.';
    // Without a verified signature, a failed read means the class is not known.
    if (coverage !== 'verified' && errors.length > 0) {
      coverage = 'unreadable';
      reason = `Not everything attached could be read: ${errors[0]}`;
    }
    return {
      repository: task.repository,
      tag: task.tag,
      digest: manifest.digest,
      platform: manifest.platform ? `${manifest.platform.os}/${manifest.platform.architecture}${manifest.platform.variant ? `/${manifest.platform.variant}` : ''}` : null,
      coverage,
      policyVerdict: null,
      admitted: null,
      signers: unique(signers),
      formats: unique(formats),
      reason,
      reused: false,
    };
  };
  return [row(report.graph.root), ...report.graph.root.children.map(row)];
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort();
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
