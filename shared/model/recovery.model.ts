import { z } from 'zod';
import { AbsolutePathSchema } from './settings.model.ts';
import { KeyIdSchema } from './keys.model.ts';

/**
 * A backup's secret never crosses to the renderer: it is split among custodians (M of N) and each
 * share is written by main as a printable recovery sheet into a folder the user chose. Passphrase
 * backups are made at a terminal (the CLI), where the passphrase is typed without echo.
 */
export const CustodiansSchema = z
  .object({
    threshold: z.number().int().min(2).max(16),
    names: z.array(z.string().trim().min(1).max(64)).min(2).max(16),
  })
  .strict()
  .refine((c) => c.threshold <= c.names.length, { message: 'the threshold cannot exceed the number of custodians', path: ['threshold'] })
  .refine((c) => new Set(c.names).size === c.names.length, { message: 'custodian names must differ', path: ['names'] });
export type Custodians = z.infer<typeof CustodiansSchema>;

export const PrepareBackupSchema = z.object({ outputDir: AbsolutePathSchema, custodians: CustodiansSchema }).strict();
export type PrepareBackup = z.infer<typeof PrepareBackupSchema>;

/** One entry of a backup's manifest: what it is and the SHA-256 of its bytes. */
export const BackupItemSchema = z
  .object({ name: z.string(), kind: z.enum(['software-key', 'wrapped-key', 'inventory', 'policies', 'revocations', 'audit-log', 'settings', 'authority']), sha256: z.string(), bytes: z.number().int().nonnegative() })
  .strict();

/** The backup key: an RSA-3072 pair on a second token, whose public half wraps token keys for backups. Public facts only. */
export const BackupKeySchema = z
  .object({
    version: z.literal(1),
    modulePath: z.string(),
    tokenLabel: z.string(),
    tokenSerial: z.string(),
    objectId: z.string(),
    fingerprint: z.string(),
    publicKeyPem: z.string(),
    createdAt: z.iso.datetime(),
  })
  .strict();
export type BackupKey = z.infer<typeof BackupKeySchema>;

export const CreateBackupKeySchema = z.object({ modulePath: AbsolutePathSchema, tokenLabel: z.string().min(1).max(32) }).strict();

/** What a backup holds, readable before it is opened; authenticated with the contents, so it cannot be edited unnoticed. */
export const BackupManifestSchema = z
  .object({
    format: z.literal('signet-backup/v1'),
    createdAt: z.iso.datetime(),
    items: z.array(BackupItemSchema),
    /** Keys that are not in it (on a token and not extractable, revoked, no backup key yet), and what to do instead. */
    notIncluded: z.array(z.object({ keyId: KeyIdSchema, label: z.string(), reason: z.string() }).strict()),
    unlock: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('passphrase'), kdf: z.literal('scrypt'), N: z.number().int(), r: z.number().int(), p: z.number().int() }).strict(),
      z.object({ kind: z.literal('shares'), threshold: z.number().int(), custodians: z.array(z.string()), shareSetId: z.string() }).strict(),
    ]),
  })
  .strict();
export type BackupManifest = z.infer<typeof BackupManifestSchema>;

export const BackupResultSchema = z
  .object({ backupFile: z.string(), sheets: z.array(z.string()), manifest: BackupManifestSchema })
  .strict();
export type BackupResult = z.infer<typeof BackupResultSchema>;

/** Opening a backup names the file and the recovery sheets (files) holding at least M shares. */
export const OpenBackupSchema = z
  .object({ backupFile: AbsolutePathSchema, shareFiles: z.array(AbsolutePathSchema).min(1).max(16) })
  .strict();
export type OpenBackup = z.infer<typeof OpenBackupSchema>;

/** A restore drill: every key restored into fresh stores, made to sign, and checked against its published public key. */
export const DrillResultSchema = z
  .object({
    backupFile: z.string(),
    at: z.iso.datetime(),
    passed: z.boolean(),
    keys: z.array(z.object({ keyId: KeyIdSchema, label: z.string(), passed: z.boolean(), reason: z.string() }).strict()),
    notIncluded: z.array(z.object({ keyId: KeyIdSchema, label: z.string(), reason: z.string() }).strict()),
    /** The SoftHSM token made for the drill, or why none was. */
    freshToken: z.string(),
  })
  .strict();
export type DrillResult = z.infer<typeof DrillResultSchema>;

/** When each key's backup last passed a drill. */
export const DrillStatusSchema = z.array(z.object({ keyId: KeyIdSchema, lastPassed: z.iso.datetime().nullable(), lastFailed: z.iso.datetime().nullable() }).strict());


export const RestoreResultSchema = z
  .object({
    restoredKeys: z.array(KeyIdSchema),
    /** Token keys unwrapped onto the backup key's token because their own token no longer held them, and the ones left where they were. */
    tokenKeys: z.array(z.object({ keyId: KeyIdSchema, label: z.string(), outcome: z.string() }).strict()),
    restoredItems: z.array(z.string()),
    notIncluded: z.array(z.object({ keyId: KeyIdSchema, label: z.string(), reason: z.string() }).strict()),
  })
  .strict();
export type RestoreResult = z.infer<typeof RestoreResultSchema>;
