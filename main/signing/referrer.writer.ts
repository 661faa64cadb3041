import { attachmentTag } from '../images/discovery.ts';
import type { ImageSource, ImageWriter } from '../images/image-source.types.ts';
import { sha256Digest } from '../registry/registry.client.ts';
import { appendToTag } from './tag-append.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };

export interface Subject {
  digest: string;
  mediaType: string;
  size: number;
}

export interface ReferrerArtifact {
  artifactType: string;
  layerMediaType: string;
  layer: Buffer;
  annotations: Record<string, string>;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * Pushes an OCI 1.1 artifact manifest whose subject is the image, the way cosign v3 and Notation
 * do; where the store has no referrers API, the descriptor is also added to the `sha256-<hex>`
 * fallback index, keeping every referrer already listed there.
 */
export async function pushReferrer(source: ImageSource, writer: ImageWriter, repository: string, subject: Subject, artifact: ReferrerArtifact): Promise<string[]> {
  const config = await writer.putBlob(repository, EMPTY_CONFIG.bytes);
  const layer = await writer.putBlob(repository, artifact.layer);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: artifact.artifactType,
    config: { mediaType: EMPTY_CONFIG.mediaType, digest: config.digest, size: config.size },
    layers: [{ mediaType: artifact.layerMediaType, digest: layer.digest, size: layer.size }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: artifact.annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await writer.putManifest(repository, sha256Digest(bytes), bytes, OCI_MANIFEST);
  const written = [`referrer ${digest}`];
  if (await writer.findsReferrers(repository, subject.digest)) return written;
  const descriptor: Descriptor = { mediaType: OCI_MANIFEST, digest, size: bytes.length, artifactType: artifact.artifactType, annotations: artifact.annotations };
  const tag = attachmentTag(subject.digest, null);
  const index = await appendToTag(source, writer, repository, tag, {
    mediaType: OCI_INDEX,
    holds: (current) => ((current.manifests as Descriptor[] | undefined) ?? []).some((d) => d.digest === digest),
    merge: async (current) => {
      const manifests = Array.isArray(current?.manifests) ? (current.manifests as Descriptor[]) : [];
      if (manifests.some((d) => d.digest === digest)) return null;
      return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...manifests, descriptor] };
    },
  });
  if (index) written.push(`${tag} (${index})`);
  return written;
}
