import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Policy, PolicyEvaluation } from '../../shared/model/policy.model.ts';
import { COVERAGE_WORDS, CoverageClassSchema, StartScanSchema, type CoverageClass, type ScanAlert, type ScanDiff, type ScanProgress, type ScanRecord, type ScanSchedule, type ScanSummary, type StartScan } from '../../shared/model/scan.model.ts';
import type { Settings } from '../../shared/model/settings.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { AuditRecord } from '../audit/audit.log.ts';
import { SignetError } from '../errors.ts';
import type { VerifyOptions } from '../images/verify.engine.ts';
import type { CredentialSource } from '../registry/registry.client.ts';
import { diffScans } from './scan-diff.ts';
import { exportScan } from './scan-export.format.ts';
import { ScanHistoryStore } from './scan-history.store.ts';
import { ScanRunner } from './scan.runner.ts';
import { realTimers, ScanScheduler, type ScanTimers } from './scan.scheduler.ts';
import { layoutTarget, registryTarget, type ScanTarget } from './scan-target.source.ts';
import { trustFingerprint } from './trust-fingerprint.ts';

/** The policy side a scan needs: the policy itself (its fingerprint) and a verdict on one pinned image. */
export interface ScanPolicies {
  get(policyId: string): Promise<Policy>;
  evaluate(policyId: string, reference: string, insecure: boolean): Promise<PolicyEvaluation>;
}

export interface ScanServiceDeps {
  dataDir: string;
  settings: { get(): Promise<Settings> };
  /** The verification trust every inspection uses (ImagesService.trustOptions). */
  images: { trustOptions(host: HostKind): Promise<Omit<VerifyOptions, 'reference'>> };
  policies: ScanPolicies;
  credentials: CredentialSource;
  audit: { append(record: AuditRecord): Promise<unknown> };
  /** Who runs scheduled scans, for the audit log. */
  host: HostKind;
  onProgress(progress: ScanProgress): void;
  onAlert(alert: ScanAlert): void;
  now?: () => Date;
  /** Whether schedules run in this process; a one-shot CLI command leaves them to the app. */
  runSchedules?: boolean;
  timers?: ScanTimers;
  /** Images checked at once, and the registry connections to match. */
  concurrency?: number;
  maxReuseAgeMs?: number;
}

const DEFAULT_CONCURRENCY = 16;
const DAY = 24 * 60 * 60 * 1000;

/** Registry-wide signature coverage: scans, their history, diffs, exports and scheduled re-scans. */
export class ScanService {
  private readonly deps: ScanServiceDeps;
  private readonly store: ScanHistoryStore;
  private readonly now: () => Date;
  private readonly running = new Map<string, { control: { cancelled: boolean }; done: Promise<unknown> }>();
  private readonly scheduler: ScanScheduler;
  private readonly armed: Promise<void>;

  constructor(deps: ScanServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
    this.store = new ScanHistoryStore(deps.dataDir);
    this.scheduler = new ScanScheduler((schedule) => this.runSchedule(schedule), deps.timers ?? realTimers);
    // A damaged schedules file arms nothing; asking for the schedules then says what is wrong.
    this.armed = deps.runSchedules ? this.store.schedules().then((list) => this.scheduler.arm(list), () => undefined) : Promise.resolve();
  }

  async start(input: StartScan, host: HostKind): Promise<ScanSummary> {
    return this.scan(input, host);
  }

  // In-flight images finish; what was checked is kept as a partial result.
  cancel(scanId: string): { cancelled: boolean } {
    const running = this.running.get(scanId);
    if (!running || running.control.cancelled) return { cancelled: false };
    running.control.cancelled = true;
    return { cancelled: true };
  }

  async history(limit: number): Promise<ScanSummary[]> {
    return this.store.list(limit);
  }

  async get(scanId: string): Promise<ScanRecord> {
    return this.store.get(scanId);
  }

  async diff(from: string, to: string): Promise<ScanDiff> {
    const [before, after] = await Promise.all([this.store.get(from), this.store.get(to)]);
    return diffScans(before, after);
  }

  async export(scanId: string, format: 'csv' | 'json' | 'html'): Promise<{ filename: string; mediaType: string; text: string }> {
    return exportScan(await this.store.get(scanId), format);
  }

  async schedules(): Promise<ScanSchedule[]> {
    return this.store.schedules();
  }

  // Every source and policy named must exist now, so a schedule never fails for a typo days later.
  async schedule(schedules: ScanSchedule[]): Promise<ScanSchedule[]> {
    const ids = new Set<string>();
    const settings = await this.deps.settings.get();
    for (const schedule of schedules) {
      if (ids.has(schedule.id)) throw new SignetError('BadInput', `Two schedules are called ${schedule.id}.`);
      ids.add(schedule.id);
      this.target(StartScanSchema.parse(schedule.scan), settings);
      if (schedule.scan.policyId) await this.deps.policies.get(schedule.scan.policyId);
    }
    const parsed = schedules.map((s) => ({ ...s, scan: StartScanSchema.parse(s.scan) }));
    await this.store.saveSchedules(parsed);
    if (this.deps.runSchedules) this.scheduler.arm(parsed);
    await this.deps.audit.append({ host: this.deps.host, action: 'scan.schedulesSet', subject: null, details: { schedules: parsed.map((s) => `${s.id}: ${describeSource(s.scan)} every ${s.everyMinutes} min`) } });
    return parsed;
  }

  // Runs a schedule now, as its timer would; false when that schedule is already running or unknown.
  async runScheduleNow(scheduleId: string): Promise<boolean> {
    await this.armed;
    return this.scheduler.fire(scheduleId);
  }

  // Timers stop, running scans are cancelled and waited for, so their partial results are on disk before the app exits.
  async close(): Promise<void> {
    await this.armed;
    for (const { control } of this.running.values()) control.cancelled = true;
    await this.scheduler.close();
    await Promise.all([...this.running.values()].map((r) => r.done.catch(() => undefined)));
  }

  private async scan(raw: StartScan, host: HostKind, scheduleId: string | null = null): Promise<ScanSummary> {
    const input = StartScanSchema.parse(raw);
    const settings = await this.deps.settings.get();
    const concurrency = this.deps.concurrency ?? DEFAULT_CONCURRENCY;
    const target = this.target(input, settings, concurrency);
    const policy = input.policyId ? await this.deps.policies.get(input.policyId) : null;
    const trust = await this.deps.images.trustOptions(host);
    const started = this.now();
    const trustKey = trustFingerprint(trust, settings.trust, policy, started);
    const stateKey = `${input.source.kind}:${input.source.name}`;
    const previous = input.incremental ? await this.store.loadState(stateKey) : null;
    const scanId = `scan-${started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`;
    const control = { cancelled: false };
    const work = (async () => {
      const result = await new ScanRunner({
        scanId,
        input,
        target,
        trust,
        trustKey,
        policy: policy ? (reference, insecure) => this.deps.policies.evaluate(policy.id, reference, insecure) : null,
        previous,
        control,
        concurrency,
        now: this.now,
        maxReuseAgeMs: this.deps.maxReuseAgeMs ?? DAY,
        onProgress: (progress) => this.deps.onProgress(progress),
      }).run();
      const counts = Object.fromEntries(CoverageClassSchema.options.map((c) => [c, 0])) as Record<CoverageClass, number>;
      for (const image of result.images) counts[image.coverage]++;
      const total = result.images.length;
      const summary: ScanSummary = {
        scanId,
        source: describeSource(input),
        policyId: input.policyId,
        startedAt: started.toISOString(),
        finishedAt: this.now().toISOString(),
        counts,
        total,
        coverage: total === 0 ? 0 : counts.verified / total,
        missing: result.missing,
        cancelled: result.cancelled,
        requests: target.requests(),
      };
      await this.store.save({ summary, images: result.images }, scanKey(input));
      await this.store.updateState(stateKey, (state) => {
        const entries = { ...(state?.entries ?? {}) };
        for (const key of Object.keys(entries)) {
          const cut = key.indexOf('\n');
          const tags = result.listed.get(key.slice(0, cut));
          if (tags && !tags.has(key.slice(cut + 1))) delete entries[key];
        }
        for (const [key, tagState] of result.checked) {
          if (tagState) entries[key] = tagState;
          else delete entries[key];
        }
        return { source: stateKey, entries };
      });
      await this.deps.audit.append({
        host,
        action: 'scan.run',
        subject: scanId,
        details: { source: summary.source, policyId: summary.policyId, scheduleId, total, verified: counts.verified, cancelled: summary.cancelled, missing: summary.missing.length, requests: summary.requests },
      });
      return summary;
    })();
    this.running.set(scanId, { control, done: work });
    try {
      return await work;
    } finally {
      this.running.delete(scanId);
    }
  }

  private target(input: StartScan, settings: Settings, concurrency = DEFAULT_CONCURRENCY): ScanTarget {
    const { source } = input;
    if (source.kind === 'layout') {
      const layout = settings.layouts.find((l) => l.name === source.name);
      if (!layout) throw new SignetError('NotFound', `No layout named ${source.name} is configured.`);
      return layoutTarget(layout);
    }
    const registry = settings.registries.find((r) => r.name === source.name);
    if (!registry) throw new SignetError('NotFound', `No registry named ${source.name} is configured.`);
    return registryTarget(registry, { credentials: this.deps.credentials, cacheDir: join(this.deps.dataDir, 'cache'), concurrency, cleartextHosts: settings.cleartextCredentialHosts });
  }

  // A scheduled scan is compared with the previous one of the same source; a drop or a new signer raises an alert.
  private async runSchedule(schedule: ScanSchedule): Promise<void> {
    const summary = await this.scan(schedule.scan, this.deps.host, schedule.id);
    if (summary.cancelled) return;
    const previous = await this.store.previous(scanKey(StartScanSchema.parse(schedule.scan)), summary.scanId);
    if (!previous) return;
    const alert = alertFor(diffScans(await this.store.get(previous.scanId), await this.store.get(summary.scanId)), previous, summary);
    if (alert) this.deps.onAlert({ scanId: summary.scanId, scheduleId: schedule.id, ...alert });
  }
}

// What makes two scans comparable: the same source, repositories, tag pattern and policy.
function scanKey(input: StartScan): string {
  const repositories = input.source.kind === 'registry' && input.source.repositories ? [...input.source.repositories].sort().join('\n') : '';
  const hash = createHash('sha256').update(repositories).digest('hex').slice(0, 16);
  return `${input.source.kind}:${input.source.name}|${repositories ? hash : 'all'}|${input.tagPattern}|${input.policyId ?? ''}`;
}

// The source in words, as history and reports show it.
function describeSource(input: StartScan): string {
  const { source } = input;
  const tags = input.tagPattern === '*' ? '' : `, tags ${input.tagPattern}`;
  if (source.kind === 'layout') return `layout ${source.name}${tags}`;
  if (!source.repositories) return `registry ${source.name}${tags}`;
  const shown = source.repositories.slice(0, 3).join(', ');
  return `registry ${source.name}: ${shown}${source.repositories.length > 3 ? ` and ${source.repositories.length - 3} more` : ''}${tags}`;
}

// Words for a notification: how far coverage fell, which images lost their verification, whose signer changed.
function alertFor(diff: ScanDiff, previous: ScanSummary, current: ScanSummary): { title: string; body: string } | null {
  const lost = diff.coverageChanged.filter((c) => c.before === 'verified');
  const dropped = current.coverage < previous.coverage - 1e-9;
  if (!dropped && lost.length === 0 && diff.signerChanged.length === 0) return null;
  const name = (i: { repository: string; tag: string; platform: string | null }) => `${i.repository}:${i.tag}${i.platform ? ` (${i.platform})` : ''}`;
  const lines: string[] = [];
  if (dropped || lost.length) lines.push(`Signed and verified: ${percent(previous.coverage)} before, ${percent(current.coverage)} now.`);
  if (lost.length) lines.push(`No longer verified (${lost.length}): ${lost.slice(0, 5).map((c) => `${name(c)} is now ${COVERAGE_WORDS[c.after]}`).join('; ')}${lost.length > 5 ? '; …' : ''}`);
  if (diff.signerChanged.length) lines.push(`Signer changed (${diff.signerChanged.length}): ${diff.signerChanged.slice(0, 5).map((c) => `${name(c)}: ${c.before.join(', ')} → ${c.after.join(', ')}`).join('; ')}${diff.signerChanged.length > 5 ? '; …' : ''}`);
  if (current.counts.unreadable > 0) lines.push(`${current.counts.unreadable} image(s) could not be read.`);
  const title = dropped || lost.length ? `Signature coverage dropped: ${current.source}` : `Signer changed: ${current.source}`;
  return { title, body: lines.join('\n') };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
