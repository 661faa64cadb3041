import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { KeyIdSchema, KeyRecordSchema, type KeyRecord } from '../../shared/model/keys.model.ts';
import type { BackupManifest } from '../../shared/model/recovery.model.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import { SignetError } from '../errors.ts';
import type { WrappedPrivateKey } from '../platform/pkcs11.types.ts';
import type { SoftwareKeyStore } from '../keys/software.backend.ts';
import type { TokenLocation } from '../keys/key-backend.types.ts';
import { describeLocation, tokenOf } from '../keys/key-location.ts';
import { isStoredItem, readDataItem, readDataItemText } from '../storage/data-items.ts';
import type { BackupItems } from './backup.format.ts';
import { BACKUP_KEY_FILE } from './backup-key.store.ts';
import type { BackupKey } from '../../shared/model/recovery.model.ts';
import { TWIN_STATEMENTS_DIR, TWINS_FILE, type Twin } from './twin.service.ts';
import { encodeWrappedKey, WRAPPED_KEY_PREFIX } from './wrapped-key.ts';

export type ItemKind = BackupManifest['items'][number]['kind'];
export type NotIncluded = BackupManifest['notIncluded'][number];

/** The audit key is a software key outside the inventory (main/audit/audit-signer.ts); its checkpoints need it after a restore. */
export const AUDIT_KEY = { id: 'audit-key', algorithm: 'ecdsa-p256' } as const;
export const SOFTWARE_KEY_PREFIX = 'software-keys/';

/** Every file a backup may carry, by its path in the data folder; a restore writes nothing else. */
const FIXED_ITEMS: Record<string, ItemKind> = {
  'keys/inventory.json': 'inventory',
  [TWINS_FILE]: 'inventory',
  'keys/revocations.json': 'revocations',
  'policies/policies.json': 'policies',
  'audit/audit.jsonl': 'audit-log',
  'audit/audit-key.pem': 'audit-log',
  'settings.json': 'settings',
  'authority/authority.json': 'authority',
  [BACKUP_KEY_FILE]: 'inventory',
};
const PAIR = 'k-[0-9a-f]{16}--k-[0-9a-f]{16}\\.json';
const PATTERN_ITEMS: [RegExp, ItemKind][] = [
  [new RegExp(`^keys/rotations/${PAIR}$`), 'inventory'],
  [new RegExp(`^${TWIN_STATEMENTS_DIR}/${PAIR}$`), 'inventory'],
  [/^software-keys\/(k-[0-9a-f]{16}|audit-key)$/, 'software-key'],
  [/^wrapped-keys\/k-[0-9a-f]{16}$/, 'wrapped-key'],
];

export const InventoryFileSchema = z.object({ version: z.literal(1), adminKeyId: KeyIdSchema.nullable(), keys: z.array(KeyRecordSchema) }).strict();
export type InventoryFile = z.infer<typeof InventoryFileSchema>;

// A name from a backup is trusted only if it is one Signet writes, so a crafted backup cannot write outside the data folder.
export function kindOf(name: string): ItemKind | null {
  const fixed = FIXED_ITEMS[name];
  if (fixed) return fixed;
  return PATTERN_ITEMS.find(([pattern]) => pattern.test(name))?.[1] ?? null;
}

/** What a backup made now would hold, decided before any private key is opened. */
export interface BackupPlan {
  inventory: InventoryFile;
  /** Software keys whose sealed private key is present, and so go into the backup. */
  softwareKeys: KeyRecord[];
  /** Token keys made wrappable, each to be wrapped under the backup key on its own token. */
  wrappedKeys: KeyRecord[];
  backupKey: BackupKey | null;
  includeAuditKey: boolean;
  files: string[];
  notIncluded: NotIncluded[];
}

// Reads which files and keys exist; the facts a person confirms are built from this.
export async function planBackup(dataDir: string, software: SoftwareKeyStore, twins: Twin[], backupKey: BackupKey | null): Promise<BackupPlan> {
  const inventoryText = await readDataItemText(dataDir, 'keys/inventory.json');
  const inventory = inventoryText === null ? { version: 1 as const, adminKeyId: null, keys: [] } : parseInventory(inventoryText, 'the live key inventory');
  const softwareKeys: KeyRecord[] = [];
  const wrappedKeys: KeyRecord[] = [];
  const notIncluded: NotIncluded[] = [];
  for (const key of inventory.keys) {
    if (key.status === 'destroyed') continue;
    const held = describeLocation(key.location);
    if (held.backup === 'wrapped') {
      const reason = wrapRefusal(key, held.token, backupKey);
      if (reason === null) wrappedKeys.push(key);
      else notIncluded.push({ keyId: key.id, label: key.label, reason });
    } else if (held.backup === 'copy') {
      if (key.status === 'revoked') notIncluded.push({ keyId: key.id, label: key.label, reason: `revoked (${key.revocation?.reason ?? 'unspecified'}); a revoked key's private half is not carried into backups.` });
      else if (!(await software.exists(key.id))) notIncluded.push({ keyId: key.id, label: key.label, reason: 'its sealed private key is missing from this machine, so there is nothing to back up; run `signet keys reconcile`.' });
      else softwareKeys.push(key);
    } else {
      notIncluded.push({ keyId: key.id, label: key.label, reason: tokenReason(key, held.token, inventory.keys, twins) });
    }
  }
  const files: string[] = [];
  for (const name of Object.keys(FIXED_ITEMS)) {
    if (isStoredItem(name) ? (await readDataItem(dataDir, name)) !== null : await exists(join(dataDir, name))) files.push(name);
  }
  for (const dir of ['keys/rotations', TWIN_STATEMENTS_DIR]) {
    for (const entry of (await listDir(join(dataDir, dir))).sort()) {
      if (kindOf(`${dir}/${entry}`)) files.push(`${dir}/${entry}`);
    }
  }
  return { inventory, softwareKeys, wrappedKeys, backupKey, includeAuditKey: await software.exists(AUDIT_KEY.id), files, notIncluded };
}

// A wrappable key still stays out when it is revoked, when there is no backup key, or when the backup key shares its token.
function wrapRefusal(key: KeyRecord, token: TokenLocation, backupKey: BackupKey | null): string | null {
  if (key.status === 'revoked') return `revoked (${key.revocation?.reason ?? 'unspecified'}); a revoked key's private half is not carried into backups.`;
  if (backupKey === null) return `wrappable on token "${token.tokenLabel}", but there is no backup key to wrap it under yet: make one on a second token (\`signet backup key create --module PATH --token LABEL\`).`;
  if (backupKey.modulePath === token.modulePath && backupKey.tokenLabel === token.tokenLabel) {
    return `wrappable, but on the backup key's own token "${token.tokenLabel}"; a backup that only that token opens does not survive losing it. Make a twin instead.`;
  }
  return null;
}

// Reads every planned item; private keys come out of the sealed store as PKCS#8 and stay in main's memory.
export async function readBackupItems(dataDir: string, software: SoftwareKeyStore, plan: BackupPlan, wrap: (key: KeyRecord, backupKey: BackupKey) => Promise<WrappedPrivateKey>): Promise<BackupItems> {
  const items: BackupItems = new Map();
  for (const key of plan.wrappedKeys) {
    items.set(`${WRAPPED_KEY_PREFIX}${key.id}`, encodeWrappedKey(key, await wrap(key, plan.backupKey!), plan.backupKey!.fingerprint));
  }
  for (const key of plan.softwareKeys) {
    items.set(`${SOFTWARE_KEY_PREFIX}${key.id}`, (await software.unsealForExport(key.id, key.algorithm)).export({ type: 'pkcs8', format: 'der' }));
  }
  if (plan.includeAuditKey) items.set(`${SOFTWARE_KEY_PREFIX}${AUDIT_KEY.id}`, (await software.unsealForExport(AUDIT_KEY.id, AUDIT_KEY.algorithm)).export({ type: 'pkcs8', format: 'der' }));
  for (const name of plan.files) {
    const text = await readDataItemText(dataDir, name);
    if (text === null) throw new SignetError('Conflict', `${name} disappeared while the backup was being made; nothing was written.`);
    items.set(name, Buffer.from(name === 'audit/audit.jsonl' ? completeLines(text) : text, 'utf8'));
  }
  return items;
}

// A key on a token stays there; the reason says so plainly and names the twin, or how to make one.
function tokenReason(key: KeyRecord, token: TokenLocation, keys: KeyRecord[], twins: Twin[]): string {
  const held = `held non-extractable on token "${token.tokenLabel}" (${token.uri}); it cannot leave the token, so no backup can hold it.`;
  const made = twins
    .filter((t) => t.original === key.id || t.twin === key.id)
    .map((t) => keys.find((k) => k.id === (t.original === key.id ? t.twin : t.original)))
    .flatMap((k) => {
      const home = k !== undefined && k.status !== 'destroyed' ? tokenOf(k.location) : null;
      return k !== undefined && home !== null ? [{ label: k.label, id: k.id, tokenLabel: home.tokenLabel }] : [];
    });
  if (made.length > 0) {
    return `${held} Its twin${made.length > 1 ? 's' : ''} ${made.map((k) => `"${k.label}" (${k.id}) on token "${k.tokenLabel}"`).join(', ')} keep${made.length > 1 ? '' : 's'} signing if that token is lost; policies that name this key accept ${made.length > 1 ? 'them' : 'it'} as the same signer.`;
  }
  return `${held} Make a twin: a second key on another token, cross-signed with this one (\`signet backup twin ${key.id} --module PATH --token LABEL\`); policies that name this key then accept the twin as the same signer.`;
}

// Shared with the restore: the inventory a backup carries must be one the key service can load.
export function parseInventory(text: string, what: string): InventoryFile {
  const parsed = InventoryFileSchema.safeParse(parseJsonOrUndefined(text));
  if (!parsed.success) throw new SignetError('Conflict', `${what} is damaged (${parsed.error.issues[0]?.message ?? 'not JSON'}).`);
  return parsed.data;
}

// A write in progress may leave half a line at the end; the backup keeps only whole entries.
function completeLines(text: string): string {
  return text.endsWith('\n') || text.length === 0 ? text : text.slice(0, text.lastIndexOf('\n') + 1);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
