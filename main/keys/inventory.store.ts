import { z } from 'zod';
import { KeyIdSchema, KeyRecordSchema, type KeyRecord } from '../../shared/model/keys.model.ts';
import { SignetError } from '../errors.ts';
import { DataStore, type StoreReader, type StoreTransaction } from '../storage/data.store.ts';

const InventoryFileSchema = z
  .object({
    version: z.literal(1),
    /** The key that signs the revocation list. */
    adminKeyId: KeyIdSchema.nullable(),
    keys: z.array(KeyRecordSchema),
  })
  .strict();
export type Inventory = z.infer<typeof InventoryFileSchema>;

/** The key inventory: one document in the data store; a damaged document stops key work instead of being replaced. */
export class InventoryStore {
  readonly store: DataStore;
  /** The store file, named in every error about the inventory. */
  readonly file: string;
  /** The last text checked and its result: the schema runs again only when the stored text differs. */
  private parsed: { text: string; inventory: Inventory } | null = null;

  constructor(dataDir: string) {
    this.store = DataStore.for(dataDir);
    this.file = this.store.file;
  }

  // Never "repairs" by starting empty: that would forget keys that still exist on tokens.
  async load(): Promise<Inventory> {
    return this.store.read((reader) => this.parse(reader), emptyInventory());
  }

  // Inside a write transaction: the state the change is made on is the state the change replaces.
  loadWithin(tx: StoreTransaction | StoreReader): Inventory {
    return this.parse(tx);
  }

  // Replaces the inventory in its own transaction; changes that carry an audit entry use saveWithin.
  async save(inventory: Inventory): Promise<void> {
    await this.store.write((tx) => this.saveWithin(tx, inventory));
  }

  saveWithin(tx: StoreTransaction, inventory: Inventory): void {
    tx.put('inventory', InventoryFileSchema.parse(inventory));
  }

  // The inventory as JSON text, checked, in the form backups carry (keys/inventory.json).
  static parseText(text: string, where: string): Inventory {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SignetError('Conflict', `The key inventory in ${where} is damaged (not JSON); restore it from a backup. Nothing was changed.`);
    }
    const result = InventoryFileSchema.safeParse(parsed);
    if (!result.success) {
      throw new SignetError('Conflict', `The key inventory in ${where} is damaged (${result.error.issues[0]?.message ?? 'invalid'}); restore it from a backup.`);
    }
    return result.data;
  }

  private parse(reader: StoreTransaction | StoreReader): Inventory {
    const text = reader.text('inventory');
    if (text === null) return emptyInventory();
    if (this.parsed?.text !== text) this.parsed = { text, inventory: InventoryStore.parseText(text, `${this.file} (document "inventory")`) };
    return structuredClone(this.parsed.inventory);
  }
}

function emptyInventory(): Inventory {
  return { version: 1, adminKeyId: null, keys: [] };
}

// Every caller gets the same NotFound wording for an unknown key id.
export function findKey(inventory: Inventory, id: string): KeyRecord {
  const key = inventory.keys.find((k) => k.id === id);
  if (!key) throw new SignetError('NotFound', `No key ${id} in the inventory.`);
  return key;
}
