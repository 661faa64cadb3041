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
/** An index of indexes is followed one level down, no further. */
const MAX_DEPTH = 2;
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

  // With `children: false` only the named manifest and what is attached to it are read, not an index's platform manifests.
  async discover(repository: string, reference: string, options: { children?: boolean } = {}): Promise<ImageGraph> {
    const problems: string[] = [];
    const fetched = await this.source.getManifest(repository, reference);
    const root = await this.node(repository, fetched, null, problems, options.children === false ? MAX_DEPTH : 0);
    return {
      reference: `${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`,
      source: this.source.name,
      repository,
      tag: reference.startsWith('sha256:') ? null : reference,
      root,
      problems,
    };
  }

  // The attachments of a manifest and its children are asked for at once; each part keeps its own problems, joined in a fixed order.
  private async node(repository: string, fetched: Fetched, platform: ManifestNode['platform'], problems: string[], depth: number): Promise<ManifestNode> {
    const manifest = parse(fetched);
    const mediaType = fetched.mediaType || manifest.mediaType || '';
    const kind = INDEX_TYPES.has(mediaType) || Array.isArray(manifest.manifests) ? 'index' : 'manifest';
    const node: ManifestNode = { digest: fetched.digest, mediaType, size: fetched.bytes.length, kind, platform, children: [], attachments: [] };
    const attachmentProblems: string[] = [];
    const attachments = this.attachments(repository, fetched.digest, attachmentProblems);
    const children = kind === 'index' && depth < MAX_DEPTH ? this.children(repository, manifest, depth) : Promise.resolve([]);
    node.attachments = await attachments;
    problems.push(...attachmentProblems);
    for (const child of await children) {
      problems.push(...child.problems);
      if (child.node) node.children.push(child.node);
    }
    return node;
  }

  private async children(repository: string, manifest: ManifestJson, depth: number): Promise<{ node: ManifestNode | null; problems: string[] }[]> {
    const listed = manifest.manifests ?? [];
    const tooMany = listed.length > MAX_CHILDREN ? [{ node: null, problems: [`The index lists more than ${MAX_CHILDREN} manifests; only the first ${MAX_CHILDREN} are shown.`] }] : [];
    const walked = listed.slice(0, MAX_CHILDREN).map(async (child) => {
      const problems: string[] = [];
      if (!child.digest || child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return { node: null, problems };
      try {
        const childFetched = await this.source.getManifest(repository, child.digest);
        const childPlatform = child.platform?.os && child.platform.architecture ? { os: child.platform.os, architecture: child.platform.architecture, ...(child.platform.variant ? { variant: child.platform.variant } : {}) } : null;
        return { node: await this.node(repository, childFetched, childPlatform, problems, depth + 1), problems };
      } catch (error) {
        return { node: null, problems: [...problems, `Platform manifest ${child.digest} could not be read: ${(error as Error).message}`] };
      }
    });
    return [...tooMany, ...(await Promise.all(walked))];
  }

  private async attachments(repository: string, digest: string, problems: string[]): Promise<Attachment[]> {
    const tagged = (['sig', 'att', 'sbom'] as const).map(async (suffix) => {
      const tag = attachmentTag(digest, suffix);
      try {
        const fetched = await this.source.tryManifest(repository, tag);
        return { found: fetched ? [await this.classify(repository, fetched, 'cosign-tag', tag, null)] : [], problems: [] };
      } catch (error) {
        return { found: [], problems: [`The ${suffix} attachment of ${digest} could not be read: ${(error as Error).message}`] };
      }
    });
    const parts = await Promise.all([...tagged, this.referred(repository, digest)]);
    for (const part of parts) problems.push(...part.problems);
    return parts.flatMap((part) => part.found);
  }

  private async referred(repository: string, digest: string): Promise<{ found: Attachment[]; problems: string[] }> {
    const problems: string[] = [];
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
    if (!referrers) return { found: [], problems };
    const index = JSON.parse(referrers.toString('utf8')) as ManifestJson;
    const read = (index.manifests ?? []).slice(0, MAX_ATTACHMENTS).map(async (descriptor) => {
      if (!descriptor.digest) return { found: [], problems: [] };
      try {
        const fetched = await this.source.getManifest(repository, descriptor.digest);
        return { found: [await this.classify(repository, fetched, via, null, descriptor.artifactType ?? null)], problems: [] };
      } catch (error) {
        return { found: [], problems: [`Referrer ${descriptor.digest} of ${digest} could not be read: ${(error as Error).message}`] };
      }
    });
    const parts = await Promise.all(read);
    return { found: parts.flatMap((part) => part.found), problems: [...problems, ...parts.flatMap((part) => part.problems)] };
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
