import { z } from 'zod';
import { ScanImageSchema, ScanRecordSchema, ScanScheduleSchema, ScanSummarySchema, type ScanRecord, type ScanSchedule, type ScanSummary } from '../../shared/model/scan.model.ts';
import { SignetError } from '../errors.ts';
import { DataStore } from '../storage/data.store.ts';

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
 * Scans in the data store: one item per scan record, one index entry with its summary for the
 * history, the per-source state an incremental re-scan reuses, and the schedules; each change is
 * one transaction, so scans saved by several processes at once all land.
 */
export class ScanHistoryStore {
  private readonly store: DataStore;

  constructor(dataDir: string) {
    this.store = DataStore.for(dataDir);
  }

  // The record and its index entry commit together; the oldest go past the limit in the same transaction.
  async save(record: ScanRecord, scanKey: string): Promise<void> {
    const scanId = record.summary.scanId;
    if (!SCAN_ID.test(scanId)) throw new SignetError('BadInput', `${scanId} is not a scan id.`);
    await this.store.write((tx) => {
      tx.putItem('scan', scanId, JSON.stringify(record));
      tx.putItem('scan-index', scanId, JSON.stringify({ scanId, sourceKey: scanKey, summary: record.summary }));
      if (tx.countItems('scan-index') <= KEPT_SCANS) return;
      const index = parseIndex(tx.items('scan-index'));
      index.sort((a, b) => (a.summary.startedAt < b.summary.startedAt ? -1 : a.summary.startedAt > b.summary.startedAt ? 1 : a.scanId.localeCompare(b.scanId)));
      for (const old of index.slice(0, index.length - KEPT_SCANS)) {
        tx.deleteItem('scan', old.scanId);
        tx.deleteItem('scan-index', old.scanId);
      }
    });
  }

  async get(scanId: string): Promise<ScanRecord> {
    const text = SCAN_ID.test(scanId) ? await this.store.read((reader) => reader.item('scan', scanId), null) : null;
    if (text === null) throw new SignetError('NotFound', `No scan ${scanId}.`);
    const parsed = ScanRecordSchema.safeParse(parseJson(text));
    if (!parsed.success) throw new SignetError('Internal', `The record of scan ${scanId} in ${this.store.file} is damaged.`);
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
    return parseState(await this.store.read((reader) => reader.item('scan-state', sourceKey), null));
  }

  // Read, changed and written in one transaction, so two scans of one source (in any processes) both land.
  async updateState(sourceKey: string, change: (state: SourceState | null) => SourceState): Promise<void> {
    await this.store.write((tx) => {
      const next = change(parseState(tx.item('scan-state', sourceKey)));
      tx.putItem('scan-state', sourceKey, JSON.stringify(next));
    });
  }

  // Forgets what re-scans reuse, so the next scan of every source checks everything again.
  async forgetStates(): Promise<void> {
    await this.store.write((tx) => tx.deleteItems('scan-state'));
  }

  async schedules(): Promise<ScanSchedule[]> {
    const text = await this.store.read((reader) => reader.text('scan-schedules'), null);
    if (text === null) return [];
    const parsed = ScanScheduleSchema.array().safeParse(parseJson(text));
    if (!parsed.success) throw new SignetError('Conflict', `The scan schedules in ${this.store.file} (document "scan-schedules") are damaged; they cannot be read. Nothing was changed.`);
    return parsed.data;
  }

  async saveSchedules(schedules: ScanSchedule[]): Promise<void> {
    await this.store.write((tx) => tx.put('scan-schedules', schedules));
  }

  private async index(): Promise<IndexEntry[]> {
    return parseIndex(await this.store.read((reader) => reader.items('scan-index'), []));
  }
}

// An entry that cannot be read is left out of the history; its record stays and is still opened by id.
function parseIndex(items: { body: string }[]): IndexEntry[] {
  const index: IndexEntry[] = [];
  for (const item of items) {
    const parsed = IndexEntrySchema.safeParse(parseJson(item.body));
    if (parsed.success) index.push(parsed.data);
  }
  return index;
}

// A damaged state only costs a full re-check; it is never trusted.
function parseState(text: string | null): SourceState | null {
  if (text === null) return null;
  const parsed = SourceStateSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
