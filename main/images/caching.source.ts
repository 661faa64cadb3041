import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Digest, type Fetched } from '../registry/registry.client.ts';
import type { ImageSource } from './image-source.types.ts';

const DIGEST = /^sha256:([0-9a-f]{64})$/;
const MEMORY_BUDGET = 64 * 1024 * 1024;

/**
 * Content addressed by digest never changes, so it is kept on disk and read back (and re-checked)
 * instead of fetched again. Tags and referrers move, so they always go to the source.
 */
export class CachingSource implements ImageSource {
  readonly name: string;
  private readonly inner: ImageSource;
  private readonly dir: string;
  private readonly memory = new Map<string, Buffer>();
  private memoryBytes = 0;
  private readonly mediaTypes = new Map<string, string>();

  constructor(inner: ImageSource, cacheDir: string) {
    this.inner = inner;
    this.name = inner.name;
    this.dir = cacheDir;
  }

  async getManifest(repository: string, reference: string): Promise<Fetched> {
    const cached = DIGEST.test(reference) ? await this.read(reference) : null;
    if (cached) return { digest: reference, mediaType: this.mediaTypes.get(reference) ?? mediaTypeOf(cached), bytes: cached };
    const fetched = await this.inner.getManifest(repository, reference);
    await this.store(fetched.digest, fetched.bytes, fetched.mediaType);
    return fetched;
  }

  async tryManifest(repository: string, tag: string): Promise<Fetched | null> {
    const fetched = await this.inner.tryManifest(repository, tag);
    if (fetched) await this.store(fetched.digest, fetched.bytes, fetched.mediaType);
    return fetched;
  }

  async getBlob(repository: string, digest: string, maxBytes?: number): Promise<Buffer> {
    const cached = await this.read(digest);
    if (cached && (maxBytes === undefined || cached.length <= maxBytes)) return cached;
    const bytes = await this.inner.getBlob(repository, digest, maxBytes);
    await this.store(digest, bytes, null);
    return bytes;
  }

  referrers(repository: string, digest: string): Promise<Buffer | null> {
    return this.inner.referrers(repository, digest);
  }

  listTags(repository: string): Promise<string[]> {
    return this.inner.listTags(repository);
  }

  // A cached file that no longer matches its name is ignored and fetched again.
  private async read(digest: string): Promise<Buffer | null> {
    const hex = DIGEST.exec(digest)?.[1];
    if (!hex) return null;
    const inMemory = this.memory.get(digest);
    if (inMemory) return inMemory;
    try {
      const bytes = await readFile(join(this.dir, 'sha256', hex));
      if (sha256Digest(bytes) !== digest) return null;
      this.remember(digest, bytes);
      return bytes;
    } catch {
      return null;
    }
  }

  private async store(digest: string, bytes: Buffer, mediaType: string | null): Promise<void> {
    const hex = DIGEST.exec(digest)?.[1];
    if (!hex || sha256Digest(bytes) !== digest) return;
    if (mediaType) this.mediaTypes.set(digest, mediaType);
    this.remember(digest, bytes);
    const folder = join(this.dir, 'sha256');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const temp = join(folder, `.${hex}.${randomBytes(4).toString('hex')}`);
    await writeFile(temp, bytes, { mode: 0o600 });
    await rename(temp, join(folder, hex));
  }

  // Small documents (manifests, signature payloads) are also kept in memory, up to a byte budget, oldest out first.
  private remember(digest: string, bytes: Buffer): void {
    if (bytes.length > 1024 * 1024 || this.memory.has(digest)) return;
    while (this.memoryBytes + bytes.length > MEMORY_BUDGET && this.memory.size > 0) {
      const [oldest, buffer] = this.memory.entries().next().value!;
      this.memory.delete(oldest);
      this.memoryBytes -= buffer.length;
    }
    this.memory.set(digest, bytes);
    this.memoryBytes += bytes.length;
  }
}

function mediaTypeOf(bytes: Buffer): string {
  try {
    return (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? '';
  } catch {
    return '';
  }
}
