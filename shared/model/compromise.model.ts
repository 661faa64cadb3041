import { z } from 'zod';
import { KeyIdSchema } from './keys.model.ts';
import { IntentViewSchema } from './intent.model.ts';
import { SignatureFormatSchema, SignedTargetSchema } from './signing.model.ts';
import { PolicyTargetSchema } from './policy.model.ts';

/** Where to look for images the key signed, beside the audit log: configured registries (their catalogs or named repositories). */
export const CompromiseScopeSchema = z
  .object({
    keyId: KeyIdSchema,
    invalidSince: z.iso.datetime(),
    registries: z.array(z.object({ name: z.string().min(1).max(64), repositories: z.array(z.string().min(1).max(512)).max(1000).nullable().default(null) }).strict()).max(16).default([]),
  })
  .strict();
export type CompromiseScope = z.infer<typeof CompromiseScopeSchema>;

/** An image signed by the compromised key after "invalid since", and how Signet knows. */
export const AffectedImageSchema = z
  .object({
    reference: z.string(),
    digest: z.string(),
    format: SignatureFormatSchema.nullable(),
    signedAt: z.iso.datetime().nullable(),
    foundIn: z.array(z.enum(['audit-log', 'registry-scan'])),
  })
  .strict();
export type AffectedImage = z.infer<typeof AffectedImageSchema>;

export const CompromiseAssessmentSchema = z
  .object({ keyId: KeyIdSchema, label: z.string(), fingerprint: z.string(), invalidSince: z.iso.datetime(), affected: z.array(AffectedImageSchema), notes: z.array(z.string()) })
  .strict();
export type CompromiseAssessment = z.infer<typeof CompromiseAssessmentSchema>;

/** The whole response, confirmed once: revoke, rotate, re-sign every affected digest, optionally remove the bad signatures, publish, export. */
export const PrepareCompromiseSchema = CompromiseScopeSchema.extend({
  resign: z.boolean().default(true),
  removeCompromisedSignatures: z.boolean().default(false),
  exportTargets: z.array(PolicyTargetSchema).max(4).default([]),
}).strict();
export type PrepareCompromise = z.infer<typeof PrepareCompromiseSchema>;

/** The response's intent lists every affected image next to the facts. */
export const CompromiseIntentSchema = IntentViewSchema.extend({ affected: z.array(AffectedImageSchema) }).strict();
export type CompromiseIntent = z.infer<typeof CompromiseIntentSchema>;

/** Everything done, with times: the report a security officer files. */
export const CompromiseReportSchema = z
  .object({
    keyId: KeyIdSchema,
    successorId: KeyIdSchema.nullable(),
    invalidSince: z.iso.datetime(),
    resigned: z.array(SignedTargetSchema),
    removed: z.array(z.object({ reference: z.string(), what: z.string() }).strict()),
    revocationList: z.object({ filename: z.string(), mediaType: z.string(), text: z.string() }).strict(),
    exports: z.array(z.object({ policyId: z.string(), target: PolicyTargetSchema, files: z.array(z.object({ filename: z.string(), mediaType: z.string(), text: z.string() }).strict()), gaps: z.array(z.string()) }).strict()),
    timeline: z.array(z.object({ time: z.iso.datetime(), what: z.string() }).strict()),
  })
  .strict();
export type CompromiseReport = z.infer<typeof CompromiseReportSchema>;
