import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { launchChromium, openScreen } from '../support/browser.ts';
import { connectToHost } from '../support/host-client.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { waitFor } from '../support/processes.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let hsm: SoftHsm;
let keychain: Keychain;
let host: ChildProcess;
let output = '';

before(async () => {
  hsm = await startSoftHsm('web-pin-token', ['web-pin-second']);
  keychain = await startKeychain();
  const home = await mkdtemp(join(tmpdir(), 'signet-web-pin-'));
  // The browser host runs in a pseudo-terminal, as `npm start` does in a person's terminal.
  host = spawn('script', ['-qec', `${process.execPath} ${join(root, 'out/main/web/web.main.js')}`, '/dev/null'], {
    env: { ...process.env, ...keychain.env, SIGNET_HOME: home, SOFTHSM2_CONF: hsm.conf, TSS2_LOG: 'all+none' },
  });
  host.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor('the browser host', async () => /Open (http:\S+)/.test(output), 20_000, () => output);
});

after(async () => {
  host?.kill('SIGTERM');
  await keychain?.stop();
  await hsm?.cleanup();
});

test('a token PIN that is not remembered is asked at the host terminal for the operation, never in the page, and the operation goes on', async () => {
  const main = await connectToHost(/Open (http:\S+)/.exec(output)![1]!);
  try {
    const generating = main.api.keys.generate({ backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, label: 'asked at the terminal' });
    await waitFor('the PIN prompt', async () => output.includes(`PIN for token "${hsm.label}"`), 20_000, () => output);
    assert.match(output, /The page asked to: Generate ECDSA P-256 key "asked at the terminal" on this token\./, 'the prompt names the operation');
    host.stdin!.write(`${hsm.userPin}\n`);
    const key = (await generating) as KeyRecord;
    assert.equal(key.location.kind, 'pkcs11');
    assert.ok(!output.includes(hsm.userPin), 'the PIN is not echoed');
    const listed = (await main.api.keys.list({})) as KeyRecord[];
    assert.ok(listed.some((k) => k.id === key.id));
  } finally {
    main.close();
  }
});

test('while the PIN is asked at the terminal, the page says where to enter it, and stops saying so once it was given', async () => {
  const address = /Open (http:\S+)/.exec(output)![1]!;
  const browser = await launchChromium(null);
  const main = await connectToHost(address);
  try {
    const page = await browser.newPage();
    await page.goto(address);
    await page.getByRole('navigation', { name: 'Screens' }).waitFor();
    const banner = page.getByTestId('pin-request');
    assert.equal(await banner.count(), 0, 'nothing is said before a PIN is asked');
    const asked = output.length;
    // A token of its own: the first test's token stays logged in, so it would not be asked for again.
    const generating = main.api.keys.generate({ backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: 'web-pin-second' }, label: 'the page says where' });
    await waitFor('the PIN prompt', async () => output.slice(asked).includes('PIN for token "web-pin-second"'), 20_000, () => output);
    await banner.waitFor({ timeout: 10_000 });
    assert.equal(await banner.textContent(), 'Enter the PIN for token “web-pin-second” in the terminal where Signet runs. Signet is waiting for it; this page never sees PINs.');
    host.stdin!.write(`${hsm.userPin}\n`);
    await generating;
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
  } finally {
    main.close();
    await browser.close();
  }
});

test('a trust file chosen in the page is kept only after the person typed keep at the host terminal, with its name and SHA-256 shown there', async () => {
  const address = /Open (http:\S+)/.exec(output)![1]!;
  const browser = await launchChromium(null);
  try {
    const page = await openScreen(browser, address, 'system', 'System');
    const trust = page.getByRole('heading', { name: 'Trust for verification' }).locator('..');
    await trust.waitFor({ timeout: 15_000 });
    const work = await mkdtemp(join(tmpdir(), 'signet-trust-choice-'));
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEexample\n-----END PUBLIC KEY-----\n';
    await writeFile(join(work, 'team.pub'), pem);
    const asked = output.length;
    await trust.getByTestId('file-input').first().setInputFiles(join(work, 'team.pub'));
    await waitFor('the confirmation at the terminal', async () => output.slice(asked).includes('Type "keep" to confirm'), 20_000, () => output);
    const prompt = output.slice(asked);
    assert.match(prompt, /Keep a trust file chosen in the page/);
    assert.match(prompt, new RegExp(`SHA-256: ${createHash('sha256').update(pem).digest('hex')}`));
    await trust.getByText('Confirm keeping the file in the terminal where Signet runs', { exact: false }).waitFor();
    host.stdin!.write('keep\n');
    const keyFiles = trust.getByLabel('Public-key files');
    await waitFor('the kept path in the list', async () => (await keyFiles.inputValue()).includes('/trust-files/'), 10_000, () => output);
    const kept = (await keyFiles.inputValue()).split('\n').find((line) => line.includes('/trust-files/'))!;
    assert.equal(await readFile(kept, 'utf8'), pem, 'main kept the bytes the page read');
  } finally {
    await browser.close();
  }
});
