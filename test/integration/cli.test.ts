import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemStatusSchema } from '../../shared/model/system.model.ts';
import { startSoftHsm, type SoftHsm } from '../support/softhsm.fixture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let hsm: SoftHsm;
let home: string;

before(async () => {
  hsm = await startSoftHsm('cli-token');
  home = await mkdtemp(join(tmpdir(), 'signet-cli-'));
});
after(() => hsm?.cleanup());

// Runs the installed `signet` bin as a user would, through package.json's bin path.
async function signet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { signet: string } };
  return new Promise((resolve) => {
    const child = spawn(join(root, pkg.bin.signet), args, {
      env: { ...process.env, SIGNET_HOME: home, SIGNET_TOOLS_DIR: join(root, '.tools', 'bin'), PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
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
