import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import { effectiveStatus, KeyIdSchema, RevocationReasonSchema, type KeyRecord, type Revocation } from '../../shared/model/keys.model.ts';
import { canonicalJson } from '../encoding/canonical-json.ts';
import { SignetError } from '../errors.ts';
import { HASH_FOR } from '../encoding/key-encoding.ts';

export const REVOCATIONS_TYPE = 'https://signet.dev/revocations/v1';

/** Clocks of two machines differ a little; a date further ahead than this is refused as future-dated. */
export const REVOCATION_CLOCK_SKEW_MS = 5 * 60_000;

const FingerprintSchema = z.string().regex(/^[0-9a-f]{64}$/);

export const RevocationEntrySchema = z
  .object({
    keyId: KeyIdSchema,
    label: z.string().max(64),
    fingerprint: FingerprintSchema,
    reason: RevocationReasonSchema,
    invalidSince: z.iso.datetime(),
    revokedAt: z.iso.datetime(),
  })
  .strict();
export type RevocationEntry = z.infer<typeof RevocationEntrySchema>;

export const RevocationDocumentSchema = z
  .object({
    type: z.literal(REVOCATIONS_TYPE),
    /** Grows by one with every list this data folder publishes; an importer refuses one not newer than the last it accepted. */
    sequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    issued: z.iso.datetime(),
    entries: z.array(RevocationEntrySchema).max(100_000),
    signer: z.object({ keyId: KeyIdSchema, fingerprint: FingerprintSchema, publicKeyPem: z.string().startsWith('-----BEGIN PUBLIC KEY-----') }).strict(),
  })
  .strict();
export type RevocationDocument = z.infer<typeof RevocationDocumentSchema>;

/** A list as published and imported: the document and the admin key's signature over its canonical JSON. */
export const SignedRevocationListSchema = z.object({ document: RevocationDocumentSchema, signature: z.base64().min(1).max(4096) }).strict();
export type SignedRevocationList = z.infer<typeof SignedRevocationListSchema>;

// The one rule for who may sign a list: the designated admin key, and only while it is active (not revoked, retired, expired or destroyed).
export function usableAdmin(adminKeyId: string | null, keys: readonly KeyRecord[], now: Date): { key: KeyRecord | null; problem: string | null } {
  if (!adminKeyId) return { key: null, problem: 'No admin key is designated; choose one on the Keys screen (or `signet keys set-admin ID`). A revocation list is never published unsigned.' };
  const key = keys.find((k) => k.id === adminKeyId);
  if (!key) return { key: null, problem: `The designated admin key ${adminKeyId} is not in the inventory; choose another on the Keys screen.` };
  const status = effectiveStatus(key, now);
  if (status !== 'active') return { key: null, problem: `The admin key "${key.label}" is ${status} and cannot sign a revocation list; choose another on the Keys screen.` };
  return { key, problem: null };
}

// Combines two revocations of one key so that the result is never weaker than either: keyCompromise wins over any other reason, and the earlier "invalid since" wins.
export function strongestRevocation(current: Revocation | null, incoming: Revocation): Revocation {
  if (!current) return { ...incoming };
  const compromised = current.reason === 'keyCompromise' || incoming.reason === 'keyCompromise';
  const earlier = Date.parse(incoming.invalidSince) < Date.parse(current.invalidSince) ? incoming : current;
  const reason = compromised ? 'keyCompromise' : earlier.reason;
  const changed = reason !== current.reason || earlier.invalidSince !== current.invalidSince;
  return changed ? { reason, invalidSince: earlier.invalidSince, revokedAt: incoming.revokedAt } : { ...current };
}

// True when applying `incoming` would change what verification concludes about the key.
export function strengthens(current: Revocation | null, incoming: Revocation): boolean {
  if (!current) return true;
  const merged = strongestRevocation(current, incoming);
  return merged.reason !== current.reason || merged.invalidSince !== current.invalidSince;
}

// Everything an imported list must pass before one entry is applied; each refusal names the rule it broke.
export function checkImportedList(text: string, context: { adminKeyId: string | null; keys: readonly KeyRecord[]; now: Date; lastSequence: number }): SignedRevocationList {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SignetError('BadInput', 'The revocation list is not JSON.');
  }
  const shape = parsed as { document?: { type?: unknown; sequence?: unknown }; signature?: unknown } | null;
  if (!shape || typeof shape !== 'object' || !shape.document || shape.document.type !== REVOCATIONS_TYPE) throw new SignetError('BadInput', 'This is not a Signet revocation list.');
  if (!shape.signature) throw new SignetError('Forbidden', 'The revocation list is not signed; it cannot be trusted.');
  if (shape.document.sequence === undefined) throw new SignetError('Forbidden', 'The revocation list carries no sequence number, so it cannot be told apart from an older one; ask for a list published by a current Signet.');
  const result = SignedRevocationListSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SignetError('BadInput', `The revocation list is malformed (${issue ? `${issue.path.join('.') || 'list'}: ${issue.message}` : 'invalid'}); nothing was applied.`);
  }
  const list = result.data;
  const { key: admin, problem } = usableAdmin(context.adminKeyId, context.keys, context.now);
  if (!admin) throw new SignetError('Forbidden', `The revocation list cannot be checked: ${problem}`);
  if (list.document.signer.fingerprint !== admin.fingerprint) {
    throw new SignetError('Forbidden', `The revocation list is signed by key SHA256:${list.document.signer.fingerprint.slice(0, 16)}…, not by the designated admin key "${admin.label}"; only the admin key signs revocation lists.`);
  }
  let ok: boolean;
  try {
    ok = verify(HASH_FOR[admin.algorithm], Buffer.from(canonicalJson(list.document)), createPublicKey(admin.publicKeyPem), Buffer.from(list.signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw new SignetError('Forbidden', 'The revocation list signature does not verify with the admin key.');
  const limit = context.now.getTime() + REVOCATION_CLOCK_SKEW_MS;
  if (Date.parse(list.document.issued) > limit) throw new SignetError('Forbidden', `The revocation list says it was issued at ${list.document.issued}, in the future; nothing was applied.`);
  for (const entry of list.document.entries) {
    for (const [name, value] of [['invalid since', entry.invalidSince], ['revoked at', entry.revokedAt]] as const) {
      if (Date.parse(value) > limit) throw new SignetError('Forbidden', `The revocation of "${entry.label}" (SHA256:${entry.fingerprint.slice(0, 16)}…) is dated in the future (${name} ${value}); nothing was applied.`);
    }
  }
  if (list.document.sequence <= context.lastSequence) {
    throw new SignetError('Conflict', `The revocation list has sequence number ${list.document.sequence}, not newer than ${context.lastSequence}, the last one accepted or published here; nothing was applied.`);
  }
  return list;
}
