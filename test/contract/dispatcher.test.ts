import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { requestChannels, requests, splitChannel } from '../../shared/contract.ts';
import { createDispatcher, type HandlerTable } from '../../main/ipc/dispatcher.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
const app = await createTestApp({ probes: quietProbes });
after(() => app.cleanup());
const call = (channel: unknown, input: unknown) => app.dispatch(channel, input, { host: 'cli' });

test('every channel of the contract has a handler; those without required input answer within the contract', async () => {
  let answered = 0;
  for (const channel of requestChannels) {
    const result = await call(channel, {});
    if (!requests[channel].input.safeParse({}).success) {
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.error.code, 'BadInput', `${channel} reached a handler without its input`);
      continue;
    }
    // In a fresh data folder a few channels answer a plain refusal (no certificate authority, no lesson started); none may crash or misvalidate.
    if (!result.ok) {
      assert.ok(['NotFound', 'Conflict', 'Unavailable'].includes(result.error.code), `${channel}: ${JSON.stringify(result)}`);
      continue;
    }
    assert.ok(requests[channel].output.safeParse(result.value).success, channel);
    answered++;
  }
  assert.ok(answered >= 6, `${answered} channels answered`);
});

test('junk input is rejected with BadInput on every channel before any handler runs', async () => {
  const junk: unknown[] = [42, 'text', [], true, { unexpected: 1 }, { refresh: 'yes', registries: 'none' }, { constructor: {} }];
  for (const channel of requestChannels) {
    for (const input of junk) {
      const result = await call(channel, input);
      assert.equal(result.ok, false, `${channel} accepted ${JSON.stringify(input)}`);
      if (!result.ok) {
        assert.equal(result.error.code, 'BadInput', `${channel} ${JSON.stringify(input)}`);
        assert.ok(result.error.details && result.error.details.length > 0, 'says which field is wrong');
      }
    }
  }
});

test('unknown channels are rejected, including prototype names', async () => {
  for (const channel of ['nope', 'system.nope', 'system', '__proto__', 'toString', 'constructor', 'system.__proto__', 42, null, undefined]) {
    const result = await call(channel, {});
    assert.equal(result.ok, false, String(channel));
    if (!result.ok) assert.equal(result.error.code, 'BadInput');
  }
});

test('a bad settings update is refused as data and stores nothing', async () => {
  const result = await call('settings.update', { registries: [{ name: 'x', url: 'http://registry.example.com' }] });
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.error.details?.join(' ') ?? '', /plain HTTP/);
  const stored = await call('settings.get', {});
  assert.deepEqual(stored.ok && (stored.value as { registries: unknown[] }).registries, []);
});

test('a failing handler crosses the boundary as data without its stack', async () => {
  const logged: unknown[] = [];
  const throwing = Object.fromEntries(
    requestChannels.map((c) => [splitChannel(c)[0], {}]),
  ) as Record<string, Record<string, unknown>>;
  for (const channel of requestChannels) {
    const [domain, verb] = splitChannel(channel);
    throwing[domain]![verb] = () => {
      throw new Error('secret internal detail at /home/user/.config');
    };
  }
  const dispatch = createDispatcher(throwing as unknown as HandlerTable, (_ref, error) => logged.push(error));
  const result = await dispatch('system.status', {}, { host: 'cli' });
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.code, 'Internal');
    assert.doesNotMatch(JSON.stringify(result), /secret internal detail|\.config|at .*:\d+/);
    assert.match(result.error.ref ?? '', /^[0-9a-f]{8}$/);
  }
  assert.equal(logged.length, 1, 'the detail goes to the log instead');
});

test('output outside the contract is caught in main and never sent', async () => {
  const table = { system: { status: () => ({ checkedAt: 'not a date' }) }, settings: { get: () => ({}), update: () => ({}) } };
  const dispatch = createDispatcher(table as unknown as HandlerTable, () => undefined);
  const result = await dispatch('settings.get', {}, { host: 'cli' });
  assert.equal(result.ok, false);
  if (!result.ok) assert.equal(result.error.code, 'Internal');
});
