import { z } from 'zod';

/** One fact the person reads before saying yes: a digest, a key fingerprint, a destination. */
export const IntentFactSchema = z.object({ label: z.string(), value: z.string() }).strict();
export type IntentFact = z.infer<typeof IntentFactSchema>;

/**
 * What main will do, exactly, shown to the person before they confirm. Every confirmed operation
 * answers its prepare step with this view; an operation that shows more extends it.
 */
export const IntentViewSchema = z
  .object({
    intentId: z.string(),
    title: z.string(),
    facts: z.array(IntentFactSchema),
    expiresAt: z.iso.datetime(),
  })
  .strict();
export type IntentView = z.infer<typeof IntentViewSchema>;
