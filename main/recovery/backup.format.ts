import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { BackupManifestSchema, type BackupManifest } from '../../shared/model/recovery.model.ts';
import { SignetError } from '../errors.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

/** The first line of every backup file; a reader refuses anything else before looking further. */
export const BACKUP_MAGIC = 'signet-backup/v1\n';

/** Memory-hard enough that each passphrase guess costs 128 MiB and a good fraction of a second. */
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1 } as const;

const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const CHECK_BYTES = 32;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** Limits on what a backup file may ask of the machine that opens it; a crafted file cannot make scrypt eat the memory. */
const MAX_SCRYPT = { N: 2 ** 20, r: 16, p: 4 };

/** The plaintext inside a backup: each item's bytes by the manifest's name for it. */
export type BackupItems = Map<string, Buffer>;

/** A backup file taken apart: its header (authenticated, not secret) and its sealed body. */
export interface ParsedBackup {
  manifest: BackupManifest;
  header: Buffer;
  salt: Buffer;
  nonce: Buffer;
  keyCheck: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

// The manifest sits in the clear so a backup can be inspected; it is bound to the contents as GCM's additional data.
export function encodeBackup(manifest: BackupManifest, items: BackupItems, key: Buffer, salt: Buffer): Buffer {
  const header = Buffer.from(`${BACKUP_MAGIC}${JSON.stringify(BackupManifestSchema.parse(manifest))}\n`, 'utf8');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(additionalData(header, salt, nonce));
  const plaintext = Buffer.from(JSON.stringify({ items: Object.fromEntries([...items].map(([name, data]) => [name, data.toString('base64')])) }), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  return Buffer.concat([header, salt, nonce, keyCheckOf(key, salt), cipher.getAuthTag(), ciphertext]);
}

// Reads the header and the sealed body's parts; nothing here is trusted until the body opens.
export function parseBackup(file: Buffer, name: string): ParsedBackup {
  const magic = Buffer.from(BACKUP_MAGIC, 'utf8');
  if (file.length < magic.length || !file.subarray(0, magic.length).equals(magic)) {
    throw new SignetError('BadInput', `${name} is not a Signet backup (it does not start with "${BACKUP_MAGIC.trim()}"), or its first line was altered.`);
  }
  const end = file.indexOf(0x0a, magic.length);
  if (end < 0) throw new SignetError('BadInput', `${name} is cut short: its manifest has no end.`);
  const header = file.subarray(0, end + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.subarray(magic.length, end).toString('utf8'));
  } catch {
    throw new SignetError('BadInput', `The manifest of ${name} is damaged (not JSON); the file was altered or corrupted.`);
  }
  const manifest = BackupManifestSchema.safeParse(parsed);
  if (!manifest.success) throw new SignetError('BadInput', `The manifest of ${name} is not a valid signet-backup/v1 manifest (${manifest.error.issues[0]?.message ?? 'invalid'}); the file was altered or corrupted.`);
  let at = end + 1;
  const take = (length: number): Buffer => {
    const part = file.subarray(at, at + length);
    at += length;
    return part;
  };
  const salt = take(SALT_BYTES);
  const nonce = take(NONCE_BYTES);
  const keyCheck = take(CHECK_BYTES);
  const tag = take(TAG_BYTES);
  if (tag.length !== TAG_BYTES) throw new SignetError('BadInput', `${name} is cut short: the encrypted contents are missing.`);
  return { manifest: manifest.data, header, salt, nonce, keyCheck, tag, ciphertext: file.subarray(at) };
}

// Fresh salt for a new backup; with shares it only feeds the key check.
export function newSalt(): Buffer {
  return randomBytes(SALT_BYTES);
}

// A random data key: what custodians' shares reconstruct.
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

// scrypt with the parameters the manifest names, bounded so an altered manifest cannot exhaust memory.
export async function passphraseKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  if (params.N > MAX_SCRYPT.N || params.r > MAX_SCRYPT.r || params.p > MAX_SCRYPT.p || params.N < 2 || (params.N & (params.N - 1)) !== 0) {
    throw new SignetError('BadInput', 'The backup asks for key-derivation parameters outside what Signet accepts; the manifest was altered.');
  }
  return scryptAsync(passphrase.normalize('NFKC'), salt, KEY_BYTES, { ...params, maxmem: 256 * params.N * params.r * params.p + 1024 * 1024 });
}

// Opens the body: a wrong key is told apart from altered contents, and no item is returned unless every one matches the manifest.
export function openBackup(backup: ParsedBackup, key: Buffer, wrongKey: string, name: string): BackupItems {
  const expected = keyCheckOf(key, backup.salt);
  if (backup.keyCheck.length !== expected.length || !timingSafeEqual(backup.keyCheck, expected)) throw new SignetError('Unauthorized', wrongKey);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, backup.nonce);
    decipher.setAAD(additionalData(backup.header, backup.salt, backup.nonce));
    decipher.setAuthTag(backup.tag);
    plaintext = Buffer.concat([decipher.update(backup.ciphertext), decipher.final()]);
  } catch {
    throw new SignetError('BadInput', `${name} was altered or corrupted: its contents or its manifest do not match the authentication tag. Nothing was restored.`);
  }
  const items = decodeItems(plaintext, name);
  plaintext.fill(0);
  checkItems(backup.manifest, items, name);
  return items;
}

// The manifest records size and SHA-256 per item, so a restore can prove each item before writing any.
export function describeItem(data: Buffer): { sha256: string; bytes: number } {
  return { sha256: sha256Hex(data), bytes: data.length };
}

// One spelling of SHA-256 for items, files and share checksums.
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function decodeItems(plaintext: Buffer, name: string): BackupItems {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new SignetError('BadInput', `The contents of ${name} opened but are not readable; the backup was made by something other than Signet.`);
  }
  const items = (parsed as { items?: unknown } | null)?.items;
  if (!items || typeof items !== 'object') throw new SignetError('BadInput', `The contents of ${name} hold no items.`);
  const result: BackupItems = new Map();
  for (const [itemName, data] of Object.entries(items as Record<string, unknown>)) {
    if (typeof data !== 'string') throw new SignetError('BadInput', `Item ${itemName} of ${name} is not encoded as Signet writes it.`);
    result.set(itemName, Buffer.from(data, 'base64'));
  }
  return result;
}

function checkItems(manifest: BackupManifest, items: BackupItems, name: string): void {
  const listed = new Set(manifest.items.map((i) => i.name));
  if (listed.size !== manifest.items.length) throw new SignetError('BadInput', `The manifest of ${name} lists an item twice.`);
  for (const item of manifest.items) {
    const data = items.get(item.name);
    if (!data) throw new SignetError('BadInput', `${name} lists ${item.name} in its manifest but does not hold it.`);
    const actual = describeItem(data);
    if (actual.bytes !== item.bytes || actual.sha256 !== item.sha256) {
      throw new SignetError('BadInput', `${item.name} in ${name} does not match its SHA-256 in the manifest (${item.sha256.slice(0, 16)}…); nothing was restored.`);
    }
  }
  for (const itemName of items.keys()) {
    if (!listed.has(itemName)) throw new SignetError('BadInput', `${name} holds ${itemName}, which its manifest does not list.`);
  }
}

function additionalData(header: Buffer, salt: Buffer, nonce: Buffer): Buffer {
  return Buffer.concat([header, salt, nonce]);
}

function keyCheckOf(key: Buffer, salt: Buffer): Buffer {
  return createHmac('sha256', key).update('signet-backup/v1 key check').update(salt).digest();
}
