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

export const AuditVerificationSchema = z
  .object({
    ok: z.boolean(),
    entries: z.number().int().nonnegative(),
    checkpoints: z.number().int().nonnegative(),
    lastHash: z.string().nullable(),
    firstBad: z.object({ seq: z.number().int().nonnegative(), line: z.number().int().positive(), reason: z.string() }).strict().nullable(),
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
