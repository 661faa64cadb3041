import { attachmentTag, COSIGN_SIGNATURE_LAYER } from '../images/discovery.ts';
import type { ImageSource, ImageWriter } from '../images/image-source.types.ts';
import { SIGNATURE_ANNOTATION, TIMESTAMP_ANNOTATION } from '../signatures/cosign.verifier.ts';
import { appendToTag } from './tag-append.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const ZERO_TIME = '0001-01-01T00:00:00Z';

interface Layer {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

// cosign's simple-signing payload, field for field in cosign's order, so cosign and skopeo read it as their own.
export function simpleSigningPayload(dockerReference: string, digest: string, annotations: Record<string, string>): Buffer {
  const optional = Object.keys(annotations).length > 0 ? annotations : null;
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional,
    }),
  );
}

/**
 * Appends one signature layer to the image's `sha256-<hex>.sig` manifest, keeping every layer
 * already there; signing the same payload with the same signature twice adds nothing.
 */
export async function appendCosignSignature(
  source: ImageSource,
  writer: ImageWriter,
  repository: string,
  digest: string,
  signed: { payload: Buffer; signature: Buffer; timestampResponse: Buffer | null },
): Promise<string[]> {
  const payload = await writer.putBlob(repository, signed.payload);
  const annotations: Record<string, string> = { [SIGNATURE_ANNOTATION]: signed.signature.toString('base64') };
  if (signed.timestampResponse) annotations[TIMESTAMP_ANNOTATION] = JSON.stringify({ SignedRFC3161Timestamp: signed.timestampResponse.toString('base64') });
  const layer: Layer = { mediaType: COSIGN_SIGNATURE_LAYER, size: payload.size, digest: payload.digest, annotations };
  const same = (l: Layer) => l.digest === layer.digest && l.annotations?.[SIGNATURE_ANNOTATION] === annotations[SIGNATURE_ANNOTATION];
  const tag = attachmentTag(digest, 'sig');
  const written = await appendToTag(source, writer, repository, tag, {
    mediaType: OCI_MANIFEST,
    holds: (current) => ((current.layers as Layer[] | undefined) ?? []).some(same),
    merge: async (current) => {
      const layers = Array.isArray(current?.layers) ? (current.layers as Layer[]) : [];
      if (layers.some(same)) return null;
      const next = [...layers, layer];
      const config = await writer.putBlob(repository, cosignConfig(next));
      return { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, size: config.size, digest: config.digest }, layers: next };
    },
  });
  return written ? [`${tag} (${written})`] : [];
}

// The image config cosign writes for its signature "image": one diff_id per layer, nothing else.
function cosignConfig(layers: Layer[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: '', created: ZERO_TIME, history: [{ created: ZERO_TIME }], os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} }));
}

// Takes a stolen key's signatures off an image's `.sig` manifest, keeping everyone else's; an emptied manifest is reported for deletion.
export async function removeCosignSignatures(
  source: ImageSource,
  writer: ImageWriter,
  repository: string,
  digest: string,
  compromised: (payload: Buffer, signature: Buffer) => boolean,
): Promise<{ removed: number; manifest: string | null; empty: boolean }> {
  const tag = attachmentTag(digest, 'sig');
  const dropped = new Set<string>();
  const identity = (l: Layer) => `${l.digest}|${l.annotations?.[SIGNATURE_ANNOTATION] ?? ''}`;
  let kept = 0;
  const manifest = await appendToTag(source, writer, repository, tag, {
    mediaType: OCI_MANIFEST,
    holds: (current) => !((current.layers as Layer[] | undefined) ?? []).some((l) => dropped.has(identity(l))),
    merge: async (current) => {
      const layers = Array.isArray(current?.layers) ? (current.layers as Layer[]) : [];
      const next: Layer[] = [];
      for (const layer of layers) {
        const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
        if (layer.mediaType === COSIGN_SIGNATURE_LAYER && signature && compromised(await source.getBlob(repository, layer.digest), Buffer.from(signature, 'base64'))) dropped.add(identity(layer));
        else next.push(layer);
      }
      kept = next.length;
      if (next.length === layers.length) return null;
      const config = await writer.putBlob(repository, cosignConfig(next));
      return { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, size: config.size, digest: config.digest }, layers: next };
    },
  });
  return { removed: dropped.size, manifest, empty: manifest !== null && kept === 0 };
}
