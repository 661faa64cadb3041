import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ScanImageSchema, ScanRecordSchema, ScanScheduleSchema, ScanSummarySchema, type ScanRecord, type ScanSchedule, type ScanSummary } from '../../shared/model/scan.model.ts';
import { SignetError } from '../errors.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';

export const SCAN_ID = /^scan-[0-9A-Za-z-]{1,58}$/;
/** As many as the history can be asked for; older records are deleted. */
const KEPT_SCANS = 1000;

/** What one tag's verdict depended on, so a re-scan can tell by a few HEAD requests whether it still holds. */
const TagStateSchema = z.object({
  /** The digest the tag named. */
  digest: z.string(),
  /** Each attachment tag looked for (of the manifest and its platform manifests) and the digest it named, or null. */
  pointers: z.record(z.string(), z.string().nullable()),
  /** Each manifest's referrers index, by the digest of its bytes, or null when it had none. */
  referrers: z.record(z.string(), z.string().nullable()),
  /** The trust fingerprint the verdict was reached under. */
  trust: z.string(),
  checkedAt: z.iso.datetime(),
  /** Until when the verdict holds by time alone (the report's holdsUntil); a state without it is never reused. */
  holdsUntil: z.iso.datetime().nullable().optional(),
  images: z.array(ScanImageSchema),
});
export type TagState = z.infer<typeof TagStateSchema>;

const SourceStateSchema = z.object({ source: z.string(), entries: z.record(z.string(), TagStateSchema) });
export type SourceState = z.infer<typeof SourceStateSchema>;

/** sourceKey: what scans compare against each other (source, repositories, tag pattern and policy). */
const IndexEntrySchema = z.object({ scanId: z.string(), sourceKey: z.string(), summary: ScanSummarySchema });
type IndexEntry = z.infer<typeof IndexEntrySchema>;

// One key per tag in the state file; a newline cannot occur in a repository or a tag.
export function tagKey(repository: string, tag: string): string {
  return `${repository}\n${tag}`;
}

/**
 * Scans on disk: one crash-safe file per scan (scans/<scanId>.json), an index of their summaries
 * for the history (rebuilt from the files when it is missing or behind), the per-source state an
 * incremental re-scan reuses, and the schedules.
 */
export class ScanHistoryStore {
  private readonly dir: string;
  private readonly indexFile: string;
  private readonly schedulesFile: string;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'scans');
    this.indexFile = join(this.dir, 'index.json');
    this.schedulesFile = join(this.dir, 'schedules.json');
  }

  // The record first, then the index: a crash in between leaves a record the history still finds. The oldest go past the limit.
  async save(record: ScanRecord, scanKey: string): Promise<void> {
    await writeFileAtomic(this.recordFile(record.summary.scanId), JSON.stringify(record));
    await this.serialise(async () => {
      const index = (await this.index()).filter((e) => e.scanId !== record.summary.scanId);
      index.push({ scanId: record.summary.scanId, sourceKey: scanKey, summary: record.summary });
      index.sort((a, b) => (a.summary.startedAt < b.summary.startedAt ? -1 : a.summary.startedAt > b.summary.startedAt ? 1 : a.scanId.localeCompare(b.scanId)));
      const dropped = index.splice(0, Math.max(0, index.length - KEPT_SCANS));
      await writeFileAtomic(this.indexFile, JSON.stringify(index));
      for (const old of dropped) await rm(this.recordFile(old.scanId), { force: true });
    });
  }

  async get(scanId: string): Promise<ScanRecord> {
    const text = SCAN_ID.test(scanId) ? await readFileIfExists(this.recordFile(scanId)) : null;
    if (text === null) throw new SignetError('NotFound', `No scan ${scanId}.`);
    const parsed = ScanRecordSchema.safeParse(parseJson(text));
    if (!parsed.success) throw new SignetError('Internal', `The record of scan ${scanId} is damaged.`);
    return parsed.data;
  }

  // Newest first.
  async list(limit: number): Promise<ScanSummary[]> {
    return (await this.index())
      .sort((a, b) => (a.summary.startedAt < b.summary.startedAt ? 1 : a.summary.startedAt > b.summary.startedAt ? -1 : b.scanId.localeCompare(a.scanId)))
      .slice(0, limit)
      .map((e) => e.summary);
  }

  // The latest finished scan of the same source, pattern and policy before the one named, to compare coverage with.
  async previous(scanKey: string, beforeScanId: string): Promise<ScanSummary | null> {
    const index = await this.index();
    const before = index.find((e) => e.scanId === beforeScanId)?.summary.startedAt ?? '9999';
    const earlier = index.filter((e) => e.sourceKey === scanKey && e.scanId !== beforeScanId && !e.summary.cancelled && e.summary.startedAt <= before);
    return earlier.sort((a, b) => (a.summary.startedAt < b.summary.startedAt ? 1 : a.summary.startedAt > b.summary.startedAt ? -1 : b.scanId.localeCompare(a.scanId)))[0]?.summary ?? null;
  }

  async loadState(sourceKey: string): Promise<SourceState | null> {
    const text = await readFileIfExists(this.stateFile(sourceKey));
    if (text === null) return null;
    const parsed = SourceStateSchema.safeParse(parseJson(text));
    // A damaged state only costs a full re-check; it is never trusted.
    return parsed.success ? parsed.data : null;
  }

  // Read, changed and written under one lock, so two scans of one source both land.
  async updateState(sourceKey: string, change: (state: SourceState | null) => SourceState): Promise<void> {
    await this.serialise(async () => {
      const next = change(await this.loadState(sourceKey));
      await writeFileAtomic(this.stateFile(sourceKey), JSON.stringify(next));
    });
  }

  async schedules(): Promise<ScanSchedule[]> {
    const text = await readFileIfExists(this.schedulesFile);
    if (text === null) return [];
    const parsed = ScanScheduleSchema.array().safeParse(parseJson(text));
    if (!parsed.success) throw new SignetError('Internal', `${this.schedulesFile} is damaged; the schedules cannot be read. Nothing was changed.`);
    return parsed.data;
  }

  async saveSchedules(schedules: ScanSchedule[]): Promise<void> {
    await this.serialise(() => writeFileAtomic(this.schedulesFile, `${JSON.stringify(schedules, null, 2)}\n`));
  }

  private async index(): Promise<IndexEntry[]> {
    const parsed = IndexEntrySchema.array().safeParse(parseJson((await readFileIfExists(this.indexFile)) ?? '[]'));
    const index = parsed.success ? parsed.data : [];
    // Records the index does not list (a crash after the record was written, or a damaged index) are read back from their files.
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return index;
    }
    const listed = new Set(index.map((e) => e.scanId));
    for (const name of names) {
      const scanId = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !SCAN_ID.test(scanId) || listed.has(scanId)) continue;
      const record = await this.get(scanId).catch(() => null);
      // Such a record's own key is not known; its source in words stands in for it.
      if (record) index.push({ scanId, sourceKey: record.summary.source, summary: record.summary });
    }
    return index;
  }

  private recordFile(scanId: string): string {
    return join(this.dir, `${scanId}.json`);
  }

  private stateFile(sourceKey: string): string {
    return join(this.dir, 'state', `${createHash('sha256').update(sourceKey).digest('hex').slice(0, 32)}.json`);
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work);
    this.writing = run.catch(() => undefined);
    return run;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
