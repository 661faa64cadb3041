import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { RequestFailed } from '../../shared/client.ts';
import { connectToHost } from '../support/host-client.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { waitFor } from '../support/processes.ts';
import { SOFTHSM_MODULE } from '../support/softhsm.fixture.ts';
import { SystemStatusSchema } from '../../shared/model/system.model.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let keychain: Keychain;
let host: ChildProcess;
let home: string;
let output = '';

before(async () => {
  keychain = await startKeychain();
  home = await mkdtemp(join(tmpdir(), 'signet-token-create-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...keychain.env, SIGNET_HOME: home, TSS2_LOG: 'all+none' };
  // No SOFTHSM2_CONF: the token must land in Signet's own SoftHSM store under the data folder.
  delete env.SOFTHSM2_CONF;
  host = spawn('script', ['-qec', `${process.execPath} ${join(root, 'out/main/web/web.main.js')}`, '/dev/null'], { env });
  host.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor('the browser host', async () => /Open (http:\S+)/.test(output), 20_000, () => output);
});

after(async () => {
  host?.kill('SIGTERM');
  await keychain?.stop();
  await rm(home, { recursive: true, force: true });
});

// Waits for the next PIN prompt after `from` and answers it at the host's terminal.
async function answer(from: number, pin: string): Promise<number> {
  await waitFor('a PIN prompt', async () => output.slice(from).includes('(not remembered): '), 20_000, () => output);
  const at = output.indexOf('(not remembered): ', from) + 1;
  host.stdin!.write(`${pin}\n`);
  return at;
}

test('a SoftHSM token is made from the page with its PINs typed at the host terminal, and a key is then generated on it', async () => {
  const main = await connectToHost(/Open (http:\S+)/.exec(output)![1]!);
  try {
    const start = output.length;
    const creating = main.api.tokens.create({ label: 'first-token' });
    let at = await answer(start, 'so-pin-1234');
    assert.match(output.slice(start), /The page asked to: Make SoftHSM token "first-token": choose its security officer \(SO\) PIN/);
    at = await answer(at, 'so-pin-1234');
    at = await answer(at, 'user-pin-5678');
    await answer(at, 'user-pin-5678');
    const made = (await creating) as { modulePath: string; tokenLabel: string };
    assert.equal(made.tokenLabel, 'first-token');
    assert.equal(made.modulePath, SOFTHSM_MODULE);
    assert.ok(!output.includes('user-pin-5678') && !output.includes('so-pin-1234'), 'the PINs are not echoed');
    assert.match(await readFile(join(home, 'softhsm', 'softhsm2.conf'), 'utf8'), new RegExp(`directories.tokendir = ${join(home, 'softhsm', 'tokens')}`));

    const before = output.length;
    const generating = main.api.keys.generate({ backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: 'first-token' }, label: 'on the new token' });
    await answer(before, 'user-pin-5678');
    const key = (await generating) as KeyRecord;
    assert.equal(key.location.kind, 'pkcs11');
    const audit = await main.api.audit.list({ action: 'token.create' });
    assert.ok(audit.some((e) => e.subject === 'first-token'), 'the token is in the audit log');
  } finally {
    main.close();
  }
});

test('two PINs that differ make no token', async () => {
  const main = await connectToHost(/Open (http:\S+)/.exec(output)![1]!);
  try {
    const start = output.length;
    const creating = main.api.tokens.create({ label: 'mistyped' }).then(
      () => null,
      (error: unknown) => error,
    );
    const at = await answer(start, 'so-pin-1234');
    await answer(at, 'so-pin-9999');
    const error = await creating;
    assert.ok(error instanceof RequestFailed);
    assert.equal(error.error.code, 'BadInput');
    const status = (await main.api.system.status({ refresh: true })) as { pkcs11Modules: { slots: { token: { label: string } | null }[] }[] };
    assert.ok(!status.pkcs11Modules.some((m) => m.slots.some((s) => s.token?.label === 'mistyped')));
  } finally {
    main.close();
  }
});

// Runs the signet bin in a pseudo-terminal with a data folder of its own and no SOFTHSM2_CONF, typing each answer at the next PIN prompt.
async function signetAtTerminal(cliHome: string, args: string[], pins: string[]): Promise<{ code: number | null; output: string }> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { signet: string } };
  const env: NodeJS.ProcessEnv = { ...process.env, ...keychain.env, SIGNET_HOME: cliHome, TSS2_LOG: 'all+none', PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` };
  delete env.SOFTHSM2_CONF;
  const child = spawn('script', ['-qec', [join(root, pkg.bin.signet), ...args].join(' '), '/dev/null'], { env });
  let output = '';
  let answered = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const prompts = output.split('(not remembered): ').length - 1;
    while (answered < prompts && answered < pins.length) child.stdin!.write(`${pins[answered++]}\n`);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

test('signet tokens create asks both PINs at the terminal, and later commands see the token', async () => {
  const cliHome = await mkdtemp(join(tmpdir(), 'signet-token-cli-'));
  try {
    const made = await signetAtTerminal(cliHome, ['tokens', 'create', '--label', 'cli-made'], ['so-pin-1234', 'so-pin-1234', 'user-pin-5678', 'user-pin-5678']);
    assert.equal(made.code, 0, made.output);
    assert.match(made.output, /This command will: Make SoftHSM token "cli-made"/);
    assert.match(made.output, /Token "cli-made" is ready/);
    const status = await signetAtTerminal(cliHome, ['status', '--json'], []);
    assert.equal(status.code, 0, status.output);
    const parsed = SystemStatusSchema.parse(JSON.parse(status.output.slice(status.output.indexOf('{'))));
    assert.ok(parsed.pkcs11Modules.some((m) => m.slots.some((slot) => slot.token?.label === 'cli-made')), 'a later start reads Signet\'s own SoftHSM store');
  } finally {
    await rm(cliHome, { recursive: true, force: true });
  }
});
