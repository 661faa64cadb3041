import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const data = join(resolve(root, process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance'), 'data');
const cases = join(data, 'sigstore-conformance', 'bundle-verify');
const missing = existsSync(cases) ? false : `the sigstore-conformance fixtures are not at ${cases} (set SIGNET_ACCEPTANCE_DIR)`;
if (missing) console.log(`conformance CLI tests skipped: ${missing}`);
const identity = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const issuer = 'https://token.actions.githubusercontent.com';
const trustedRoot = join(data, 'sigstore-root-signing', 'targets', 'trusted_root.json');

before(() => {
  const build = spawnSync(process.execPath, [join(root, 'build', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit', env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` } });
  assert.equal(build.status, 0, 'the build failed');
});

// Runs the installed `signet` bin as the conformance suite would, through package.json's bin path.
async function signet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { signet: string } };
  return new Promise((done) => {
    const child = spawn(join(root, pkg.bin.signet), args, { env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

const verifyBundle = (bundle: string, artifact: string) => signet(['conformance', 'verify-bundle', '--bundle', join(cases, bundle, 'bundle.sigstore.json'), '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, '--trusted-root', trustedRoot, artifact]);

test('verify-bundle exits 0 on a conformance happy path, by path and by sha256 digest', { skip: missing }, async () => {
  const artifact = join(cases, 'a.txt');
  const byPath = await verifyBundle('happy-path-v0.3', artifact);
  assert.equal(byPath.code, 0, byPath.stderr);
  assert.match(byPath.stdout, /^verified: Signed by https:\/\/github\.com\/sigstore-conformance\/.* \(issuer https:\/\/token\.actions\.githubusercontent\.com\)/);
  const digest = `sha256:${createHash('sha256').update(await readFile(artifact)).digest('hex')}`;
  const byDigest = await verifyBundle('happy-path-v0.3', digest);
  assert.equal(byDigest.code, 0, byDigest.stderr);
});

test('verify-bundle exits 1 with one line on stderr for a _fail case and for the wrong identity', { skip: missing }, async () => {
  const mismatch = await verifyBundle('signature-mismatch_fail', join(cases, 'a.txt'));
  assert.equal(mismatch.code, 1);
  assert.equal(mismatch.stdout, '');
  assert.equal(mismatch.stderr.trimEnd().split('\n').length, 1);
  assert.match(mismatch.stderr, /^not verified \(failed\): Verification failed: signature mismatch/);
  const someoneElse = await signet(['conformance', 'verify-bundle', '--bundle', join(cases, 'happy-path-v0.3', 'bundle.sigstore.json'), '--certificate-identity', 'https://example.com/other', '--certificate-oidc-issuer', issuer, '--trusted-root', trustedRoot, join(cases, 'a.txt')]);
  assert.equal(someoneElse.code, 1);
  assert.match(someoneElse.stderr, /^not verified \(untrusted\): /);
});

test('a command line outside the protocol exits 2 and says why', async () => {
  const noBundle = await signet(['conformance', 'verify-bundle', '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, 'sha256:' + '0'.repeat(64)]);
  assert.equal(noBundle.code, 2);
  assert.match(noBundle.stderr, /^usage: --bundle is required/);
  const sign = await signet(['conformance', 'sign-bundle', '--identity-token', 'x', '--bundle', 'out.json', 'file']);
  assert.equal(sign.code, 2);
  assert.match(sign.stderr, /^conformance sign-bundle is not supported/);
});
