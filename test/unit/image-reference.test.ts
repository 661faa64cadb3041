import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatImageReference, parseImageReference } from '../../shared/model/image-reference.model.ts';

const digest = `sha256:${'a'.repeat(64)}`;

test('references parse by the distribution grammar', () => {
  assert.deepEqual(parseImageReference('alpine'), { registry: 'docker.io', repository: 'library/alpine', tag: 'latest', digest: null });
  assert.deepEqual(parseImageReference('127.0.0.1:5000/team/app:v1.2'), { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1.2', digest: null });
  assert.deepEqual(parseImageReference(`localhost/app@${digest}`), { registry: 'localhost', repository: 'app', tag: null, digest });
  assert.deepEqual(parseImageReference(`ghcr.io/o/r:t@${digest}`), { registry: 'ghcr.io', repository: 'o/r', tag: 't', digest });
  assert.deepEqual(parseImageReference('team/app'), { registry: 'docker.io', repository: 'team/app', tag: 'latest', digest: null });
  assert.equal(formatImageReference(parseImageReference('[::1]:5000/a/b:c')), '[::1]:5000/a/b:c');
});

test('malformed references are refused with a reason', () => {
  for (const [text, why] of [
    ['', /1 to 512/],
    ['App/Upper', /repository name/],
    ['app:-bad', /valid tag/],
    ['app@sha256:short', /digest/],
    ['a//b', /repository name/],
    ['bad_host.:5000/x', /registry host/],
    [`app:${'t'.repeat(129)}`, /valid tag/],
  ] as const) {
    assert.throws(() => parseImageReference(text), why, text);
  }
});
