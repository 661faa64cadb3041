import { z } from 'zod';
import { AbsolutePathSchema } from './settings.model.ts';
import { IntentViewSchema } from './intent.model.ts';

export const KeyAlgorithmSchema = z.enum(['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa-3072', 'rsa-4096']);
export type KeyAlgorithm = z.infer<typeof KeyAlgorithmSchema>;

/** What each algorithm is called in the UI. */
export const ALGORITHM_NAMES: Record<KeyAlgorithm, string> = {
  'ecdsa-p256': 'ECDSA P-256',
  'ecdsa-p384': 'ECDSA P-384',
  ed25519: 'Ed25519',
  'rsa-3072': 'RSA 3072',
  'rsa-4096': 'RSA 4096',
};

/** A TPM has no Ed25519; the UI offers only what the backend can do. */
export const TPM_ALGORITHMS: readonly KeyAlgorithm[] = ['ecdsa-p256', 'ecdsa-p384', 'rsa-3072'];

export const KeyStatusSchema = z.enum(['active', 'retired', 'revoked', 'destroyed']);
export type KeyStatus = z.infer<typeof KeyStatusSchema>;

/** RFC 5280 CRLReason values that apply to a signing key. */
export const RevocationReasonSchema = z.enum([
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
]);
export type RevocationReason = z.infer<typeof RevocationReasonSchema>;

export const KeyLabelSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, space, dot, dash and underscore');

export const KeyIdSchema = z.string().regex(/^k-[0-9a-f]{16}$/, 'a key id looks like k-0123456789abcdef');

/** Where a new key is made: sealed software, or a token behind a PKCS#11 module (HSM, TPM). */
export const KeyBackendSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('software') }).strict(),
  z.object({ kind: z.literal('pkcs11'), modulePath: AbsolutePathSchema, tokenLabel: z.string().min(1).max(32) }).strict(),
]);
export type KeyBackendSpec = z.infer<typeof KeyBackendSpecSchema>;

export const KeyLocationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('software') }).strict(),
  z
    .object({
      kind: z.literal('pkcs11'),
      uri: z.string().startsWith('pkcs11:'),
      modulePath: z.string(),
      tokenLabel: z.string(),
      tokenSerial: z.string(),
      objectId: z.string().regex(/^[0-9a-f]+$/),
      /** The private half may leave the token wrapped under the backup key, so backups can hold it. */
      wrappable: z.boolean().optional(),
    })
    .strict(),
]);
export type KeyLocation = z.infer<typeof KeyLocationSchema>;

export const RevocationSchema = z
  .object({ reason: RevocationReasonSchema, invalidSince: z.iso.datetime(), revokedAt: z.iso.datetime() })
  .strict();
export type Revocation = z.infer<typeof RevocationSchema>;

/** Who signs the revocation list, and whether a list can be published now (it never is unsigned). */
export const RevocationSignerSchema = z
  .object({
    adminKeyId: KeyIdSchema.nullable(),
    usable: z.boolean(),
    /** Why no list can be published, in words; null while the admin key can sign. */
    problem: z.string().nullable(),
    /** The highest sequence number published or accepted here; the next list must carry a greater one. */
    sequence: z.number().int().nullable(),
    /** The published list is signed by the admin key and lists every revocation the inventory holds. */
    current: z.boolean(),
  })
  .strict();
export type RevocationSigner = z.infer<typeof RevocationSignerSchema>;

export const KeyRecordSchema = z
  .object({
    id: KeyIdSchema,
    label: KeyLabelSchema,
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    algorithm: KeyAlgorithmSchema,
    location: KeyLocationSchema,
    publicKeyPem: z.string().startsWith('-----BEGIN PUBLIC KEY-----'),
    createdAt: z.iso.datetime(),
    notAfter: z.iso.datetime().nullable(),
    status: KeyStatusSchema,
    /** End of a rotation's overlap: from then on the key verifies but no longer signs. */
    retireAt: z.iso.datetime().nullable(),
    revocation: RevocationSchema.nullable(),
    destroyedAt: z.iso.datetime().nullable(),
    predecessor: KeyIdSchema.nullable(),
    successor: KeyIdSchema.nullable(),
    signatureCount: z.number().int().nonnegative(),
  })
  .strict();
export type KeyRecord = z.infer<typeof KeyRecordSchema>;

export type EffectiveKeyStatus = KeyStatus | 'expired';

// Status as of a given time: a stored "active" key past its overlap is retired, past its not-after is expired.
export function effectiveStatus(key: KeyRecord, now: Date): EffectiveKeyStatus {
  if (key.status !== 'active') return key.status;
  if (key.retireAt && Date.parse(key.retireAt) <= now.getTime()) return 'retired';
  if (key.notAfter && Date.parse(key.notAfter) <= now.getTime()) return 'expired';
  return 'active';
}

export const GenerateKeyInputSchema = z
  .object({
    backend: KeyBackendSpecSchema,
    algorithm: KeyAlgorithmSchema.default('ecdsa-p256'),
    label: KeyLabelSchema,
    notAfter: z.iso.datetime().optional(),
    /** A token key that backups can hold, wrapped under the backup key; it still never leaves in the clear. */
    wrappable: z.boolean().optional(),
  })
  .strict();
export type GenerateKeyInput = z.infer<typeof GenerateKeyInputSchema>;

export const PublicKeyFormatSchema = z.enum(['pem', 'cosign-pub', 'jwk']);
export type PublicKeyFormat = z.infer<typeof PublicKeyFormatSchema>;

/** A file main hands over for saving: a public key, a revocation list, a report. */
export const ExportedFileSchema = z.object({ filename: z.string(), mediaType: z.string(), text: z.string() }).strict();

export const PrepareKeyActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('rotate'), keyId: KeyIdSchema, overlapDays: z.number().int().min(0).max(365).default(7), label: KeyLabelSchema.optional() }).strict(),
  z.object({ action: z.literal('revoke'), keyId: KeyIdSchema, reason: RevocationReasonSchema, invalidSince: z.iso.datetime() }).strict(),
  z.object({ action: z.literal('destroy'), keyId: KeyIdSchema }).strict(),
  /** Designating the key that alone signs and vouches for revocation lists. */
  z.object({ action: z.literal('set-admin'), keyId: KeyIdSchema }).strict(),
]);
export type PrepareKeyAction = z.infer<typeof PrepareKeyActionSchema>;

/** A key action's intent names the action, and for destroy the label to type back. */
export const KeyIntentViewSchema = IntentViewSchema.extend({
  action: z.enum(['rotate', 'revoke', 'destroy', 'set-admin']),
  /** Destroy asks for the key's label to be typed back. */
  typeToConfirm: z.string().nullable(),
}).strict();
export type KeyIntentView = z.infer<typeof KeyIntentViewSchema>;

export const ConfirmKeyActionSchema = z
  .object({ intentId: z.string().min(1).max(64), typedConfirmation: z.string().max(128).optional() })
  .strict();

export const KeyDifferenceSchema = z
  .object({
    keyId: KeyIdSchema.nullable(),
    kind: z.enum(['missing-on-token', 'not-in-inventory', 'sealed-key-missing', 'token-unavailable']),
    message: z.string(),
  })
  .strict();

export const TokenSelectorSchema = z.object({ modulePath: AbsolutePathSchema, tokenLabel: z.string().min(1).max(32) }).strict();

export const DiscoveredKeySchema = z
  .object({ objectId: z.string(), label: z.string(), algorithm: KeyAlgorithmSchema.nullable(), adoptedAs: KeyIdSchema.nullable() })
  .strict();
