import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { verifyDigestSignature } from '../../main/signatures/prehash.ts';

test('signatures are verified against a bare digest for P-256, P-384 and RSA, and a wrong digest fails', () => {
  const cases = [
    ['P-256', 'sha256'],
    ['P-384', 'sha384'],
  ] as const;
  for (const [curve, hash] of cases) {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
    for (let i = 0; i < 5; i++) {
      const message = Buffer.from(`message ${i} ${curve}`);
      const signature = sign(hash, message, privateKey);
      const digest = createHash(hash).update(message).digest();
      assert.equal(verifyDigestSignature(publicKey, digest, signature, hash), true, `${curve} #${i}`);
      digest[0]! ^= 1;
      assert.equal(verifyDigestSignature(publicKey, digest, signature, hash), false, `${curve} tampered #${i}`);
    }
  }
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const message = Buffer.from('rsa');
  const signature = sign('sha256', message, rsa.privateKey);
  assert.equal(verifyDigestSignature(rsa.publicKey, createHash('sha256').update(message).digest(), signature, 'sha256'), true);
  assert.equal(verifyDigestSignature(rsa.publicKey, createHash('sha256').update('other').digest(), signature, 'sha256'), false);
  const ed = generateKeyPairSync('ed25519');
  assert.equal(verifyDigestSignature(ed.publicKey, Buffer.alloc(32), sign(null, message, ed.privateKey), 'sha256'), false);
});
