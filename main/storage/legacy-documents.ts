import { z } from 'zod';
import { KeyIdSchema, KeyRecordSchema } from '../../shared/model/keys.model.ts';
import { PolicySchema } from '../../shared/model/policy.model.ts';
import { SettingsSchema } from '../../shared/model/settings.model.ts';
import { SignetError } from '../errors.ts';
import type { DocumentName } from './data.store.ts';

const InventorySchema = z.object({ version: z.literal(1), adminKeyId: KeyIdSchema.nullable(), keys: z.array(KeyRecordSchema) }).strict();
const RevocationListSchema = z.object({ document: z.record(z.string(), z.unknown()), signature: z.string().nullable() }).strict();

const SCHEMAS: Record<DocumentName, z.ZodType> = {
  inventory: InventorySchema,
  settings: SettingsSchema,
  policies: z.array(PolicySchema),
  revocations: RevocationListSchema,
};

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
