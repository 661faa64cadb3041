import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { VerifyEngine } from '../../main/images/verify.engine.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { publicKeysFromPem, TIMESTAMP_ANNOTATION, verifyCosignSignature } from '../../main/signatures/cosign.verifier.ts';
import { fingerprintOf } from '../../main/encoding/key-encoding.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startTimestampAuthority } from '../support/tsa.fixture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
const signedImage = resolve(root, process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'notation-go', 'signed-image');
const noNotation = existsSync(signedImage) ? false : `the Notation-signed image is not at ${signedImage} (set SIGNET_ACCEPTANCE_DIR)`;
if (noNotation) console.log(`Notation interop skipped: ${noNotation}`);
let registry: Registry;
let host: string;
let dir: string;

before(async () => {
  registry = await startRegistry();
  host = new URL(registry.url).host;
  dir = await mkdtemp(join(tmpdir(), 'signet-interop-'));
});
after(() => registry?.stop());

test('an image signed by skopeo 1.18 with a sigstore private key is found and verified', async () => {
  await run(join(tools, 'cosign'), ['generate-key-pair'], { cwd: dir, env: { ...process.env, COSIGN_PASSWORD: 'skopeo-pass' } });
  await writeFile(join(dir, 'passphrase'), 'skopeo-pass');
  await writeFile(join(dir, 'f.txt'), 'skopeo image');
  await run(join(tools, 'oras'), ['push', '--oci-layout', `${join(dir, 'layout')}:v1`, 'f.txt:text/plain'], { cwd: dir });
  await writeFile(join(dir, 'policy.json'), '{"default":[{"type":"insecureAcceptAnything"}]}');
  await mkdir(join(dir, 'registries.d'));
  await writeFile(join(dir, 'registries.d', 'sigstore.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  await run(join(tools, 'skopeo'), [
    '--registries.d', join(dir, 'registries.d'),
    'copy', '--policy', join(dir, 'policy.json'), '--dest-tls-verify=false',
    '--sign-by-sigstore-private-key', join(dir, 'cosign.key'), '--sign-passphrase-file', join(dir, 'passphrase'),
    `oci:${join(dir, 'layout')}:v1`, `docker://${host}/interop/skopeo:v1`,
  ], { cwd: dir, env: { ...process.env, HOME: dir, REGISTRIES_CONFIG_PATH: join(dir, 'registries.conf') } });
  const keys = publicKeysFromPem(await readFile(join(dir, 'cosign.pub'), 'utf8'));
  const report = await new VerifyEngine(new RegistrySource(new RegistryClient({ baseUrl: registry.url }))).verify('interop/skopeo', 'v1', { reference: `${host}/interop/skopeo:v1`, keys });
  assert.equal(report.verdict, 'verified', report.reason);
  assert.ok(report.nodes.some((n) => n.kind === 'signature' && n.verdict === 'verified' && n.details.via === 'cosign-tag'));
});

test('a Notation-signed image (JWS and COSE envelopes attached as referrers by oras) is found and verified with its trust store', { skip: noNotation }, async () => {
  const image = `${host}/interop/notation:v2`;
  await run(join(tools, 'oras'), ['cp', '--to-plain-http', '--from-oci-layout', `${join(signedImage, 'oci-layout')}:v2`, image]);
  for (const [file, mediaType] of [['jws_signature.sig', 'application/jose+json'], ['cose_signature.sig', 'application/cose']] as const) {
    await copyFile(join(signedImage, file), join(dir, file));
    await run(join(tools, 'oras'), ['attach', '--plain-http', '--artifact-type', 'application/vnd.cncf.notary.signature', image, `${file}:${mediaType}`], { cwd: dir });
  }
  const leaf = new X509Certificate(Buffer.from((JSON.parse(await readFile(join(signedImage, 'jws_signature.sig'), 'utf8')) as { header: { x5c: string[] } }).header.x5c[0]!, 'base64'));
  const engine = new VerifyEngine(new RegistrySource(new RegistryClient({ baseUrl: registry.url })));
  const options = { reference: image, keys: [], notation: { ca: [leaf], signingAuthority: [], tsa: [], trustedIdentities: [], level: 'strict' as const } };
  const report = await engine.verify('interop/notation', 'v2', options);
  assert.equal(report.verdict, 'verified', report.reason);
  const signatures = report.nodes.filter((n) => n.kind === 'signature');
  assert.equal(signatures.length, 2, JSON.stringify(signatures.map((s) => s.label)));
  assert.ok(signatures.every((s) => s.verdict === 'verified'), JSON.stringify(signatures.map((s) => s.reason)));
  const untrusted = await engine.verify('interop/notation', 'v2', { ...options, notation: { ...options.notation, ca: [] } });
  assert.equal(untrusted.verdict, 'untrusted');
});

test('cosign 2.5 signatures with an RFC 3161 timestamp: the timestamp is checked, shown, and keeps a superseded key\'s signature valid', async () => {
  const tsa = await startTimestampAuthority();
  const other = await startTimestampAuthority();
  try {
    const work = await mkdtemp(join(tmpdir(), 'signet-tsa-sign-'));
    const env = { ...process.env, COSIGN_PASSWORD: 'tsa-pass', HOME: work };
    await run(join(tools, 'cosign'), ['generate-key-pair'], { cwd: work, env });
    const images = ['interop/stamped-a:v1', 'interop/stamped-b:v1'];
    for (const [index, image] of images.entries()) {
      await writeFile(join(work, 'f.txt'), `stamped ${index}`);
      await run(join(tools, 'oras'), ['push', '--plain-http', `${host}/${image}`, 'f.txt:text/plain'], { cwd: work });
      await run(join(tools, 'cosign'), ['sign', '--yes', '--key', 'cosign.key', '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', '--timestamp-server-url', tsa.url, `${host}/${image}`], { cwd: work, env });
    }
    const keys = publicKeysFromPem(await readFile(join(work, 'cosign.pub'), 'utf8'));
    const tsaRoot = [new X509Certificate(tsa.rootPem)];
    const client = new RegistryClient({ baseUrl: registry.url });
    const engine = new VerifyEngine(new RegistrySource(client));
    const reference = `${host}/interop/stamped-a:v1`;
    const cosign = { rekorKeys: [], roots: [], intermediates: [] };

    const stamped = await engine.verify('interop/stamped-a', 'v1', { reference, keys, cosign: { ...cosign, tsa: tsaRoot } });
    assert.equal(stamped.verdict, 'verified', stamped.reason);
    const stampNode = stamped.nodes.find((n) => n.kind === 'timestamp');
    assert.ok(stampNode && stampNode.verdict === 'verified' && /Test TSA/.test(stampNode.reason), JSON.stringify(stampNode));
    assert.ok(Math.abs(Date.parse(stampNode.details.time!) - Date.now()) < 120_000);

    const unrelied = await engine.verify('interop/stamped-a', 'v1', { reference, keys, cosign });
    assert.equal(unrelied.verdict, 'verified');
    assert.match(unrelied.reason + unrelied.nodes.map((n) => n.reason).join(' '), /no timestamp authority is trusted/);
    assert.ok(!unrelied.nodes.some((n) => n.kind === 'timestamp'));

    const foreign = await engine.verify('interop/stamped-a', 'v1', { reference, keys, cosign: { ...cosign, tsa: [new X509Certificate(other.rootPem)] } });
    assert.equal(foreign.verdict, 'untrusted', foreign.reason);
    assert.match(foreign.reason, /timestamp authorit/);

    // A superseded key revoked after the stamped time keeps the signature; a compromised one loses it.
    const spki = keys[0]!.export({ type: 'spki', format: 'der' });
    const record = (reason: 'superseded' | 'keyCompromise', invalidSince: string) => ({ fingerprint: fingerprintOf(spki), label: 'release', revocation: { reason, invalidSince, revokedAt: new Date().toISOString() } }) as KeyRecord;
    const later = new Date(Date.now() + 60_000).toISOString();
    const superseded = await engine.verify('interop/stamped-a', 'v1', { reference, keys, cosign: { ...cosign, tsa: tsaRoot }, inventory: [record('superseded', later)] });
    assert.equal(superseded.verdict, 'verified', superseded.reason);
    const unstamped = await engine.verify('interop/stamped-a', 'v1', { reference, keys, cosign, inventory: [record('superseded', later)] });
    assert.equal(unstamped.verdict, 'revoked', 'without a trusted time the revocation cannot be placed after the signature');
    const compromised = await engine.verify('interop/stamped-a', 'v1', { reference, keys, cosign: { ...cosign, tsa: tsaRoot }, inventory: [record('keyCompromise', new Date(Date.now() - 3_600_000).toISOString())] });
    assert.equal(compromised.verdict, 'revoked');

    // A timestamp lifted from another signature does not cover this one.
    const layerOf = async (image: string) => {
      const [repository] = image.split(':');
      const digest = (await client.getManifest(repository!, 'v1')).digest;
      const signature = JSON.parse((await client.getManifest(repository!, `sha256-${digest.slice(7)}.sig`)).bytes.toString('utf8')) as { layers: { digest: string; annotations: Record<string, string> }[] };
      return { digest, layer: signature.layers[0]!, payload: await client.getBlob(repository!, signature.layers[0]!.digest) };
    };
    const a = await layerOf(images[0]!);
    const b = await layerOf(images[1]!);
    const lifted = verifyCosignSignature({
      manifestDigest: a.digest,
      reference,
      identityRule: 'matchRepository',
      payload: a.payload,
      annotations: { ...a.layer.annotations, [TIMESTAMP_ANNOTATION]: b.layer.annotations[TIMESTAMP_ANNOTATION]! },
      trust: { keys, ...cosign, tsa: tsaRoot },
    });
    assert.equal(lifted.verdict, 'failed', lifted.reason);
    assert.match(lifted.reason, /timestamp does not verify/);

    await run(join(tools, 'cosign'), ['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--allow-http-registry', '--allow-insecure-registry', '--use-signed-timestamps', '--timestamp-certificate-chain', tsa.chainFile, reference], { cwd: work, env });
  } finally {
    await tsa.stop();
    await other.stop();
  }
});
