import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { SignetError } from '../errors.ts';
import { WriteQueue } from './write-queue.ts';

/** The one file that holds the data folder's shared state. */
export const STORE_FILE = 'signet.db';

/** The documents the store keeps, each a whole JSON value replaced in one transaction. */
export type DocumentName = 'inventory' | 'settings' | 'policies' | 'revocations' | 'scan-schedules';

/** Collections of small documents by key: scan records, their index entries, and each source's re-scan state. */
export type ItemKind = 'scan' | 'scan-index' | 'scan-state';

/** The files Signet kept before the store, by the document (or the audit log) each becomes. */
export const LEGACY_FILES: Record<DocumentName | 'audit', string> = {
  inventory: 'keys/inventory.json',
  settings: 'settings.json',
  policies: 'policies/policies.json',
  revocations: 'keys/revocations.json',
  'scan-schedules': 'scans/schedules.json',
  audit: 'audit/audit.jsonl',
};

/** The old scan history: one file per scan, an index of them, and per-source state. */
const LEGACY_SCANS_DIR = 'scans';

const SCHEMA_VERSION = 1;
/** How long a write waits for another process's transaction before it gives up with a clear error. */
const WRITE_WAIT_MS = 30_000;

/** One audit entry as stored: its exact JSON line, with the columns queries need. */
export interface StoredAuditLine {
  /** Its position in the log, from 1; the entry's own seq is inside the line. */
  pos: number;
  line: string;
}

/** What a transaction can read and change; everything it reads is under the same lock it writes under. */
export interface StoreTransaction {
  /** The stored JSON text of a document, or null when it was never written. */
  text(name: DocumentName): string | null;
  put(name: DocumentName, value: unknown): void;
  /** How many times the document was written; a change made on an older read can tell it is stale. */
  revision(name: DocumentName): number;
  /** The last audit line, read inside this transaction; null for an empty log. */
  auditTail(): string | null;
  /** The sequence number of the last checkpoint entry, 0 when there is none. */
  lastCheckpoint(): number;
  appendAudit(entry: { seq: number; action: string; subject: string | null }, line: string): void;
  /** Replaces the whole audit log (a restore from backup); the lines are checked by the caller. */
  replaceAudit(lines: string[]): void;
  item(kind: ItemKind, key: string): string | null;
  items(kind: ItemKind): { key: string; body: string }[];
  countItems(kind: ItemKind): number;
  putItem(kind: ItemKind, key: string, body: string): void;
  deleteItem(kind: ItemKind, key: string): void;
  deleteItems(kind: ItemKind): void;
}

/** Reads see only committed state, never a transaction still in progress in this process. */
export interface StoreReader {
  text(name: DocumentName): string | null;
  revision(name: DocumentName): number;
  auditLines(filter?: { action?: string; subject?: string; limit?: number; newestFirst?: boolean }): StoredAuditLine[];
  item(kind: ItemKind, key: string): string | null;
  items(kind: ItemKind): { key: string; body: string }[];
}

interface Connections {
  writer: DatabaseSync;
  reader: DatabaseSync;
  statements: Map<string, StatementSync>;
  /** Which file was opened: a store deleted or replaced under a running process is opened again, never read from the old copy. */
  identity: string;
}

const shared = new Map<string, DataStore>();
const writing = new AsyncLocalStorage<DataStore>();

/**
 * The data folder's transactional store (SQLite in WAL mode): one writer at a time across every
 * process (BEGIN IMMEDIATE), reads of committed state only, and nothing cached between calls, so
 * the desktop app, the browser host, the CLI and the drills always agree on one state.
 */
export class DataStore {
  readonly dataDir: string;
  readonly file: string;
  private connections: Promise<Connections> | null = null;
  private readonly queue = new WriteQueue();
  private migrationNotice: string | null = null;

  private constructor(dataDir: string) {
    this.dataDir = dataDir;
    this.file = join(dataDir, STORE_FILE);
  }

  // One store per data folder in a process, so its writes queue behind each other instead of waiting on their own lock.
  static for(dataDir: string): DataStore {
    const key = resolve(dataDir);
    let store = shared.get(key);
    if (!store) {
      store = new DataStore(key);
      shared.set(key, store);
    }
    return store;
  }

  // Opens (creating and migrating on first start) and says what the migration did, for the host to print or log.
  async open(): Promise<{ file: string; notice: string | null }> {
    await this.ready();
    return { file: this.file, notice: this.migrationNotice };
  }

  // For a host starting up: migrates an existing data folder now, so its notice can be printed, and creates nothing in an empty one.
  async openIfPresent(): Promise<{ file: string; notice: string | null }> {
    if (!this.connections && !this.exists()) return { file: this.file, notice: null };
    return this.open();
  }

  /** What the first start did with the old files, once the store is open; null when nothing was migrated. */
  notice(): string | null {
    return this.migrationNotice;
  }

  // A folder with neither store nor old files has nothing to read: reads answer "absent" without creating files.
  private exists(): boolean {
    return existsSync(this.file) || Object.values(LEGACY_FILES).some((name) => existsSync(join(this.dataDir, name)));
  }

  // Committed state only; the callback runs synchronously, so one read is one consistent snapshot.
  async read<T>(fn: (reader: StoreReader) => T, absent: T): Promise<T> {
    await this.dropIfReplaced();
    if (!this.connections && !this.exists()) return absent;
    const { reader, statements } = await this.ready();
    const prepare = (sql: string) => cached(reader, statements, `r:${sql}`, sql);
    return this.guard(() => {
      reader.exec('BEGIN');
      try {
        return fn({
          text: (name) => textOf(prepare('SELECT body FROM documents WHERE name = ?').get(name)),
          revision: (name) => Number((prepare('SELECT revision FROM documents WHERE name = ?').get(name) as { revision?: number } | undefined)?.revision ?? 0),
          auditLines: (filter = {}) => auditQuery(reader, statements, filter),
          item: (kind, key) => textOf(prepare('SELECT body FROM items WHERE kind = ? AND key = ?').get(kind, key)),
          items: (kind) => itemsOf(prepare('SELECT key, body FROM items WHERE kind = ? ORDER BY key').all(kind)),
        });
      } finally {
        reader.exec('COMMIT');
      }
    });
  }

  // One transaction at a time in this process and, through BEGIN IMMEDIATE, across processes; a thrown error rolls everything back.
  write<T>(fn: (tx: StoreTransaction) => Promise<T> | T): Promise<T> {
    // A write started inside another would wait on itself for ever; it is a programming error, said at once.
    if (writing.getStore() === this) return Promise.reject(new Error('A store write was started inside another store write; use the transaction given to the outer one.'));
    return this.queue.run(async () => {
      await this.dropIfReplaced();
      const connections = await this.ready();
      await this.begin(connections.writer);
      return this.within(connections, fn);
    });
  }

  private async within<T>({ writer, statements }: Connections, fn: (tx: StoreTransaction) => Promise<T> | T): Promise<T> {
    const prepare = (sql: string) => cached(writer, statements, `w:${sql}`, sql);
    let open = true;
    const live = () => {
      if (!open) throw new Error('A store transaction was used after it ended.');
    };
    const tx: StoreTransaction = {
      text: (name) => (live(), this.guard(() => textOf(prepare('SELECT body FROM documents WHERE name = ?').get(name)))),
      put: (name, value) => {
        live();
        this.guard(() => prepare('INSERT INTO documents (name, body, revision) VALUES (?, ?, 1) ON CONFLICT(name) DO UPDATE SET body = excluded.body, revision = revision + 1').run(name, `${JSON.stringify(value, null, 2)}\n`));
      },
      revision: (name) => (live(), this.guard(() => Number((prepare('SELECT revision FROM documents WHERE name = ?').get(name) as { revision?: number } | undefined)?.revision ?? 0))),
      auditTail: () => {
        live();
        const row = this.guard(() => prepare('SELECT line FROM audit ORDER BY pos DESC LIMIT 1').get()) as { line: string } | undefined;
        return row ? String(row.line) : null;
      },
      lastCheckpoint: () => {
        live();
        const row = this.guard(() => prepare("SELECT MAX(seq) AS seq FROM audit WHERE action = 'audit.checkpoint'").get()) as { seq: number | null } | undefined;
        return Number(row?.seq ?? 0);
      },
      appendAudit: (entry, line) => {
        live();
        this.guard(() => prepare('INSERT INTO audit (seq, action, subject, line) VALUES (?, ?, ?, ?)').run(entry.seq, entry.action, entry.subject, line));
      },
      item: (kind, key) => (live(), this.guard(() => textOf(prepare('SELECT body FROM items WHERE kind = ? AND key = ?').get(kind, key)))),
      items: (kind) => (live(), this.guard(() => itemsOf(prepare('SELECT key, body FROM items WHERE kind = ? ORDER BY key').all(kind)))),
      countItems: (kind) => (live(), this.guard(() => Number((prepare('SELECT COUNT(*) AS n FROM items WHERE kind = ?').get(kind) as { n: number }).n))),
      putItem: (kind, key, body) => {
        live();
        this.guard(() => prepare('INSERT INTO items (kind, key, body) VALUES (?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET body = excluded.body').run(kind, key, body));
      },
      deleteItem: (kind, key) => {
        live();
        this.guard(() => prepare('DELETE FROM items WHERE kind = ? AND key = ?').run(kind, key));
      },
      deleteItems: (kind) => {
        live();
        this.guard(() => prepare('DELETE FROM items WHERE kind = ?').run(kind));
      },
      replaceAudit: (lines) => {
        live();
        this.guard(() => {
          writer.exec('DELETE FROM audit');
          const insert = prepare('INSERT INTO audit (seq, action, subject, line) VALUES (?, ?, ?, ?)');
          for (const line of lines) {
            const facts = lineFacts(line);
            insert.run(facts.seq, facts.action, facts.subject, line);
          }
        });
      },
    };
    try {
      const result = await writing.run(this, () => fn(tx));
      open = false;
      this.guard(() => writer.exec('COMMIT'));
      return result;
    } catch (error) {
      open = false;
      if (writer.isTransaction) writer.exec('ROLLBACK');
      throw error;
    }
  }

  // Waits for another process's transaction without blocking this one's event loop.
  private async begin(writer: DatabaseSync): Promise<void> {
    const deadline = Date.now() + WRITE_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        writer.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isBusy(error)) throw this.damaged(error);
        if (Date.now() > deadline) throw new SignetError('Unavailable', `The data store at ${this.file} stayed locked by another Signet process for ${WRITE_WAIT_MS / 1000} s; nothing was changed. Try again.`);
        await new Promise((r) => setTimeout(r, Math.min(2 + attempt, 25) + Math.random() * 5));
      }
    }
  }

  // A stat per operation (a few microseconds) keeps a process from working on a store file that is no longer the data folder's.
  private async dropIfReplaced(): Promise<void> {
    const pending = this.connections;
    if (!pending) return;
    const connections = await pending.catch(() => null);
    if (!connections || this.connections !== pending) return;
    if (identityOf(this.file) === connections.identity) return;
    this.connections = null;
    connections.writer.close();
    connections.reader.close();
  }

  private ready(): Promise<Connections> {
    this.connections ??= this.connect().catch((error: unknown) => {
      this.connections = null;
      throw error;
    });
    return this.connections;
  }

  private async connect(): Promise<Connections> {
    try {
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
      // Created owner-only first: SQLite gives its -wal and -shm files the mode of the database file.
      closeSync(openSync(this.file, 'a', 0o600));
    } catch (error) {
      throw new SignetError('Unavailable', `The data store at ${this.file} could not be opened (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was read or changed.`);
    }
    let writer: DatabaseSync;
    let reader: DatabaseSync;
    try {
      writer = new DatabaseSync(this.file, { timeout: 0 });
      reader = new DatabaseSync(this.file, { timeout: 5000 });
    } catch (error) {
      throw this.damaged(error);
    }
    const connections: Connections = { writer, reader, statements: new Map(), identity: identityOf(this.file) };
    await this.retryBusy(() => writer.exec('PRAGMA journal_mode = WAL'));
    this.guard(() => {
      writer.exec('PRAGMA synchronous = FULL');
      reader.exec('PRAGMA synchronous = FULL');
    });
    await this.begin(writer);
    try {
      this.guard(() => {
        writer.exec(`
          CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, body TEXT NOT NULL, revision INTEGER NOT NULL);
          CREATE TABLE IF NOT EXISTS audit (pos INTEGER PRIMARY KEY, seq INTEGER, action TEXT, subject TEXT, line TEXT NOT NULL);
          CREATE INDEX IF NOT EXISTS audit_action ON audit (action, pos);
          CREATE INDEX IF NOT EXISTS audit_subject ON audit (subject, pos);
          CREATE TABLE IF NOT EXISTS items (kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, key));
        `);
        const version = (writer.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value?: string } | undefined)?.value;
        if (version === undefined) writer.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
        else if (version !== String(SCHEMA_VERSION)) throw new SignetError('Conflict', `The data store at ${this.file} was written by another version of Signet (schema ${version}); this one reads schema ${SCHEMA_VERSION}. Nothing was changed.`);
      });
      await this.migrate(writer);
      this.guard(() => writer.exec('COMMIT'));
    } catch (error) {
      if (writer.isTransaction) writer.exec('ROLLBACK');
      writer.close();
      reader.close();
      throw error;
    }
    await this.moveLegacyFiles(connections);
    return connections;
  }

  // The old files go in with the same transaction that creates the store; a damaged one stops everything and is named.
  private async migrate(writer: DatabaseSync): Promise<void> {
    const done = writer.prepare("SELECT value FROM meta WHERE key = 'migrated'").get() as { value?: string } | undefined;
    if (done) return;
    const found: string[] = [];
    const { validateLegacyDocument, splitLegacyAudit, legacyScans } = await import('./legacy-documents.ts');
    for (const name of ['inventory', 'settings', 'policies', 'revocations', 'scan-schedules'] as const) {
      const path = join(this.dataDir, LEGACY_FILES[name]);
      const text = await readLegacy(path);
      if (text === null) continue;
      const value = validateLegacyDocument(name, text, path);
      writer.prepare('INSERT INTO documents (name, body, revision) VALUES (?, ?, 1) ON CONFLICT(name) DO UPDATE SET body = excluded.body, revision = revision + 1').run(name, `${JSON.stringify(value, null, 2)}\n`);
      found.push(LEGACY_FILES[name]);
    }
    const auditPath = join(this.dataDir, LEGACY_FILES.audit);
    const auditText = await readLegacy(auditPath);
    let torn = '';
    if (auditText !== null) {
      const { lines, tornTail } = splitLegacyAudit(auditText);
      torn = tornTail;
      const insert = writer.prepare('INSERT INTO audit (seq, action, subject, line) VALUES (?, ?, ?, ?)');
      for (const line of lines) {
        const facts = lineFacts(line);
        insert.run(facts.seq, facts.action, facts.subject, line);
      }
      found.push(LEGACY_FILES.audit);
    }
    const scans = await legacyScans(join(this.dataDir, LEGACY_SCANS_DIR));
    const putItem = writer.prepare('INSERT INTO items (kind, key, body) VALUES (?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET body = excluded.body');
    for (const item of scans.items) putItem.run(item.kind, item.key, item.body);
    found.push(...scans.files.map((name) => `${LEGACY_SCANS_DIR}/${name}`));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const backup = found.length > 0 ? `backup-before-store-${stamp}` : '';
    writer.prepare("INSERT INTO meta (key, value) VALUES ('migrated', ?)").run(JSON.stringify({ at: new Date().toISOString(), backup, files: found }));
    if (found.length > 0) {
      this.migrationNotice =
        `Signet now keeps its state in ${this.file}. The old files (${describeFiles(found)}) were moved into it in one transaction and kept unchanged in ${join(this.dataDir, backup)}.` +
        (torn.length > 0 ? ` The audit log's last line was incomplete (a write cut off by a crash); it was not migrated and stays in the backup copy.` : '');
    }
  }

  // After the commit, under the write lock, so two first starts cannot race; a crash in between is finished at the next start.
  private async moveLegacyFiles({ writer }: Connections): Promise<void> {
    await this.begin(writer);
    try {
      const row = writer.prepare("SELECT value FROM meta WHERE key = 'migrated'").get() as { value: string } | undefined;
      const record = JSON.parse(row?.value ?? '{}') as { backup?: string; files?: string[]; moved?: boolean };
      if (record.backup && record.files && !record.moved) {
        for (const name of record.files) {
          const from = join(this.dataDir, name);
          if (!existsSync(from)) continue;
          const to = join(this.dataDir, record.backup, name);
          await mkdir(dirname(to), { recursive: true, mode: 0o700 });
          await rename(from, to);
        }
        writer.prepare("UPDATE meta SET value = ? WHERE key = 'migrated'").run(JSON.stringify({ ...record, moved: true }));
      }
      writer.exec('COMMIT');
    } catch (error) {
      if (writer.isTransaction) writer.exec('ROLLBACK');
      this.migrationNotice = `${this.migrationNotice ?? ''} The old files in ${this.dataDir} are in the store but could not be moved aside (${(error as Error).message}); they are no longer read, and are moved at the next start.`.trim();
    }
  }

  private async retryBusy(step: () => void): Promise<void> {
    const deadline = Date.now() + WRITE_WAIT_MS;
    for (;;) {
      try {
        step();
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) throw this.damaged(error);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
      }
    }
  }

  // Any SQLite failure becomes an error naming the file; nothing goes on as if the state were empty.
  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      throw this.damaged(error);
    }
  }

  private damaged(error: unknown): SignetError {
    if (error instanceof SignetError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (isBusy(error)) return new SignetError('Unavailable', `The data store at ${this.file} is busy in another Signet process (${message}); nothing was changed. Try again.`);
    return new SignetError('Conflict', `The data store at ${this.file} is damaged or unreadable (${message}); Signet stops here rather than go on without it. Restore the file from a backup.`);
  }

  // Closes this process's connections; the next use opens them again.
  async close(): Promise<void> {
    const pending = this.connections;
    if (!pending) return;
    await this.queue.idle();
    this.connections = null;
    const connections = await pending.catch(() => null);
    connections?.writer.close();
    connections?.reader.close();
  }
}

function identityOf(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return 'missing';
  }
}

function cached(db: DatabaseSync, statements: Map<string, StatementSync>, key: string, sql: string): StatementSync {
  let statement = statements.get(key);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(key, statement);
  }
  return statement;
}

function textOf(row: unknown): string | null {
  const body = (row as { body?: unknown } | undefined)?.body;
  return typeof body === 'string' ? body : null;
}

// A long scan history is counted, not listed.
function describeFiles(files: string[]): string {
  const scans = files.filter((f) => f.startsWith(`${LEGACY_SCANS_DIR}/`) && f !== LEGACY_FILES['scan-schedules']);
  const others = files.filter((f) => !scans.includes(f));
  return [...others, ...(scans.length > 0 ? [`${scans.length} scan history file${scans.length === 1 ? '' : 's'} in ${LEGACY_SCANS_DIR}/`] : [])].join(', ');
}

function itemsOf(rows: unknown[]): { key: string; body: string }[] {
  return (rows as { key: string; body: string }[]).map((row) => ({ key: String(row.key), body: String(row.body) }));
}

function auditQuery(db: DatabaseSync, statements: Map<string, StatementSync>, filter: { action?: string; subject?: string; limit?: number; newestFirst?: boolean }): StoredAuditLine[] {
  const where: string[] = [];
  const values: (string | number)[] = [];
  if (filter.action) {
    where.push('substr(action, 1, length(?)) = ?');
    values.push(filter.action, filter.action);
  }
  if (filter.subject) {
    where.push('subject = ?');
    values.push(filter.subject);
  }
  const sql = `SELECT pos, line FROM audit${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY pos ${filter.newestFirst ? 'DESC' : 'ASC'}${filter.limit !== undefined ? ' LIMIT ?' : ''}`;
  if (filter.limit !== undefined) values.push(filter.limit);
  return (cached(db, statements, `r:${sql}`, sql).all(...values) as { pos: number; line: string }[]).map((row) => ({ pos: Number(row.pos), line: String(row.line) }));
}

// The columns queries filter on; a line that is not an entry is still kept, as evidence, with none.
function lineFacts(line: string): { seq: number | null; action: string | null; subject: string | null } {
  try {
    const parsed = JSON.parse(line) as { seq?: unknown; action?: unknown; subject?: unknown };
    return { seq: typeof parsed.seq === 'number' ? parsed.seq : null, action: typeof parsed.action === 'string' ? parsed.action : null, subject: typeof parsed.subject === 'string' ? parsed.subject : null };
  } catch {
    return { seq: null, action: null, subject: null };
  }
}

function isBusy(error: unknown): boolean {
  const e = error as { errcode?: number; message?: string };
  return e.errcode === 5 || e.errcode === 6 || /database is (locked|busy)/i.test(e.message ?? '');
}

async function readLegacy(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SignetError('Conflict', `${path} could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}) while moving it into the data store; nothing was migrated.`);
  }
}
