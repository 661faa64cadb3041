import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManifestNode } from '../../shared/model/image-graph.model.ts';
import { Discovery } from '../../main/images/discovery.ts';
import { LayoutSource } from '../../main/images/layout.source.ts';
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
