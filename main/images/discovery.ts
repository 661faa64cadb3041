import type { Attachment, AttachmentKind, ImageGraph, ManifestNode } from '../../shared/model/image-graph.model.ts';
import { SignetError } from '../errors.ts';
import type { Fetched } from '../registry/registry.client.ts';
import type { ImageSource } from './image-source.types.ts';

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

interface ManifestJson {
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const MAX_CHILDREN = 64;
const MAX_ATTACHMENTS = 256;

export const COSIGN_SIGNATURE_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_LAYER = 'application/vnd.dsse.envelope.v1+json';
export const SIGSTORE_BUNDLE_TYPES = ['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.dev.sigstore.bundle+json;version=0.3'];
export const NOTATION_ARTIFACT = 'application/vnd.cncf.notary.signature';
const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const SBOM_TYPES = /spdx|cyclonedx|syft|sbom/i;

// cosign's tag for things attached to a manifest: sha256-<hex>.sig, .att, .sbom; without a suffix, the referrers fallback.
export function attachmentTag(digest: string, suffix: 'sig' | 'att' | 'sbom' | null): string {
  const tag = digest.replace(':', '-');
  return suffix ? `${tag}.${suffix}` : tag;
}

function parse(fetched: Fetched): ManifestJson {
  try {
    return JSON.parse(fetched.bytes.toString('utf8')) as ManifestJson;
  } catch {
    throw new SignetError('BadInput', `Manifest ${fetched.digest} is not JSON.`);
  }
}

/**
 * Finds everything attached to an image: its index and each platform manifest, and for each of
 * them cosign's tag attachments and OCI referrers (through the API, or the tag-schema fallback
 * where the registry has none), each classified. What cannot be read is listed, not hidden.
 */
export class Discovery {
  private readonly source: ImageSource;

  constructor(source: ImageSource) {
    this.source = source;
  }

  async discover(repository: string, reference: string): Promise<ImageGraph> {
    const problems: string[] = [];
    const fetched = await this.source.getManifest(repository, reference);
    const root = await this.node(repository, fetched, null, problems, 0);
    return {
      reference: `${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`,
      source: this.source.name,
      repository,
      tag: reference.startsWith('sha256:') ? null : reference,
      root,
      problems,
    };
  }

  private async node(repository: string, fetched: Fetched, platform: ManifestNode['platform'], problems: string[], depth: number): Promise<ManifestNode> {
    const manifest = parse(fetched);
    const mediaType = fetched.mediaType || manifest.mediaType || '';
    const kind = INDEX_TYPES.has(mediaType) || Array.isArray(manifest.manifests) ? 'index' : 'manifest';
    const node: ManifestNode = { digest: fetched.digest, mediaType, size: fetched.bytes.length, kind, platform, children: [], attachments: [] };
    node.attachments = await this.attachments(repository, fetched.digest, problems);
    if (kind === 'index' && depth < 2) {
      const children = (manifest.manifests ?? []).slice(0, MAX_CHILDREN);
      if ((manifest.manifests ?? []).length > MAX_CHILDREN) problems.push(`The index lists more than ${MAX_CHILDREN} manifests; only the first ${MAX_CHILDREN} are shown.`);
      for (const child of children) {
        if (!child.digest) continue;
        if (child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
        try {
          const childFetched = await this.source.getManifest(repository, child.digest);
          const childPlatform = child.platform?.os && child.platform.architecture ? { os: child.platform.os, architecture: child.platform.architecture, ...(child.platform.variant ? { variant: child.platform.variant } : {}) } : null;
          node.children.push(await this.node(repository, childFetched, childPlatform, problems, depth + 1));
        } catch (error) {
          problems.push(`Platform manifest ${child.digest} could not be read: ${(error as Error).message}`);
        }
      }
    }
    return node;
  }

  private async attachments(repository: string, digest: string, problems: string[]): Promise<Attachment[]> {
    const found: Attachment[] = [];
    for (const suffix of ['sig', 'att', 'sbom'] as const) {
      const tag = attachmentTag(digest, suffix);
      try {
        const fetched = await this.source.tryManifest(repository, tag);
        if (fetched) found.push(await this.classify(repository, fetched, 'cosign-tag', tag, null));
      } catch (error) {
        problems.push(`The ${suffix} attachment of ${digest} could not be read: ${(error as Error).message}`);
      }
    }
    let referrers: Buffer | null = null;
    let via: 'referrers-api' | 'referrers-tag' = 'referrers-api';
    try {
      referrers = await this.source.referrers(repository, digest);
      if (referrers === null) {
        via = 'referrers-tag';
        referrers = (await this.source.tryManifest(repository, attachmentTag(digest, null)))?.bytes ?? null;
      }
    } catch (error) {
      problems.push(`The referrers of ${digest} could not be read: ${(error as Error).message}`);
    }
    if (referrers) {
      const index = JSON.parse(referrers.toString('utf8')) as ManifestJson;
      for (const descriptor of (index.manifests ?? []).slice(0, MAX_ATTACHMENTS)) {
        if (!descriptor.digest) continue;
        try {
          const fetched = await this.source.getManifest(repository, descriptor.digest);
          found.push(await this.classify(repository, fetched, via, null, descriptor.artifactType ?? null));
        } catch (error) {
          problems.push(`Referrer ${descriptor.digest} of ${digest} could not be read: ${(error as Error).message}`);
        }
      }
    }
    return found;
  }

  private async classify(repository: string, fetched: Fetched, via: Attachment['via'], tag: string | null, declaredType: string | null): Promise<Attachment> {
    const manifest = parse(fetched);
    const layers = manifest.layers ?? [];
    const mediaTypes = layers.map((l) => l.mediaType ?? '');
    const artifactType = manifest.artifactType ?? declaredType ?? manifest.config?.mediaType ?? null;
    let kind: AttachmentKind = 'other';
    let predicateType: string | null = null;
    if (artifactType === NOTATION_ARTIFACT) kind = 'notation-signature';
    else if (mediaTypes.length > 0 && mediaTypes.every((m) => m === COSIGN_SIGNATURE_LAYER)) kind = 'cosign-signature';
    else if (mediaTypes.length > 0 && mediaTypes.every((m) => m === DSSE_LAYER)) {
      kind = 'cosign-attestation';
      predicateType = layers[0]?.annotations?.predicateType ?? null;
    } else if (SIGSTORE_BUNDLE_TYPES.includes(artifactType ?? '') || mediaTypes.some((m) => SIGSTORE_BUNDLE_TYPES.includes(m))) {
      predicateType = await this.bundlePredicate(repository, layers[0]);
      kind = predicateType === null || predicateType === COSIGN_SIGN_PREDICATE ? 'sigstore-bundle-signature' : 'sigstore-bundle-attestation';
    } else if (SBOM_TYPES.test(`${artifactType ?? ''} ${mediaTypes.join(' ')}`) || tag?.endsWith('.sbom')) kind = 'sbom';
    return { digest: fetched.digest, kind, via, tag, artifactType, mediaTypes, predicateType, annotations: manifest.annotations ?? {} };
  }

  // A bundle is a signature if it signs a message, or a DSSE statement with cosign's signing predicate; any other predicate is an attestation.
  private async bundlePredicate(repository: string, layer: Descriptor | undefined): Promise<string | null> {
    if (!layer?.digest) return null;
    const bundle = JSON.parse((await this.source.getBlob(repository, layer.digest, 4 * 1024 * 1024)).toString('utf8')) as { dsseEnvelope?: { payload?: string } };
    if (!bundle.dsseEnvelope?.payload) return null;
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { predicateType?: string };
    return statement.predicateType ?? null;
  }
}
