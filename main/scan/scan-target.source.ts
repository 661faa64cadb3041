import type { LayoutConfig, RegistryConfig } from '../../shared/model/settings.model.ts';
import { SignetError } from '../errors.ts';
import { CachingSource } from '../images/caching.source.ts';
import type { ImageSource } from '../images/image-source.types.ts';
import { LayoutSource } from '../images/layout.source.ts';
import { RegistrySource } from '../images/registry.source.ts';
import { RegistryClient, sha256Digest, type CredentialSource, type Fetched } from '../registry/registry.client.ts';

/** cosign's attachment tags (.sig, .att, .sbom) and the referrers fallback index: attached to images, not images. */
export const ATTACHMENT_TAG = /^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$/;

/** Where one scan reads: a registry or a layout behind the digest cache, with the cheap reads a re-scan needs. */
export interface ScanTarget {
  readonly kind: 'registry' | 'layout';
  readonly name: string;
  readonly insecure: boolean;
  /** Content by digest comes from the on-disk cache when it is there. */
  readonly source: ImageSource;
  /** The repositories named, else the registry's catalog; a layout holds one. */
  repositories(named: string[] | null): Promise<string[]>;
  listTags(repository: string): Promise<string[]>;
  /** The digest a tag names now, without its body where the store allows; null when the tag is gone. */
  head(repository: string, tag: string): Promise<string | null>;
  /** The reference identity rules compare: registry/repository:tag, or the layout's oci: reference. */
  display(repository: string, tag: string): string;
  /** A reference pinned to a digest, handed to the policy's own check. */
  pinned(repository: string, digest: string): string;
  /** Requests sent so far. */
  requests(): number;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * How a registry scan reads. Tags and referrers always go to the registry, since they move. Content
 * named by digest goes through the on-disk digest cache, which keeps what saves a request when a
 * verdict must be reached again (payloads, platform manifests); manifests read by tag are not
 * written to it, since a re-scan reads their tags anyway (a HEAD, where a cached body saves nothing).
 */
class ScanReads implements ImageSource {
  readonly name: string;
  private readonly direct: ImageSource;
  private readonly cached: ImageSource;

  constructor(direct: ImageSource, cached: ImageSource) {
    this.direct = direct;
    this.cached = cached;
    this.name = direct.name;
  }

  getManifest(repository: string, reference: string): Promise<Fetched> {
    return DIGEST.test(reference) ? this.cached.getManifest(repository, reference) : this.direct.getManifest(repository, reference);
  }

  getBlob(repository: string, digest: string, maxBytes?: number): Promise<Buffer> {
    return this.cached.getBlob(repository, digest, maxBytes);
  }

  tryManifest(repository: string, tag: string): Promise<Fetched | null> {
    return this.direct.tryManifest(repository, tag);
  }

  referrers(repository: string, digest: string): Promise<Buffer | null> {
    return this.direct.referrers(repository, digest);
  }

  listTags(repository: string): Promise<string[]> {
    return this.direct.listTags(repository);
  }
}

// A registry scan keeps its own client, so its request count is the scan's alone.
export function registryTarget(config: RegistryConfig, options: { credentials: CredentialSource; cacheDir: string; concurrency: number; cleartextHosts?: readonly string[] }): ScanTarget {
  const client = new RegistryClient({ baseUrl: config.url, insecure: config.insecure, credentials: options.credentials, concurrency: options.concurrency, cleartextHosts: options.cleartextHosts ?? [] });
  const direct = new RegistrySource(client);
  const source = new ScanReads(direct, new CachingSource(direct, options.cacheDir));
  const host = client.base.host;
  return {
    kind: 'registry',
    name: config.name,
    insecure: config.insecure,
    source,
    repositories: async (named) => {
      if (named) return [...new Set(named)];
      try {
        return await client.listRepositories();
      } catch (error) {
        if (error instanceof SignetError && (error.code === 'Unauthorized' || error.code === 'Forbidden' || error.code === 'NotFound')) {
          throw new SignetError(error.code, `${config.name} does not list its repositories (${error.message}); name the repositories to scan instead.`);
        }
        throw error;
      }
    },
    listTags: (repository) => client.listTags(repository),
    head: async (repository, tag) => {
      const answer = await client.headManifest(repository, tag);
      if (!answer) return null;
      if (answer.digest && DIGEST.test(answer.digest)) return answer.digest;
      // A registry that does not say the digest on HEAD is asked for the manifest itself.
      return (await direct.tryManifest(repository, tag))?.digest ?? null;
    },
    display: (repository, tag) => `${host}/${repository}:${tag}`,
    pinned: (repository, digest) => `${host}/${repository}@${digest}`,
    requests: () => client.requests,
  };
}

// A layout is one repository on disk; nothing goes over the network and nothing needs caching.
export function layoutTarget(config: LayoutConfig): ScanTarget {
  const layout = new LayoutSource(config.path);
  return {
    kind: 'layout',
    name: config.name,
    insecure: false,
    source: layout,
    repositories: async () => [config.name],
    listTags: () => layout.listTags(),
    head: async (repository, tag) => (await layout.tryManifest(repository, tag))?.digest ?? null,
    display: (_repository, tag) => `oci:${config.path}:${tag}`,
    pinned: (_repository, digest) => `oci:${config.path}@${digest}`,
    requests: () => 0,
  };
}

/**
 * What every image of one scan shares: whether the registry has a referrers API is asked once,
 * by the first image that needs it; without one, each image's fallback index tag is found in the tag list.
 */
export class SharedReads {
  readonly source: ImageSource;
  private api: Promise<boolean> | null = null;

  constructor(source: ImageSource) {
    this.source = source;
  }

  async referrers(repository: string, digest: string): Promise<Buffer | null> {
    if (this.api) {
      if (!(await this.api)) return null;
      return this.source.referrers(repository, digest);
    }
    const first = this.source.referrers(repository, digest);
    this.api = first.then(
      (bytes) => bytes !== null,
      () => {
        this.api = null;
        return true;
      },
    );
    return first;
  }
}

/**
 * One image's view of the source. Attachment tags the repository's tag list does not hold are
 * answered as absent without a request; tags whose digest was just read by HEAD are fetched by
 * digest (so from the cache). It records what the verdict depended on, and every read that failed.
 */
export class ImageProbe implements ImageSource {
  readonly name: string;
  /** Attachment tag to the digest it named, or null when it was absent. */
  readonly pointers: Record<string, string | null> = {};
  /** Manifest digest to the digest of its referrers index bytes, or null when it had none. */
  readonly referrerIndexes: Record<string, string | null> = {};
  readonly errors: string[] = [];
  /** Manifests this image read by tag, so the engine's second look at them by digest costs nothing. */
  private readonly seen = new Map<string, Fetched>();
  private readonly shared: SharedReads;
  private readonly tags: ReadonlySet<string>;
  private readonly known: ReadonlyMap<string, string>;

  constructor(shared: SharedReads, tags: ReadonlySet<string>, known: ReadonlyMap<string, string> = new Map()) {
    this.shared = shared;
    this.name = shared.source.name;
    this.tags = tags;
    this.known = known;
  }

  async getManifest(repository: string, reference: string): Promise<Fetched> {
    const seen = this.seen.get(reference);
    if (seen) return seen;
    return this.remember(await this.track(this.shared.source.getManifest(repository, reference)));
  }

  getBlob(repository: string, digest: string, maxBytes?: number): Promise<Buffer> {
    return this.track(this.shared.source.getBlob(repository, digest, maxBytes));
  }

  async tryManifest(repository: string, tag: string): Promise<Fetched | null> {
    if (!ATTACHMENT_TAG.test(tag)) return this.remember(await this.track(this.shared.source.tryManifest(repository, tag)));
    if (!this.tags.has(tag)) {
      this.pointers[tag] = null;
      return null;
    }
    const digest = this.known.get(tag);
    const fetched = this.remember(await this.track(digest ? this.getManifest(repository, digest) : this.shared.source.tryManifest(repository, tag)));
    this.pointers[tag] = fetched?.digest ?? null;
    return fetched;
  }

  async referrers(repository: string, digest: string): Promise<Buffer | null> {
    const bytes = await this.track(this.shared.referrers(repository, digest));
    this.referrerIndexes[digest] = bytes ? sha256Digest(bytes) : null;
    return bytes;
  }

  async listTags(): Promise<string[]> {
    return [...this.tags];
  }

  private remember<T extends Fetched | null>(fetched: T): T {
    if (fetched) this.seen.set(fetched.digest, fetched);
    return fetched;
  }

  private async track<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (error) {
      this.errors.push(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }
}
