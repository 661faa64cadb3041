import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { KeyedWriteQueue } from '../storage/write-queue.ts';
import { join, sep } from 'node:path';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import { SignetError } from '../errors.ts';
import { sha256Digest, type Fetched } from '../registry/registry.client.ts';
import type { ImageSource, ImageWriter } from './image-source.types.ts';
import { LayoutIndexSchema, readDocument } from './oci-documents.ts';

const REF_NAME = 'org.opencontainers.image.ref.name';
const DIGEST = /^sha256:([0-9a-f]{64})$/;
/** index.json of a layout with many tags and referrers is larger than one manifest, but still bounded. */
const MAX_INDEX_BYTES = 16 * 1024 * 1024;
const MAX_BLOB_BYTES = 256 * 1024 * 1024;

interface Descriptor {
  mediaType: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  artifactType?: string;
}

/** Writes to one layout's index.json run one at a time, whichever LayoutSource asks. */
const indexWrites = new KeyedWriteQueue();

/** An OCI image-layout folder (as skopeo `oci:` and oras write it): offline images for work and workshops. */
export class LayoutSource implements ImageSource, ImageWriter {
  readonly name: string;
  private readonly root: string;
  private readonly maxManifestBytes: number;

  private realRoot: Promise<string> | null = null;

  constructor(root: string, maxManifestBytes = 4 * 1024 * 1024) {
    if (root.split(/[\\/]/).includes('..')) throw new SignetError('Forbidden', `The layout path ${root} contains "..": name the layout folder itself.`);
    this.root = root;
    this.name = `oci:${root}`;
    this.maxManifestBytes = maxManifestBytes;
  }

  // The repository argument is ignored: a layout holds one repository.
  async getManifest(_repository: string, reference: string): Promise<Fetched> {
    const found = await this.tryManifest(_repository, reference);
    if (!found) throw new SignetError('NotFound', `${this.name} has no manifest ${reference}.`);
    return found;
  }

  async tryManifest(repository: string, reference: string): Promise<Fetched | null> {
    const descriptors = await this.index();
    const descriptor = DIGEST.test(reference) ? descriptors.find((d) => d.digest === reference) ?? null : descriptors.find((d) => d.annotations?.[REF_NAME] === reference) ?? null;
    if (!descriptor && !DIGEST.test(reference)) return null;
    const digest = descriptor?.digest ?? reference;
    let bytes: Buffer;
    try {
      bytes = await this.getBlob(repository, digest, this.maxManifestBytes);
    } catch (error) {
      if (error instanceof SignetError && error.code === 'NotFound') return null;
      throw error;
    }
    const named = parseJsonOrUndefined(bytes.toString('utf8')) as { mediaType?: unknown } | undefined;
    const mediaType = descriptor?.mediaType || (typeof named?.mediaType === 'string' ? named.mediaType : '');
    return { digest, mediaType, bytes };
  }

  // Blobs are read only by their digest's own path, capped, and checked.
  async getBlob(_repository: string, digest: string, maxBytes = MAX_BLOB_BYTES): Promise<Buffer> {
    const match = DIGEST.exec(digest);
    if (!match) throw new SignetError('BadInput', `"${digest.slice(0, 80)}" is not a sha256 digest.`);
    const bytes = await this.readInside(join('blobs', 'sha256', match[1]!), maxBytes, `blob ${digest}`);
    if (sha256Digest(bytes) !== digest) throw new SignetError('Conflict', `Blob ${digest} in ${this.name} does not match its digest: the layout was altered.`);
    return bytes;
  }

  // A layout has no referrers API; manifests that name a subject are found by reading the index.
  async referrers(repository: string, digest: string): Promise<Buffer | null> {
    const manifests: Descriptor[] = [];
    for (const descriptor of await this.index()) {
      const found = await this.tryManifest(repository, descriptor.digest).catch(() => null);
      if (!found) continue;
      const parsed = parseJsonOrUndefined(found.bytes.toString('utf8')) as { subject?: { digest?: string }; artifactType?: string; config?: { mediaType?: string }; annotations?: Record<string, string> } | undefined;
      if (typeof parsed !== 'object' || parsed === null || parsed.subject?.digest !== digest) continue;
      manifests.push({ mediaType: found.mediaType, digest: found.digest, size: found.bytes.length, artifactType: parsed.artifactType ?? parsed.config?.mediaType, annotations: parsed.annotations });
    }
    return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  }

  async listTags(): Promise<string[]> {
    return (await this.index()).map((d) => d.annotations?.[REF_NAME]).filter((t): t is string => typeof t === 'string');
  }

  // Blobs are written by digest, crash-safely; an existing blob is the same bytes and is left alone.
  async putBlob(_repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256Digest(bytes);
    const path = join(this.root, 'blobs', 'sha256', digest.slice(7));
    const existing = await stat(path).catch(() => null);
    if (!existing || existing.size !== bytes.length) await writeFileAtomic(path, bytes, 0o644);
    return { digest, size: bytes.length };
  }

  // The manifest blob first, then index.json: a tag moves to it, or a digest-only entry is added (how referrers live in a layout).
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const { digest, size } = await this.putBlob(repository, bytes);
    if (DIGEST.test(reference) && reference !== digest) throw new SignetError('BadInput', `The manifest's digest is ${digest}, not ${reference}.`);
    const tag = DIGEST.test(reference) ? null : reference;
    await indexWrites.run(this.root, async () => {
      const text = (await this.readInside('index.json', MAX_INDEX_BYTES, 'index.json')).toString('utf8');
      const index = readDocument(text, LayoutIndexSchema, `${this.root}/index.json`) as { manifests?: Descriptor[] } & Record<string, unknown>;
      const manifests = (index.manifests ?? []).filter((d) => (tag ? d.annotations?.[REF_NAME] !== tag : !(d.digest === digest && !d.annotations?.[REF_NAME])));
      manifests.push({ mediaType, digest, size, ...(tag ? { annotations: { [REF_NAME]: tag } } : {}) });
      await writeFileAtomic(join(this.root, 'index.json'), JSON.stringify({ ...index, schemaVersion: 2, manifests }), 0o644);
    });
    return digest;
  }

  // A layout's referrers are found by reading its index, so no fallback index is needed.
  async findsReferrers(): Promise<boolean> {
    return true;
  }

  requestCount(): number {
    return 0;
  }

  private async index(): Promise<Descriptor[]> {
    let bytes: Buffer;
    try {
      bytes = await this.readInside('index.json', MAX_INDEX_BYTES, 'index.json');
    } catch (error) {
      if (error instanceof SignetError && error.code === 'NotFound') throw new SignetError('NotFound', `${this.root} is not an OCI image layout (no index.json).`);
      throw error;
    }
    return readDocument(bytes, LayoutIndexSchema, `${this.root}/index.json`).manifests ?? [];
  }

  /**
   * Reads a file of the layout, never outside it: the real path (symlinks resolved) must stay in the
   * layout's real folder, only a regular file is read (a FIFO would hang, a device never end), and
   * no more than the cap, however the file grows while it is read.
   */
  private async readInside(relative: string, cap: number, what: string): Promise<Buffer> {
    this.realRoot ??= realpath(this.root).catch(() => {
      this.realRoot = null;
      throw new SignetError('NotFound', `${this.root} is not an OCI image layout (the folder cannot be opened).`);
    });
    const root = await this.realRoot;
    let real: string;
    try {
      real = await realpath(join(this.root, relative));
    } catch {
      throw new SignetError('NotFound', `${this.name} has no ${what}.`);
    }
    if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) throw new SignetError('Forbidden', `The ${what} of ${this.name} leads outside the layout (to ${real}); refused.`);
    const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(() => {
      throw new SignetError('NotFound', `${this.name} has no readable ${what}.`);
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new SignetError('Forbidden', `The ${what} of ${this.name} is not a regular file (a FIFO, device or socket); refused.`);
      if (info.size > cap) throw new SignetError('BadInput', `The ${what} of ${this.name} is ${info.size} bytes, over the ${cap}-byte limit.`);
      const buffer = Buffer.alloc(Math.min(info.size, cap) + 1);
      let total = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > cap) throw new SignetError('BadInput', `The ${what} of ${this.name} is over the ${cap}-byte limit; reading stopped.`);
        if (total === buffer.length) break;
      }
      return buffer.subarray(0, total);
    } finally {
      await handle.close();
    }
  }
}
