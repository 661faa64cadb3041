import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPkcs11Uri, parsePkcs11Uri } from '../../main/keys/pkcs11-uri.ts';

test('pkcs11: URIs round-trip with percent-encoding of ids and odd characters', () => {
  const uri = {
    token: 'Signet HSM;1',
    serial: 'ab12',
    object: 'release key/2026',
    id: Buffer.from([0x01, 0xab, 0xff]),
    type: 'private' as const,
    modulePath: '/usr/lib/softhsm/libsofthsm2.so',
  };
  const text = formatPkcs11Uri(uri);
  assert.equal(text, 'pkcs11:token=Signet%20HSM%3B1;serial=ab12;object=release%20key%2F2026;id=%01%AB%FF;type=private?module-path=%2Fusr%2Flib%2Fsofthsm%2Flibsofthsm2.so');
  assert.deepEqual(parsePkcs11Uri(text), uri);
});

test('the RFC 7512 examples parse', () => {
  const parsed = parsePkcs11Uri('pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;object=my-key;type=private');
  assert.equal(parsed.token, 'The Software PKCS#11 Softtoken');
  assert.equal(parsed.object, 'my-key');
  assert.equal(parsed.type, 'private');
});

test('unknown attributes, other schemes and broken escapes are refused', () => {
  assert.throws(() => parsePkcs11Uri('pkcs11:token=a;slot-id=3'), /not supported/);
  assert.throws(() => parsePkcs11Uri('pkcs12:token=a'), /starts with/);
  assert.throws(() => parsePkcs11Uri('pkcs11:id=%G1'), /percent-escape/);
  assert.throws(() => parsePkcs11Uri('pkcs11:type=everything'), /Unknown/);
});
