import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegistryConfigSchema, SettingsPatchSchema, SettingsSchema, isLoopbackHost } from '../../shared/model/settings.model.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/settings.defaults.ts';

test('plain HTTP is accepted only for loopback or registries marked insecure', () => {
  assert.ok(RegistryConfigSchema.safeParse({ name: 'a', url: 'http://127.0.0.1:5000' }).success);
  assert.ok(RegistryConfigSchema.safeParse({ name: 'a', url: 'http://localhost:5000' }).success);
  assert.ok(RegistryConfigSchema.safeParse({ name: 'a', url: 'http://[::1]:5000' }).success);
  assert.ok(!RegistryConfigSchema.safeParse({ name: 'a', url: 'http://registry.example.com' }).success);
  assert.ok(RegistryConfigSchema.safeParse({ name: 'a', url: 'http://registry.example.com', insecure: true }).success);
  assert.ok(RegistryConfigSchema.safeParse({ name: 'a', url: 'https://registry.example.com' }).success);
});

test('registry URLs may not carry credentials or other schemes', () => {
  assert.ok(!RegistryConfigSchema.safeParse({ name: 'a', url: 'https://user:pw@registry.example.com' }).success);
  assert.ok(!RegistryConfigSchema.safeParse({ name: 'a', url: 'ftp://registry.example.com' }).success);
  assert.ok(!RegistryConfigSchema.safeParse({ name: 'A b', url: 'https://registry.example.com' }).success);
});

test('module paths must be absolute and unique', () => {
  assert.ok(!SettingsPatchSchema.safeParse({ pkcs11Modules: [{ path: 'lib.so' }] }).success);
  assert.ok(!SettingsPatchSchema.safeParse({ pkcs11Modules: [{ path: '/a.so' }, { path: '/a.so' }] }).success);
  assert.ok(SettingsPatchSchema.safeParse({ pkcs11Modules: [{ path: '/a.so' }, { path: 'C:\\b.dll' }] }).success);
  assert.ok(!SettingsPatchSchema.safeParse({ pkcs11Modules: [{ path: '/a\u0000.so' }] }).success);
});

test('loopback detection covers the whole 127/8 range and nothing else', () => {
  assert.ok(isLoopbackHost('127.8.9.10'));
  assert.ok(!isLoopbackHost('127.0.0.1.evil.com'));
  assert.ok(!isLoopbackHost('10.0.0.1'));
});

test('the written-out defaults (read without zod on the verify path) are what the schema makes of an empty settings file', () => {
  assert.deepEqual(DEFAULT_SETTINGS, SettingsSchema.parse({ version: 1, pkcs11Modules: [], registries: [], toolDirs: [] }));
});
