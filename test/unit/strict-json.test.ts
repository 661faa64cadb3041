import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStrictJson } from '../../main/encoding/strict-json.ts';

test('strict JSON reads what JSON.parse reads when every key is distinct', () => {
  const text = '{"a":{"b":[1,{"c":"x,\\"y"},{"c":2}],"d":{}},"e":[],"f":"}{"}';
  assert.deepEqual(parseStrictJson(text), { ok: true, value: JSON.parse(text) });
  assert.deepEqual(parseStrictJson('[{"a":1},{"a":2}]'), { ok: true, value: [{ a: 1 }, { a: 2 }] });
});

test('strict JSON refuses a key named twice in one object, at any depth, escapes included', () => {
  assert.deepEqual(parseStrictJson('{"a":1,"a":2}'), { ok: false, reason: 'the key "a" appears twice in one object' });
  assert.equal(parseStrictJson('{"x":{"image":{"d":"1", "d" : "2"}}}').ok, false);
  assert.equal(parseStrictJson('{"x":[{"k":1,"\\u006b":2}]}').ok, false, 'an escaped spelling of the same key is the same key');
});

test('strict JSON reports text that is not JSON', () => {
  const result = parseStrictJson('{"a":1} {}');
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /^not JSON/);
});
