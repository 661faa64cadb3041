import { test } from 'node:test';
import type { z } from 'zod';
import assert from 'node:assert/strict';
import { SettingsPatchSchema } from '../../shared/model/settings.model.ts';
import { requests } from '../../shared/contract.ts';
import { describeInvalidInput } from '../../main/ipc/input-problems.ts';

function refusal(schema: z.ZodType, input: unknown) {
  const parsed = schema.safeParse(input);
  assert.ok(!parsed.success);
  return describeInvalidInput(parsed.error, input);
}

test('a registry address that is no web address is named, quoted, and given an example', () => {
  const { message, details } = refusal(SettingsPatchSchema, { registries: [{ name: 'lab', url: 'not an address' }] });
  assert.equal(message, 'The registry address "not an address" is not a web address; write it like https://registry.example.com or 127.0.0.1:5000. Nothing was done; correct it and try again.');
  assert.doesNotMatch(message, /settings\.update|registries\.0/);
  assert.ok(details.some((line) => line.startsWith('registries.0.url:')), 'the raw issue stays in the details');
});

test('a rule of the settings is given in its own words', () => {
  const { message } = refusal(SettingsPatchSchema, { registries: [{ name: 'remote', url: 'http://registry.example.com' }] });
  assert.match(message, /^The registry address "http:\/\/registry\.example\.com" was not accepted: plain HTTP is allowed only for loopback/);
});

test('missing and empty fields, unknown fields and further problems are said plainly', () => {
  const missing = refusal(SettingsPatchSchema, { registries: [{ url: 'https://r.example.com' }] });
  assert.match(missing.message, /^The registry name is missing; fill it in\./);
  const unknown = refusal(SettingsPatchSchema, { colour: 'blue' });
  assert.match(unknown.message, /^The request has fields Signet does not take \(colour\); leave them out\./);
  const several = refusal(SettingsPatchSchema, { registries: [{ name: 'A b', url: 'nope nope' }] });
  assert.match(several.message, /One more problem is listed under Details\./);
  assert.equal(several.details.length, 2);
});

test('a key request names the field in words, never by its schema path', () => {
  const { message } = refusal(requests['keys.generate'].input, {});
  assert.doesNotMatch(message, /Invalid input|BadInput/);
  assert.match(message, /^The [a-z]/);
});
