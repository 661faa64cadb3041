import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';

const cosign = fileURLToPath(new URL('../../.tools/bin/cosign', import.meta.url));
let dir: string;
let app: TestApp;

function runCosign(args: string[], password: string): string {
  const result = spawnSync(cosign, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, COSIGN_PASSWORD: password }, timeout: 60_000 });
  assert.equal(result.status, 0, `cosign ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-cosign-key-'));
  app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain() });
});
after(() => app?.cleanup());

test('a cosign.key made by cosign 2.5 imports, and its signatures verify with cosign verify-blob', async () => {
  runCosign(['generate-key-pair'], 'made-by-cosign');
  const pem = await readFile(join(dir, 'cosign.key'), 'utf8');
  await assert.rejects(app.keys.importCosignKey(pem, 'wrong password', 'from cosign', 'cli'), (e: { code?: string }) => e.code === 'Unauthorized');
  const key = await app.keys.importCosignKey(pem, 'made-by-cosign', 'from cosign', 'cli');
  assert.equal(key.publicKeyPem.trim(), (await readFile(join(dir, 'cosign.pub'), 'utf8')).trim());
  const blob = Buffer.from('artifact signed by signet with an imported key\n');
  await writeFile(join(dir, 'blob'), blob);
  const { signature } = await app.keys.sign(key.id, { payload: blob }, 'cli');
  await writeFile(join(dir, 'blob.sig'), signature.toString('base64'));
  runCosign(['verify-blob', '--key', 'cosign.pub', '--signature', 'blob.sig', '--insecure-ignore-tlog', 'blob'], '');
  await assert.rejects(app.keys.importCosignKey(pem, 'made-by-cosign', 'again', 'cli'), /already in the inventory/);
});

test('a software key exported as cosign.key is usable by cosign sign-blob, and the signature verifies with our public key', async () => {
  const key = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'to cosign' }, 'cli');
  await assert.rejects(app.keys.exportCosignKey(key.id, 'short', 'cli'), /at least 8/);
  await writeFile(join(dir, 'exported.key'), await app.keys.exportCosignKey(key.id, 'exported-by-signet', 'cli'));
  assert.equal(runCosign(['public-key', '--key', 'exported.key'], 'exported-by-signet').trim(), key.publicKeyPem.trim());
  await writeFile(join(dir, 'blob2'), 'signed by cosign with an exported key\n');
  runCosign(['sign-blob', '--key', 'exported.key', '--tlog-upload=false', '--yes', '--output-signature', 'blob2.sig', 'blob2'], 'exported-by-signet');
  const signature = Buffer.from((await readFile(join(dir, 'blob2.sig'), 'utf8')).trim(), 'base64');
  assert.ok(verify('sha256', await readFile(join(dir, 'blob2')), createPublicKey(key.publicKeyPem), signature));
});
