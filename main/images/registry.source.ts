import { SignetError } from '../errors.ts';
import type { Fetched, RegistryClient } from '../registry/registry.client.ts';
import type { ImageSource } from './image-source.types.ts';

/** A registry as an image source. */
export class RegistrySource implements ImageSource {
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
}
