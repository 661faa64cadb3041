import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { AuditEntrySchema, type AuditAnchorCheck, type AuditEntry, type AuditVerification } from '../../shared/model/audit.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import { SignetError } from '../errors.ts';
import { DataStore, type StoreReader, type StoreTransaction } from '../storage/data.store.ts';
import { canonicalJson } from '../encoding/canonical-json.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import type { AnchorPoint, AuditAnchor } from './audit-anchor.ts';
import { PinnedAuditKey } from './audit-signer.ts';

const GENESIS = '0'.repeat(64);
/** Runs a function in the context this module loaded in, outside any store write: the anchor update is a write of its own,
 *  queued behind the transaction that holds the checkpoint, which a write started inside that one may not be. */
const outsideWrites = AsyncLocalStorage.snapshot();

/** Signs and checks checkpoints; the audit key lives with the software keys, sealed by the keychain. */
export interface AuditSigner {
  fingerprint(): Promise<string>;
  sign(message: Buffer): Promise<Buffer>;
  verify(message: Buffer, signature: Buffer, fingerprint: string): Promise<boolean>;
  /** The pinned public key as PEM, for a published checkpoint; null before the first checkpoint. */
  publicKeyPem?(): Promise<string | null>;
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

/** The message a checkpoint signs; a published checkpoint is checked against the same words. */
export function checkpointMessage(upTo: number, chainHash: string): Buffer {
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
  /** Checks checkpoint signatures: the signer, or without one the pinned public key, so every process verifies the same way. */
  private readonly checker: Pick<AuditSigner, 'verify' | 'publicKeyPem'>;
  private readonly checkpointEvery: number;
  private readonly now: () => Date;
  private readonly anchor: AuditAnchor | null;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  /** Anchor updates still running, in order; verify and close wait for them. */
  private anchoring: Promise<void> = Promise.resolve();
  /** Why the last anchor update failed, for verify to say in this process; null after one succeeds. */
  private anchorFailure: string | null = null;
  /** Whether this process appended an entry after its last checkpoint: only then does an exit write one. */
  private uncheckpointed = false;

  constructor(dataDir: string, options: { signer?: AuditSigner; anchor?: AuditAnchor; checkpointEvery?: number; now?: () => Date } = {}) {
    this.store = DataStore.for(dataDir);
    this.file = this.store.file;
    this.signer = options.signer ?? null;
    this.checker = this.signer ?? new PinnedAuditKey(dataDir);
    this.anchor = options.anchor ?? null;
    this.checkpointEvery = options.checkpointEvery ?? 256;
    this.now = options.now ?? (() => new Date());
  }

  /** Entries after the last checkpoint beyond which one is always written; verify holds a longer unsigned tail against the log. */
  get entriesPerCheckpoint(): number {
    return this.checkpointEvery;
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

  // A host's close path: entries this process appended since its last checkpoint get one, so no run ends with an unsigned tail.
  async checkpointAtExit(host: HostKind): Promise<AuditEntry | null> {
    await this.flushing;
    if (!this.signer || !this.uncheckpointed) return null;
    const entry = await this.store.write(async (tx) => {
      const tail = tx.auditTail();
      if (tail === null || (parseJsonOrUndefined(tail) as { action?: unknown } | undefined)?.action === 'audit.checkpoint') return null;
      return this.appendWithin(tx, { host, action: 'audit.checkpoint', subject: null, details: {} });
    });
    this.uncheckpointed = false;
    await this.anchoring;
    return entry;
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
      const entry = make(
        { host, action: 'audit.checkpoint', subject: null, details: {} },
        { upTo: previous.seq, chainHash: previous.hash, keyFingerprint: await signer.fingerprint(), signature: signature.toString('base64') },
      );
      this.uncheckpointed = false;
      this.anchorAfterCommit();
      return entry;
    };
    if (record.action === 'audit.checkpoint') return checkpoint(record.host);
    const entry = make(record, record.details);
    this.uncheckpointed = true;
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

  // Queued behind the transaction that holds the checkpoint, so the anchor moves only once that one committed; a failure never fails the append.
  private anchorAfterCommit(): void {
    const anchor = this.anchor;
    if (!anchor) return;
    const run = outsideWrites(() => this.store.write(() => this.advanceAnchor(anchor)));
    this.anchoring = this.anchoring.then(
      () =>
        run.then(
          () => {
            this.anchorFailure = null;
          },
          (error: unknown) => {
            this.anchorFailure = error instanceof Error ? error.message : String(error);
          },
        ),
    );
  }

  // Under the store's write lock, so two processes cannot move it out of order: forward only, to a checkpoint whose signature
  // verifies and whose chain runs back to the entry recorded before. A log that lost that entry keeps the old point as evidence.
  private async advanceAnchor(anchor: AuditAnchor): Promise<void> {
    const current = await anchor.read();
    if (current.state === 'unreadable') throw new SignetError('Unavailable', current.reason);
    const from = current.state === 'present' ? current.point : null;
    const latest = await this.store.read((reader) => latestCheckpoint(reader, from), null);
    if (!latest || (from && latest.seq <= from.seq) || !latest.chained) return;
    if (!(await this.checkpointSignatureHolds(latest.entry))) return;
    await anchor.write({ seq: latest.seq, hash: latest.hash, time: this.now().toISOString() });
  }

  // The newest checkpoint entry whose hash and signature hold, for publishing; null when there is none.
  async latestCheckpoint(): Promise<AuditEntry | null> {
    await this.flushing;
    const latest = await this.store.read((reader) => latestCheckpoint(reader, null), null);
    return latest && (await this.checkpointSignatureHolds(latest.entry)) ? latest.entry : null;
  }

  // The entry at a position, as stored, for holding a published checkpoint against the log; null when the log has none there.
  async entryAt(seq: number): Promise<AuditEntry | null> {
    const lines = await this.store.read((reader) => reader.auditLines(), []);
    for (const row of lines) {
      const entry = parseEntry(row.line);
      if (entry?.seq === seq) return entry;
    }
    return null;
  }

  /** The audit key's pinned public half, or null when no checkpoint was ever signed here. */
  async auditKeyPem(): Promise<string | null> {
    return (await this.checker.publicKeyPem?.()) ?? null;
  }

  // Whether a checkpoint entry (this log's or a published one) is signed by the pinned audit key over what it says it covers.
  async checkpointSignatureHolds(entry: AuditEntry): Promise<boolean> {
    if (entry.action !== 'audit.checkpoint') return false;
    const details = entry.details as { upTo?: unknown; chainHash?: unknown; keyFingerprint?: unknown; signature?: unknown };
    if (typeof details.upTo !== 'number' || typeof details.chainHash !== 'string' || typeof details.signature !== 'string' || typeof details.keyFingerprint !== 'string') return false;
    return this.checker.verify(checkpointMessage(details.upTo, details.chainHash), Buffer.from(details.signature, 'base64'), details.keyFingerprint);
  }

  // After a confirmed restore the log is the backup's on purpose: the anchor follows it to its last signed checkpoint, and the
  // caller records the point it replaced in the restore's own entry.
  async resetAnchor(): Promise<{ previous: AnchorPoint | null; current: AnchorPoint | null; where: string; failed: string | null } | null> {
    const anchor = this.anchor;
    if (!anchor) return null;
    await this.anchoring;
    try {
      return await this.store.write(async () => {
        const before = await anchor.read();
        const latest = await this.store.read((reader) => latestCheckpoint(reader, null), null);
        const current = latest && (await this.checkpointSignatureHolds(latest.entry)) ? { seq: latest.seq, hash: latest.hash, time: this.now().toISOString() } : null;
        if (current) await anchor.write(current);
        else await anchor.clear();
        return { previous: before.state === 'present' ? before.point : null, current, where: anchor.where, failed: null };
      });
    } catch (error) {
      // The restore itself stands; verify then reports the old point against the restored log until the anchor can be moved.
      return { previous: null, current: null, where: anchor.where, failed: error instanceof Error ? error.message : String(error) };
    }
  }

  // Waits for pending entries and the anchor updates they started.
  async close(): Promise<void> {
    await this.flushing;
    await this.anchoring;
  }

  // Reads the whole chain and names the first entry that does not follow from the one before; then holds the log against the
  // checkpoint recorded outside it (a removed tail, a rewrite) and against more unsigned entries than a checkpoint is written for.
  async verify(): Promise<AuditVerification> {
    await this.anchoring;
    const recorded = this.anchor ? await this.anchor.read() : null;
    const point = recorded?.state === 'present' ? recorded.point : null;
    const lines = (await this.store.read((reader) => reader.auditLines(), [])).map((row) => row.line);
    let previous = { seq: 0, hash: GENESIS };
    let checkpoints = 0;
    /** The last checkpoint whose signature verified, by seq and line; entries after it are the unsigned tail. */
    let signed = { seq: 0, line: 0 };
    let anchorMatched = false;
    const anchorCheck = (status?: AuditAnchorCheck['status'], note?: string): AuditAnchorCheck | null => {
      if (!this.anchor || !recorded) return null;
      const where = this.anchor.where;
      const base = { where, seq: point?.seq ?? null, hash: point?.hash ?? null, time: point?.time ?? null };
      const failed = this.anchorFailure ? ` The last update from this process failed: ${this.anchorFailure}.` : '';
      if (status && note) return { status, ...base, note };
      if (recorded.state === 'unreadable') return { status: 'unreadable', ...base, note: `${recorded.reason}: a removed tail or a rewrite of the log was not checked.${failed}` };
      if (recorded.state === 'absent') {
        return { status: 'absent', ...base, note: `No checkpoint is recorded in ${where} yet, so a removed tail or a rewrite is not seen until one is (the next checkpoint records it).${failed}` };
      }
      if (!anchorMatched) return { status: 'unchecked', ...base, note: `The chain breaks before entry ${point!.seq}, the checkpoint recorded in ${where}.` };
      const later = signed.seq > point!.seq ? ` The log's later checkpoint at entry ${signed.seq} is not recorded there yet.` : '';
      return { status: 'matched', ...base, note: `The log holds entry ${point!.seq}, the checkpoint recorded in ${where}, unchanged.${later}${failed}` };
    };
    const result = (ok: boolean, entries: number, firstBad: AuditVerification['firstBad'], anchor: AuditAnchorCheck | null, unsignedTail = entries - signed.line): AuditVerification => ({
      ok,
      entries,
      checkpoints,
      lastHash: previous.seq === 0 ? null : previous.hash,
      firstBad,
      anchor,
      unsignedTail: Math.max(0, unsignedTail),
    });
    const fail = (line: number, seq: number, reason: string, anchor: AuditAnchorCheck | null = anchorCheck()): AuditVerification => result(false, line - 1, { seq, line, reason }, anchor);
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
        signed = { seq: entry.seq, line: number };
      }
      if (point && entry.seq === point.seq) {
        if (entry.hash !== point.hash) {
          const reason = `entry ${point.seq} is not the one the checkpoint recorded outside the log (${this.anchor!.where}) holds: the log was rewritten`;
          return fail(number, entry.seq, reason, anchorCheck('rewritten', `The log holds another entry ${point.seq} than the checkpoint recorded in ${this.anchor!.where}: the log was rewritten.`));
        }
        anchorMatched = true;
      }
      previous = { seq: entry.seq, hash: entry.hash };
    }
    if (point && !anchorMatched) {
      const reason = `the log ends at entry ${previous.seq} but a checkpoint at entry ${point.seq} was recorded outside it (${this.anchor!.where}): the tail was removed`;
      return fail(lines.length + 1, previous.seq + 1, reason, anchorCheck('tail-removed', `The log ends at entry ${previous.seq}, before entry ${point.seq}, the checkpoint recorded in ${this.anchor!.where}: the tail was removed.`));
    }
    const tail = lines.length - signed.line;
    if (tail > this.checkpointEvery) {
      const after = signed.seq > 0 ? `the last signed checkpoint (entry ${signed.seq})` : 'the start of the log, which holds no signed checkpoint';
      const reason = `${tail} entries follow ${after}, more than the ${this.checkpointEvery} after which one is always written: checkpoints were removed, or the entries were written without the audit key`;
      return result(false, signed.line, { seq: signed.seq + 1, line: signed.line + 1, reason }, anchorCheck(), tail);
    }
    const anchor = anchorCheck();
    return result(anchor?.status !== 'unreadable', lines.length, null, anchor);
  }

  private async checkCheckpoint(entry: AuditEntry, previous: { seq: number; hash: string }): Promise<string | null> {
    const details = entry.details as { upTo?: number; chainHash?: string; keyFingerprint?: string; signature?: string };
    if (details.upTo !== previous.seq || details.chainHash !== previous.hash) return 'the checkpoint does not cover the entries before it';
    const valid = await this.checker.verify(checkpointMessage(previous.seq, previous.hash), Buffer.from(details.signature ?? '', 'base64'), details.keyFingerprint ?? '');
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

function parseEntry(line: string | undefined): AuditEntry | null {
  if (line === undefined) return null;
  const parsed = AuditEntrySchema.safeParse(parseJsonOrUndefined(line));
  return parsed.success ? parsed.data : null;
}

function hashHolds(entry: AuditEntry): boolean {
  const { hash, ...body } = entry;
  return entryHash(body) === hash;
}

// The newest checkpoint in committed state, and whether an unbroken chain leads to it from the recorded point.
function latestCheckpoint(reader: StoreReader, from: AnchorPoint | null): { seq: number; hash: string; entry: AuditEntry; chained: boolean } | null {
  const row = reader.auditLines({ action: 'audit.checkpoint', newestFirst: true, limit: 1 })[0];
  const entry = parseEntry(row?.line);
  if (!row || !entry || entry.action !== 'audit.checkpoint' || !hashHolds(entry)) return null;
  const found = { seq: entry.seq, hash: entry.hash, entry };
  if (!from) return { ...found, chained: true };
  if (entry.seq <= from.seq) return { ...found, chained: false };
  const last = reader.auditLines({ newestFirst: true, limit: 1 })[0];
  if (!last) return { ...found, chained: false };
  const span = entry.seq - from.seq + 1;
  const rows = reader.auditLines({ newestFirst: true, limit: last.pos - row.pos + span }).filter((r) => r.pos <= row.pos).slice(0, span).reverse();
  let previous: AuditEntry | null = null;
  for (const candidate of rows) {
    const current = parseEntry(candidate.line);
    if (!current || !hashHolds(current)) return { ...found, chained: false };
    if (previous === null ? current.seq !== from.seq || current.hash !== from.hash : current.seq !== previous.seq + 1 || current.prev !== previous.hash) return { ...found, chained: false };
    previous = current;
  }
  return { ...found, chained: rows.length === span && previous?.hash === entry.hash };
}
