import { z } from 'zod';

/** What a user types to inspect: a registry reference, or `oci:/path[:tag|@digest]` for a layout on disk. */
export const InspectInputSchema = z
  .object({
    reference: z
      .string()
      .trim()
      .min(1)
      .max(2048)
      .refine((text) => ![...text].some((c) => c.charCodeAt(0) < 0x20), 'the reference contains control characters'),
    insecure: z.boolean().default(false),
  })
  .strict();
export type InspectInput = z.infer<typeof InspectInputSchema>;

/** A configured place images live: a registry or a layout folder, by its settings name. */
export const ImageStoreRefSchema = z
  .object({ kind: z.enum(['registry', 'layout']), name: z.string().min(1).max(64) })
  .strict();
export type ImageStoreRef = z.infer<typeof ImageStoreRefSchema>;

export const RepositoryListSchema = z
  .object({ repositories: z.array(z.string()), note: z.string().nullable() })
  .strict();

export const TagListSchema = z
  .object({
    tags: z.array(z.string()),
    /** The reference to inspect for each tag, ready to pass back unchanged. */
    references: z.record(z.string(), z.string()),
  })
  .strict();

/** Pushed while an inspection reads the registry, so the screen can show what it waits for. */
export const InspectProgressSchema = z
  .object({ reference: z.string(), step: z.string(), done: z.number().int().nonnegative(), total: z.number().int().nonnegative() })
  .strict();
export type InspectProgress = z.infer<typeof InspectProgressSchema>;
