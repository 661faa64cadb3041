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
import { rewriteAuditLines, storedAuditLines } from '../support/store-tamper.ts';
import { freePort } from '../support/processes.ts';
import type { Command } from '../../main/cli/commands/command.types.ts';

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
async function signet(args: string[], input = '', env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { signet: string } };
  return new Promise((resolve) => {
    const child = spawn(join(root, pkg.bin.signet), args, {
      env: { ...process.env, ...keychain.env, SIGNET_HOME: home, SIGNET_TOOLS_DIR: join(root, '.tools', 'bin'), ...env, PATH: `${join(root, 'node_modules', '.bin')}:${env.PATH ?? process.env.PATH}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// Runs the bin under a pseudo-terminal (script), types the confirmation word when asked, and collects what the terminal showed.
async function atTerminal(args: string[], word: string): Promise<{ code: number | null; output: string }> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { signet: string } };
  const command = [join(root, pkg.bin.signet), ...args].join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...keychain.env, SIGNET_HOME: home, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (output.includes('to confirm')) child.stdin.write(`${word}\n`);
    });
    child.on('exit', (code) => resolve({ code, output }));
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

    const result = await atTerminal(['sign', `${host}/cli/app:v1`, '--key', "'cli signer'", '--annotation', 'ci=yes'], 'sign');
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
  const lines = storedAuditLines(home);
  assert.match(lines[0]!, /"cli release"/);
  lines[0] = lines[0]!.replace('"cli release"', '"someone else"');
  rewriteAuditLines(home, lines);
  const bad = await signet(['audit', 'verify']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /BROKEN at line 1 .*edited/);
});

test('signet policy import, evaluate and export: exit 0 only when the policy admits; gaps go to stderr', async () => {
  const [{ run }, { PolicyEvaluationSchema }] = await Promise.all([import('../support/processes.ts'), import('../../shared/model/policy.model.ts')]);
  const registry = await startRegistry();
  try {
    const host = new URL(registry.url).host;
    const factory = new ImageFactory(registry.url);
    const signed = await factory.image('cli/pol', 'signed', { os: 'linux', architecture: 'amd64' }, 'policy signed');
    await factory.image('cli/pol', 'unsigned', { os: 'linux', architecture: 'amd64' }, 'policy unsigned');
    const cosign = join(root, '.tools', 'bin', 'cosign');
    const env = { ...process.env, HOME: home, COSIGN_PASSWORD: '' };
    await run(cosign, ['generate-key-pair', '--output-key-prefix', 'policy'], { cwd: home, env });
    await run(cosign, ['sign', '--yes', '--key', join(home, 'policy.key'), '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', `${host}/cli/pol@${signed.digest}`], { cwd: home, env });
    const file = join(home, 'cli-policy.json');
    await writeFile(file, JSON.stringify({ id: 'cli-policy', name: 'CLI policy', rules: [{ scope: `${host}/cli/*`, signers: [{ kind: 'publicKey', name: 'cli cosign', pem: await readFile(join(home, 'policy.pub'), 'utf8') }] }] }));
    const imported = await signet(['policy', 'import', file]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match((await signet(['policy', 'list'])).stdout, /cli-policy\s+CLI policy \(1 rule\)/);
    const admitted = await signet(['--json', 'policy', 'evaluate', 'cli-policy', `${host}/cli/pol:signed`]);
    assert.equal(admitted.code, 0, admitted.stderr || admitted.stdout);
    assert.equal(PolicyEvaluationSchema.parse(JSON.parse(admitted.stdout)).verdict, 'pass');
    const refused = await signet(['policy', 'evaluate', 'cli-policy', `${host}/cli/pol:unsigned`]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stdout, /^fail .*: refused\n {2}0 of the 1 required signer signed; missing: cli cosign\./);
    const out = join(home, 'exported');
    const exported = await signet(['policy', 'export', 'cli-policy', '--target', 'containers-policy', '--output', out]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /^gap: Rule .*images signed only as sigstore-bundle are rejected\.$/m);
    assert.equal(JSON.parse(await readFile(join(out, 'policy.json'), 'utf8')).default[0].type, 'reject');
    const unknown = await signet(['policy', 'export', 'cli-policy', '--target', 'gatekeeper']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /--target must be one of kyverno, policy-controller, containers-policy, notation/);
    assert.match((await signet(['policy', 'show', 'cli-policy'])).stdout, new RegExp(`Rule 1: ${host}/cli/\\* \\(enforce\\)\n  1 of 1 signers`));
    assert.equal((await signet(['policy', 'remove', 'cli-policy'])).code, 0);
    const gone = await signet(['policy', 'evaluate', 'cli-policy', `${host}/cli/pol:signed`]);
    assert.equal(gone.code, 3);
    assert.match(gone.stderr, /NotFound: No policy cli-policy/);
  } finally {
    await registry.stop();
  }
});

test('signet backup create at a terminal writes the backup and one sheet per custodian; backup inspect prints its manifest', async () => {
  const { BackupManifestSchema } = await import('../../shared/model/recovery.model.ts');
  const out = join(home, 'backups');
  const refused = await signet(['backup', 'create', '--output', out, '--custodians', 'ann,ben,cat', '--threshold', '2']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /confirmation typed at a terminal/);
  assert.equal((await signet(['backup', 'drill', join(out, 'none.signet-backup')])).code, 2, 'a drill needs --passphrase or --share');

  const created = await atTerminal(['backup', 'create', '--output', out, '--custodians', 'ann,ben,cat', '--threshold', '2'], 'backup');
  assert.equal(created.code, 0, created.output);
  assert.match(created.output, /Opens with: any 2 of 3 custodians: ann, ben, cat/);
  const file = /Wrote (\S+\.signet-backup)/.exec(created.output)?.[1];
  assert.ok(file, created.output);
  const sheets = [...created.output.matchAll(/^\s+(\S+\.sheet-\d-of-3-\w+\.html)/gm)].map((m) => m[1]!);
  assert.equal(sheets.length, 3, created.output);
  assert.doesNotMatch(created.output, /signet-share-v1/, 'shares are only in the sheet files');

  const inspected = await signet(['backup', 'inspect', file]);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.match(inspected.stdout, /^signet-backup\/v1, made /);
  assert.match(inspected.stdout, /Opens with any 2 of 3 custodians \(ann, ben, cat\)/);
  assert.match(inspected.stdout, /keys\/inventory\.json\s+inventory\s+\d+ B\s+sha256:[0-9a-f]{64}/);
  assert.match(inspected.stdout, /"cli release": held non-extractable on token "cli-token"/);
  const manifest = BackupManifestSchema.parse(JSON.parse((await signet(['--json', 'backup', 'inspect', file])).stdout));
  assert.ok(manifest.items.some((i) => i.name === 'audit/audit.jsonl'));
  const drill = await signet(['backup', 'drill', file, '--share', sheets[0]!, '--share', sheets[2]!]);
  assert.equal(drill.code, 0, drill.stderr || drill.stdout);
  assert.match(drill.stdout, /: passed\n\s+pass\s+k-[0-9a-f]{16} "cli signer": restored into a fresh keychain store/);
});

test('signet compromise: assess lists what the key signed after the time; respond is refused without a terminal, then rotates, revokes, re-signs and writes its report', async () => {
  const registry = await startRegistry();
  try {
    const host = new URL(registry.url).host;
    const image = await new ImageFactory(registry.url).image('cli/cmp', 'v1', { os: 'linux', architecture: 'amd64' }, 'cli compromise');
    const { SettingsService } = await import('../../main/settings/settings.service.ts');
    const settings = new SettingsService(home);
    await settings.update({ registries: [...(await settings.get()).registries.filter((r) => r.name !== 'cli-cmp'), { name: 'cli-cmp', url: registry.url, insecure: false }] });
    const key = KeyRecordSchema.parse(JSON.parse((await signet(['--json', 'keys', 'generate', '--label', 'cmp key'])).stdout));
    const withoutAdmin = await signet(['compromise', 'respond', 'cmp key', '--since', new Date(Date.now() - 60_000).toISOString()]);
    assert.equal(withoutAdmin.code, 1);
    assert.match(withoutAdmin.stderr, /No admin key is designated/);
    const admin = KeyRecordSchema.parse(JSON.parse((await signet(['--json', 'keys', 'generate', '--label', 'cmp admin'])).stdout));
    assert.equal((await signet(['keys', 'set-admin', admin.id])).code, 1, 'designating the admin key needs a confirmation at a terminal');
    assert.equal((await atTerminal(['keys', 'set-admin', admin.id], 'set-admin')).code, 0);
    const since = new Date(Date.now() - 60_000).toISOString();
    const signed = await atTerminal(['sign', `${host}/cli/cmp:v1`, '--key', "'cmp key'"], 'sign');
    assert.equal(signed.code, 0, signed.output);

    const assessed = await signet(['compromise', 'assess', 'cmp key', '--since', since, '--registry', 'cli-cmp']);
    assert.equal(assessed.code, 0, assessed.stderr);
    assert.match(assessed.stdout, new RegExp(`^Key "cmp key" \\(${key.fingerprint}\\), invalid since ${since.replace(/[.]/g, '\\.')}: 1 affected image\\(s\\)`));
    assert.ok(assessed.stdout.includes(image.digest), assessed.stdout);
    assert.match(assessed.stdout, /found in (the audit log|.*scan)/);
    assert.equal((await signet(['compromise', 'assess', 'cmp key'])).code, 3, 'without --since the time is unknown');

    const refused = await signet(['compromise', 'respond', 'cmp key', '--since', since, '--registry', 'cli-cmp']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /confirmation typed at a terminal/);
    const still = JSON.parse((await signet(['--json', 'keys', 'list'])).stdout) as { id: string; status: string }[];
    assert.equal(still.find((k) => k.id === key.id)?.status, 'active', 'nothing changed without the confirmation');

    const out = await mkdtemp(join(tmpdir(), 'signet-cli-compromise-'));
    const responded = await atTerminal(['compromise', 'respond', "'cmp key'", '--since', since, '--registry', 'cli-cmp', '--output', out], 'compromise');
    assert.equal(responded.code, 0, responded.output);
    const successorId = /successor (k-[0-9a-f]{16})/.exec(responded.output)?.[1];
    assert.ok(successorId, responded.output);
    assert.match(responded.output, new RegExp(`Re-signed:\\s+verified\\s+${image.digest}`));
    const report = JSON.parse(await readFile(join(out, 'compromise-report.json'), 'utf8')) as { keyId: string; resigned: { digest: string; verdict: string }[] };
    assert.equal(report.keyId, key.id);
    assert.deepEqual(report.resigned.map((r) => [r.digest, r.verdict]), [[image.digest, 'verified']]);
    const keys = JSON.parse((await signet(['--json', 'keys', 'list'])).stdout) as { id: string; status: string; revocation: { reason: string } | null }[];
    assert.equal(keys.find((k) => k.id === key.id)?.revocation?.reason, 'keyCompromise');
    const withSuccessor = await signet(['verify', `${host}/cli/cmp:v1`, '--keyref', successorId]);
    assert.equal(withSuccessor.code, 0, withSuccessor.stdout + withSuccessor.stderr);
    const withOld = await signet(['verify', `${host}/cli/cmp:v1`, '--keyref', key.id]);
    assert.equal(withOld.code, 1, 'the compromised key no longer verifies the image');
  } finally {
    await registry.stop();
  }
});

test('signet scan: a registry scan prints its summary and exits 0; history, diff and export follow', async () => {
  const registry = await startRegistry();
  try {
    const factory = new ImageFactory(registry.url);
    for (const name of ['cli/scan-a', 'cli/scan-b']) await factory.image(name, 'v1', { os: 'linux', architecture: 'amd64' }, name);
    const { SettingsService } = await import('../../main/settings/settings.service.ts');
    const settings = new SettingsService(home);
    await settings.update({ registries: [...(await settings.get()).registries.filter((r) => r.name !== 'cli-scan'), { name: 'cli-scan', url: registry.url, insecure: false }] });
    const first = await signet(['scan', '--registry', 'cli-scan']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Scan scan-\S+ of registry cli-scan\n2 image\(s\) in [\d.]+ s, \d+ registry requests; 0\.0% signed and verified/);
    assert.match(first.stdout, /\n {2}unsigned\s+2\n/);
    const narrowed = await signet(['--json', 'scan', '--registry', 'cli-scan', '--repository', 'cli/scan-a', '--tags', 'v*']);
    assert.equal(narrowed.code, 0, narrowed.stderr);
    const summary = JSON.parse(narrowed.stdout) as { scanId: string; total: number; counts: Record<string, number> };
    assert.deepEqual([summary.total, summary.counts.unsigned], [1, 1]);
    const history = await signet(['scan', 'history']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout.split('\n')[0]!, new RegExp(`^${summary.scanId} .* 1 images\\s+0\\.0% verified  registry cli-scan: cli/scan-a, tags v\\*$`));
    const ids = (JSON.parse((await signet(['--json', 'scan', 'history'])).stdout) as { scanId: string }[]).map((s) => s.scanId);
    const diff = await signet(['scan', 'diff', ids[1]!, ids[0]!]);
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /Removed \(1\):\n {2}cli\/scan-b:v1/);
    const file = join(home, 'scan.csv');
    const exported = await signet(['scan', 'export', summary.scanId, '--format', 'csv', '--output', file]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(await readFile(file, 'utf8'), /^repository,tag,platform,digest,coverage,.*\r\ncli\/scan-a,v1,,sha256:[0-9a-f]{64},unsigned,/);
    const wrong = await signet(['scan']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--registry NAME or --layout NAME/);
  } finally {
    await registry.stop();
  }
});

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('signet VERB --help prints that verb\'s usage, read from its table, and exits 0; signet --help stays the overview', async () => {
  const [{ keysCommands }, { verifyCommands }, { scanCommands }, { backupCommands }, { systemCommands }] = await Promise.all([
    import('../../main/cli/commands/keys.command.ts'),
    import('../../main/cli/commands/verify.command.ts'),
    import('../../main/cli/commands/scan.command.ts'),
    import('../../main/cli/commands/recovery.command.ts'),
    import('../../main/cli/commands/system.command.ts'),
  ]);
  const cases: [string[], string, Command | undefined][] = [
    [['keys', 'generate', '--help'], 'keys generate', keysCommands['keys generate']],
    [['verify', '--help'], 'verify', verifyCommands.verify],
    [['--json', 'scan', 'diff', '-h'], 'scan diff', scanCommands['scan diff']],
    [['backup', 'key', '--help'], 'backup key', backupCommands['backup key']],
    [['status', '--help'], 'status', systemCommands.status],
  ];
  for (const [args, name, command] of cases) {
    assert.ok(command, name);
    const result = await signet(args);
    assert.equal(result.code, 0, `${name}: ${result.stderr}`);
    assert.equal(result.stderr, '');
    assert.ok(result.stdout.startsWith(`signet ${name}: ${command.summary}\n\nUsage: signet [--json] ${[name, ...command.positionals.map((a) => a.name)].join(' ')}`), result.stdout);
    for (const [flag, option] of Object.entries(command.options)) assert.match(result.stdout, new RegExp(`^  --${escapeRegExp(flag)}${option.value ? ` ${escapeRegExp(option.value)}` : ''} +${escapeRegExp(option.help)}$`, 'm'), `${name} --${flag}`);
    for (const argument of command.positionals) assert.match(result.stdout, new RegExp(`^  ${escapeRegExp(argument.name)} +${escapeRegExp(argument.help)}$`, 'm'), `${name} ${argument.name}`);
    assert.match(result.stdout, /^ {2}--json +machine-readable output$/m);
    assert.match(result.stdout, /\nExit codes:\n {2}0 .*\n {2}1 .*not verified.*\n {2}2 .*command line.*\n {2}3 .*could not check.*\n {2}4 .*declined\n$/);
  }
  const overview = await signet(['--help']);
  assert.equal(overview.code, 0);
  assert.ok(overview.stdout.startsWith('signet: manage signing keys and container-image signatures\n\nUsage: signet [--json] COMMAND [ARGS]\n'));
  assert.doesNotMatch(overview.stdout, /Exit codes:/);
  assert.equal((await signet(['-h'])).stdout, overview.stdout);
  const group = await signet(['keys', '--help']);
  assert.equal(group.code, 0);
  assert.match(group.stdout, /^ {2}keys generate +make a key/m);
});

test('usage errors: an unknown option names the verb and the nearest flag, --json puts the error on stdout, and each exits 2', async () => {
  const near = await signet(['verify', 'registry.example/app:v1', '--keyrf', 'ci key']);
  assert.equal(near.code, 2);
  assert.equal(near.stderr, 'signet: verify has no option --keyrf; did you mean --keyref? Run signet verify --help for its options.\n');
  const far = await signet(['keys', 'generate', '--label', 'x', '--frobnicate']);
  assert.equal(far.code, 2);
  assert.equal(far.stderr, 'signet: keys generate has no option --frobnicate. Run signet keys generate --help for its options.\n');
  const json = await signet(['--json', 'verify', 'registry.example/app:v1', '--foo']);
  assert.equal(json.code, 2);
  assert.equal(json.stderr, '');
  assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'Usage', message: 'verify has no option --foo. Run signet verify --help for its options.' } });
  const count = await signet(['--json', 'scan', 'diff', 'one']);
  assert.equal(count.code, 2);
  assert.equal(count.stderr, '');
  const error = (JSON.parse(count.stdout) as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'Usage');
  assert.match(error.message, /^scan diff takes 2 arguments \(FROM TO\)\. Run signet scan diff --help/);
  const bare = await signet(['keys', 'generate', '--label']);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^signet: --label needs its value \(NAME\)\nRun signet keys generate --help/);
});

test('signet verify exits 0 when verified, 1 when unsigned, 3 when the tag is not found or the registry cannot be reached', async () => {
  const registry = await startRegistry();
  try {
    const host = new URL(registry.url).host;
    const factory = new ImageFactory(registry.url);
    await factory.image('cli/exit', 'signed', { os: 'linux', architecture: 'amd64' }, 'exit signed');
    await factory.image('cli/exit', 'unsigned', { os: 'linux', architecture: 'amd64' }, 'exit unsigned');
    assert.equal((await signet(['keys', 'generate', '--label', 'exit signer'])).code, 0);
    const signed = await atTerminal(['sign', `${host}/cli/exit:signed`, '--key', "'exit signer'"], 'sign');
    assert.equal(signed.code, 0, signed.output);
    const verified = await signet(['verify', `${host}/cli/exit:signed`, '--keyref', 'exit signer']);
    assert.equal(verified.code, 0, verified.stderr + verified.stdout);
    assert.match(verified.stdout, /^✓ verified /);
    const unsigned = await signet(['verify', `${host}/cli/exit:unsigned`, '--keyref', 'exit signer']);
    assert.equal(unsigned.code, 1, unsigned.stderr + unsigned.stdout);
    assert.match(unsigned.stdout, /^! unsigned /);
    const missing = await signet(['verify', `${host}/cli/exit:missing`, '--keyref', 'exit signer']);
    assert.equal(missing.code, 3, missing.stderr + missing.stdout);
    assert.match(missing.stderr, /^signet: NotFound: /);
    const missingJson = await signet(['--json', 'tree', `${host}/cli/exit:missing`, '--keyref', 'exit signer']);
    assert.equal(missingJson.code, 3);
    assert.equal((JSON.parse(missingJson.stdout) as { error: { code: string } }).error.code, 'NotFound');
  } finally {
    await registry.stop();
  }
  const port = await freePort();
  const unreachable = await signet(['verify', `127.0.0.1:${port}/cli/exit:signed`, '--keyref', 'exit signer']);
  assert.equal(unreachable.code, 3, unreachable.stderr + unreachable.stdout);
  assert.match(unreachable.stderr, new RegExp(`^signet: Unavailable: Nothing is listening at 127\\.0\\.0\\.1:${port}`));
});

test('signet verify REF... prints one line per image and a summary; exit 0 when all verified, 1 when any is not, 3 when some could not be checked; --json prints a list', async () => {
  const registry = await startRegistry();
  try {
    const host = new URL(registry.url).host;
    const factory = new ImageFactory(registry.url);
    await factory.image('cli/many', 'one', { os: 'linux', architecture: 'amd64' }, 'many one');
    await factory.image('cli/many', 'two', { os: 'linux', architecture: 'amd64' }, 'many two');
    await factory.image('cli/many', 'bare', { os: 'linux', architecture: 'amd64' }, 'many bare');
    assert.equal((await signet(['keys', 'generate', '--label', 'many signer'])).code, 0);
    for (const tag of ['one', 'two']) {
      const signed = await atTerminal(['sign', `${host}/cli/many:${tag}`, '--key', "'many signer'"], 'sign');
      assert.equal(signed.code, 0, signed.output);
    }
    const [one, two, bare, missing] = ['one', 'two', 'bare', 'missing'].map((tag) => `${host}/cli/many:${tag}`);

    const single = await signet(['verify', one!, '--keyref', 'many signer']);
    assert.equal(single.code, 0, single.stderr + single.stdout);
    assert.doesNotMatch(single.stdout, /could not be checked/);

    const all = await signet(['verify', one!, two!, '--keyref', 'many signer']);
    assert.equal(all.code, 0, all.stderr + all.stdout);
    assert.equal(all.stderr, '');
    const allLines = all.stdout.trimEnd().split('\n');
    assert.match(allLines[0]!, new RegExp(`^✓ verified ${escapeRegExp(one!)}: `));
    assert.match(allLines[1]!, new RegExp(`^✓ verified ${escapeRegExp(two!)}: `));
    assert.match(allLines[2]!, /^ {2}trust: Only the trust the command line names/);
    assert.equal(allLines.at(-1), '2 verified, 0 not verified, 0 could not be checked');
    assert.equal(allLines.length, 4);

    const mixed = await signet(['verify', one!, bare!, missing!, '--keyref', 'many signer']);
    assert.equal(mixed.code, 1, mixed.stderr + mixed.stdout);
    const mixedLines = mixed.stdout.trimEnd().split('\n');
    assert.match(mixedLines[0]!, /^✓ verified /);
    assert.match(mixedLines[1]!, new RegExp(`^! unsigned ${escapeRegExp(bare!)}: `));
    assert.match(mixedLines[2]!, new RegExp(`^\\? could not check ${escapeRegExp(missing!)}: NotFound: `));
    assert.equal(mixedLines.at(-1), '1 verified, 1 not verified, 1 could not be checked');

    const unchecked = await signet(['verify', one!, missing!, '--keyref', 'many signer']);
    assert.equal(unchecked.code, 3, unchecked.stderr + unchecked.stdout);
    assert.equal(unchecked.stdout.trimEnd().split('\n').at(-1), '1 verified, 0 not verified, 1 could not be checked');

    const json = await signet(['--json', 'verify', one!, bare!, missing!, '--keyref', 'many signer']);
    assert.equal(json.code, 1);
    const list = JSON.parse(json.stdout) as { reference: string; verdict?: string; error?: { code: string } }[];
    assert.equal(list.length, 3);
    assert.equal(list[0]!.verdict, 'verified');
    assert.equal(list[1]!.verdict, 'unsigned');
    assert.deepEqual([list[2]!.reference, list[2]!.error?.code], [missing, 'NotFound']);

    // One's signature copied onto bare's signature tag, checked in the same command right after one: the shared
    // client and cache must not carry one's verdict over, so bare is not verified and the command exits 1.
    const accept = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json';
    const digestOf = async (tag: string) => (await fetch(`${registry.url}/v2/cli/many/manifests/${tag}`, { method: 'HEAD', headers: { accept } })).headers.get('docker-content-digest')!;
    const sigTag = (digest: string) => `${digest.replace(':', '-')}.sig`;
    const sigManifest = await (await fetch(`${registry.url}/v2/cli/many/manifests/${sigTag(await digestOf('one'))}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json() as object;
    await factory.manifest('cli/many', sigTag(await digestOf('bare')), sigManifest, 'application/vnd.oci.image.manifest.v1+json');
    const copied = await signet(['verify', one!, bare!, two!, '--keyref', 'many signer']);
    assert.equal(copied.code, 1, copied.stderr + copied.stdout);
    const copiedLines = copied.stdout.trimEnd().split('\n');
    assert.match(copiedLines[0]!, /^✓ verified /);
    assert.doesNotMatch(copiedLines[1]!, /verified/, 'a copied signature is not a verification of the image it was copied to');
    assert.match(copiedLines[2]!, /^✓ verified /);
    assert.equal(copiedLines.at(-1), '2 verified, 1 not verified, 0 could not be checked');

    const none = await signet(['verify', '--keyref', 'many signer']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^signet: verify takes at least one argument \(IMAGE\.\.\.\)/);
  } finally {
    await registry.stop();
  }
});

test('a confirmation declined at the terminal exits 4 and changes nothing', async () => {
  const key = KeyRecordSchema.parse(JSON.parse((await signet(['--json', 'keys', 'generate', '--label', 'declined key'])).stdout));
  const declined = await atTerminal(['keys', 'revoke', key.id, '--reason', 'superseded'], 'no');
  assert.equal(declined.code, 4, declined.output);
  assert.match(declined.output, /Type "revoke" to confirm/);
  const keys = KeyRecordSchema.array().parse(JSON.parse((await signet(['--json', 'keys', 'list'])).stdout));
  assert.equal(keys.find((k) => k.id === key.id)?.status, 'active');
});

test('signet status writes nothing on stderr with SoftHSM and the TPM module loaded; without a TPM the TSS2 stack stays quiet too', async () => {
  const { startTpm } = await import('../support/tpm.fixture.ts');
  const tpm = await startTpm('cli-tpm');
  try {
    const result = await signet(['status'], '', { ...tpm.env, TSS2_LOG: undefined, TPM2_PKCS11_LOG_LEVEL: undefined });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /token "cli-token"/);
    assert.match(result.stdout, /token "cli-tpm"/);
    assert.equal(result.stderr, '');
  } finally {
    await tpm.stop();
  }
  const withoutTpm = await signet(['status'], '', { TSS2_LOG: undefined, TPM2_PKCS11_LOG_LEVEL: undefined });
  assert.equal(withoutTpm.code, 0, withoutTpm.stderr);
  assert.doesNotMatch(withoutTpm.stderr, /:tcti:|TSS2/);
});
