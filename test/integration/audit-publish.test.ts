import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchorAccount } from '../../main/audit/audit-anchor.ts';
import { entryHash } from '../../main/audit/audit.log.ts';
import { OsKeychain } from '../../main/platform/keychain.adapter.ts';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { rewriteAuditLines, storedAuditLines } from '../support/store-tamper.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let keychain: Keychain;
let registry: Registry;
let home: string;

before(async () => {
  keychain = await startKeychain();
  registry = await startRegistry();
  home = await mkdtemp(join(tmpdir(), 'signet-audit-publish-'));
});
after(async () => {
  await registry?.stop();
  await keychain?.stop();
  await rm(home, { recursive: true, force: true });
});

async function signet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { signet: string } };
  return new Promise((resolve) => {
    const child = spawn(join(root, pkg.bin.signet), args, { env: { ...process.env, ...keychain.env, SIGNET_HOME: home, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end();
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const entries = () => storedAuditLines(home).map((line) => JSON.parse(line) as AuditEntry);

test('a published checkpoint is an OCI artifact a third party holds; the log verifies against it until it is rewritten or cut', async () => {
  const host = new URL(registry.url).host;
  const reference = `${host}/audit/checkpoints:v1`;
  for (const label of ['first', 'second']) {
    const generated = await signet(['keys', 'generate', '--label', label]);
    assert.equal(generated.code, 0, generated.stderr);
  }
  assert.equal(entries().at(-1)?.action, 'audit.checkpoint', 'the CLI wrote a checkpoint when it closed');

  const published = await signet(['--json', 'audit', 'publish', reference]);
  assert.equal(published.code, 0, published.stderr);
  const result = JSON.parse(published.stdout) as { seq: number; hash: string; digest: string };
  const publishedEntry = entries().find((e) => e.seq === result.seq)!;
  assert.equal(publishedEntry.action, 'audit.checkpoint');
  assert.equal(publishedEntry.hash, result.hash);

  // What a registry client sees: an OCI manifest with the artifact type, an empty config and one layer with the checkpoint and key.
  const manifestResponse = await fetch(`${registry.url}/v2/audit/checkpoints/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(manifestResponse.status, 200);
  const manifest = (await manifestResponse.json()) as { artifactType: string; config: { mediaType: string }; layers: { mediaType: string; digest: string }[] };
  assert.equal(manifest.artifactType, 'application/vnd.signet.audit.checkpoint.v1+json');
  assert.equal(manifest.config.mediaType, 'application/vnd.oci.empty.v1+json');
  assert.equal(manifest.layers.length, 1);
  const layer = (await (await fetch(`${registry.url}/v2/audit/checkpoints/blobs/${manifest.layers[0]!.digest}`)).json()) as { checkpoint: AuditEntry; auditKeyPem: string };
  assert.deepEqual(layer.checkpoint, publishedEntry);
  assert.equal(layer.auditKeyPem, await readFile(join(home, 'audit', 'audit-key.pem'), 'utf8'));

  const more = await signet(['keys', 'generate', '--label', 'third']);
  assert.equal(more.code, 0, more.stderr);
  const held = await signet(['audit', 'verify', '--against', reference]);
  assert.equal(held.code, 0, held.stdout + held.stderr);
  assert.match(held.stdout, /Audit chain intact/);
  assert.match(held.stdout, new RegExp(`Checkpoint outside the log: matched \\(entry ${entries().at(-1)!.seq}, ${entries().at(-1)!.hash}\\)`), 'the CLI says what the keychain holds');
  assert.match(held.stdout, new RegExp(`Published checkpoint held .*entry ${result.seq}`));

  // Someone with the data folder and the keychain entry: the log rebuilt without checkpoints, one detail changed, the anchor gone.
  const original = entries();
  let prev = '0'.repeat(64);
  const forged = original
    .filter((e) => e.action !== 'audit.checkpoint')
    .map((e, index) => {
      const body = { seq: index + 1, time: e.time, host: e.host, action: e.action, subject: e.subject, details: index === 0 ? { ...e.details, label: 'someone else' } : e.details, prev };
      const hash = entryHash(body);
      prev = hash;
      return { ...body, hash };
    });
  while (forged.length < result.seq + 2) {
    const body = { ...forged[0]!, seq: forged.length + 1, subject: `filler-${forged.length}`, prev };
    const { hash: _drop, ...rest } = body;
    const hash = entryHash(rest);
    prev = hash;
    forged.push({ ...rest, hash });
  }
  rewriteAuditLines(home, forged.map((e) => JSON.stringify(e)));
  assert.equal(await new OsKeychain().remove(anchorAccount(home)), true, 'the anchor was in the keychain');
  const rewritten = await signet(['--json', 'audit', 'verify', '--against', reference]);
  assert.equal(rewritten.code, 1, rewritten.stdout);
  const report = JSON.parse(rewritten.stdout) as { against: { held: boolean; reason: string } };
  assert.equal(report.against.held, false);
  assert.match(report.against.reason, new RegExp(`entry ${result.seq} is not the one the checkpoint published at .* holds: the log was rewritten`));

  rewriteAuditLines(home, forged.slice(0, result.seq - 1).map((e) => JSON.stringify(e)));
  const cut = await signet(['audit', 'verify', '--against', reference]);
  assert.equal(cut.code, 1, cut.stdout);
  assert.match(cut.stdout, new RegExp(`Published checkpoint NOT HELD .*the log ends at entry ${result.seq - 1} but the checkpoint published at .* is at entry ${result.seq}: the tail was removed`));
});

test('verify --against an image that is not a checkpoint says so and exits 1', async () => {
  const { ImageFactory } = await import('../support/image-factory.ts');
  const image = await new ImageFactory(registry.url).image('audit/not-a-checkpoint', 'v1', { os: 'linux', architecture: 'amd64' }, 'plain image');
  assert.ok(image.digest);
  const result = await signet(['audit', 'verify', '--against', `${new URL(registry.url).host}/audit/not-a-checkpoint:v1`]);
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /NOT HELD .*not a readable Signet checkpoint/);
});
