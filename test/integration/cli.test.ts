import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemStatusSchema } from '../../shared/model/system.model.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { KeyRecordSchema } from '../../shared/model/keys.model.ts';
import { writeFile } from 'node:fs/promises';
import { ImageFactory } from '../support/image-factory.ts';
import { startRegistry } from '../support/registry.fixture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let hsm: SoftHsm;
let keychain: Keychain;
let home: string;

before(async () => {
  hsm = await startSoftHsm('cli-token');
  keychain = await startKeychain();
  home = await mkdtemp(join(tmpdir(), 'signet-cli-'));
});
after(async () => {
  await keychain?.stop();
  await hsm?.cleanup();
});

// Runs the installed `signet` bin as a user would, through package.json's bin path.
async function signet(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { signet: string } };
  return new Promise((resolve) => {
    const child = spawn(join(root, pkg.bin.signet), args, {
      env: { ...process.env, ...keychain.env, SIGNET_HOME: home, SIGNET_TOOLS_DIR: join(root, '.tools', 'bin'), PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('signet --help and --version answer and exit 0', async () => {
  const help = await signet(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: signet/);
  assert.match(help.stdout, /status/);
  const version = await signet(['--version']);
  assert.equal(version.code, 0);
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
});

test('signet status --json prints a status that matches the contract, with the real token', async () => {
  const result = await signet(['status', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const status = SystemStatusSchema.parse(JSON.parse(result.stdout));
  assert.equal(status.versions.host, 'cli');
  const labels = status.pkcs11Modules.flatMap((m) => m.slots.map((s) => s.token?.label));
  assert.ok(labels.includes('cli-token'), labels.join(', '));
});

test('signet status prints a readable report', async () => {
  const result = await signet(['status']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /PKCS#11 modules:/);
  assert.match(result.stdout, /token "cli-token"/);
  assert.match(result.stdout, /skopeo\s+1\.18\.0/);
});

test('wrong usage exits 2 with a hint, never a stack trace', async () => {
  for (const args of [[], ['frobnicate'], ['status', 'extra'], ['--no-such-flag']]) {
    const result = await signet(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /signet --help/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  }
});

test('signet keys: remember a PIN, generate on the token, list, export, and refuse to revoke without a terminal', async () => {
  const remembered = await signet(['tokens', 'remember-pin', '--module', SOFTHSM_MODULE, '--token', 'cli-token'], `${hsm.userPin}\n`);
  assert.equal(remembered.code, 0, remembered.stderr);
  const generated = await signet(['--json', 'keys', 'generate', '--label', 'cli release', '--module', SOFTHSM_MODULE, '--token', 'cli-token', '--algorithm', 'ecdsa-p384']);
  assert.equal(generated.code, 0, generated.stderr);
  const key = KeyRecordSchema.parse(JSON.parse(generated.stdout));
  assert.equal(key.algorithm, 'ecdsa-p384');
  const listed = await signet(['keys', 'list']);
  assert.match(listed.stdout, new RegExp(`${key.id}\\s+active\\s+ECDSA P-384\\s+token cli-token`));
  const file = join(home, 'cosign.pub');
  const exported = await signet(['keys', 'export', key.id, '--format', 'cosign-pub', '--output', file]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(await readFile(file, 'utf8'), key.publicKeyPem);
  const revoke = await signet(['keys', 'revoke', key.id, '--reason', 'superseded']);
  assert.equal(revoke.code, 1);
  assert.match(revoke.stderr, /confirmation typed at a terminal/);
  const after = KeyRecordSchema.array().parse(JSON.parse((await signet(['--json', 'keys', 'list'])).stdout));
  assert.equal(after.find((k) => k.id === key.id)?.status, 'active', 'nothing was revoked');
});

test('signet sign: refused without a terminal and nothing pushed; at a terminal, the typed word signs, pushes and verifies', async () => {
  const registry = await startRegistry();
  try {
    const host = new URL(registry.url).host;
    const image = await new ImageFactory(registry.url).image('cli/app', 'v1', { os: 'linux', architecture: 'amd64' }, 'cli app');
    const generated = await signet(['--json', 'keys', 'generate', '--label', 'cli signer']);
    assert.equal(generated.code, 0, generated.stderr);
    const sigTag = `${registry.url}/v2/cli/app/manifests/${image.digest.replace(':', '-')}.sig`;
    const refused = await signet(['sign', `${host}/cli/app:v1`, '--key', 'cli signer']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /confirmation typed at a terminal/);
    assert.equal((await fetch(sigTag, { method: 'HEAD' })).status, 404, 'nothing was pushed');

    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { signet: string } };
    const command = [join(root, pkg.bin.signet), 'sign', `${host}/cli/app:v1`, '--key', "'cli signer'", '--annotation', 'ci=yes'].join(' ');
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...keychain.env, SIGNET_HOME: home, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` } });
      let output = '';
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        if (output.includes('to confirm')) child.stdin.write('sign\n');
      });
      child.on('exit', (code) => resolve({ code, output }));
    });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, new RegExp(`Manifests to sign \\(1\\): ${image.digest}`));
    assert.match(result.output, /verified\s+sha256:/);
    assert.equal((await fetch(sigTag, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).status, 200);
  } finally {
    await registry.stop();
  }
});

test('signet audit verify passes on the real log and points at the first edited line', async () => {
  const good = await signet(['audit', 'verify']);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /Audit chain intact: \d+ entries/);
  const logFile = join(home, 'audit', 'audit.jsonl');
  const lines = (await readFile(logFile, 'utf8')).split('\n');
  lines[0] = lines[0]!.replace('"cli release"', '"someone else"');
  await writeFile(logFile, lines.join('\n'));
  const bad = await signet(['audit', 'verify']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /BROKEN at line 1 .*edited/);
});
