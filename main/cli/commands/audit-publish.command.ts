import { z } from 'zod';
import { parseJsonOrUndefined } from '../../../shared/json.ts';
import { AuditEntrySchema, type AuditVerification } from '../../../shared/model/audit.model.ts';
import { parseImageReference } from '../../../shared/model/image-reference.parser.ts';
import type { Settings } from '../../../shared/model/settings.model.ts';
import { SignetError } from '../../errors.ts';
import { resolveImageTarget } from '../../images/image-target.ts';
import { sha256Digest, type CredentialSource } from '../../registry/registry.client.ts';
import { entryHash, type AuditLog } from '../../audit/audit.log.ts';

/** The artifact type of a published checkpoint: one layer holding {@link PublishedCheckpointSchema}. */
export const CHECKPOINT_ARTIFACT_TYPE = 'application/vnd.signet.audit.checkpoint.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
const EMPTY_CONFIG = Buffer.from('{}');
/** A checkpoint and a PEM key are a few kilobytes; anything much larger is not one. */
const MAX_CHECKPOINT_BYTES = 64 * 1024;

/** What a third party holds: the checkpoint entry as the log stores it, and the audit key that signed it. */
export const PublishedCheckpointSchema = z
  .object({
    format: z.literal('signet-audit-checkpoint/v1'),
    checkpoint: AuditEntrySchema,
    auditKeyPem: z.string().min(1).max(16 * 1024),
  })
  .strict();
export type PublishedCheckpoint = z.infer<typeof PublishedCheckpointSchema>;

const DescriptorSchema = z.looseObject({ mediaType: z.string(), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), size: z.number().int().nonnegative() });
const CheckpointManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(OCI_MANIFEST),
  artifactType: z.literal(CHECKPOINT_ARTIFACT_TYPE),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema).length(1),
});

/** What the parts of the app a publication uses are. */
export interface PublishContext {
  audit: AuditLog;
  settings: { get(): Promise<Settings> };
  registryCredentials: CredentialSource;
}

export interface PublishResult {
  reference: string;
  digest: string;
  seq: number;
  hash: string;
}

export interface AgainstResult {
  reference: string;
  digest: string;
  /** The published checkpoint's position and hash; null when the artifact could not be read as one. */
  seq: number | null;
  hash: string | null;
  held: boolean;
  reason: string;
}

// REGISTRY/REPO[:TAG]; a digest names bytes already there, so publishing needs a tag (latest when none is given).
function target(text: string, settings: Settings, context: PublishContext, insecure: boolean) {
  let parsed;
  try {
    parsed = parseImageReference(text);
  } catch (error) {
    throw new SignetError('BadInput', (error as Error).message);
  }
  return { parsed, target: resolveImageTarget(text, settings, { insecure, credentials: context.registryCredentials }) };
}

// A third party that holds the checkpoint can later show a shortened or rewritten log for what it is, whatever the data folder says.
export async function publishCheckpoint(context: PublishContext, reference: string, options: { insecure: boolean }): Promise<PublishResult> {
  if (reference.startsWith('oci:')) throw new SignetError('BadInput', 'Checkpoints are published to a registry: write REGISTRY/REPOSITORY[:TAG].');
  const { parsed, target: where } = target(reference, await context.settings.get(), context, options.insecure);
  if (parsed.digest) throw new SignetError('BadInput', `${reference} names a digest; publish under a tag (REGISTRY/REPOSITORY[:TAG]).`);
  const verification = await context.audit.verify();
  if (!verification.ok) throw new SignetError('Conflict', `The audit log does not verify (${describeFailure(verification)}); nothing was published.`);
  // The published checkpoint covers the whole log: one is written first when entries follow the last.
  const tail = await context.audit.entryAt(verification.entries);
  if (tail?.action !== 'audit.checkpoint') await context.audit.checkpoint('cli');
  const checkpoint = await context.audit.latestCheckpoint();
  const pem = await context.audit.auditKeyPem();
  if (!checkpoint || !pem) throw new SignetError('Unavailable', 'The audit log holds no checkpoint signed by the audit key; nothing was published.');
  const document: PublishedCheckpoint = { format: 'signet-audit-checkpoint/v1', checkpoint, auditKeyPem: pem };
  const layer = Buffer.from(`${JSON.stringify(document, null, 2)}\n`);
  const tag = parsed.tag ?? 'latest';
  const [config, blob] = [await where.writer.putBlob(where.repository, EMPTY_CONFIG), await where.writer.putBlob(where.repository, layer)];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: CHECKPOINT_ARTIFACT_TYPE,
      config: { mediaType: OCI_EMPTY, digest: config.digest, size: config.size, data: EMPTY_CONFIG.toString('base64') },
      layers: [{ mediaType: CHECKPOINT_ARTIFACT_TYPE, digest: blob.digest, size: blob.size, annotations: { 'org.opencontainers.image.title': `audit-checkpoint-${checkpoint.seq}.json` } }],
      annotations: { 'org.opencontainers.image.created': checkpoint.time, 'dev.signet.audit.checkpoint.seq': String(checkpoint.seq), 'dev.signet.audit.checkpoint.hash': checkpoint.hash },
    }),
  );
  const digest = await where.writer.putManifest(where.repository, tag, manifest, OCI_MANIFEST);
  const published = `${parsed.registry}/${parsed.repository}:${tag}`;
  await context.audit.append({ host: 'cli', action: 'audit.publish', subject: null, details: { reference: published, digest, seq: checkpoint.seq, hash: checkpoint.hash } });
  return { reference: published, digest, seq: checkpoint.seq, hash: checkpoint.hash };
}

// Reads a published checkpoint and holds the local log against it: the same entry at the same position, signed by the pinned key.
export async function verifyAgainst(context: PublishContext, reference: string, options: { insecure: boolean }): Promise<AgainstResult> {
  if (reference.startsWith('oci:')) throw new SignetError('BadInput', 'A published checkpoint is read from a registry: write REGISTRY/REPOSITORY[:TAG|@DIGEST].');
  const { target: where } = target(reference, await context.settings.get(), context, options.insecure);
  const fetched = await where.source.getManifest(where.repository, where.reference);
  const unreadable = (reason: string): AgainstResult => ({ reference, digest: fetched.digest, seq: null, hash: null, held: false, reason: `${reference} is not a readable Signet checkpoint: ${reason}` });
  const manifest = CheckpointManifestSchema.safeParse(parseJsonOrUndefined(fetched.bytes.toString('utf8')));
  if (!manifest.success) return unreadable(`its manifest is not an OCI manifest of artifact type ${CHECKPOINT_ARTIFACT_TYPE}`);
  const layer = manifest.data.layers[0]!;
  if (layer.size > MAX_CHECKPOINT_BYTES) return unreadable(`its layer is ${layer.size} bytes, over the ${MAX_CHECKPOINT_BYTES}-byte limit`);
  const bytes = await where.source.getBlob(where.repository, layer.digest, MAX_CHECKPOINT_BYTES);
  if (sha256Digest(bytes) !== layer.digest) return unreadable(`its layer's bytes are not ${layer.digest}`);
  const published = PublishedCheckpointSchema.safeParse(parseJsonOrUndefined(bytes.toString('utf8')));
  if (!published.success) return unreadable('its layer is not a checkpoint document');
  return holdAgainst(context.audit, published.data, reference, fetched.digest);
}

async function holdAgainst(audit: AuditLog, published: PublishedCheckpoint, reference: string, digest: string): Promise<AgainstResult> {
  const { checkpoint } = published;
  const result = (held: boolean, reason: string): AgainstResult => ({ reference, digest, seq: checkpoint.seq, hash: checkpoint.hash, held, reason });
  const { hash, ...body } = checkpoint;
  if (checkpoint.action !== 'audit.checkpoint') return result(false, `the published entry ${checkpoint.seq} is a ${checkpoint.action}, not a checkpoint`);
  if (entryHash(body) !== hash) return result(false, `the published entry ${checkpoint.seq} does not match its own hash`);
  if (!(await audit.checkpointSignatureHolds(checkpoint))) return result(false, `the published checkpoint at entry ${checkpoint.seq} is not signed by this data folder's pinned audit key`);
  const pinned = await audit.auditKeyPem();
  const keyNote = pinned !== null && pinned.trim() === published.auditKeyPem.trim() ? '' : '; the key published with it differs from the pinned one, which decided';
  const local = await audit.entryAt(checkpoint.seq);
  if (!local) {
    const verification = await audit.verify();
    return result(false, `the log ends at entry ${verification.entries} but the checkpoint published at ${reference} is at entry ${checkpoint.seq}: the tail was removed${keyNote}`);
  }
  if (local.hash !== hash) return result(false, `entry ${checkpoint.seq} is not the one the checkpoint published at ${reference} holds: the log was rewritten${keyNote}`);
  return result(true, `the log holds entry ${checkpoint.seq}, the checkpoint published at ${reference}, unchanged, signed by the pinned audit key${keyNote}`);
}

function describeFailure(verification: AuditVerification): string {
  if (verification.firstBad) return `line ${verification.firstBad.line}, entry ${verification.firstBad.seq}: ${verification.firstBad.reason}`;
  return verification.anchor?.note ?? 'not verified';
}
