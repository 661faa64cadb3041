import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManifestNode } from '../../shared/model/image-graph.model.ts';
import { Discovery } from '../../main/images/discovery.ts';
import { LayoutSource } from '../../main/images/layout.source.ts';
import { assertConfiguredLayout, resolveImageTarget } from '../../main/images/image-target.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/settings.defaults.ts';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';

const tools = fileURLToPath(new URL('../../.tools/bin/', import.meta.url));
let registry: Registry;
let host: string;
let dir: string;
const password = 'discovery-test';

const cosign = (args: string[]) =>
  run(join(tools, 'cosign'), [...args], { cwd: dir, env: { ...process.env, COSIGN_PASSWORD: password } });
const oras = (args: string[]) => run(join(tools, 'oras'), args, { cwd: dir });
const insecure = ['--tlog-upload=false', '--allow-insecure-registry', '--allow-http-registry', '--yes'];

async function pushImage(repository: string, tag: string, content: string): Promise<string> {
  await writeFile(join(dir, `${tag}.txt`), content);
  await oras(['push', '--plain-http', `${host}/${repository}:${tag}`, `${tag}.txt:text/plain`]);
  return (await oras(['resolve', '--plain-http', `${host}/${repository}:${tag}`])).trim();
}

before(async () => {
  registry = await startRegistry();
  host = new URL(registry.url).host;
  dir = await mkdtemp(join(tmpdir(), 'signet-discovery-'));
  await cosign(['generate-key-pair']);
  await writeFile(join(dir, 'predicate.json'), '{"builder":"signet-test"}');
});
after(() => registry?.stop());

const kinds = (node: ManifestNode) => node.attachments.map((a) => `${a.kind}/${a.via}`).sort();

test('cosign tag signatures and attestations, a bundle attached as a referrer, and an SBOM are all found and classified', async () => {
  const digest = await pushImage('team/app', 'v1', 'app v1');
  await cosign(['sign', '--key', 'cosign.key', ...insecure, `${host}/team/app@${digest}`]);
  await cosign(['attest', '--key', 'cosign.key', ...insecure, '--type', 'https://example.com/build/v1', '--predicate', 'predicate.json', `${host}/team/app@${digest}`]);
  await cosign(['attest', '--key', 'cosign.key', ...insecure, '--new-bundle-format', '--type', 'https://slsa.dev/provenance/v1', '--predicate', 'predicate.json', `${host}/team/app@${digest}`]);
  await writeFile(join(dir, 'sbom.json'), '{"spdxVersion":"SPDX-2.3"}');
  await oras(['attach', '--plain-http', '--artifact-type', 'application/spdx+json', `${host}/team/app@${digest}`, 'sbom.json:application/spdx+json']);

  const graph = await new Discovery(new RegistrySource(new RegistryClient({ baseUrl: registry.url }))).discover('team/app', 'v1');
  assert.equal(graph.root.digest, digest);
  assert.equal(graph.root.kind, 'manifest');
  assert.deepEqual(graph.problems, []);
  assert.deepEqual(kinds(graph.root), ['cosign-attestation/cosign-tag', 'cosign-signature/cosign-tag', 'sbom/referrers-tag', 'sigstore-bundle-attestation/referrers-tag']);
  const bundle = graph.root.attachments.find((a) => a.kind === 'sigstore-bundle-attestation');
  assert.equal(bundle?.predicateType, 'https://slsa.dev/provenance/v1');
});

test('a multi-arch index is walked, and the platform nobody signed has no signature', async () => {
  const amd64 = await pushImage('team/multi', 'amd64', 'amd64 build');
  const arm64 = await pushImage('team/multi', 'arm64', 'arm64 build');
  const descriptor = async (tag: string, digest: string, architecture: string) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest,
    size: (await new RegistryClient({ baseUrl: registry.url }).getManifest('team/multi', tag)).bytes.length,
    platform: { os: 'linux', architecture },
  });
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [await descriptor('amd64', amd64, 'amd64'), await descriptor('arm64', arm64, 'arm64')] };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  await oras(['manifest', 'push', '--plain-http', '--media-type', 'application/vnd.oci.image.index.v1+json', `${host}/team/multi:v2`, 'index.json']);
  const indexDigest = (await oras(['resolve', '--plain-http', `${host}/team/multi:v2`])).trim();
  await cosign(['sign', '--key', 'cosign.key', ...insecure, `${host}/team/multi@${indexDigest}`]);
  await cosign(['sign', '--key', 'cosign.key', ...insecure, `${host}/team/multi@${amd64}`]);

  const graph = await new Discovery(new RegistrySource(new RegistryClient({ baseUrl: registry.url }))).discover('team/multi', 'v2');
  assert.equal(graph.root.kind, 'index');
  assert.deepEqual(kinds(graph.root), ['cosign-signature/cosign-tag']);
  const byArch = new Map(graph.root.children.map((c) => [c.platform?.architecture, c]));
  assert.deepEqual(kinds(byArch.get('amd64')!), ['cosign-signature/cosign-tag']);
  assert.deepEqual(kinds(byArch.get('arm64')!), [], 'the unsigned platform stands out: no attachments');
});

test('an OCI image layout is discovered offline, referrers included, and a tampered blob is refused', async () => {
  const layout = join(dir, 'layout');
  await oras(['cp', '-r', '--from-plain-http', `${host}/team/app:v1`, '--to-oci-layout', `${layout}:v1`]);
  const source = new LayoutSource(layout);
  const graph = await new Discovery(source).discover('team/app', 'v1');
  assert.ok(graph.root.attachments.some((a) => a.kind === 'sbom'), JSON.stringify(kinds(graph.root)));
  assert.deepEqual(await source.listTags(), ['v1']);
  const layer = (JSON.parse((await source.getManifest('team/app', 'v1')).bytes.toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
  await writeFile(join(layout, 'blobs', 'sha256', layer.slice(7)), 'tampered');
  await assert.rejects(source.getBlob('team/app', layer), /does not match its digest/);
});

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

// A hand-made layout whose blobs a test then replaces with links and special files.
async function handLayout(name: string): Promise<{ layout: string; blobs: string; manifest: string; layer: string }> {
  const layout = join(dir, name);
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const layer = sha256('layer');
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [{ mediaType: 'text/plain', digest: `sha256:${layer}`, size: 5 }] });
  await writeFile(join(blobs, sha256(manifest)), manifest);
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha256(manifest)}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  return { layout, blobs, manifest: `sha256:${sha256(manifest)}`, layer: `sha256:${layer}` };
}

test('a layout blob linked to /dev/zero, to a FIFO or out of the layout is refused, not read', { timeout: 20_000 }, async () => {
  const { layout, blobs, layer } = await handLayout('hostile-layout');
  const source = new LayoutSource(layout);
  await symlink('/dev/zero', join(blobs, layer.slice(7)));
  await assert.rejects(source.getBlob('x', layer), /leads outside the layout/);

  const fifoLayout = await handLayout('fifo-layout');
  execFileSync('mkfifo', [join(fifoLayout.blobs, fifoLayout.layer.slice(7))]);
  await assert.rejects(new LayoutSource(fifoLayout.layout).getBlob('x', fifoLayout.layer), /not a regular file/);

  const outside = await handLayout('outside-layout');
  await writeFile(join(dir, 'secret.txt'), 'layer');
  await symlink(join(dir, 'secret.txt'), join(outside.blobs, outside.layer.slice(7)));
  await assert.rejects(new LayoutSource(outside.layout).getBlob('x', outside.layer), /leads outside the layout/);

  const big = await handLayout('big-layout');
  await writeFile(join(big.blobs, big.layer.slice(7)), Buffer.alloc(2048));
  await assert.rejects(new LayoutSource(big.layout).getBlob('x', big.layer, 1024), /over the 1024-byte limit/);

  const graph = await new Discovery(source).discover('layout', 'v1');
  assert.equal(graph.root.unreadable, undefined, 'the manifest itself is still read');
});

test('a layout whose index.json is of the wrong shape, or linked out of the layout, is a clear error', async () => {
  const wrong = await handLayout('wrong-index');
  await writeFile(join(wrong.layout, 'index.json'), '{"manifests": "v1"}');
  await assert.rejects(new LayoutSource(wrong.layout).listTags(), /index.json does not follow the OCI spec: manifests/);
  const linked = await handLayout('linked-index');
  await writeFile(join(dir, 'elsewhere.json'), '{"manifests": []}');
  execFileSync('ln', ['-sf', join(dir, 'elsewhere.json'), join(linked.layout, 'index.json')]);
  await assert.rejects(new LayoutSource(linked.layout).listTags(), /leads outside the layout/);
});

test('a layout reference with a .. segment is refused instead of opening the parent folder', async () => {
  const { layout } = await handLayout('dotdot-layout');
  const settings = { ...DEFAULT_SETTINGS, layouts: [{ name: 'dotdot', path: layout }] };
  for (const reference of [`oci:${layout}/..@v1`, `oci:${layout}/..:v1`, `oci:${layout}/../dotdot-layout:v1`, `oci:${layout}/..`]) {
    assert.throws(() => resolveImageTarget(reference, settings), /contains a "\.\." segment/, reference);
    assert.throws(() => assertConfiguredLayout(reference, settings), /contains a "\.\." segment/, reference);
  }
  assert.doesNotThrow(() => assertConfiguredLayout(`oci:${layout}:v1`, settings));
  assert.equal(resolveImageTarget(`oci:${layout}@sha256:${'0'.repeat(64)}`, settings).reference, `sha256:${'0'.repeat(64)}`);
});
