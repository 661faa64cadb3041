import { z } from 'zod';
import { SignetError } from '../errors.ts';

const Annotations = z.record(z.string(), z.string());

/** A content descriptor as the OCI image spec writes it; fields Signet does not use are kept, not checked. */
export const DescriptorSchema = z.looseObject({
  mediaType: z.string().optional(),
  digest: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  artifactType: z.string().optional(),
  annotations: Annotations.optional(),
  platform: z.looseObject({ os: z.string().optional(), architecture: z.string().optional(), variant: z.string().optional() }).optional(),
});
export type Descriptor = z.infer<typeof DescriptorSchema>;

/** An image manifest or index (OCI or Docker): what discovery reads of it. */
export const ManifestDocumentSchema = z.looseObject({
  schemaVersion: z.number().optional(),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: DescriptorSchema.optional(),
  layers: z.array(DescriptorSchema).optional(),
  manifests: z.array(DescriptorSchema).optional(),
  subject: DescriptorSchema.optional(),
  annotations: Annotations.optional(),
});
export type ManifestDocument = z.infer<typeof ManifestDocumentSchema>;

/** A referrers list (the API's answer, or the tag-schema fallback index): an index whose manifests are the referrers. */
export const ReferrersListSchema = ManifestDocumentSchema.extend({ manifests: z.array(DescriptorSchema) });

/** A signature or attestation manifest: its layers must name what to fetch. */
export const SignatureManifestSchema = z.looseObject({
  layers: z.array(DescriptorSchema.extend({ digest: z.string(), mediaType: z.string() })).optional(),
});

/** An OCI layout's index.json: every entry names its manifest by digest. */
export const LayoutIndexSchema = z.looseObject({
  manifests: z.array(DescriptorSchema.extend({ digest: z.string(), mediaType: z.string().default('') })).optional(),
});

// A document from a registry or a layout is parsed and checked before use; what is wrong is said in words, never thrown as a crash.
export function readDocument<T extends z.ZodType>(bytes: Buffer | string, schema: T, what: string): z.infer<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    throw new SignetError('BadInput', `${what} is not JSON.`);
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success) throw new SignetError('BadInput', `${what} does not follow the OCI spec: ${describe(checked.error)}.`);
  return checked.data;
}

function describe(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : 'the document'}: ${issue.message}`);
  return `${shown.join('; ')}${error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : ''}`.slice(0, 400);
}
