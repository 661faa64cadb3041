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
import { publicKeysFromPem } from '../../main/signatures/cosign.verifier.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';

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
