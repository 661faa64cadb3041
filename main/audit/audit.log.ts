import { createHash } from 'node:crypto';
import { AuditEntrySchema, type AuditEntry, type AuditVerification } from '../../shared/model/audit.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import { SignetError } from '../errors.ts';
import { DataStore, type StoreTransaction } from '../storage/data.store.ts';
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
 * An append-only log in the data store in which each entry carries the hash of the one before and
 * checkpoints are signed by the audit key. The tail is read inside the transaction that appends, so
 * appends from several processes never fork the chain, and an entry can commit together with the
 * change it records (appendWithin). Concurrent appends of one process share one transaction.
 */
export class AuditLog {
  /** The store file that holds the log. */
  readonly file: string;
  readonly store: DataStore;
  private readonly signer: AuditSigner | null;
  private readonly checkpointEvery: number;
  private readonly now: () => Date;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(dataDir: string, options: { signer?: AuditSigner; checkpointEvery?: number; now?: () => Date } = {}) {
    this.store = DataStore.for(dataDir);
    this.file = this.store.file;
    this.signer = options.signer ?? null;
    this.checkpointEvery = options.checkpointEvery ?? 256;
    this.now = options.now ?? (() => new Date());
  }

  // Resolves once the entry is committed; a failed transaction rejects every entry of its batch.
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
          const entries = await this.store.write(async (tx) => {
            const written: AuditEntry[] = [];
            for (const pending of batch) written.push(await this.appendWithin(tx, pending.record));
            return written;
          });
          batch.forEach((pending, index) => pending.resolve(entries[index]!));
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  // Appends inside the caller's transaction, so the entry commits (or rolls back) with the change it records.
  async appendWithin(tx: StoreTransaction, record: AuditRecord): Promise<AuditEntry> {
    let previous = this.tailOf(tx);
    const make = (entryRecord: AuditRecord, details: Record<string, unknown>): AuditEntry => {
      const body = { seq: previous.seq + 1, time: this.now().toISOString(), host: entryRecord.host, action: entryRecord.action, subject: entryRecord.subject, details, prev: previous.hash };
      const entry = { ...body, hash: entryHash(body) };
      const line = JSON.stringify(entry);
      // An entry the log could not read back would stop every later append; it is refused, and its change with it.
      const readable = AuditEntrySchema.safeParse(JSON.parse(line));
      if (!readable.success) throw new Error(`The audit entry for ${entryRecord.action} is not a valid record (${readable.error.issues[0]?.message ?? 'invalid'}); nothing was changed.`);
      tx.appendAudit({ seq: entry.seq, action: entry.action, subject: entry.subject }, line);
      previous = { seq: entry.seq, hash: entry.hash };
      return entry;
    };
    const checkpoint = async (host: HostKind): Promise<AuditEntry> => {
      const signer = this.signer!;
      const signature = await signer.sign(checkpointMessage(previous.seq, previous.hash));
      return make(
        { host, action: 'audit.checkpoint', subject: null, details: {} },
        { upTo: previous.seq, chainHash: previous.hash, keyFingerprint: await signer.fingerprint(), signature: signature.toString('base64') },
      );
    };
    if (record.action === 'audit.checkpoint') return checkpoint(record.host);
    const entry = make(record, record.details);
    if (this.signer && entry.seq - tx.lastCheckpoint() >= this.checkpointEvery) await checkpoint(record.host);
    return entry;
  }

  // The last entry as committed, read under the write lock; an unreadable one stops appends rather than start a second chain.
  private tailOf(tx: StoreTransaction): { seq: number; hash: string } {
    const line = tx.auditTail();
    if (line === null) return { seq: 0, hash: GENESIS };
    const last = AuditEntrySchema.safeParse(parseJsonOrUndefined(line));
    if (!last.success) throw new SignetError('Conflict', `The audit log's last entry is unreadable; run \`signet audit verify\` (${this.file}).`);
    return { seq: last.data.seq, hash: last.data.hash };
  }

  // Waits for pending entries.
  async close(): Promise<void> {
    await this.flushing;
  }

  // Reads the whole chain and names the first entry that does not follow from the one before.
  async verify(): Promise<AuditVerification> {
    const lines = (await this.store.read((reader) => reader.auditLines(), [])).map((row) => row.line);
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
      if (!parsed.success) return fail(number, previous.seq + 1, 'the entry is not a valid audit record');
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

  // Newest first, filtered; read from the store so every host sees every entry.
  async list(filter: { action?: string; subject?: string; limit: number }): Promise<AuditEntry[]> {
    const query = { action: filter.action, subject: filter.subject, newestFirst: true };
    const pick = (rows: { line: string }[]) => {
      const entries: AuditEntry[] = [];
      for (const row of rows) {
        const parsed = AuditEntrySchema.safeParse(parseJsonOrUndefined(row.line));
        if (parsed.success) entries.push(parsed.data);
        if (entries.length >= filter.limit) break;
      }
      return entries;
    };
    const first = await this.store.read((reader) => reader.auditLines({ ...query, limit: filter.limit }), []);
    const entries = pick(first);
    // Unreadable lines are skipped, so a short page is filled from the whole log.
    if (entries.length < filter.limit && first.length === filter.limit) return pick(await this.store.read((reader) => reader.auditLines(query), []));
    return entries;
  }

  // The export is the stored lines, byte for byte, one per line: the evidence is the lines, not a rendering of them.
  async rawText(): Promise<string> {
    const rows = await this.store.read((reader) => reader.auditLines(), []);
    return rows.map((row) => `${row.line}\n`).join('');
  }
}
