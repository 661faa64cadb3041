import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OsKeychain } from '../../main/platform/keychain.adapter.ts';
import { SignetError } from '../../main/errors.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { run } from '../support/processes.ts';

let keychain: Keychain;
const store = new OsKeychain('dev.signet.test-keychain-errors');

before(async () => {
  keychain = await startKeychain();
});
after(async () => {
  await keychain.stop();
});

async function refusal(): Promise<SignetError> {
  try {
    await store.get('probe');
  } catch (error) {
    assert.ok(error instanceof SignetError, String(error));
    return error;
  }
  assert.fail('the keychain answered');
}

test('a locked keychain is said in words, with what to do, and the raw D-Bus text as details', async () => {
  await store.set('probe', 'value');
  assert.equal(await store.get('probe'), 'value');
  await keychain.lock();
  const locked = await refusal();
  assert.equal(locked.code, 'Locked', locked.message);
  assert.match(locked.message, /system keychain .*locked.*try again/);
  assert.ok((locked.details?.length ?? 0) > 0, 'the raw text is kept');
});

// The keyring library keeps its bus connection for the life of the process, so the missing bus is tried in a fresh one.
test('a session bus nobody listens on is said in words, never as a raw D-Bus error', async () => {
  const adapter = new URL('../../main/platform/keychain.adapter.ts', import.meta.url).href;
  const script = `import { OsKeychain } from ${JSON.stringify(adapter)};
try { await new OsKeychain('dev.signet.test-keychain-errors').get('probe'); console.log('{}'); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, details: e.details })); }`;
  const env = { ...keychain.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(tmpdir(), 'signet-no-bus-here')}` };
  const stdout = await run(process.execPath, ['--input-type=module', '-e', script], { env, timeout: 20_000 });
  const gone = JSON.parse(stdout) as { code?: string; message?: string; details?: string[] };
  assert.equal(gone.code, 'Unavailable', stdout);
  assert.match(gone.message ?? '', /system keychain/);
  assert.doesNotMatch(gone.message ?? '', /zbus|org\.freedesktop|os error/);
  assert.ok((gone.details?.length ?? 0) > 0);
});
