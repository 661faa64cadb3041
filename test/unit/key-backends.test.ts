import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { fingerprintOf, spkiToPem } from '../../main/encoding/key-encoding.ts';
import { SignetError } from '../../main/errors.ts';
import { KeyBackends } from '../../main/keys/key-backends.ts';
import { describeLocation, specOf, tokenOf } from '../../main/keys/key-location.ts';
import { SoftwareKeyBackend, SoftwareKeyStore } from '../../main/keys/software.backend.ts';
import { TokenKeyBackend, TpmKeyBackend } from '../../main/keys/token.backend.ts';
import type { Pkcs11Driver } from '../../main/platform/pkcs11.types.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';

/** A driver that fails the test if any token is opened: the checks below must refuse before a PIN is asked. */
const noTokens: Pkcs11Driver = {
  inspect: () => Promise.reject(new Error('no module is inspected here')),
  openToken: () => Promise.reject(new Error('no token may be opened here')),
  initToken: () => Promise.reject(new Error('no token is made here')),
};
const noPins = { pinFor: () => Promise.reject(new Error('no PIN may be asked here')), rejected: () => undefined };

async function backends(): Promise<KeyBackends> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-backends-'));
  return new KeyBackends({ software: new SoftwareKeyStore(dir, new MemoryKeychain()), pkcs11: noTokens, pins: noPins });
}

const tokenLocation = { kind: 'pkcs11' as const, uri: 'pkcs11:token=hsm;id=%01', modulePath: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'hsm', tokenSerial: '1', objectId: '01' };

test('one backend per location: software, a TPM module, any other module; the same token gets the same backend', async () => {
  const registry = await backends();
  assert.ok(registry.forSpec({ kind: 'software' }) instanceof SoftwareKeyBackend);
  const tpm = registry.forSpec({ kind: 'pkcs11', modulePath: '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so', tokenLabel: 'tpm' });
  assert.ok(tpm instanceof TpmKeyBackend);
  const hsm = registry.of(tokenLocation);
  assert.ok(hsm instanceof TokenKeyBackend && !(hsm instanceof TpmKeyBackend));
  assert.equal(registry.forSpec(specOf(tokenLocation)), hsm);
});

test('a TPM refuses Ed25519 and wrappable keys, and software refuses wrappable keys, before any token is opened', async () => {
  const registry = await backends();
  const tpm = registry.forSpec({ kind: 'pkcs11', modulePath: '/usr/lib64/pkcs11/libtpm2_pkcs11.so', tokenLabel: 'tpm' });
  assert.throws(() => tpm.checkGenerate('ed25519', false), (error: unknown) => error instanceof SignetError && error.code === 'BadInput' && /TPM.*Ed25519/.test(error.message));
  assert.throws(() => tpm.checkGenerate('ecdsa-p256', true), /never leaves the TPM/);
  assert.doesNotThrow(() => tpm.checkGenerate('rsa-3072', false));
  assert.throws(() => registry.software.checkGenerate('ecdsa-p256', true), /Only a token key is made wrappable/);
  assert.doesNotThrow(() => registry.forSpec(specOf(tokenLocation)).checkGenerate('ed25519', true));
});

test('a software key is made, signs, reconciles and is destroyed through its backend', async () => {
  const registry = await backends();
  const made = await registry.software.generate('k-0123456789abcdef', 'ecdsa-p256');
  assert.deepEqual(made.location, { kind: 'software' });
  const record: KeyRecord = {
    id: 'k-0123456789abcdef',
    label: 'soft',
    fingerprint: fingerprintOf(made.spki),
    algorithm: 'ecdsa-p256',
    location: made.location,
    publicKeyPem: spkiToPem(made.spki),
    createdAt: new Date().toISOString(),
    notAfter: null,
    status: 'active',
    retireAt: null,
    revocation: null,
    destroyedAt: null,
    predecessor: null,
    successor: null,
    signatureCount: 0,
  };
  const message = Buffer.from('a message');
  const signature = await registry.software.sign(record, { payload: message });
  assert.ok(verify('sha256', message, createPublicKey({ key: made.spki, format: 'der', type: 'spki' }), signature));
  await assert.rejects(registry.software.sign(record, { digest: Buffer.alloc(32) }), /sign the payload, not a bare digest/);
  assert.deepEqual(await registry.software.reconcile([record]), []);
  assert.equal(await registry.software.destroy(record), 1);
  assert.deepEqual((await registry.software.reconcile([record])).map((d) => d.kind), ['sealed-key-missing']);
  assert.equal((await registry.software.attest()).attested, false);
});

test('a location is put into words and backup custody the same way everywhere', () => {
  assert.deepEqual(describeLocation({ kind: 'software' }), { heldIn: 'software, sealed by the OS keychain', audit: 'software', short: 'software', backup: 'copy', token: null });
  assert.equal(describeLocation(tokenLocation).short, 'token hsm');
  assert.equal(describeLocation(tokenLocation).heldIn, tokenLocation.uri);
  assert.equal(describeLocation(tokenLocation).backup, 'twin');
  assert.equal(describeLocation({ ...tokenLocation, wrappable: true }).backup, 'wrapped');
  assert.equal(tokenOf({ kind: 'software' }), null);
  assert.deepEqual(specOf({ kind: 'software' }), { kind: 'software' });
  assert.deepEqual(specOf(tokenLocation), { kind: 'pkcs11', modulePath: tokenLocation.modulePath, tokenLabel: 'hsm' });
});
