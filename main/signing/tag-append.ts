import { SignetError } from '../errors.ts';
import type { ImageSource, ImageWriter } from '../images/image-source.types.ts';
import { sha256Digest } from '../registry/registry.client.ts';
import { KeyedWriteQueue } from '../storage/write-queue.ts';

const tagWrites = new KeyedWriteQueue();
const MAX_ATTEMPTS = 5;

export interface TagEdit {
  /** The manifest to write given what the tag holds now (null: nothing yet), or null when it already holds the entry. */
  merge(current: Record<string, unknown> | null): Promise<Record<string, unknown> | null>;
  /** Whether a manifest read back holds the entry this edit adds. */
  holds(current: Record<string, unknown>): boolean;
  mediaType: string;
}

/**
 * Adds an entry to a manifest kept under a tag (cosign's `.sig`, the referrers fallback index)
 * without losing what others added. Registries ignore `If-Match`, so the write is serialised here,
 * then read back; when another writer replaced the tag in between, the merge runs again.
 */
export async function appendToTag(source: ImageSource, writer: ImageWriter, repository: string, tag: string, edit: TagEdit): Promise<string | null> {
  // Writes that share a tag run one after another inside this process, whichever caller starts them.
  return tagWrites.run(`${writer.name}/${repository}:${tag}`, async () => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await source.tryManifest(repository, tag);
      const parsed = current ? parseManifest(current.bytes, tag) : null;
      const next = await edit.merge(parsed);
      if (!next) return null;
      const bytes = Buffer.from(JSON.stringify(next));
      const written = await writer.putManifest(repository, tag, bytes, edit.mediaType);
      const after = await source.tryManifest(repository, tag);
      if (after && (after.digest === written || edit.holds(parseManifest(after.bytes, tag)))) return written;
    }
    throw new SignetError('Conflict', `Other writers kept replacing ${repository}:${tag}; the signature was not kept. Try again.`);
  });
}

function parseManifest(bytes: Buffer, tag: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new SignetError('BadInput', `The manifest under ${tag} (${sha256Digest(bytes)}) is not a JSON object; it was left as it is.`);
}
