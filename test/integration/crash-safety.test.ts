import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../main/audit/audit.log.ts';
import { InventoryStore } from '../../main/keys/inventory.store.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { start, waitFor } from '../support/processes.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';

const worker = fileURLToPath(new URL('../support/crash-worker.ts', import.meta.url));
const KILLS = 15;
let hsm: SoftHsm;
let keychain: Keychain;

before(async () => {
  hsm = await startSoftHsm('crash-hsm');
  keychain = await startKeychain();
});
after(async () => {
  await keychain?.stop();
  await hsm?.cleanup();
});

test(`SIGKILL at random points of generate, rotate and revoke (${KILLS} times) loses no key and breaks no chain`, async () => {
  const home = await mkdtemp(join(tmpdir(), 'signet-crash-'));
  const env = { ...process.env, ...keychain.env, SOFTHSM2_CONF: hsm.conf, SIGNET_HOME: home, CRASH_MODULE: SOFTHSM_MODULE, CRASH_TOKEN: hsm.label, CRASH_PIN: hsm.userPin };
  const completed = new Set<string>();
  for (let round = 0; round < KILLS; round++) {
    const child = start(process.execPath, [worker], { env });
    await waitFor('the worker to start working', async () => /generated/.test(child.output()), 20_000, child.output);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 300));
    child.child.kill('SIGKILL');
    await child.stop();
    for (const match of child.output().matchAll(/^generated (k-[0-9a-f]+)$/gm)) completed.add(match[1]!);
    assert.doesNotMatch(child.output(), /Error/, child.output());

    const inventory = await new InventoryStore(home).load();
    const verification = await new AuditLog(home).verify();
    assert.equal(verification.ok, true, `round ${round}: ${JSON.stringify(verification.firstBad)}`);
    for (const id of completed) assert.ok(inventory.keys.some((k) => k.id === id), `round ${round}: key ${id} was reported made but is gone`);
    for (const key of inventory.keys) {
      if (key.successor) assert.ok(inventory.keys.some((k) => k.id === key.successor), `round ${round}: successor of ${key.id} missing`);
    }
  }
  const app = await createTestApp({ probes: quietProbes, env: { SIGNET_HOME: home } });
  try {
    await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, hsm.userPin);
    const differences = await app.keys.reconcile();
    assert.deepEqual(differences.filter((d) => d.kind === 'missing-on-token' || d.kind === 'sealed-key-missing'), [], 'every listed key still has its material');
    const keys = await app.keys.list();
    assert.ok(keys.length >= KILLS, `${keys.length} keys survived ${KILLS} kills`);
    for (const key of keys.filter((k) => k.status === 'active')) await app.keys.sign(key.id, { payload: Buffer.from('still signs') }, 'cli');
    assert.equal((await app.audit.verify()).ok, true);
  } finally {
    await app.close();
  }
});
