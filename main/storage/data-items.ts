import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignetError } from '../errors.ts';
import { readFileIfExists, writeFileAtomic } from './atomic-file.ts';
import { DataStore, LEGACY_FILES, type DocumentName } from './data.store.ts';

const STORED = new Map(Object.entries(LEGACY_FILES).map(([part, name]) => [name, part as DocumentName | 'audit']));

// Backups name state by the files Signet kept before the store, so old backups restore and new ones read the same everywhere.
export function isStoredItem(name: string): boolean {
  return STORED.has(name);
}

// An item's bytes as a backup carries them: a store document as its JSON text, the audit log as its lines, any other item from its file.
export async function readDataItem(dataDir: string, name: string): Promise<Buffer | null> {
  const part = STORED.get(name);
  if (!part) {
    return readFile(join(dataDir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
  }
  const store = DataStore.for(dataDir);
  if (part === 'audit') {
    const lines = await store.read((reader) => reader.auditLines(), []);
    return lines.length === 0 ? null : Buffer.from(lines.map((l) => `${l.line}\n`).join(''), 'utf8');
  }
  const text = await store.read((reader) => reader.text(part), null);
  return text === null ? null : Buffer.from(text, 'utf8');
}

// The same item as text, for the checks a backup makes before it opens any key.
export async function readDataItemText(dataDir: string, name: string): Promise<string | null> {
  if (!STORED.has(name)) return readFileIfExists(join(dataDir, name));
  return (await readDataItem(dataDir, name))?.toString('utf8') ?? null;
}

// A restore writes a store item in one transaction (the backup's contents were checked before); other items as files.
export async function writeDataItem(dataDir: string, name: string, bytes: Uint8Array): Promise<void> {
  const part = STORED.get(name);
  if (!part) return writeFileAtomic(join(dataDir, name), bytes);
  const text = Buffer.from(bytes).toString('utf8');
  const store = DataStore.for(dataDir);
  if (part === 'audit') {
    const lines = text.split('\n').filter((line) => line.length > 0);
    await store.write((tx) => tx.replaceAudit(lines));
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SignetError('BadInput', `The backup's ${name} is not JSON; nothing of it was restored.`);
  }
  await store.write((tx) => tx.put(part, value));
}
