import { sha256Digest } from '../registry/registry.client.ts';
import type { ImageWriter } from '../images/image-source.types.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** Every sample is published under this tag in its own repository. */
export const SAMPLE_TAG = 'v1';
export const SAMPLE_NAMES = ['web', 'multi', 'other'] as const;
export type SampleName = (typeof SAMPLE_NAMES)[number];

export interface StoredManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** A sample as built: the manifest its tag names, the platform manifests under an index, and every blob. */
export interface SampleImage {
  name: SampleName;
  root: StoredManifest;
  children: StoredManifest[];
  blobs: Buffer[];
}

interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const WEB_PAGE = '<!doctype html><title>Signet workshop</title><h1>Hello from the web sample</h1>\n';

// The three images lessons work on; their bytes never vary, so every sandbox starts from the same digests.
export function buildSamples(): Record<SampleName, SampleImage> {
  const web = platformImage({ os: 'linux', architecture: 'amd64' }, { 'srv/index.html': WEB_PAGE }, 'web');
  const other = platformImage({ os: 'linux', architecture: 'amd64' }, { 'srv/index.html': '<!doctype html><title>Not the web sample</title><h1>Other content</h1>\n', 'srv/payload.sh': 'echo "this is not what was reviewed"\n' }, 'other');
  const platforms: Platform[] = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ];
  const children = platforms.map((platform) => platformImage(platform, { 'srv/index.html': WEB_PAGE, 'etc/platform': `${platformName(platform)}\n` }, 'multi'));
  const index = manifest(OCI_INDEX, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((child, i) => ({ mediaType: OCI_MANIFEST, digest: child.root.digest, size: child.root.bytes.length, platform: platforms[i] })),
    annotations: { 'org.opencontainers.image.title': 'multi', 'org.opencontainers.image.description': 'A Signet workshop sample for three platforms' },
  });
  return {
    web: { name: 'web', root: web.root, children: [], blobs: web.blobs },
    other: { name: 'other', root: other.root, children: [], blobs: other.blobs },
    multi: { name: 'multi', root: index, children: children.map((c) => c.root), blobs: children.flatMap((c) => c.blobs) },
  };
}

// Blobs first, then platform manifests by digest, then the tag: the order a registry accepts and a reader never sees half of.
export async function publishSample(writer: ImageWriter, repository: string, sample: SampleImage, tag = SAMPLE_TAG): Promise<void> {
  for (const blob of sample.blobs) await writer.putBlob(repository, blob);
  for (const child of sample.children) await writer.putManifest(repository, child.digest, child.bytes, child.mediaType);
  await writer.putManifest(repository, tag, sample.root.bytes, sample.root.mediaType);
}

function platformName(platform: Platform): string {
  return `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
}

function platformImage(platform: Platform, files: Record<string, string>, title: string): { root: StoredManifest; blobs: Buffer[] } {
  const layer = tar(files);
  const config = Buffer.from(
    JSON.stringify({
      created: '2026-01-01T00:00:00Z',
      ...platform,
      config: { Cmd: ['/bin/sh', '-c', 'cat /srv/index.html'], Labels: { 'org.opencontainers.image.title': title } },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] },
      history: [{ created: '2026-01-01T00:00:00Z', created_by: 'Signet workshop sample' }],
    }),
  );
  const root = manifest(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: OCI_LAYER, digest: sha256Digest(layer), size: layer.length }],
    annotations: { 'org.opencontainers.image.title': title },
  });
  return { root, blobs: [config, layer] };
}

function manifest(mediaType: string, body: object): StoredManifest {
  const bytes = Buffer.from(JSON.stringify(body));
  return { digest: sha256Digest(bytes), mediaType, bytes };
}

// A POSIX ustar archive of small text files: a real image layer that any tool can unpack.
function tar(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const content = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write(`${Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    header.write('root', 265, 'ascii');
    header.write('root', 297, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
