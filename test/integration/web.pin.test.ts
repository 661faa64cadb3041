import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
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
  hsm = await startSoftHsm('web-pin-token');
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
