import { z } from 'zod';
import { HostKindSchema } from './system.model.ts';

export const AuditEntrySchema = z
  .object({
    seq: z.number().int().nonnegative(),
    time: z.iso.datetime(),
    host: HostKindSchema,
    action: z.string().regex(/^[a-z]+\.[a-zA-Z]+$/),
    subject: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    prev: z.string().regex(/^[0-9a-f]{64}$/),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** The log's last checkpoint as recorded outside it (the OS keychain), and what the log says to it. */
export const AuditAnchorCheckSchema = z
  .object({
    /** matched: the log holds that entry with that hash; absent: nothing recorded yet; unreadable: the place could not be read;
     *  tail-removed: the log ends before it; rewritten: the log holds another entry there; unchecked: the chain broke before it. */
    status: z.enum(['matched', 'absent', 'unreadable', 'tail-removed', 'rewritten', 'unchecked']),
    where: z.string(),
    seq: z.number().int().positive().nullable(),
    hash: z.string().nullable(),
    time: z.string().nullable(),
    /** What this means for the log, in words. */
    note: z.string(),
  })
  .strict();
export type AuditAnchorCheck = z.infer<typeof AuditAnchorCheckSchema>;

export const AuditVerificationSchema = z
  .object({
    ok: z.boolean(),
    entries: z.number().int().nonnegative(),
    checkpoints: z.number().int().nonnegative(),
    lastHash: z.string().nullable(),
    firstBad: z.object({ seq: z.number().int().nonnegative(), line: z.number().int().positive(), reason: z.string() }).strict().nullable(),
    /** The checkpoint recorded outside the log; null when this host keeps none. */
    anchor: AuditAnchorCheckSchema.nullable(),
    /** Entries after the last checkpoint whose signature verified. */
    unsignedTail: z.number().int().nonnegative(),
  })
  .strict();
export type AuditVerification = z.infer<typeof AuditVerificationSchema>;

export const AuditQuerySchema = z
  .object({
    action: z.string().max(64).optional(),
    subject: z.string().max(128).optional(),
    limit: z.number().int().min(1).max(5000).default(500),
  })
  .strict();
