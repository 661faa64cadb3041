import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChainReportSchema, type ChainReport } from '../../shared/model/chain.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
let registry: Registry;
let host: string;
let dir: string;
let home: string;

const cosign = (args: string[], password = 'verify-test') => run(join(tools, 'cosign'), args, { cwd: dir, env: { ...process.env, COSIGN_PASSWORD: password } });
const oras = (args: string[]) => run(join(tools, 'oras'), args, { cwd: dir });
const insecure = ['--tlog-upload=false', '--allow-insecure-registry', '--allow-http-registry', '--yes'];

async function push(repository: string, tag: string, content: string): Promise<string> {
  await writeFile(join(dir, `${tag}.txt`), content);
  await oras(['push', '--plain-http', `${host}/${repository}:${tag}`, `${tag}.txt:text/plain`]);
  return (await oras(['resolve', '--plain-http', `${host}/${repository}:${tag}`])).trim();
}

function signet(args: string[]): Promise<{ code: number | null; report: ChainReport | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(root, 'out/main/cli/signet.js'), args, { env: { ...process.env, SIGNET_HOME: home, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      const parsed = args.includes('--json') ? ChainReportSchema.safeParse(parseJsonOrUndefined(stdout)) : null;
      resolve({ code, report: parsed?.success ? parsed.data : null, stdout, stderr });
    });
  });
}


before(async () => {
  registry = await startRegistry();
  host = new URL(registry.url).host;
  dir = await mkdtemp(join(tmpdir(), 'signet-verify-'));
  home = await mkdtemp(join(tmpdir(), 'signet-verify-home-'));
  await cosign(['generate-key-pair']);
  await mkdir(join(dir, 'other'));
  await run(join(tools, 'cosign'), ['generate-key-pair'], { cwd: join(dir, 'other'), env: { ...process.env, COSIGN_PASSWORD: 'other' } });
});
after(() => registry?.stop());

test('an image signed by cosign 2.5 verifies with its key, exits 0, and prints its trust chain', async () => {
  const digest = await push('shop/api', 'v1', 'api v1');
  await cosign(['sign', '--key', 'cosign.key', ...insecure, `${host}/shop/api@${digest}`]);
  await writeFile(join(dir, 'predicate.json'), '{"builder":"ci"}');
  await cosign(['attest', '--key', 'cosign.key', ...insecure, '--new-bundle-format', '--type', 'https://slsa.dev/provenance/v1', '--predicate', 'predicate.json', `${host}/shop/api@${digest}`]);
  const result = await signet(['verify', `${host}/shop/api:v1`, '--key', join(dir, 'cosign.pub'), '--json']);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.equal(result.report?.verdict, 'verified');
  const kinds = result.report!.nodes.map((n) => `${n.kind}:${n.verdict}`);
  assert.ok(kinds.includes('signature:verified'), kinds.join(' '));
  assert.ok(kinds.includes('attestation:verified'), result.report!.nodes.map((n) => `${n.kind}:${n.verdict} ${n.reason}`).join('\n'));
  const tree = await signet(['tree', `${host}/shop/api:v1`, '--key', join(dir, 'cosign.pub')]);
  assert.equal(tree.code, 0);
  assert.match(tree.stdout, /signed by: cosign-signature \[✓ verified\]/);
  assert.match(tree.stdout, /attested by: sigstore-bundle-attestation \(https:\/\/slsa\.dev\/provenance\/v1\) \[✓ verified\]/);
});

test('tampering fails with its reason: an untrusted key, a tag re-pushed to other content, a signature copied to another image', async () => {
  const untrusted = await signet(['verify', `${host}/shop/api:v1`, '--key', join(dir, 'other', 'cosign.pub'), '--json']);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.report!.reason, /does not verify with any trusted key/);

  await push('shop/api', 'v1', 'api v1, rebuilt by someone else');
  const repointed = await signet(['verify', `${host}/shop/api:v1`, '--key', join(dir, 'cosign.pub'), '--json']);
  assert.equal(repointed.code, 1);
  assert.equal(repointed.report?.verdict, 'unsigned');
  assert.match(repointed.report!.reason, /No signature is attached/);

  const signed = await push('shop/web', 'v1', 'web v1');
  await cosign(['sign', '--key', 'cosign.key', ...insecure, `${host}/shop/web@${signed}`]);
  const victim = await push('shop/web', 'v2', 'web v2, never signed');
  await oras(['cp', '--from-plain-http', '--to-plain-http', `${host}/shop/web:${signed.replace(':', '-')}.sig`, `${host}/shop/web:${victim.replace(':', '-')}.sig`]);
  const copied = await signet(['verify', `${host}/shop/web:v2`, '--key', join(dir, 'cosign.pub'), '--json']);
  assert.equal(copied.code, 1);
  assert.match(copied.report!.reason, new RegExp(`The signature is for ${signed}, but the manifest is ${victim}`));
});

test('a signature by a key later revoked as compromised no longer counts', async () => {
  const app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain(), env: { SIGNET_HOME: home } });
  try {
    const key = await app.keys.importCosignKey(await readFile(join(dir, 'cosign.key'), 'utf8'), 'verify-test', 'ci key', 'cli');
    await app.keys.revoke(key.id, { reason: 'keyCompromise', invalidSince: new Date(Date.now() - 86_400_000).toISOString() }, 'cli');
  } finally {
    await app.cleanup();
  }
  const result = await signet(['verify', `${host}/shop/web:v1`, '--keyref', 'ci key', '--json']);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.report?.verdict, 'revoked');
  assert.match(result.report!.reason, /Key "ci key" was revoked \(keyCompromise\)/);
});

test('bad references and unknown keys are refused with a clear error', async () => {
  const bad = await signet(['verify', 'Not A Reference', '--key', join(dir, 'cosign.pub')]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /BadInput/);
  const missing = await signet(['verify', `${host}/shop/api:v1`, '--keyref', 'no such key']);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /NotFound: No key no such key/);
});

test('a keyless identity is all or nothing: an issuer alone or an identity without its issuer is refused before anything is verified', async () => {
  const image = `${host}/shop/api:v1`;
  const issuerOnly = await signet(['verify', image, '--issuer', 'https://token.actions.githubusercontent.com']);
  assert.equal(issuerOnly.code, 3);
  assert.match(issuerOnly.stderr, /BadInput: An OIDC issuer alone names no signer/);
  const noIssuer = await signet(['verify', image, '--identity', 'spiffe://cluster.example/ns/prod/sa/builder']);
  assert.equal(noIssuer.code, 3);
  assert.match(noIssuer.stderr, /BadInput: A keyless signer identity needs the OIDC issuer/);
  const both = await signet(['verify', image, '--identity', 'a@example.com', '--identity-regexp', '.*', '--issuer', 'https://accounts.google.com']);
  assert.match(both.stderr, /BadInput: Give the signer identity exactly \(--identity\) or as a pattern \(--identity-regexp\), not both/);
  const badPattern = await signet(['verify', image, '--identity-regexp', '(', '--issuer-regexp', '.*']);
  assert.match(badPattern.stderr, /BadInput: The identity pattern \( is not a valid regular expression/);
});

test('patterns are accepted as identity and issuer; a key-signed image still verifies only with its key', async () => {
  const digest = await push('shop/patterns', 'v1', 'patterns v1');
  // The first key was revoked by the test before; the other key is not in the inventory at all.
  await cosign(['sign', '--key', join('other', 'cosign.key'), ...insecure, `${host}/shop/patterns@${digest}`], 'other');
  const pattern = ['--identity-regexp', 'https://github\\.com/acme/.*', '--issuer-regexp', 'https://token\\.actions\\.githubusercontent\\.com', '--no-public-good'];
  const keyed = await signet(['verify', `${host}/shop/patterns:v1`, '--key', join(dir, 'other', 'cosign.pub'), ...pattern, '--json']);
  assert.equal(keyed.code, 0, keyed.stderr + keyed.stdout);
  assert.equal(keyed.report?.verdict, 'verified');
  assert.match(keyed.report!.reason, /Signed by key SHA256:[0-9a-f]{16}…, fingerprint SHA256:[0-9a-f]{64}\./, 'a verified image says who signed it');
  const keyless = await signet(['verify', `${host}/shop/patterns:v1`, ...pattern, '--json']);
  assert.equal(keyless.code, 1, 'a key signature is not a keyless identity');
  assert.notEqual(keyless.report?.verdict, 'verified');
});

test('without trust flags signet verify uses the trust the Images screen uses, says which, and --json lists every check', async () => {
  await mkdir(join(dir, 'configured'));
  await run(join(tools, 'cosign'), ['generate-key-pair'], { cwd: join(dir, 'configured'), env: { ...process.env, COSIGN_PASSWORD: 'configured' } });
  const app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain(), env: { SIGNET_HOME: home } });
  try {
    await app.keys.importCosignKey(await readFile(join(dir, 'configured', 'cosign.key'), 'utf8'), 'configured', 'release key', 'cli');
  } finally {
    await app.cleanup();
  }
  const digest = await push('shop/configured', 'v1', 'configured v1');
  await cosign(['sign', '--key', join(dir, 'configured', 'cosign.key'), ...insecure, `${host}/shop/configured@${digest}`], 'configured');
  const configured = await signet(['verify', `${host}/shop/configured:v1`, '--json']);
  assert.equal(configured.code, 0, configured.stderr + configured.stdout);
  assert.match(configured.report!.trust![0]!, /configured trust/);
  assert.ok(configured.report!.trust!.some((line) => /inventory key/.test(line)), configured.report!.trust!.join('; '));
  const signature = configured.report!.nodes.find((n) => n.kind === 'signature' && n.verdict === 'verified');
  assert.deepEqual(signature?.checks?.map((c) => `${c.name}:${c.result}`), ['payload:pass', 'manifest digest:pass', 'identity:pass', 'signature:pass', 'key status:pass']);
  const text = await signet(['verify', `${host}/shop/configured:v1`]);
  assert.match(text.stdout, /trust: Signet's configured trust/);
  const narrowed = await signet(['verify', `${host}/shop/configured:v1`, '--key', join(dir, 'other', 'cosign.pub'), '--json']);
  assert.equal(narrowed.code, 1);
  assert.match(narrowed.report!.trust![0]!, /command line/);
});
