import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALWAYS_POSSIBLE_ERRORS, declaresError, requestChannels, requests, splitChannel } from '../../shared/contract.ts';
import { ErrorCodeSchema, type AppError } from '../../shared/errors.ts';
import { createDispatcher, type HandlerTable } from '../../main/ipc/dispatcher.ts';
import { SignetError } from '../../main/errors.ts';

// A table whose every handler refuses with the given code, so the dispatcher's answer for any channel can be read.
function refusing(code: AppError['code']): HandlerTable {
  const table: Record<string, Record<string, () => never>> = {};
  for (const channel of requestChannels) {
    const [domain, verb] = splitChannel(channel);
    (table[domain] ??= {})[verb] = () => {
      throw new SignetError(code, `refused with ${code}`);
    };
  }
  return table as unknown as HandlerTable;
}

test('every channel states the error codes it can answer, each a known code, once, beside the two every channel can answer', () => {
  const known = new Set(ErrorCodeSchema.options);
  assert.deepEqual([...ALWAYS_POSSIBLE_ERRORS].sort(), ['BadInput', 'Internal']);
  for (const channel of requestChannels) {
    const declared = requests[channel].errors;
    assert.ok(Array.isArray(declared), `${channel} has no error list`);
    assert.equal(new Set(declared).size, declared.length, `${channel} names a code twice`);
    for (const code of declared) {
      assert.ok(known.has(code), `${channel} names ${code}, which is no error code`);
      assert.ok(!ALWAYS_POSSIBLE_ERRORS.includes(code), `${channel} names ${code}, which every channel can answer`);
    }
    for (const code of ALWAYS_POSSIBLE_ERRORS) assert.ok(declaresError(channel, code), `${channel} must be able to answer ${code}`);
  }
  assert.ok(requests['signing.confirm'].errors.includes('Cancelled'), 'a confirm step can be declined');
  assert.ok(!requests['settings.get'].errors.includes('Cancelled'), 'reading settings asks nobody');
});

test('a handler answering a code its channel does not declare is reported; a declared one is not', async () => {
  const reported: { channel: string; code: string }[] = [];
  const dispatch = createDispatcher(refusing('Cancelled'), () => undefined, { onUndeclared: (channel, error) => reported.push({ channel, code: error.code }) });
  const undeclared = await dispatch('settings.get', {}, { host: 'cli' });
  assert.deepEqual(undeclared, { ok: false, error: { code: 'Cancelled', message: 'refused with Cancelled' } }, 'by default the code still reaches the caller unchanged');
  assert.deepEqual(reported, [{ channel: 'settings.get', code: 'Cancelled' }]);
  const declared = await dispatch('signing.confirm', { intentId: 'x' }, { host: 'cli' });
  assert.equal(declared.ok === false && declared.error.code, 'Cancelled');
  assert.equal(reported.length, 1, 'a declared code is not reported');
});

test('enforced, an undeclared code is answered as Internal with a reference, and the detail goes to the log', async () => {
  const logged: unknown[] = [];
  const reported: string[] = [];
  const dispatch = createDispatcher(refusing('Locked'), (_ref, error) => logged.push(error), { enforceDeclaredErrors: true, onUndeclared: (channel) => reported.push(channel) });
  const result = await dispatch('scan.cancel', { scanId: 's' }, { host: 'cli' });
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.code, 'Internal');
    assert.match(result.error.ref ?? '', /^[0-9a-f]{8}$/);
    assert.doesNotMatch(result.error.message, /refused with Locked/);
  }
  assert.deepEqual(reported, ['scan.cancel']);
  assert.equal(logged.length, 1);
  assert.match(String(logged[0]), /scan\.cancel answered Locked/);
  const kept = await dispatch('keys.generate', { backend: { kind: 'software' }, label: 'k' }, { host: 'cli' });
  assert.equal(kept.ok === false && kept.error.code, 'Locked', 'a declared code passes unchanged');
  const bad = await dispatch('scan.cancel', {}, { host: 'cli' });
  assert.equal(bad.ok === false && bad.error.code, 'BadInput', 'BadInput is always possible');
});
