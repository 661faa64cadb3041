import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '../../shared/model/keys.model.ts';
import { PolicySchema } from '../../shared/model/policy.model.ts';
import type { BackupKey, BackupManifest } from '../../shared/model/recovery.model.ts';
import { SettingsSchema, type Settings } from '../../shared/model/settings.model.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import { SignetError } from '../errors.ts';
import { algorithmOf, fingerprintOf } from '../encoding/key-encoding.ts';
import { describeLocation, tokenOf } from '../keys/key-location.ts';
import type { BackupItems } from './backup.format.ts';
import { BACKUP_KEY_FILE, parseBackupKey } from './backup-key.store.ts';
import { AUDIT_KEY, kindOf, parseInventory, SOFTWARE_KEY_PREFIX, type InventoryFile } from './backup.snapshot.ts';
import { decodeWrappedKey, WRAPPED_KEY_PREFIX, type WrappedKeyItem } from './wrapped-key.ts';

/** A backup's contents, checked item by item and ready to write; nothing has been written yet. */
export interface BackupContents {
  inventory: InventoryFile | null;
  /** Private keys by key id (the audit key under its own id), each matching its published fingerprint. */
  softwareKeys: Map<string, { algorithm: KeyAlgorithm; privateKey: KeyObject }>;
  /** Token keys wrapped under the backup key, by key id; only the backup key's token opens them. */
  wrappedKeys: Map<string, WrappedKeyItem>;
  backupKey: BackupKey | null;
  settings: Settings | null;
}

// Everything is parsed before anything is written: a backup that decrypts but holds something Signet would not load is refused whole.
export function checkContents(manifest: BackupManifest, items: BackupItems, name: string): BackupContents {
  for (const item of manifest.items) {
    const kind = kindOf(item.name);
    if (kind === null) throw new SignetError('BadInput', `${name} holds ${item.name}, which is not a file Signet restores; nothing was restored.`);
    if (kind !== item.kind) throw new SignetError('BadInput', `${name} calls ${item.name} a ${item.kind}, but it is a ${kind}; nothing was restored.`);
  }
  const text = (itemName: string): string | null => items.get(itemName)?.toString('utf8') ?? null;
  const inventoryText = text('keys/inventory.json');
  const inventory = inventoryText === null ? null : parseInventory(inventoryText, `The key inventory in ${name}`);
  const policies = text('policies/policies.json');
  if (policies !== null && !PolicySchema.array().safeParse(parseJsonOrUndefined(policies)).success) throw new SignetError('BadInput', `The policies in ${name} are not valid; nothing was restored.`);
  const settingsText = text('settings.json');
  const settings = settingsText === null ? null : SettingsSchema.safeParse(parseJsonOrUndefined(settingsText));
  if (settings && !settings.success) throw new SignetError('BadInput', `The settings in ${name} are not valid; nothing was restored.`);
  for (const jsonItem of manifest.items.filter((i) => i.name.endsWith('.json'))) {
    if (parseJsonOrUndefined(text(jsonItem.name) ?? '') === undefined) throw new SignetError('BadInput', `${jsonItem.name} in ${name} is not JSON; nothing was restored.`);
  }
  const softwareKeys: BackupContents['softwareKeys'] = new Map();
  for (const [itemName, data] of items) {
    if (!itemName.startsWith(SOFTWARE_KEY_PREFIX)) continue;
    const keyId = itemName.slice(SOFTWARE_KEY_PREFIX.length);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: data, format: 'der', type: 'pkcs8' });
    } catch {
      throw new SignetError('BadInput', `The private key ${keyId} in ${name} is not a PKCS#8 key; nothing was restored.`);
    }
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const algorithm = algorithmOf(createPublicKey(privateKey));
    const published = keyId === AUDIT_KEY.id ? auditKeyFingerprint(text('audit/audit-key.pem')) : inventory?.keys.find((k) => k.id === keyId);
    if (!algorithm || (keyId === AUDIT_KEY.id && algorithm !== AUDIT_KEY.algorithm)) throw new SignetError('BadInput', `The private key ${keyId} in ${name} is of a kind Signet does not sign with; nothing was restored.`);
    const expected = typeof published === 'string' ? published : published?.fingerprint;
    if (expected === undefined || (typeof published === 'object' && (describeLocation(published.location).backup !== 'copy' || published.algorithm !== algorithm))) {
      throw new SignetError('BadInput', `The private key ${keyId} in ${name} has no matching software key in the backup's inventory; nothing was restored.`);
    }
    if (expected !== fingerprintOf(spki)) throw new SignetError('BadInput', `The private key ${keyId} in ${name} is not the key its inventory publishes; nothing was restored.`);
    softwareKeys.set(keyId, { algorithm, privateKey });
  }
  let backupKey: BackupKey | null;
  try {
    backupKey = parseBackupKey(text(BACKUP_KEY_FILE), `The backup key description in ${name}`);
  } catch (error) {
    throw new SignetError('BadInput', `${(error as Error).message} Nothing was restored.`);
  }
  const wrappedKeys: BackupContents['wrappedKeys'] = new Map();
  for (const [itemName, data] of items) {
    if (!itemName.startsWith(WRAPPED_KEY_PREFIX)) continue;
    const wrapped = decodeWrappedKey(data, itemName, name);
    const published = inventory?.keys.find((k) => k.id === wrapped.keyId);
    if (!published || tokenOf(published.location) === null || published.fingerprint !== wrapped.fingerprint || published.algorithm !== wrapped.algorithm) {
      throw new SignetError('BadInput', `The wrapped key ${wrapped.keyId} in ${name} has no matching token key in the backup's inventory; nothing was restored.`);
    }
    if (!backupKey || backupKey.fingerprint !== wrapped.backupKeyFingerprint) throw new SignetError('BadInput', `The wrapped key ${wrapped.keyId} in ${name} was wrapped under a backup key the backup does not describe; nothing was restored.`);
    wrappedKeys.set(wrapped.keyId, wrapped);
  }
  return { inventory, softwareKeys, wrappedKeys, backupKey, settings: settings?.success ? settings.data : null };
}

function auditKeyFingerprint(pem: string | null): string | undefined {
  if (pem === null) return undefined;
  try {
    return fingerprintOf(createPublicKey(pem).export({ type: 'spki', format: 'der' }));
  } catch {
    return undefined;
  }
}
