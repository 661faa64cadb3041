import { z } from 'zod';
import { KeyAlgorithmSchema, KeyIdSchema, type KeyRecord } from '../../shared/model/keys.model.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import { SignetError } from '../errors.ts';
import type { WrappedPrivateKey } from '../platform/pkcs11.types.ts';
import { tokenOf } from '../keys/key-location.ts';

export const WRAPPED_KEY_PREFIX = 'wrapped-keys/';

const Base64Schema = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);

const WrappedKeyItemSchema = z
  .object({
    version: z.literal(1),
    keyId: KeyIdSchema,
    label: z.string(),
    algorithm: KeyAlgorithmSchema,
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    objectId: z.string().regex(/^[0-9a-f]+$/),
    /** How it was wrapped, in words, so a person reading the backup years later knows what opens it. */
    scheme: z.literal('AES-256 key wrap with padding (RFC 5649); the AES key under RSA-OAEP with the backup key'),
    oaepHash: z.enum(['sha256', 'sha1']),
    backupKeyFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    wrappedKey: Base64Schema,
    wrappedSecret: Base64Schema,
  })
  .strict();
export type WrappedKeyItem = z.infer<typeof WrappedKeyItemSchema>;

// The item a backup holds for a wrapped token key: ciphertext only, with what is needed to put it back as it was.
export function encodeWrappedKey(key: KeyRecord, wrapped: WrappedPrivateKey, backupKeyFingerprint: string): Buffer {
  const token = tokenOf(key.location);
  if (token === null) throw new SignetError('Internal', 'Only token keys are wrapped.');
  const item: WrappedKeyItem = {
    version: 1,
    keyId: key.id,
    label: key.label,
    algorithm: key.algorithm,
    fingerprint: key.fingerprint,
    objectId: token.objectId,
    scheme: 'AES-256 key wrap with padding (RFC 5649); the AES key under RSA-OAEP with the backup key',
    oaepHash: wrapped.oaepHash,
    backupKeyFingerprint,
    wrappedKey: wrapped.wrappedKey.toString('base64'),
    wrappedSecret: wrapped.wrappedSecret.toString('base64'),
  };
  return Buffer.from(`${JSON.stringify(item, null, 2)}\n`, 'utf8');
}

// A wrapped item is trusted only if it parses and names the key its inventory publishes.
export function decodeWrappedKey(data: Buffer, itemName: string, backupName: string): WrappedKeyItem {
  const parsed = WrappedKeyItemSchema.safeParse(parseJsonOrUndefined(data.toString('utf8')));
  if (!parsed.success) throw new SignetError('BadInput', `${itemName} in ${backupName} is not a wrapped key Signet wrote (${parsed.error.issues[0]?.message ?? 'not JSON'}); nothing was restored.`);
  if (`${WRAPPED_KEY_PREFIX}${parsed.data.keyId}` !== itemName) throw new SignetError('BadInput', `${itemName} in ${backupName} holds the key ${parsed.data.keyId}; nothing was restored.`);
  return parsed.data;
}

// The wrapped form the token adapter opens.
export function wrappedPrivateKey(item: WrappedKeyItem): WrappedPrivateKey {
  return { wrappedKey: Buffer.from(item.wrappedKey, 'base64'), wrappedSecret: Buffer.from(item.wrappedSecret, 'base64'), oaepHash: item.oaepHash };
}
