import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsService } from '../../main/settings/settings.service.ts';
import { readDataItemText } from '../../main/storage/data-items.ts';
import { overwriteDocument } from '../support/store-tamper.ts';

async function folder() {
  return mkdtemp(join(tmpdir(), 'signet-settings-'));
}

async function storedSettings(dir: string): Promise<string> {
  const text = await readDataItemText(dir, 'settings.json');
  assert.ok(text !== null, 'settings are stored');
  return text;
}

test('settings start empty and persist across instances', async () => {
  const dir = await folder();
  const first = new SettingsService(dir);
  assert.deepEqual((await first.get()).registries, []);
  await first.update({ registries: [{ name: 'local', url: 'http://127.0.0.1:5000', insecure: false }] });
  const second = new SettingsService(dir);
  assert.equal((await second.get()).registries[0]?.name, 'local');
  const files = (await readdir(dir)).filter((f) => !f.startsWith('signet.db'));
  assert.deepEqual(files, [], 'nothing but the store is written');
});

test('concurrent updates are serialised and none is lost', async () => {
  const dir = await folder();
  const service = new SettingsService(dir);
  await Promise.all([
    service.update({ toolDirs: ['/opt/a'] }),
    service.update({ pkcs11Modules: [{ path: '/opt/module.so' }] }),
    service.update({ registries: [{ name: 'r', url: 'https://r.example', insecure: false }] }),
  ]);
  const stored = JSON.parse(await storedSettings(dir)) as Record<string, unknown[]>;
  assert.equal(stored.toolDirs?.length, 1);
  assert.equal(stored.pkcs11Modules?.length, 1);
  assert.equal(stored.registries?.length, 1);
});

test('a damaged old settings.json stops the settings with an error naming it, is never overwritten, and no defaults are used', async () => {
  const dir = await folder();
  await writeFile(join(dir, 'settings.json'), '{"version": 1, "registries": [tr');
  const service = new SettingsService(dir);
  await assert.rejects(service.get(), (error: Error) => /settings\.json is damaged/.test(error.message) && error.message.includes(join(dir, 'settings.json')));
  await assert.rejects(service.update({ toolDirs: ['/opt/a'] }), /settings\.json is damaged/);
  assert.equal(await readFile(join(dir, 'settings.json'), 'utf8'), '{"version": 1, "registries": [tr');
});

test('a damaged settings document in the store is an error naming the store file, never the defaults', async () => {
  const dir = await folder();
  const service = new SettingsService(dir);
  await service.update({ toolDirs: ['/opt/tools'] });
  overwriteDocument(dir, 'settings', '{"version": 1, "registries": [tr');
  await assert.rejects(service.get(), (error: Error) => error.message.includes(join(dir, 'signet.db')) && /settings.*damaged/.test(error.message) && /never falls back to defaults/.test(error.message));
  await assert.rejects(service.update({ toolDirs: ['/opt/other'] }), /damaged/);
  assert.equal(await storedSettings(dir), '{"version": 1, "registries": [tr', 'the damaged document is left for repair');
});

test('an invalid update throws and leaves the stored file as it was', async () => {
  const dir = await folder();
  const service = new SettingsService(dir);
  await service.update({ toolDirs: ['/opt/tools'] });
  const before = await storedSettings(dir);
  await assert.rejects(service.update({ toolDirs: ['relative/path'] }));
  assert.equal(await storedSettings(dir), before);
});

test('a settings folder that cannot be used gives a clear error and keeps the old settings', async () => {
  const dir = await folder();
  const service = new SettingsService(dir);
  await service.update({ toolDirs: ['/opt/one'] });
  // A folder path that runs through a regular file fails for every user, root included.
  const blocked = new SettingsService(join(dir, 'signet.db'));
  await assert.rejects(blocked.update({ toolDirs: ['/opt/two'] }), /settings.*could not be (read|saved)/);
  assert.deepEqual((await new SettingsService(dir).get()).toolDirs, ['/opt/one']);
});
