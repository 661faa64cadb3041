import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegistryConfigSchema, SettingsPatchSchema, normalizeRegistryAddress } from '../../shared/model/settings.model.ts';

test('a bare host and port is read as an address: plain HTTP for loopback, HTTPS for others', () => {
  assert.equal(normalizeRegistryAddress('127.0.0.1:5055'), 'http://127.0.0.1:5055');
  assert.equal(normalizeRegistryAddress('localhost:5000'), 'http://localhost:5000');
  assert.equal(normalizeRegistryAddress('[::1]:5000'), 'http://[::1]:5000');
  assert.equal(normalizeRegistryAddress('registry.example.com'), 'https://registry.example.com');
  assert.equal(normalizeRegistryAddress(' registry.example.com:8443/v2 '), 'https://registry.example.com:8443/v2');
});

test('an address with a scheme, or something that is no address, is left for the validator to judge', () => {
  assert.equal(normalizeRegistryAddress('http://registry.example.com'), 'http://registry.example.com');
  assert.equal(normalizeRegistryAddress('ftp://registry.example.com'), 'ftp://registry.example.com');
  assert.equal(normalizeRegistryAddress('not an address'), 'not an address');
  assert.equal(normalizeRegistryAddress(42), 42);
});

test('the settings take a bare registry address and store it with its scheme', () => {
  const loopback = RegistryConfigSchema.parse({ name: 'lab', url: '127.0.0.1:5055' });
  assert.equal(loopback.url, 'http://127.0.0.1:5055');
  const patch = SettingsPatchSchema.parse({ registries: [{ name: 'remote', url: 'registry.example.com' }] });
  assert.equal(patch.registries?.[0]?.url, 'https://registry.example.com');
  assert.ok(!RegistryConfigSchema.safeParse({ name: 'a', url: 'http://registry.example.com' }).success, 'plain HTTP to a remote host is still refused');
  assert.ok(!RegistryConfigSchema.safeParse({ name: 'a', url: 'user:pw@registry.example.com' }).success, 'credentials are still refused');
});
