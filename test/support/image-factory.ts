import { createHash } from 'node:crypto';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface Pushed {
  digest: string;
  size: number;
  mediaType: string;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

// Images built here are small but real: config, layer and manifest blobs pushed with the distribution API.
export class ImageFactory {
  private readonly base: string;

  constructor(registryUrl: string) {
    this.base = registryUrl.replace(/\/$/, '');
  }

  async blob(repository: string, bytes: Buffer): Promise<Pushed> {
    const digest = sha256(bytes);
    const start = await fetch(`${this.base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`blob upload refused: ${start.status}`);
    const location = new URL(start.headers.get('location')!, this.base);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`blob upload failed: ${put.status} ${await put.text()}`);
    return { digest, size: bytes.length, mediaType: 'application/octet-stream' };
  }

  async manifest(repository: string, reference: string, body: object, mediaType: string): Promise<Pushed> {
    return this.manifestBytes(repository, reference, Buffer.from(JSON.stringify(body)), mediaType);
  }

  // Exact bytes, for documents no serialiser would write (duplicate keys, odd spacing).
  async manifestBytes(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<Pushed> {
    const response = await fetch(`${this.base}/v2/${repository}/manifests/${reference}`, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': mediaType } });
    if (response.status !== 201) throw new Error(`manifest push failed: ${response.status} ${await response.text()}`);
    return { digest: sha256(bytes), size: bytes.length, mediaType };
  }

  // One platform image: a config naming the platform and one text layer.
  async image(repository: string, tag: string | null, platform: { os: string; architecture: string; variant?: string }, content: string): Promise<Pushed> {
    const config = await this.blob(repository, Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [] }, config: {} })));
    const layer = await this.blob(repository, Buffer.from(content));
    const body = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
    };
    const bytes = Buffer.from(JSON.stringify(body));
    return this.manifest(repository, tag ?? sha256(bytes), body, OCI_MANIFEST);
  }

  // A multi-arch index over one image per platform.
  async index(repository: string, tag: string, platforms: { os: string; architecture: string; variant?: string }[], content: string): Promise<{ index: Pushed; children: Pushed[] }> {
    const children: Pushed[] = [];
    for (const platform of platforms) children.push(await this.image(repository, null, platform, `${content} ${platform.os}/${platform.architecture}${platform.variant ?? ''}`));
    const index = await this.manifest(
      repository,
      tag,
      { schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map((child, i) => ({ mediaType: OCI_MANIFEST, digest: child.digest, size: child.size, platform: platforms[i] })) },
      OCI_INDEX,
    );
    return { index, children };
  }
}

export const EIGHT_PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 'arm', variant: 'v6' },
  { os: 'linux', architecture: 'ppc64le' },
  { os: 'linux', architecture: 's390x' },
  { os: 'linux', architecture: '386' },
  { os: 'linux', architecture: 'riscv64' },
];
