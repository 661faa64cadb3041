import { z } from 'zod';

export const PlatformSchema = z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).strict();

export const AttachmentKindSchema = z.enum(['cosign-signature', 'cosign-attestation', 'sigstore-bundle-signature', 'sigstore-bundle-attestation', 'notation-signature', 'sbom', 'other']);
export type AttachmentKind = z.infer<typeof AttachmentKindSchema>;

/** How an attachment was found: a cosign tag, the referrers API, or the referrers tag-schema fallback. */
export const DiscoveredViaSchema = z.enum(['cosign-tag', 'referrers-api', 'referrers-tag']);

export const AttachmentSchema = z
  .object({
    digest: z.string(),
    kind: AttachmentKindSchema,
    via: DiscoveredViaSchema,
    tag: z.string().nullable(),
    artifactType: z.string().nullable(),
    mediaTypes: z.array(z.string()),
    /** For DSSE attestations and bundles: the in-toto predicate type. */
    predicateType: z.string().nullable(),
    annotations: z.record(z.string(), z.string()),
    /** Set when the attached document (or the referrers list that named it) could not be read: what is wrong with it. */
    unreadable: z.string().optional(),
  })
  .strict();
export type Attachment = z.infer<typeof AttachmentSchema>;

export interface ManifestNode {
  digest: string;
  mediaType: string;
  size: number;
  kind: 'index' | 'manifest';
  platform: z.infer<typeof PlatformSchema> | null;
  children: ManifestNode[];
  attachments: Attachment[];
  /** Set when this manifest's own document could not be read or checked: what is wrong with it. */
  unreadable?: string;
}

export const ManifestNodeSchema: z.ZodType<ManifestNode> = z.lazy(() =>
  z
    .object({
      digest: z.string(),
      mediaType: z.string(),
      size: z.number().int().nonnegative(),
      kind: z.enum(['index', 'manifest']),
      platform: PlatformSchema.nullable(),
      children: z.array(ManifestNodeSchema),
      attachments: z.array(AttachmentSchema),
      unreadable: z.string().optional(),
    })
    .strict(),
);

export const ImageGraphSchema = z
  .object({
    reference: z.string(),
    source: z.string(),
    repository: z.string(),
    tag: z.string().nullable(),
    root: ManifestNodeSchema,
    /** What could not be read, in words; the rest of the graph is still shown. */
    problems: z.array(z.string()),
    /** Set when reading stopped at a budget (requests, bytes, nodes, referrers, time): which one and its value. */
    tooLarge: z.string().optional(),
  })
  .strict();
export type ImageGraph = z.infer<typeof ImageGraphSchema>;
