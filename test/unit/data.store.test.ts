import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataStore } from '../../main/storage/data.store.ts';

async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'signet-store-'));
}

test('a read of an empty data folder answers "absent" and creates no file', async () => {
  const dir = await folder();
  assert.equal(await DataStore.for(dir).read((reader) => reader.text('inventory'), 'absent'), 'absent');
  assert.deepEqual(await readdir(dir), []);
});

test('a write that throws changes nothing, and a write started inside a write is refused instead of hanging', async () => {
  const dir = await folder();
  const store = DataStore.for(dir);
  await store.write((tx) => tx.put('policies', []));
  await assert.rejects(
    store.write((tx) => {
      tx.put('policies', [{ changed: true }]);
      throw new Error('stop');
    }),
    /stop/,
  );
  assert.equal(await store.read((reader) => reader.text('policies'), null), '[]\n');
  assert.equal(await store.read((reader) => reader.revision('policies'), 0), 1);
  await assert.rejects(store.write(() => store.write(() => undefined)), /inside another store write/);
  await store.write((tx) => tx.put('policies', [1]));
  assert.equal(await store.read((reader) => reader.revision('policies'), 0), 2, 'the store is usable after the refused nesting');
});

test('a store file that is not a database stops every operation with an error naming it', async () => {
  const dir = await folder();
  await writeFile(join(dir, 'signet.db'), 'this is not a database, it is a damaged file of some length '.repeat(100));
  const store = DataStore.for(dir);
  await assert.rejects(store.read((reader) => reader.text('settings'), null), (error: Error) => error.message.includes(join(dir, 'signet.db')) && /damaged or unreadable/.test(error.message));
  await assert.rejects(store.write((tx) => tx.put('settings', {})), /damaged or unreadable/);
});

test('a store deleted under a running process is not read from the old copy', async () => {
  const dir = await folder();
  const store = DataStore.for(dir);
  await store.write((tx) => tx.put('policies', ['kept']));
  const { rm } = await import('node:fs/promises');
  for (const name of await readdir(dir)) await rm(join(dir, name));
  assert.equal(await store.read((reader) => reader.text('policies'), 'absent'), 'absent');
});
