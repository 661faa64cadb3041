import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsService } from '../../main/settings/settings.service.ts';

async function folder() {
  return mkdtemp(join(tmpdir(), 'signet-settings-'));
}

test('settings start empty and persist across instances', async () => {
  const dir = await folder();
  const first = new SettingsService(dir);
  assert.deepEqual((await first.get()).registries, []);
  await first.update({ registries: [{ name: 'local', url: 'http://127.0.0.1:5000', insecure: false }] });
  const second = new SettingsService(dir);
  assert.equal((await second.get()).registries[0]?.name, 'local');
  const files = await readdir(dir);
  assert.deepEqual(files, ['settings.json'], 'no temporary files are left behind');
});

test('concurrent updates are serialised and none is lost', async () => {
  const dir = await folder();
  const service = new SettingsService(dir);
  await Promise.all([
    service.update({ toolDirs: ['/opt/a'] }),
    service.update({ pkcs11Modules: [{ path: '/opt/module.so' }] }),
    service.update({ registries: [{ name: 'r', url: 'https://r.example', insecure: false }] }),
  ]);
  const stored = JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8')) as Record<string, unknown[]>;
  assert.equal(stored.toolDirs?.length, 1);
  assert.equal(stored.pkcs11Modules?.length, 1);
  assert.equal(stored.registries?.length, 1);
});

test('a damaged settings file is kept aside, never overwritten, and reported', async () => {
  const dir = await folder();
  await writeFile(join(dir, 'settings.json'), '{"version": 1, "registries": [tr');
  const service = new SettingsService(dir);
  const settings = await service.get();
  assert.deepEqual(settings.registries, []);
  const files = await readdir(dir);
  const aside = files.find((f) => f.startsWith('settings.json.damaged-'));
  assert.ok(aside, `damaged file kept: ${files.join(', ')}`);
  assert.equal(await readFile(join(dir, aside), 'utf8'), '{"version": 1, "registries": [tr');
  assert.match(service.listNotices()[0]?.message ?? '', /could not be read/);
});

test('an invalid update throws and leaves the stored file as it was', async () => {
  const dir = await folder();
  const service = new SettingsService(dir);
  await service.update({ toolDirs: ['/opt/tools'] });
  const before = await readFile(join(dir, 'settings.json'), 'utf8');
  await assert.rejects(service.update({ toolDirs: ['relative/path'] }));
  assert.equal(await readFile(join(dir, 'settings.json'), 'utf8'), before);
});

test('a settings folder that cannot be used gives a clear error and keeps the old settings', async () => {
  const dir = await folder();
  const service = new SettingsService(dir);
  await service.update({ toolDirs: ['/opt/one'] });
  // A folder path that runs through a regular file fails for every user, root included.
  const blocked = new SettingsService(join(dir, 'settings.json'));
  await assert.rejects(blocked.update({ toolDirs: ['/opt/two'] }), /settings.*could not be (read|saved)/);
  assert.deepEqual((await new SettingsService(dir).get()).toolDirs, ['/opt/one']);
});
