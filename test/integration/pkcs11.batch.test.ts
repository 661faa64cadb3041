import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pkcs11jsDriver } from '../../main/platform/pkcs11.adapter.ts';
import type { Pkcs11Token } from '../../main/platform/pkcs11.types.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';

let hsm: SoftHsm;
let linkDir: string;
const driver = new Pkcs11jsDriver();

before(async () => {
  hsm = await startSoftHsm('batch');
  linkDir = await mkdtemp(join(tmpdir(), 'signet-module-'));
});

after(async () => {
  await rm(linkDir, { recursive: true, force: true });
  await hsm?.cleanup();
});

const messages = (count: number) => Array.from({ length: count }, (_, i) => Buffer.from(`manifest ${i} ${randomBytes(4).toString('hex')}`));

// Every signature must match its own input: a share returned out of place fails here.
function assertInOrder(spki: Buffer, payloads: Buffer[], signatures: Buffer[]): void {
  assert.equal(signatures.length, payloads.length);
  const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  signatures.forEach((signature, i) => assert.ok(verify('sha256', payloads[i]!, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature), `signature ${i}`));
}

// The first large batch starts the threads; later ones share with those that are up.
async function threadsUp(token: Pkcs11Token): Promise<number> {
  const ready = () => (token as unknown as { signingThreadsReady: number }).signingThreadsReady;
  for (let waited = 0; ready() === 0 && waited < 10_000; waited += 50) await sleep(50);
  return ready();
}

async function withToken<T>(modulePath: string, work: (token: Pkcs11Token) => Promise<T>): Promise<T> {
  const token = await driver.openToken({ modulePath, tokenLabel: hsm.label }, hsm.userPin, 4);
  try {
    return await work(token);
  } finally {
    await token.close();
  }
}

test('a large batch on an in-process token is shared with a signing thread and comes back in order', async (t) => {
  if (availableParallelism() < 2) {
    t.skip(`this machine has ${availableParallelism()} core, so no signing thread is started`);
    return;
  }
  await withToken(SOFTHSM_MODULE, async (token) => {
    const objectId = randomBytes(8);
    const spki = await token.generateKeyPair('ecdsa-p256', 'batch', objectId);
    const payloads = messages(300);
    const digests = payloads.map((p) => createHash('sha256').update(p).digest());
    assertInOrder(spki, payloads, await token.signMany(objectId, 'ecdsa', digests));
    assert.ok((await threadsUp(token)) >= 1, 'the first large batch started a signing thread');
    assertInOrder(spki, payloads, await token.signMany(objectId, 'ecdsa', digests));
    assertInOrder(spki, payloads.slice(0, 5), await token.signMany(objectId, 'ecdsa', digests.slice(0, 5)));
  });
});

test('a key removed by another program fails the whole shared batch in words, and the token signs again afterwards', async () => {
  await withToken(SOFTHSM_MODULE, async (token) => {
    const gone = randomBytes(8);
    const kept = randomBytes(8);
    await token.generateKeyPair('ecdsa-p256', 'goes away', gone);
    const spki = await token.generateKeyPair('ecdsa-p256', 'stays', kept);
    const payloads = messages(300);
    const digests = payloads.map((p) => createHash('sha256').update(p).digest());
    await token.signMany(gone, 'ecdsa', digests);
    assert.ok(availableParallelism() < 2 || (await threadsUp(token)) >= 1, 'a signing thread takes a share of the next batch');
    await withToken(SOFTHSM_MODULE, (other) => other.destroy(gone));
    await assert.rejects(token.signMany(gone, 'ecdsa', digests), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'NotFound');
      assert.match(error.message, /no longer on the token/);
      return true;
    });
    assertInOrder(spki, payloads, await token.signMany(kept, 'ecdsa', digests));
  });
});

test('a module that signs off the main thread shares even a small batch among its sessions, in order', async () => {
  // SoftHSM under another file name is treated as a hardware module: every call goes to the thread pool.
  const vendorModule = join(linkDir, 'libvendor-hsm.so');
  await symlink(SOFTHSM_MODULE, vendorModule);
  await withToken(vendorModule, async (token) => {
    const objectId = randomBytes(8);
    const spki = await token.generateKeyPair('ecdsa-p256', 'vendor', objectId);
    const payloads = messages(10);
    const digests = payloads.map((p) => createHash('sha256').update(p).digest());
    const signed = await Promise.all([token.signMany(objectId, 'ecdsa', digests), token.signMany(objectId, 'ecdsa', digests.slice(0, 3))]);
    assertInOrder(spki, payloads, signed[0]);
    assertInOrder(spki, payloads.slice(0, 3), signed[1]);
  });
});
