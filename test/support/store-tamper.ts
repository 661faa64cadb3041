// Edits the data store behind Signet's back, as someone with access to the data folder could.
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { STORE_FILE, type DocumentName } from '../../main/storage/data.store.ts';

function open(dataDir: string): DatabaseSync {
  return new DatabaseSync(join(dataDir, STORE_FILE), { timeout: 5000 });
}

/** The audit log's lines in order, as stored. */
export function storedAuditLines(dataDir: string): string[] {
  const db = open(dataDir);
  try {
    return (db.prepare('SELECT line FROM audit ORDER BY pos').all() as { line: string }[]).map((r) => r.line);
  } finally {
    db.close();
  }
}

/** Replaces the audit log with these lines, one entry each, as a rewrite of the file once would have. */
export function rewriteAuditLines(dataDir: string, lines: string[]): void {
  const db = open(dataDir);
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('DELETE FROM audit');
    const insert = db.prepare('INSERT INTO audit (pos, seq, action, subject, line) VALUES (?, NULL, NULL, NULL, ?)');
    lines.forEach((line, index) => insert.run(index + 1, line));
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}

/** Overwrites one stored document's text, valid JSON or not. */
export function overwriteDocument(dataDir: string, name: DocumentName, text: string): void {
  const db = open(dataDir);
  try {
    db.prepare('INSERT INTO documents (name, body, revision) VALUES (?, ?, 1) ON CONFLICT(name) DO UPDATE SET body = excluded.body, revision = revision + 1').run(name, text);
  } finally {
    db.close();
  }
}

/** One stored document's text, or null when it was never written. */
export function storedDocument(dataDir: string, name: DocumentName): string | null {
  const db = open(dataDir);
  try {
    return (db.prepare('SELECT body FROM documents WHERE name = ?').get(name) as { body: string } | undefined)?.body ?? null;
  } finally {
    db.close();
  }
}
