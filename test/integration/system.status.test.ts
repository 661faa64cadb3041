import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import type { SystemStatus } from '../../shared/model/system.model.ts';

let hsm: SoftHsm;
let keychain: Keychain;
let registry: Registry;
let app: TestApp;

before(async () => {
  hsm = await startSoftHsm('system-status');
  keychain = await startKeychain();
  registry = await startRegistry();
  app = await createTestApp({ env: { SIGNET_TOOLS_DIR: new URL('../../.tools/bin', import.meta.url).pathname } });
});

after(async () => {
  await app?.cleanup();
  await registry?.stop();
  await keychain?.stop();
  await hsm?.cleanup();
});

async function status(): Promise<SystemStatus> {
  const result = await app.dispatch('system.status', { refresh: true }, { host: 'cli' });
  assert.ok(result.ok, JSON.stringify(result));
  return result.value as SystemStatus;
}

test('system.status reads the SoftHSM token through PKCS#11', async () => {
  const current = await status();
  const softhsm = current.pkcs11Modules.find((m) => m.kind === 'softhsm');
  assert.ok(softhsm, 'SoftHSM detected at its Debian path');
  assert.equal(softhsm.loaded, true, softhsm.error?.message);
  assert.match(softhsm.library?.manufacturer ?? '', /SoftHSM/);
  const token = softhsm.slots.find((s) => s.token?.label === hsm.label)?.token;
  assert.ok(token, `token ${hsm.label} listed: ${JSON.stringify(softhsm.slots)}`);
  assert.equal(token.initialized, true);
  assert.equal(token.userPinInitialized, true);
  assert.equal(token.loginRequired, true);
  assert.equal(token.userPinLocked, false);
});

test('system.status proves the keychain answers with a real round trip, then reports a locked one as locked', async () => {
  const unlocked = await status();
  assert.equal(unlocked.keychain.backend, 'secret-service');
  assert.equal(unlocked.keychain.available, true, unlocked.keychain.detail);
  await keychain.lock();
  const locked = await status();
  assert.equal(locked.keychain.available, false);
  assert.equal(locked.keychain.error?.code, 'Locked', locked.keychain.detail);
  assert.match(locked.keychain.detail, /locked/i);
});

test('system.status reaches configured registries and says why one is unreachable', async () => {
  const update = await app.dispatch(
    'settings.update',
    {
      registries: [
        { name: 'local', url: registry.url },
        { name: 'gone', url: 'http://127.0.0.1:9' },
      ],
    },
    { host: 'cli' },
  );
  assert.ok(update.ok, JSON.stringify(update));
  const current = await status();
  const local = current.registries.find((r) => r.name === 'local');
  assert.equal(local?.reachable, true, local?.error?.message);
  assert.equal(local?.auth, 'anonymous');
  assert.equal(local?.apiVersion, 'registry/2.0');
  const gone = current.registries.find((r) => r.name === 'gone');
  assert.equal(gone?.reachable, false);
  assert.equal(gone?.error?.code, 'Unavailable');
});

test('system.status finds the pinned peer tools with their versions', async () => {
  const current = await status();
  const byName = new Map(current.tools.map((t) => [t.name, t]));
  assert.equal(byName.get('skopeo')?.version, '1.18.0');
  assert.equal(byName.get('oras')?.version, '1.2.0');
  assert.equal(byName.get('cosign')?.found, true);
  assert.match(byName.get('softhsm2-util')?.version ?? '', /^2\.\d/);
});

test('a configured module path that is not a PKCS#11 module gives a clear error and the rest still works', async () => {
  // As a settings file written by hand would hold them: the page cannot set module paths (see hostile-renderer.test.ts).
  await app.settings.update({ pkcs11Modules: [{ path: '/etc/hostname' }, { path: '/nonexistent/libvendor.so' }, { path: SOFTHSM_MODULE, label: 'Lab HSM' }] });
  const current = await status();
  const notModule = current.pkcs11Modules.find((m) => m.path === '/etc/hostname');
  assert.equal(notModule?.loaded, false);
  assert.equal(notModule?.error?.code, 'BadInput');
  assert.match(notModule?.error?.message ?? '', /could not be loaded as a PKCS#11 module/);
  const missing = current.pkcs11Modules.find((m) => m.path === '/nonexistent/libvendor.so');
  assert.equal(missing?.error?.code, 'NotFound');
  const configured = current.pkcs11Modules.find((m) => m.path === SOFTHSM_MODULE);
  assert.equal(configured?.source, 'configured');
  assert.equal(configured?.label, 'Lab HSM');
  assert.equal(configured?.loaded, true);
  assert.equal(current.pkcs11Modules.filter((m) => m.kind === 'softhsm').length, 1, 'the detected copy is not listed twice');
});
