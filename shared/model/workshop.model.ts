import { z } from 'zod';
import { ChainReportSchema, VerdictSchema } from './chain.model.ts';
import { RevocationReasonSchema, KeyAlgorithmSchema } from './keys.model.ts';
import { SignatureFormatSchema } from './signing.model.ts';
import { PolicyTargetSchema } from './policy.model.ts';

const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes');
/** A sample image of the sandbox, by name: `web` (one platform), `multi` (an index over several platforms), `other`. */
const SampleSchema = z.enum(['web', 'multi', 'other']);

/** What a step does in the sandbox; every action is carried out by main, never by the page. */
export const LessonActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('generate-key'), key: Slug, algorithm: KeyAlgorithmSchema.default('ecdsa-p256') }).strict(),
  z.object({ kind: z.literal('sign'), image: SampleSchema, key: Slug, format: SignatureFormatSchema.default('cosign') }).strict(),
  z.object({ kind: z.literal('verify'), image: SampleSchema }).strict(),
  z.object({ kind: z.literal('tamper'), image: SampleSchema, how: z.enum(['retag', 'edit-manifest', 'copy-signature']) }).strict(),
  z.object({ kind: z.literal('rotate'), key: Slug, as: Slug }).strict(),
  z.object({ kind: z.literal('revoke'), key: Slug, reason: RevocationReasonSchema, invalidSinceMinutesAgo: z.number().int().min(0).max(10_000).default(0) }).strict(),
  z.object({ kind: z.literal('require-signers'), keys: z.array(Slug).min(1).max(8), threshold: z.number().int().min(1).max(8) }).strict(),
  z.object({ kind: z.literal('evaluate'), image: SampleSchema }).strict(),
  z.object({ kind: z.literal('export-policy'), target: PolicyTargetSchema }).strict(),
]);
export type LessonAction = z.infer<typeof LessonActionSchema>;

export const LessonStepSchema = z
  .object({
    id: Slug,
    title: z.string().min(1).max(120),
    /** A few sentences beside the live picture: what this step shows and why it matters. */
    explanation: z.string().min(1).max(2000),
    action: LessonActionSchema,
    /** What the step must show; the lesson runner checks it and says so when it does not. */
    expect: z
      .object({ verdict: VerdictSchema.optional(), policy: z.enum(['pass', 'fail']).optional(), mentions: z.string().max(200).optional() })
      .strict()
      .default({}),
  })
  .strict();
export type LessonStep = z.infer<typeof LessonStepSchema>;

/** A lesson is data: trainers add their own as JSON files in the lessons folder. */
export const LessonSchema = z
  .object({
    id: Slug,
    title: z.string().min(1).max(120),
    summary: z.string().min(1).max(1000),
    steps: z.array(LessonStepSchema).min(1).max(40),
  })
  .strict();
export type Lesson = z.infer<typeof LessonSchema>;

export const SandboxViewSchema = z
  .object({
    active: z.boolean(),
    keyStore: z.enum(['softhsm', 'software']).nullable(),
    imageStore: z.enum(['registry', 'layout']).nullable(),
    /** The sample images, by name, as references the Images screen can open. */
    images: z.record(z.string(), z.string()),
    lessonId: Slug.nullable(),
    /** How many steps of the lesson have run. */
    step: z.number().int().nonnegative(),
    notes: z.array(z.string()),
  })
  .strict();
export type SandboxView = z.infer<typeof SandboxViewSchema>;

/** What happened in the sandbox, for the presenter's "show what happened" panel. */
export const HappenedSchema = z
  .object({
    registryWrites: z.array(z.object({ time: z.string(), what: z.string() }).strict()),
    auditEntries: z.array(z.object({ seq: z.number().int(), time: z.string(), action: z.string(), subject: z.string().nullable(), summary: z.string() }).strict()),
  })
  .strict();
export type Happened = z.infer<typeof HappenedSchema>;

export const StepResultSchema = z
  .object({
    lessonId: Slug,
    stepId: Slug,
    step: z.number().int().nonnegative(),
    /** Whether the step showed what the lesson expects. */
    asExpected: z.boolean(),
    outcome: z.string(),
    facts: z.array(z.object({ label: z.string(), value: z.string() }).strict()),
    chain: ChainReportSchema.nullable(),
    happened: HappenedSchema,
  })
  .strict();
export type StepResult = z.infer<typeof StepResultSchema>;

