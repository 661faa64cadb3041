import { createHash } from 'node:crypto';
import { mkdir, open, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditEntrySchema, type AuditEntry, type AuditVerification } from '../../shared/model/audit.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import { SignetError } from '../errors.ts';
import { readFileIfExists } from '../storage/atomic-file.ts';
import { canonicalJson } from './canonical-json.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';

const GENESIS = '0'.repeat(64);

/** Signs and checks checkpoints; the audit key lives with the software keys, sealed by the keychain. */
export interface AuditSigner {
  fingerprint(): Promise<string>;
  sign(message: Buffer): Promise<Buffer>;
  verify(message: Buffer, signature: Buffer, fingerprint: string): Promise<boolean>;
}

export interface AuditRecord {
  host: HostKind;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

// The hash of an entry covers everything in it but the hash, chained to the entry before.
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}

function checkpointMessage(upTo: number, chainHash: string): Buffer {
  return Buffer.from(`signet-audit-checkpoint:${upTo}:${chainHash}`);
}

interface Pending {
  record: AuditRecord;
  resolve: (entry: AuditEntry) => void;
  reject: (error: unknown) => void;
}

/**
 * An append-only JSON-lines log in which each entry carries the hash of the one before, every
 * write is fsynced before it is acknowledged, and checkpoints are signed by the audit key.
 * Concurrent appends are committed together under one fsync.
 */
export class AuditLog {
  readonly file: string;
  private readonly signer: AuditSigner | null;
  private readonly checkpointEvery: number;
  private readonly now: () => Date;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private tail: { seq: number; hash: string } | null = null;
  private handle: FileHandle | null = null;
  private sinceCheckpoint = 0;

  constructor(dataDir: string, options: { signer?: AuditSigner; checkpointEvery?: number; now?: () => Date } = {}) {
    this.file = join(dataDir, 'audit', 'audit.jsonl');
    this.signer = options.signer ?? null;
    this.checkpointEvery = options.checkpointEvery ?? 256;
    this.now = options.now ?? (() => new Date());
  }

  // Resolves once the entry is on disk; a failed write rejects every entry of its batch.
  append(record: AuditRecord): Promise<AuditEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  // Writes a signed checkpoint now, whatever the count since the last one.
  async checkpoint(host: HostKind): Promise<AuditEntry> {
    if (!this.signer) throw new SignetError('Unavailable', 'No audit key is configured, so checkpoints cannot be signed.');
    return this.append({ host, action: 'audit.checkpoint', subject: null, details: {} });
  }

  // Clears the running flag in the same step that sees the queue empty, so no append is ever left waiting.
  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const entries = await this.writeBatch(batch.map((p) => p.record));
          batch.forEach((pending, index) => pending.resolve(entries[index]!));
        } catch (error) {
          this.tail = null;
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async writeBatch(records: AuditRecord[]): Promise<AuditEntry[]> {
    let previous = this.tail ?? (await this.readTail());
    const written: AuditEntry[] = [];
    const make = (record: AuditRecord, details: Record<string, unknown>): AuditEntry => {
      const body = { seq: previous.seq + 1, time: this.now().toISOString(), host: record.host, action: record.action, subject: record.subject, details, prev: previous.hash };
      const entry = { ...body, hash: entryHash(body) };
      written.push(entry);
      previous = { seq: entry.seq, hash: entry.hash };
      return entry;
    };
    const checkpoint = async (host: HostKind): Promise<AuditEntry> => {
      const signer = this.signer!;
      const signature = await signer.sign(checkpointMessage(previous.seq, previous.hash));
      this.sinceCheckpoint = 0;
      return make(
        { host, action: 'audit.checkpoint', subject: null, details: {} },
        { upTo: previous.seq, chainHash: previous.hash, keyFingerprint: await signer.fingerprint(), signature: signature.toString('base64') },
      );
    };
    const results: AuditEntry[] = [];
    for (const record of records) {
      if (record.action === 'audit.checkpoint') {
        results.push(await checkpoint(record.host));
        continue;
      }
      results.push(make(record, record.details));
      this.sinceCheckpoint++;
      if (this.signer && this.sinceCheckpoint >= this.checkpointEvery) await checkpoint(record.host);
    }
    const handle = await this.openForAppend();
    try {
      await handle.write(written.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await handle.sync();
    } catch (error) {
      await this.closeHandle();
      throw error;
    }
    this.tail = previous;
    return results;
  }

  // The file stays open between batches: opening it costs more than the write it carries.
  private async openForAppend(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(join(this.file, '..'), { recursive: true, mode: 0o700 });
    this.handle = await open(this.file, 'a', 0o600);
    return this.handle;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    this.tail = null;
    await handle?.close().catch(() => undefined);
  }

  // Waits for pending entries and closes the file.
  async close(): Promise<void> {
    await this.flushing;
    await this.closeHandle();
  }

  // Finds the last complete entry; a torn last line (a crash mid-write) is kept aside and cut off.
  private async readTail(): Promise<{ seq: number; hash: string }> {
    const text = await readFileIfExists(this.file);
    if (text === null || text.length === 0) return { seq: 0, hash: GENESIS };
    if (!text.endsWith('\n')) {
      const cut = text.lastIndexOf('\n') + 1;
      const aside = `${this.file}.torn-${Date.now()}`;
      const handle = await open(aside, 'wx', 0o600);
      await handle.writeFile(text.slice(cut));
      await handle.sync();
      await handle.close();
      await truncate(this.file, cut);
      return this.readTail();
    }
    const lines = text.trimEnd().split('\n');
    const last = AuditEntrySchema.safeParse(parseJsonOrUndefined(lines.at(-1) ?? ''));
    if (!last.success) throw new SignetError('Conflict', `The audit log's last entry is unreadable; run \`signet audit verify\` (${this.file}).`);
    return { seq: last.data.seq, hash: last.data.hash };
  }

  // Reads the whole chain and names the first entry that does not follow from the one before.
  async verify(): Promise<AuditVerification> {
    const text = (await readFileIfExists(this.file)) ?? '';
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    let previous = { seq: 0, hash: GENESIS };
    let checkpoints = 0;
    const fail = (line: number, seq: number, reason: string): AuditVerification => ({
      ok: false,
      entries: line - 1,
      checkpoints,
      lastHash: previous.seq === 0 ? null : previous.hash,
      firstBad: { seq, line, reason },
    });
    for (const [index, line] of lines.entries()) {
      const number = index + 1;
      const parsed = AuditEntrySchema.safeParse(parseJsonOrUndefined(line));
      if (!parsed.success) return fail(number, previous.seq + 1, index === lines.length - 1 && !text.endsWith('\n') ? 'the last entry is incomplete (torn write)' : 'the entry is not a valid audit record');
      const entry = parsed.data;
      if (entry.seq !== previous.seq + 1) return fail(number, entry.seq, `expected entry ${previous.seq + 1}, found ${entry.seq}: entries were removed or reordered`);
      if (entry.prev !== previous.hash) return fail(number, entry.seq, 'it does not chain to the entry before: an earlier entry was changed or removed');
      const { hash, ...body } = entry;
      if (entryHash(body) !== hash) return fail(number, entry.seq, 'its contents do not match its hash: the entry was edited');
      if (entry.action === 'audit.checkpoint') {
        const problem = await this.checkCheckpoint(entry, previous);
        if (problem) return fail(number, entry.seq, problem);
        checkpoints++;
      }
      previous = { seq: entry.seq, hash: entry.hash };
    }
    return { ok: true, entries: lines.length, checkpoints, lastHash: previous.seq === 0 ? null : previous.hash, firstBad: null };
  }

  private async checkCheckpoint(entry: AuditEntry, previous: { seq: number; hash: string }): Promise<string | null> {
    const details = entry.details as { upTo?: number; chainHash?: string; keyFingerprint?: string; signature?: string };
    if (details.upTo !== previous.seq || details.chainHash !== previous.hash) return 'the checkpoint does not cover the entries before it';
    if (!this.signer) return null;
    const valid = await this.signer.verify(checkpointMessage(previous.seq, previous.hash), Buffer.from(details.signature ?? '', 'base64'), details.keyFingerprint ?? '');
    return valid ? null : 'the checkpoint signature does not verify with the audit key';
  }

  // Newest first, filtered; the log is read from disk so every host sees every entry.
  async list(filter: { action?: string; subject?: string; limit: number }): Promise<AuditEntry[]> {
    const text = (await readFileIfExists(this.file)) ?? '';
    const entries: AuditEntry[] = [];
    for (const line of text.split('\n').reverse()) {
      if (line.length === 0) continue;
      const parsed = AuditEntrySchema.safeParse(parseJsonOrUndefined(line));
      if (!parsed.success) continue;
      if (filter.action && !parsed.data.action.startsWith(filter.action)) continue;
      if (filter.subject && parsed.data.subject !== filter.subject) continue;
      entries.push(parsed.data);
      if (entries.length >= filter.limit) break;
    }
    return entries;
  }

  // The export is the file itself, byte for byte: the evidence is the lines, not a rendering of them.
  async rawText(): Promise<string> {
    return (await readFileIfExists(this.file)) ?? '';
  }
}
