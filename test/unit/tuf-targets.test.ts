import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyTarget } from '../../main/trust/tuf-targets.ts';
import { signTuf, tufKey, tufRoot, tufTargets } from '../support/tuf-factory.ts';

const file = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}\n');

test('a target listed with its length and hashes in targets signed by the threshold of targets keys is trusted', () => {
  const keys = [tufKey(), tufKey(), tufKey()];
  const root = tufRoot(keys, 2);
  const check = verifyTarget(root, tufTargets({ 'trusted_root.json': file }, keys.slice(0, 2)), 'trusted_root.json', file, new Date('2030-01-01T00:00:00Z'));
  assert.equal(check.ok, true, check.reason);
  assert.match(check.reason, /signed by 2\/2 targets keys/);
});

test('targets below the threshold, signed by a key outside the targets role, or counted twice by one key are refused', () => {
  const keys = [tufKey(), tufKey()];
  const root = tufRoot(keys, 2);
  assert.match(verifyTarget(root, tufTargets({ a: file }, [keys[0]!]), 'a', file).reason, /signed by 1 .* threshold is 2/);
  assert.equal(verifyTarget(root, tufTargets({ a: file }, [keys[0]!, tufKey()]), 'a', file).ok, false);
  const twice = tufTargets({ a: file }, [keys[0]!, keys[0]!]);
  assert.equal(verifyTarget(root, twice, 'a', file).ok, false);
});

test('an edited targets document, expired targets, a wrong length, a wrong hash and an unknown hash algorithm each fail', () => {
  const keys = [tufKey()];
  const root = tufRoot(keys, 1);
  const edited = tufTargets({ a: file }, keys);
  edited.signed.targets.a!.length = file.length + 1;
  assert.match(verifyTarget(root, edited, 'a', file).reason, /signed by 0/);
  assert.match(verifyTarget(root, tufTargets({ a: file }, keys, '2020-01-01T00:00:00Z'), 'a', file).reason, /expired/);
  assert.equal(verifyTarget(root, tufTargets({ a: file }, keys, '2020-01-01T00:00:00Z'), 'a', file, new Date('2019-06-01T00:00:00Z')).ok, true);
  assert.match(verifyTarget(root, tufTargets({ a: file }, keys), 'a', Buffer.concat([file, Buffer.from('x')])).reason, /bytes; the targets metadata says/);
  const swapped = Buffer.from(file);
  swapped[0] = 0x5b;
  assert.match(verifyTarget(root, tufTargets({ a: file }, keys), 'a', swapped).reason, /sha256 of a is/);
  const odd = signTuf({ _type: 'targets', version: 1, expires: '2099-01-01T00:00:00Z', targets: { a: { length: file.length, hashes: { md5: 'abc' } } } }, keys);
  assert.match(verifyTarget(root, odd, 'a', file).reason, /md5, which is not checked/);
});

test('a target the metadata does not list, root metadata given as targets, and a root without a targets role fail', () => {
  const keys = [tufKey()];
  const root = tufRoot(keys, 1);
  assert.match(verifyTarget(root, tufTargets({ a: file }, keys), 'b', file).reason, /does not list b/);
  assert.match(verifyTarget(root, root, 'a', file).reason, /not "targets"/);
  const bare = structuredClone(root);
  delete bare.signed.roles.targets;
  assert.match(verifyTarget(bare, tufTargets({ a: file }, keys), 'a', file).reason, /no targets role/);
});
