import type { Fetched } from '../registry/registry.client.ts';

/** A place images live: a registry or an OCI image-layout folder. Everything returned is digest-checked. */
export interface ImageSource {
  readonly name: string;
  getManifest(repository: string, reference: string): Promise<Fetched>;
  getBlob(repository: string, digest: string, maxBytes?: number): Promise<Buffer>;
  /** The manifest named by a tag, or null when there is no such tag. */
  tryManifest(repository: string, tag: string): Promise<Fetched | null>;
  /** OCI 1.1 referrers index bytes, or null when this source has no referrers API. */
  referrers(repository: string, digest: string): Promise<Buffer | null>;
  listTags(repository: string): Promise<string[]>;
}

/** A place Signet may write signatures to: the same registry or layout, addressed the same way. */
export interface ImageWriter {
  readonly name: string;
  putBlob(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }>;
  /** Stores a manifest under a tag, or under its own digest when `reference` is that digest. */
  putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string>;
  /** Whether referrers of a manifest are found without the tag-schema fallback index. */
  findsReferrers(repository: string, digest: string): Promise<boolean>;
  /** Requests sent so far (zero for a layout on disk). */
  requestCount(): number;
}
