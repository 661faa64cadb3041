import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { ecdsaDerToRaw, ecdsaRawToDer } from '../../main/encoding/key-encoding.ts';

const CURVES = [
  { curve: 'prime256v1', size: 32 },
  { curve: 'secp384r1', size: 48 },
  { curve: 'secp521r1', size: 66 },
] as const;

test('an r||s signature from a token becomes DER that node:crypto accepts, for every curve', () => {
  for (const { curve, size } of CURVES) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    for (let round = 0; round < 200; round++) {
      const message = randomBytes(40);
      const raw = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      assert.equal(raw.length, 2 * size);
      const der = ecdsaRawToDer(raw);
      assert.ok(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, der), `${curve} round ${round}`);
      assert.deepEqual(ecdsaDerToRaw(der, size), raw);
    }
  }
});

test('DER integers drop leading zeros and gain one where the high bit is set', () => {
  const raw = Buffer.concat([Buffer.alloc(31), Buffer.from([0x05]), Buffer.from([0x80]), Buffer.alloc(31, 1)]);
  const der = ecdsaRawToDer(raw);
  assert.equal(der.toString('hex'), `3026020105022100${'80'}${'01'.repeat(31)}`);
  assert.deepEqual(ecdsaDerToRaw(der, 32), raw);
  const zero = ecdsaRawToDer(Buffer.alloc(64));
  assert.equal(zero.toString('hex'), '3006020100020100');
});
