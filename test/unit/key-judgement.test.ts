import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { judgeKey } from '../../main/images/verify.engine.ts';

const now = new Date('2026-06-01T00:00:00Z');
const record = (changes: Partial<KeyRecord>): KeyRecord => ({ id: 'k1', label: 'release key', fingerprint: 'ab'.repeat(32), notAfter: null, revocation: null, ...changes }) as KeyRecord;

test('an expired inventory key stops verifying at its expiry when the signature has no trusted time', () => {
  const expired = record({ notAfter: '2026-05-01T00:00:00.000Z' });
  const untimed = judgeKey('verified', 'The signature verifies.', expired.fingerprint, null, [expired], now);
  assert.equal(untimed.verdict, 'expired', untimed.reason);
  assert.match(untimed.reason, /no trusted time/);
  assert.deepEqual(untimed.checks.map((c) => `${c.name}:${c.result}`), ['key status:fail']);
  const timedBefore = judgeKey('verified', 'The signature verifies.', expired.fingerprint, new Date('2026-04-01T00:00:00Z'), [expired], now);
  assert.equal(timedBefore.verdict, 'verified', 'a trusted time before expiry keeps the signature');
  const timedAfter = judgeKey('verified', 'The signature verifies.', expired.fingerprint, new Date('2026-05-02T00:00:00Z'), [expired], now);
  assert.equal(timedAfter.verdict, 'expired');
  const beforeExpiry = judgeKey('verified', 'The signature verifies.', expired.fingerprint, null, [expired], new Date('2026-04-30T00:00:00Z'));
  assert.equal(beforeExpiry.verdict, 'verified', 'until it expires the key still counts');
  assert.match(beforeExpiry.checks[0]!.reason, /expires on 2026-05-01/);
});

test('a key whose expiry cannot be read is not relied on, and a key not in the inventory is left to the verifier', () => {
  const broken = record({ notAfter: 'next spring' });
  assert.equal(judgeKey('verified', 'ok', broken.fingerprint, null, [broken], now).verdict, 'failed');
  const unknown = judgeKey('verified', 'ok', 'cd'.repeat(32), null, [broken], now);
  assert.equal(unknown.verdict, 'verified');
  assert.deepEqual(unknown.checks, []);
  assert.equal(judgeKey('failed', 'bad signature', broken.fingerprint, null, [broken], now).verdict, 'failed');
});
