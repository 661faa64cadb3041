import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyRecord, Revocation } from '../../shared/model/keys.model.ts';
import { checkImportedList, REVOCATIONS_TYPE, strengthens, strongestRevocation, usableAdmin } from '../../main/keys/revocation-list.ts';
import { refused } from '../support/dispatch.ts';

const at = (reason: Revocation['reason'], invalidSince: string): Revocation => ({ reason, invalidSince, revokedAt: '2026-11-21T12:00:00.000Z' });

test('keyCompromise and an earlier "invalid since" always win, in either order, and a weaker revocation never replaces a stronger one', () => {
  const superseded = at('superseded', '2026-11-21T10:00:00.000Z');
  const compromise = at('keyCompromise', '2026-11-21T11:00:00.000Z');
  assert.deepEqual([strongestRevocation(superseded, compromise).reason, strongestRevocation(superseded, compromise).invalidSince], ['keyCompromise', superseded.invalidSince]);
  assert.deepEqual([strongestRevocation(compromise, superseded).reason, strongestRevocation(compromise, superseded).invalidSince], ['keyCompromise', superseded.invalidSince]);
  assert.equal(strengthens(compromise, at('superseded', '2026-11-21T11:30:00.000Z')), false);
  assert.equal(strengthens(compromise, at('keyCompromise', '2026-11-21T11:00:00.000Z')), false, 'the same revocation again changes nothing');
  assert.equal(strengthens(superseded, at('cessationOfOperation', '2026-11-21T09:00:00.000Z')), true);
  assert.equal(strongestRevocation(superseded, at('cessationOfOperation', '2026-11-21T09:00:00.000Z')).reason, 'cessationOfOperation');
  assert.equal(strengthens(null, superseded), true);
});

test('without a usable admin key nothing is checked, and the reason says what to do', async () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const admin = {
    id: 'k-0000000000000001',
    label: 'admin',
    fingerprint: 'a'.repeat(64),
    algorithm: 'ecdsa-p256',
    location: { kind: 'software' },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    createdAt: '2026-01-01T00:00:00.000Z',
    notAfter: '2026-06-01T00:00:00.000Z',
    status: 'active',
    retireAt: null,
    revocation: null,
    destroyedAt: null,
    predecessor: null,
    successor: null,
    signatureCount: 0,
  } satisfies KeyRecord;
  const now = new Date('2026-11-21T12:00:00Z');
  assert.match(usableAdmin(null, [admin], now).problem ?? '', /No admin key is designated/);
  assert.match(usableAdmin(admin.id, [admin], now).problem ?? '', /"admin" is expired/);
  const list = JSON.stringify({ document: { type: REVOCATIONS_TYPE, sequence: 2, issued: now.toISOString(), entries: [], signer: { keyId: admin.id, fingerprint: admin.fingerprint, publicKeyPem: admin.publicKeyPem } }, signature: 'AAAA' });
  await refused(Promise.resolve().then(() => checkImportedList(list, { adminKeyId: admin.id, keys: [admin], now, lastSequence: 0 })), 'Forbidden', /is expired/);
  await refused(Promise.resolve().then(() => checkImportedList('{"document":{"type":"x"}}', { adminKeyId: null, keys: [], now, lastSequence: 0 })), 'BadInput', /not a Signet revocation list/);
  await refused(Promise.resolve().then(() => checkImportedList(list.replace('"sequence":2', '"sequence":"2"'), { adminKeyId: admin.id, keys: [admin], now, lastSequence: 0 })), 'BadInput', /malformed \(document\.sequence/);
});
