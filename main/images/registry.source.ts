import { SignetError } from '../errors.ts';
import type { Fetched, RegistryClient } from '../registry/registry.client.ts';
import type { ImageSource, ImageWriter } from './image-source.types.ts';

/** A registry as a place to read images from and write signatures to. */
export class RegistrySource implements ImageSource, ImageWriter {
  readonly name: string;
  private readonly client: RegistryClient;

  constructor(client: RegistryClient) {
    this.client = client;
    this.name = client.base.host;
  }

  getManifest(repository: string, reference: string): Promise<Fetched> {
    return this.client.getManifest(repository, reference);
  }

  getBlob(repository: string, digest: string, maxBytes?: number): Promise<Buffer> {
    return this.client.getBlob(repository, digest, maxBytes);
  }

  // A missing tag is an ordinary answer here (most images have no .att tag), so it is null rather than an error.
  async tryManifest(repository: string, tag: string): Promise<Fetched | null> {
    try {
      return await this.client.getManifest(repository, tag);
    } catch (error) {
      if (error instanceof SignetError && error.code === 'NotFound') return null;
      throw error;
    }
  }

  referrers(repository: string, digest: string): Promise<Buffer | null> {
    return this.client.getReferrers(repository, digest);
  }

  listTags(repository: string): Promise<string[]> {
    return this.client.listTags(repository);
  }

  putBlob(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
    return this.client.putBlob(repository, bytes);
  }

  putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    return this.client.putManifest(repository, reference, bytes, mediaType);
  }

  findsReferrers(repository: string, digest: string): Promise<boolean> {
    return this.client.hasReferrersApi(repository, digest);
  }

  requestCount(): number {
    return this.client.requests;
  }
}
