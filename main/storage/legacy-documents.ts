import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { KeyIdSchema, KeyRecordSchema } from '../../shared/model/keys.model.ts';
import { PolicySchema } from '../../shared/model/policy.model.ts';
import { ScanRecordSchema, ScanScheduleSchema } from '../../shared/model/scan.model.ts';
import { SettingsSchema } from '../../shared/model/settings.model.ts';
import { SignetError } from '../errors.ts';
import type { DocumentName, ItemKind } from './data.store.ts';

const InventorySchema = z.object({ version: z.literal(1), adminKeyId: KeyIdSchema.nullable(), keys: z.array(KeyRecordSchema) }).strict();
const RevocationListSchema = z.object({ document: z.record(z.string(), z.unknown()), signature: z.string().nullable() }).strict();

const SCHEMAS: Record<DocumentName, z.ZodType> = {
  inventory: InventorySchema,
  settings: SettingsSchema,
  policies: z.array(PolicySchema),
  revocations: RevocationListSchema,
  'scan-schedules': z.array(ScanScheduleSchema),
};

const SCAN_FILE = /^(scan-[0-9A-Za-z-]{1,58})\.json$/;

// An old file moves into the store only as it was written and only if it is whole: a damaged one stops the migration and is named.
export function validateLegacyDocument(name: DocumentName, text: string, path: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SignetError('Conflict', `${path} is damaged (not JSON), so the data folder was not moved into the store and nothing was changed. Repair or restore the file, then start Signet again.`);
  }
  const result = SCHEMAS[name].safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SignetError('Conflict', `${path} is damaged (${issue ? `${issue.path.join('.') || 'document'}: ${issue.message}` : 'invalid'}), so the data folder was not moved into the store and nothing was changed. Repair or restore the file, then start Signet again.`);
  }
  return parsed;
}

// Complete lines go in verbatim, even ones verify will flag (they are evidence); only a torn last line (a write cut off by a crash) stays out.
export function splitLegacyAudit(text: string): { lines: string[]; tornTail: string } {
  const cut = text.endsWith('\n') ? text.length : text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, cut).split('\n').filter((line) => line.length > 0);
  return { lines, tornTail: text.slice(cut) };
}

// The old scan history: each record verbatim (a damaged one stays as it was and is reported when it is opened), its index entry, and each source's state.
export async function legacyScans(dir: string): Promise<{ items: { kind: ItemKind; key: string; body: string }[]; files: string[] }> {
  const items: { kind: ItemKind; key: string; body: string }[] = [];
  const files: string[] = [];
  const names = await list(dir);
  if (names.length === 0) return { items, files };
  const sourceKeys = new Map<string, string>();
  if (names.includes('index.json')) {
    files.push('index.json');
    // The index only says which comparison key each scan had; a damaged index costs that, and the records still come over.
    const index = z.array(z.object({ scanId: z.string(), sourceKey: z.string() }).loose()).safeParse(parseOrUndefined(await readFile(join(dir, 'index.json'), 'utf8')));
    if (index.success) for (const entry of index.data) sourceKeys.set(entry.scanId, entry.sourceKey);
  }
  for (const name of names.sort()) {
    const scanId = SCAN_FILE.exec(name)?.[1];
    if (!scanId) continue;
    const body = await readFile(join(dir, name), 'utf8');
    files.push(name);
    items.push({ kind: 'scan', key: scanId, body });
    const record = ScanRecordSchema.safeParse(parseOrUndefined(body));
    if (record.success) items.push({ kind: 'scan-index', key: scanId, body: JSON.stringify({ scanId, sourceKey: sourceKeys.get(scanId) ?? record.data.summary.source, summary: record.data.summary }) });
  }
  for (const name of await list(join(dir, 'state'))) {
    if (!name.endsWith('.json')) continue;
    files.push(`state/${name}`);
    // A state only saves requests on the next re-scan; one that cannot be read is left in the backup and the next scan checks everything.
    const state = z.object({ source: z.string() }).loose().safeParse(parseOrUndefined(await readFile(join(dir, 'state', name), 'utf8')));
    if (state.success) items.push({ kind: 'scan-state', key: state.data.source, body: JSON.stringify(state.data) });
  }
  return { items, files };
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SignetError('Conflict', `${dir} could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}) while moving it into the data store; nothing was migrated.`);
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
