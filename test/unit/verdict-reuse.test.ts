import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainNode } from '../../shared/model/chain.model.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { verdictHorizon } from '../../main/images/verify.engine.ts';
import { reusableState } from '../../main/scan/scan.runner.ts';
import type { TagState } from '../../main/scan/scan-history.store.ts';

const now = new Date('2026-06-01T00:00:00Z');
const node = (kind: ChainNode['kind'], details: Record<string, string>): ChainNode => ({ id: `${kind}-${JSON.stringify(details)}`, kind, label: kind, verdict: 'verified', reason: '', details });

test('a verdict holds only until the first certificate, signature or inventory key it rests on expires', () => {
  const nodes = [
    node('certificate', { validFrom: '2026-01-01T00:00:00.000Z', validTo: '2026-09-01T00:00:00.000Z' }),
    node('certificate', { validFrom: '2025-01-01T00:00:00.000Z', validTo: '2030-01-01T00:00:00.000Z' }),
    node('signature', { expiry: '2026-08-01T00:00:00.000Z' }),
    node('signer', { fingerprint: 'ab'.repeat(32) }),
  ];
  const key = { fingerprint: 'ab'.repeat(32), notAfter: '2026-07-01T00:00:00.000Z', revocation: null } as KeyRecord;
  assert.equal(verdictHorizon(nodes, [key], now), '2026-07-01T00:00:00.000Z');
  assert.equal(verdictHorizon(nodes, [], now), '2026-08-01T00:00:00.000Z');
  assert.equal(verdictHorizon(nodes.slice(0, 2), [], now), '2026-09-01T00:00:00.000Z');
  assert.equal(verdictHorizon([node('certificate', { validFrom: '2026-07-01T00:00:00.000Z', validTo: '2027-01-01T00:00:00.000Z' })], [], now), '2026-07-01T00:00:00.000Z', 'a certificate not yet valid changes the verdict when it becomes valid');
  assert.equal(verdictHorizon([node('signature', {})], [], now), null);
  assert.equal(verdictHorizon([node('signature', { expiry: 'soon' })], [], now), now.toISOString(), 'an unreadable time ends the horizon now');
});

test('a remembered verdict is never reused past its horizon, without one, or under other trust', () => {
  const state = (changes: Partial<TagState>): TagState => ({ digest: 'sha256:00', pointers: {}, referrers: {}, trust: 't1', checkedAt: '2026-05-31T23:00:00.000Z', holdsUntil: null, images: [], ...changes });
  const day = 86_400_000;
  assert.equal(reusableState(state({}), 't1', now, day), true);
  assert.equal(reusableState(state({ holdsUntil: '2026-06-02T00:00:00.000Z' }), 't1', now, day), true);
  assert.equal(reusableState(state({ holdsUntil: '2026-05-31T23:30:00.000Z' }), 't1', now, day), false, 'a certificate expired since the check');
  assert.equal(reusableState(state({ holdsUntil: now.toISOString() }), 't1', now, day), false);
  assert.equal(reusableState(state({ holdsUntil: undefined }), 't1', now, day), false, 'a state from before horizons were kept');
  assert.equal(reusableState(state({}), 't2', now, day), false);
  assert.equal(reusableState(state({ checkedAt: '2026-05-30T00:00:00.000Z' }), 't1', now, day), false);
});

test('times already past are part of the verdict and do not end its horizon', () => {
  const revoked = { fingerprint: 'ab'.repeat(32), notAfter: null, revocation: { reason: 'keyCompromise', invalidSince: '2026-01-01T00:00:00.000Z' } } as unknown as KeyRecord;
  assert.equal(verdictHorizon([node('signer', { fingerprint: 'ab'.repeat(32) }), node('certificate', { validFrom: '2020-01-01T00:00:00.000Z', validTo: '2026-02-01T00:00:00.000Z' })], [revoked], now), null);
});
