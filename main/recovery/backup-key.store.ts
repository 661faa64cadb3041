import { createPublicKey } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { BackupKey } from '../../shared/model/recovery.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import { SignetError } from '../errors.ts';
import { fingerprintOf, spkiToPem } from '../encoding/key-encoding.ts';
import type { KeyService } from '../keys/keys.service.ts';
import { describeLocation, isOnToken } from '../keys/key-location.ts';
import type { TokenSelector } from '../platform/pkcs11.types.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';

/** Where the backup key's description lives in the data folder; backups carry it, so a restore knows which token opens them. */
export const BACKUP_KEY_FILE = 'recovery/backup-key.json';
const BACKUP_KEY_LABEL = 'signet backup key';

const BackupKeyFileSchema = z
  .object({
    version: z.literal(1),
    modulePath: z.string().min(1),
    tokenLabel: z.string().min(1),
    tokenSerial: z.string(),
    objectId: z.string().regex(/^[0-9a-f]+$/),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    publicKeyPem: z.string().startsWith('-----BEGIN PUBLIC KEY-----'),
    createdAt: z.iso.datetime(),
  })
  .strict();

/**
 * The backup key: an RSA-3072 pair made on a second token. Token keys made wrappable leave their own
 * token only encrypted under its public half, and only the token holding its private half (which can
 * unwrap and do nothing else) opens them again.
 */
export class BackupKeyStore {
  private readonly dataDir: string;
  private readonly keys: KeyService;
  private readonly audit: AuditLog;
  private readonly now: () => Date;

  constructor(deps: { dataDir: string; keys: KeyService; audit: AuditLog; now: () => Date }) {
    this.dataDir = deps.dataDir;
    this.keys = deps.keys;
    this.audit = deps.audit;
    this.now = deps.now;
  }

  // The live backup key, or null before one is made.
  async current(): Promise<BackupKey | null> {
    return parseBackupKey(await readFileIfExists(join(this.dataDir, BACKUP_KEY_FILE)), join(this.dataDir, BACKUP_KEY_FILE));
  }

  // One backup key at a time: replacing it would leave every earlier backup's token keys unopenable, so that is refused.
  async create(token: TokenSelector, host: HostKind): Promise<BackupKey> {
    const existing = await this.current();
    if (existing) throw new SignetError('Conflict', `A backup key already exists on token "${existing.tokenLabel}" (${existing.fingerprint.slice(0, 16)}…); earlier backups need it, so it is not replaced.`);
    const inventory = await this.keys.list();
    const sameToken = inventory.filter((k) => k.status !== 'destroyed' && isOnToken(k.location, token));
    if (sameToken.some((k) => describeLocation(k.location).backup === 'wrapped')) {
      throw new SignetError('BadInput', `Token "${token.tokenLabel}" holds wrappable signing keys; their backup key must live on another token, or losing one token loses both.`);
    }
    const opened = await this.keys.openToken(token, 'Make the backup key on this token.');
    const objectId = randomBytes(16);
    const spki = await opened.generateWrappingKeyPair(BACKUP_KEY_LABEL, objectId);
    const key: BackupKey = {
      version: 1,
      modulePath: token.modulePath,
      tokenLabel: opened.label,
      tokenSerial: opened.serial,
      objectId: objectId.toString('hex'),
      fingerprint: fingerprintOf(spki),
      publicKeyPem: spkiToPem(spki),
      createdAt: this.now().toISOString(),
    };
    await writeFileAtomic(join(this.dataDir, BACKUP_KEY_FILE), `${JSON.stringify(BackupKeyFileSchema.parse(key), null, 2)}\n`);
    await this.audit.append({ host, action: 'backup.key', subject: null, details: { token: opened.label, serial: opened.serial, objectId: key.objectId, fingerprint: key.fingerprint } });
    return key;
  }
}

// Shared with the restore, which reads the copy a backup carries.
export function parseBackupKey(text: string | null, where: string): BackupKey | null {
  if (text === null) return null;
  const parsed = BackupKeyFileSchema.safeParse(parseJsonOrUndefined(text));
  if (!parsed.success) throw new SignetError('Conflict', `${where} is damaged (${parsed.error.issues[0]?.message ?? 'not JSON'}).`);
  if (fingerprintOf(createPublicKey(parsed.data.publicKeyPem).export({ type: 'spki', format: 'der' })) !== parsed.data.fingerprint) {
    throw new SignetError('Conflict', `${where} names a backup key whose fingerprint does not match its public key.`);
  }
  return parsed.data;
}
