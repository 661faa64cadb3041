import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapKeyringError } from '../../main/platform/keychain.adapter.ts';

const cases: { raw: string; code: string; says: RegExp }[] = [
  { raw: "Couldn't access platform secure storage: SS error: object locked", code: 'Locked', says: /keychain is locked; unlock it .* try again/ },
  { raw: "Couldn't access platform secure storage: SS error: prompt dismissed", code: 'Locked', says: /unlock prompt was dismissed; try again/ },
  { raw: "Couldn't access platform storage: Secret Service: unlock prompt was dismissed", code: 'Locked', says: /unlock prompt was dismissed; try again/ },
  { raw: 'Platform secure storage failure: SS error: no secret service provider or dbus session found', code: 'Unavailable', says: /No system keychain answers; start a keyring service/ },
  { raw: 'Platform secure storage failure: zbus error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files', code: 'Unavailable', says: /No system keychain answers/ },
  { raw: 'Platform secure storage failure: zbus error: I/O error: No such file or directory (os error 2)', code: 'Unavailable', says: /could not reach the system keychain over D-Bus/ },
  { raw: 'something nobody expected', code: 'Unavailable', says: /system keychain refused the request; check that it is unlocked and running/ },
];

test('raw keyring and D-Bus failures become plain sentences with the raw text as the detail', () => {
  for (const { raw, code, says } of cases) {
    const mapped = mapKeyringError(new Error(raw));
    assert.equal(mapped.code, code, raw);
    assert.match(mapped.message, says, raw);
    assert.doesNotMatch(mapped.message, /SS error|zbus|org\.freedesktop|os error/, 'the raw words stay out of the sentence');
    assert.deepEqual(mapped.details, [raw]);
  }
});

test('a thrown non-Error is mapped too', () => {
  assert.equal(mapKeyringError('object locked').code, 'Locked');
});
