import { z } from 'zod';
import { KeyBackendSpecSchema, KeyIdSchema } from './keys.model.ts';
import { InspectInputSchema } from './images.model.ts';
import { IntentViewSchema } from './intent.model.ts';

/** The formats Signet writes: cosign's `.sig` tag, a sigstore bundle as an OCI referrer, a Notation JWS. */
export const SignatureFormatSchema = z.enum(['cosign', 'sigstore-bundle', 'notation']);
export type SignatureFormat = z.infer<typeof SignatureFormatSchema>;

export const FORMAT_NAMES: Record<SignatureFormat, string> = {
  cosign: 'cosign signature (.sig tag)',
  'sigstore-bundle': 'sigstore bundle v0.3 (OCI referrer)',
  notation: 'Notation JWS with an X.509 chain',
};

const DigestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a sha256 digest');

/** Extra annotations a signer adds to what is signed; keys and values stay short and printable. */
export const SignAnnotationsSchema = z
  .record(
    z.string().min(1).max(128).regex(/^[A-Za-z0-9._/-]+$/, 'annotation keys are letters, digits, dot, dash, underscore and slash'),
    z.string().max(1024).refine((v) => ![...v].some((c) => c.charCodeAt(0) < 0x20), 'annotation values contain control characters'),
  )
  .refine((record) => Object.keys(record).length <= 32, 'at most 32 annotations');

/** An image resolved for signing: its pinned digest and the manifests under it. */
export const SignPlanSchema = z
  .object({
    reference: z.string(),
    repository: z.string(),
    tag: z.string().nullable(),
    digest: DigestSchema,
    kind: z.enum(['index', 'manifest']),
    manifests: z.array(
      z
        .object({
          digest: DigestSchema,
          mediaType: z.string(),
          size: z.number().int().nonnegative(),
          platform: z.string().nullable(),
          /** Formats already attached to this manifest. */
          signedWith: z.array(z.string()),
        })
        .strict(),
    ),
  })
  .strict();
export type SignPlan = z.infer<typeof SignPlanSchema>;

const SignChoicesSchema = z
  .object({
    keyId: KeyIdSchema,
    format: SignatureFormatSchema.default('cosign'),
    annotations: SignAnnotationsSchema.default({}),
    /** Ask the configured timestamp authority for an RFC 3161 timestamp. */
    timestamp: z.boolean().default(false),
    insecure: z.boolean().default(false),
  })
  .strict();

/** One image: the digest pinned when it was resolved and the manifests under it to sign. */
export const PrepareSignSchema = SignChoicesSchema.extend({
  reference: InspectInputSchema.shape.reference,
  digest: DigestSchema,
  manifests: z.array(DigestSchema).min(1).max(64),
}).strict();
export type PrepareSign = z.infer<typeof PrepareSignSchema>;

/** Every tag of one repository matching a pattern (`*` and `?`), each with its platform manifests if asked. */
export const PrepareBulkSignSchema = SignChoicesSchema.extend({
  repository: InspectInputSchema.shape.reference,
  tagPattern: z.string().min(1).max(256).regex(/^[A-Za-z0-9_.*?-]+$/, 'tag characters with * and ?'),
  platforms: z.boolean().default(true),
}).strict();
export type PrepareBulkSign = z.infer<typeof PrepareBulkSignSchema>;

/** What main will sign, exactly; nothing else can be signed with this intent. */
export const SignIntentViewSchema = IntentViewSchema.extend({
  /** Every digest that will be signed, with the tag it came from. */
  targets: z.array(z.object({ digest: DigestSchema, tag: z.string().nullable(), platform: z.string().nullable() }).strict()),
}).strict();
export type SignIntentView = z.infer<typeof SignIntentViewSchema>;

export const SignedTargetSchema = z
  .object({
    digest: DigestSchema,
    tag: z.string().nullable(),
    platform: z.string().nullable(),
    /** What was written: the signature manifest and, for referrers, the fallback index tag. */
    written: z.array(z.string()),
    verdict: z.enum(['verified', 'failed', 'untrusted', 'revoked', 'expired', 'unsigned', 'not-checked']),
    reason: z.string(),
  })
  .strict();

export const SignResultSchema = z
  .object({
    format: SignatureFormatSchema,
    keyId: KeyIdSchema,
    fingerprint: z.string(),
    signed: z.array(SignedTargetSchema),
    /** True when a bulk run was cancelled; what is listed was signed before that. */
    cancelled: z.boolean(),
    requests: z.number().int().nonnegative(),
  })
  .strict();
export type SignResult = z.infer<typeof SignResultSchema>;

export const SignProgressSchema = z
  .object({ intentId: z.string(), done: z.number().int().nonnegative(), total: z.number().int().nonnegative(), current: z.string().nullable() })
  .strict();
export type SignProgress = z.infer<typeof SignProgressSchema>;

/** Signet's own small certificate authority for Notation: a root, an intermediate and leaves for signing keys. */
export const AuthorityViewSchema = z
  .object({
    exists: z.boolean(),
    rootKeyId: KeyIdSchema.nullable(),
    intermediateKeyId: KeyIdSchema.nullable(),
    rootPem: z.string().nullable(),
    intermediatePem: z.string().nullable(),
    leaves: z.array(z.object({ keyId: KeyIdSchema, serial: z.string(), subject: z.string(), notAfter: z.string(), revoked: z.boolean() }).strict()),
  })
  .strict();
export type AuthorityView = z.infer<typeof AuthorityViewSchema>;

export const CreateAuthoritySchema = z
  .object({
    name: z.string().min(1).max(64).regex(/^[^\n\r,=+<>#;\\"]+$/, 'a plain name without DN special characters'),
    backend: KeyBackendSpecSchema,
  })
  .strict();
export type CreateAuthority = z.infer<typeof CreateAuthoritySchema>;
