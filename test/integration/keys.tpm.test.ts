import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startTpm, TPM2_MODULE, type Tpm } from '../support/tpm.fixture.ts';

let tpm: Tpm;
let app: TestApp;

before(async () => {
  tpm = await startTpm();
  app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain() });
  await app.pins.remember({ modulePath: TPM2_MODULE, tokenLabel: tpm.label }, tpm.userPin);
});

after(async () => {
  await app?.cleanup();
  await tpm?.stop();
});

const backend = () => ({ kind: 'pkcs11' as const, modulePath: TPM2_MODULE, tokenLabel: tpm.label });

test('keys are generated in the TPM (P-256, P-384, RSA 3072) and their signatures verify', async () => {
  for (const algorithm of ['ecdsa-p256', 'ecdsa-p384', 'rsa-3072'] as const) {
    const result = await app.dispatch('keys.generate', { backend: backend(), algorithm, label: `tpm ${algorithm}` }, { host: 'cli' });
    assert.ok(result.ok, JSON.stringify(result));
    const key = result.value as KeyRecord;
    assert.equal(key.location.kind === 'pkcs11' && key.location.tokenLabel, tpm.label);
    const message = Buffer.from(`tpm ${algorithm}`);
    const { signature } = await app.keys.sign(key.id, { payload: message }, 'cli');
    assert.ok(verify(algorithm === 'ecdsa-p384' ? 'sha384' : 'sha256', message, createPublicKey(key.publicKeyPem), signature), algorithm);
  }
});

test('a TPM has no Ed25519: asking for one is refused in words and stores nothing', async () => {
  const before = await app.keys.list();
  const result = await app.dispatch('keys.generate', { backend: backend(), algorithm: 'ed25519', label: 'tpm ed' }, { host: 'cli' });
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.code, 'BadInput');
    assert.match(result.error.message, /TPM.*Ed25519/);
  }
  assert.deepEqual(await app.keys.list(), before);
});

test('a batch on the TPM is shared among its sessions and every signature matches its own digest', async () => {
  const result = await app.dispatch('keys.generate', { backend: backend(), algorithm: 'ecdsa-p256', label: 'tpm batch' }, { host: 'cli' });
  assert.ok(result.ok, JSON.stringify(result));
  const key = result.value as KeyRecord;
  const payloads = Array.from({ length: 9 }, (_, i) => Buffer.from(`tpm manifest ${i}`));
  const signatures = await app.keys.signDigests(key.id, payloads.map((p) => createHash('sha256').update(p).digest()), 'cli');
  assert.equal(signatures.length, payloads.length);
  signatures.forEach((signature, i) => assert.ok(verify('sha256', payloads[i]!, createPublicKey(key.publicKeyPem), signature), `signature ${i}`));
});
