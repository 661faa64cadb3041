import { z } from 'zod';
import { KeyIdSchema } from './keys.model.ts';
import { SignatureFormatSchema } from './signing.model.ts';

const PemSchema = z.string().min(32).max(64 * 1024).refine((text) => text.includes('-----BEGIN '), 'a PEM block');
const NameSchema = z.string().trim().min(1).max(128);

/** Someone whose signature counts: an inventory key, a public key, a keyless identity, or a CA root. */
export const PolicySignerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('key'), keyId: KeyIdSchema }).strict(),
  z.object({ kind: z.literal('publicKey'), name: NameSchema, pem: PemSchema }).strict(),
  z.object({ kind: z.literal('identity'), subject: z.string().min(1).max(512), issuer: z.string().min(1).max(512) }).strict(),
  z.object({ kind: z.literal('ca'), name: NameSchema, pem: PemSchema }).strict(),
]);
export type PolicySigner = z.infer<typeof PolicySignerSchema>;

export const EnforcementSchema = z.enum(['enforce', 'warn', 'audit']);
export type Enforcement = z.infer<typeof EnforcementSchema>;

/** What images in a repository scope must carry: N of these M signers, in these formats, with these attestations. */
export const PolicyRuleSchema = z
  .object({
    scope: z.string().min(1).max(512).regex(/^[A-Za-z0-9._:/*?@-]+$/, 'a repository glob such as registry.example.com/team/*'),
    signers: z.array(PolicySignerSchema).min(1).max(32),
    threshold: z.number().int().min(1).max(32).default(1),
    formats: z.array(SignatureFormatSchema).min(1).max(3).default(['cosign', 'sigstore-bundle', 'notation']),
    /** Predicate types that must be attested by an accepted signer, such as https://slsa.dev/provenance/v1. */
    attestations: z.array(z.string().min(1).max(256)).max(16).default([]),
    enforcement: EnforcementSchema.default('enforce'),
  })
  .strict()
  .refine((rule) => rule.threshold <= rule.signers.length, { message: 'the threshold cannot exceed the number of signers', path: ['threshold'] });
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;

export const PolicyIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');

export const PolicySchema = z
  .object({
    id: PolicyIdSchema,
    name: NameSchema,
    description: z.string().max(2000).default(''),
    /** The first rule whose scope matches an image decides for it. */
    rules: z.array(PolicyRuleSchema).min(1).max(128),
    updatedAt: z.iso.datetime().optional(),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;

export const PolicyTargetSchema = z.enum(['kyverno', 'policy-controller', 'containers-policy', 'notation']);
export type PolicyTarget = z.infer<typeof PolicyTargetSchema>;

export const POLICY_TARGET_NAMES: Record<PolicyTarget, string> = {
  kyverno: 'Kyverno ClusterPolicy (verifyImages)',
  'policy-controller': 'sigstore policy-controller ClusterImagePolicy',
  'containers-policy': 'containers-policy.json (podman, CRI-O, skopeo)',
  notation: 'Notation trustpolicy.json and trust store',
};

/** An exported policy: the files to hand to the cluster, and every rule the target could not express. */
export const PolicyExportSchema = z
  .object({
    target: PolicyTargetSchema,
    files: z.array(z.object({ filename: z.string(), mediaType: z.string(), text: z.string() }).strict()).min(1),
    /** Rules the target cannot express faithfully, in words; an export never weakens a rule silently. */
    gaps: z.array(z.string()),
  })
  .strict();
export type PolicyExport = z.infer<typeof PolicyExportSchema>;

/** A policy's verdict on one image, with the reasons and which rule decided. */
export const PolicyEvaluationSchema = z
  .object({
    reference: z.string(),
    digest: z.string(),
    policyId: PolicyIdSchema,
    /** The scope of the rule that applied, or null when no rule matches the repository. */
    rule: z.string().nullable(),
    verdict: z.enum(['pass', 'fail', 'no-rule']),
    enforcement: EnforcementSchema.nullable(),
    /** Whether an admission controller would admit the image: a failing warn or audit rule still admits. */
    admitted: z.boolean(),
    acceptedSigners: z.array(z.string()),
    reasons: z.array(z.string()),
  })
  .strict();
export type PolicyEvaluation = z.infer<typeof PolicyEvaluationSchema>;
