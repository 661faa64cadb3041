import { join } from 'node:path';
import { z } from 'zod';
import { KeyIdSchema, KeyRecordSchema, type KeyRecord } from '../../shared/model/keys.model.ts';
import { SignetError } from '../errors.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';

const InventoryFileSchema = z
  .object({
    version: z.literal(1),
    /** The key that signs the revocation list. */
    adminKeyId: KeyIdSchema.nullable(),
    keys: z.array(KeyRecordSchema),
  })
  .strict();
export type Inventory = z.infer<typeof InventoryFileSchema>;

/** The key inventory: one JSON file, replaced atomically; a damaged file stops key work instead of being replaced. */
export class InventoryStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'keys', 'inventory.json');
  }

  // Never "repairs" by starting empty: that would forget keys that still exist on tokens.
  async load(): Promise<Inventory> {
    const text = await readFileIfExists(this.file);
    if (text === null) return { version: 1, adminKeyId: null, keys: [] };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SignetError('Conflict', `The key inventory at ${this.file} is damaged (not JSON); restore it from a backup. Nothing was changed.`);
    }
    const result = InventoryFileSchema.safeParse(parsed);
    if (!result.success) {
      throw new SignetError('Conflict', `The key inventory at ${this.file} is damaged (${result.error.issues[0]?.message ?? 'invalid'}); restore it from a backup.`);
    }
    return result.data;
  }

  // Write, fsync, rename: a crash leaves the previous inventory or this one.
  async save(inventory: Inventory): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(InventoryFileSchema.parse(inventory), null, 2)}\n`);
  }
}

// Every caller gets the same NotFound wording for an unknown key id.
export function findKey(inventory: Inventory, id: string): KeyRecord {
  const key = inventory.keys.find((k) => k.id === id);
  if (!key) throw new SignetError('NotFound', `No key ${id} in the inventory.`);
  return key;
}
