import { z } from 'zod';
import { PolicyIdSchema } from './policy.model.ts';

/** Where a scan looks: a configured registry (its catalog, or the repositories named) or a configured layout. */
export const ScanSourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('registry'),
      name: z.string().min(1).max(64),
      /** Null reads the registry's catalog. */
      repositories: z.array(z.string().min(1).max(512)).max(10_000).nullable().default(null),
    })
    .strict(),
  z.object({ kind: z.literal('layout'), name: z.string().min(1).max(64) }).strict(),
]);
export type ScanSource = z.infer<typeof ScanSourceSchema>;

export const StartScanSchema = z
  .object({
    source: ScanSourceSchema,
    /** Judge every image by this policy; null verifies against the configured trust only. */
    policyId: PolicyIdSchema.nullable().default(null),
    tagPattern: z.string().min(1).max(256).regex(/^[A-Za-z0-9_.*?-]+$/, 'tag characters with * and ?').default('*'),
    /** Reuse what an earlier scan learnt about digests that did not change. */
    incremental: z.boolean().default(true),
  })
  .strict();
export type StartScan = z.infer<typeof StartScanSchema>;

/** How one image stands; every image falls in exactly one class. */
export const CoverageClassSchema = z.enum(['verified', 'failing', 'unsigned', 'revoked-or-expired', 'untrusted', 'unreadable']);
export type CoverageClass = z.infer<typeof CoverageClassSchema>;

export const COVERAGE_WORDS: Record<CoverageClass, string> = {
  verified: 'signed and verified',
  failing: 'signed but failing',
  unsigned: 'unsigned',
  'revoked-or-expired': 'signed by a revoked or expired key',
  untrusted: 'untrusted signer',
  unreadable: 'could not be read',
};

export const ScanImageSchema = z
  .object({
    repository: z.string(),
    tag: z.string(),
    digest: z.string().nullable(),
    /** os/architecture for a platform manifest under an index; null for the tagged manifest itself. */
    platform: z.string().nullable(),
    coverage: CoverageClassSchema,
    policyVerdict: z.enum(['pass', 'fail', 'no-rule']).nullable(),
    admitted: z.boolean().nullable(),
    signers: z.array(z.string()),
    formats: z.array(z.string()),
    reason: z.string(),
    /** True when the verdict was reused from an earlier scan because nothing it depends on changed. */
    reused: z.boolean(),
  })
  .strict();
export type ScanImage = z.infer<typeof ScanImageSchema>;

export const ScanSummarySchema = z
  .object({
    scanId: z.string(),
    source: z.string(),
    policyId: PolicyIdSchema.nullable(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    counts: z.record(CoverageClassSchema, z.number().int().nonnegative()),
    total: z.number().int().nonnegative(),
    /** Share of images signed and verified, 0 to 1. */
    coverage: z.number().min(0).max(1),
    /** What could not be read (a repository, a page of tags); the result says what is missing. */
    missing: z.array(z.string()),
    cancelled: z.boolean(),
    requests: z.number().int().nonnegative(),
  })
  .strict();
export type ScanSummary = z.infer<typeof ScanSummarySchema>;

export const ScanRecordSchema = z.object({ summary: ScanSummarySchema, images: z.array(ScanImageSchema) }).strict();
export type ScanRecord = z.infer<typeof ScanRecordSchema>;

const ImageKeySchema = z.object({ repository: z.string(), tag: z.string(), platform: z.string().nullable() }).strict();

/** What changed between two scans: what lost its signature, whose signer changed, what came and went. */
export const ScanDiffSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    becameUnsigned: z.array(ImageKeySchema),
    signerChanged: z.array(ImageKeySchema.extend({ before: z.array(z.string()), after: z.array(z.string()) }).strict()),
    coverageChanged: z.array(ImageKeySchema.extend({ before: CoverageClassSchema, after: CoverageClassSchema }).strict()),
    added: z.array(ImageKeySchema),
    removed: z.array(ImageKeySchema),
  })
  .strict();
export type ScanDiff = z.infer<typeof ScanDiffSchema>;

export const ScanProgressSchema = z
  .object({
    scanId: z.string(),
    phase: z.enum(['listing', 'checking', 'done']),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    /** Images checked per second so far. */
    rate: z.number().nonnegative(),
    current: z.string().nullable(),
  })
  .strict();
export type ScanProgress = z.infer<typeof ScanProgressSchema>;

/** A re-scan that runs by itself while the app is open. */
export const ScanScheduleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,64}$/),
    scan: StartScanSchema,
    everyMinutes: z.number().int().min(5).max(7 * 24 * 60),
  })
  .strict();
export type ScanSchedule = z.infer<typeof ScanScheduleSchema>;

/** Pushed when a scheduled scan finds coverage dropped or an image's signer changed, for a desktop notification. */
export const ScanAlertSchema = z
  .object({ scanId: z.string(), scheduleId: z.string().nullable(), title: z.string(), body: z.string() })
  .strict();
export type ScanAlert = z.infer<typeof ScanAlertSchema>;
