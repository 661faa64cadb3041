import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../main/app/app.context.ts';
import { readDataItem } from '../../main/storage/data-items.ts';
import { LEGACY_FILES } from '../../main/storage/data.store.ts';
import { ScanHistoryStore } from '../../main/scan/scan-history.store.ts';
import { CoverageClassSchema } from '../../shared/model/scan.model.ts';
import { quietProbes } from '../support/app.ts';
import { run } from '../support/processes.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';

const OLD_FILES = Object.values(LEGACY_FILES);

// A data folder as the file-per-document versions left it: the same bytes those versions wrote, made here from a working installation.
async function oldFolder(keychain: MemoryKeychain): Promise<{ dir: string; files: Map<string, Buffer>; keyId: string }> {
  const scratch = await mkdtemp(join(tmpdir(), 'signet-migrate-src-'));
  const app = createApp({ host: 'cli', keychain, probes: quietProbes, env: { ...process.env, SIGNET_HOME: scratch } });
  const key = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'release' }, 'cli');
  const other = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'old' }, 'cli');
  await app.keys.revoke(other.id, { reason: 'keyCompromise', invalidSince: new Date().toISOString() }, 'cli');
  await app.settings.update({ signing: { tsaUrl: null, rules: [{ scope: 'registry.example/prod/*', keyIds: [key.id] }] } });
  await app.policies.save({ id: 'prod', name: 'Production', description: '', rules: [{ scope: 'registry.example/prod/*', signers: [{ kind: 'key', keyId: key.id }], threshold: 1, formats: ['cosign'], attestations: [], enforcement: 'enforce' }] }, 'cli');
  await app.keys.sign(key.id, { payload: Buffer.from('before the store') }, 'cli');
  const dir = await mkdtemp(join(tmpdir(), 'signet-migrate-'));
  const files = new Map<string, Buffer>();
  for (const name of OLD_FILES) {
    const bytes = await readDataItem(scratch, name);
    if (bytes === null) continue;
    files.set(name, bytes);
  }
  // The scan history as its files were: one record per scan, their index, one state per source.
  const now = new Date().toISOString();
  const counts = Object.fromEntries(CoverageClassSchema.options.map((c) => [c, 0]));
  const summary = { scanId: 'scan-old-1', source: 'registry local', policyId: null, startedAt: now, finishedAt: now, counts, total: 0, coverage: 0, missing: [], cancelled: false, requests: 3 };
  files.set('scans/scan-old-1.json', Buffer.from(JSON.stringify({ summary, images: [] })));
  files.set('scans/index.json', Buffer.from(JSON.stringify([{ scanId: 'scan-old-1', sourceKey: 'registry:local|*|none', summary }])));
  files.set('scans/state/0123456789abcdef0123456789abcdef.json', Buffer.from(JSON.stringify({ source: 'registry:local', entries: {} })));
  files.set('scans/schedules.json', Buffer.from(`${JSON.stringify([], null, 2)}\n`));
  for (const [name, bytes] of files) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), bytes);
  }
  assert.deepEqual(OLD_FILES.filter((name) => !files.has(name)), [], 'every kind of old file is there');
  await mkdir(join(dir, 'keys', 'software'), { recursive: true });
  for (const entry of await readdir(join(scratch, 'keys', 'software'))) await writeFile(join(dir, 'keys', 'software', entry), await readFile(join(scratch, 'keys', 'software', entry)));
  await mkdir(join(dir, 'audit'), { recursive: true });
  await app.close();
  await rm(scratch, { recursive: true, force: true });
  return { dir, files, keyId: key.id };
}

test('an old data folder migrates on first start in one step: every document and the audit chain come over, the old files move to a backup folder, and the start says so', async () => {
  const keychain = new MemoryKeychain();
  const { dir, files, keyId } = await oldFolder(keychain);
  const app = createApp({ host: 'cli', keychain, probes: quietProbes, env: { ...process.env, SIGNET_HOME: dir } });
  try {
    const { notice } = await app.store.open();
    const backups = (await readdir(dir)).filter((f) => f.startsWith('backup-before-store-'));
    assert.equal(backups.length, 1, 'one backup folder');
    const backup = join(dir, backups[0]!);
    assert.ok(notice?.includes(backup), notice ?? 'no notice');
    for (const name of OLD_FILES) assert.ok(notice?.includes(name), `the notice names ${name}`);
    assert.match(notice ?? '', /3 scan history files in scans\//);
    assert.match(app.settings.listNotices()[0]?.message ?? '', /backup-before-store-/, 'the System screen shows it too');
    for (const [name, bytes] of files) {
      await assert.rejects(readFile(join(dir, name)), { code: 'ENOENT' }, `${name} left its old place`);
      assert.ok((await readFile(join(backup, name))).equals(bytes), `${name} is kept unchanged in the backup`);
      if (!name.startsWith('scans/') || name === 'scans/schedules.json') assert.ok((await readDataItem(dir, name))?.equals(bytes), `${name} is in the store, byte for byte`);
    }
    const scans = new ScanHistoryStore(dir);
    assert.deepEqual((await scans.list(10)).map((s) => s.scanId), ['scan-old-1'], 'the scan history came over');
    assert.equal((await scans.get('scan-old-1')).summary.requests, 3);
    assert.equal((await scans.previous('registry:local|*|none', 'scan-new'))?.scanId, 'scan-old-1', 'its comparison key came over from the index');
    assert.deepEqual(await scans.loadState('registry:local'), { source: 'registry:local', entries: {} });
    assert.deepEqual((await app.settings.get()).signing.rules, [{ scope: 'registry.example/prod/*', keyIds: [keyId] }], 'the signing rules came over');
    assert.equal((await app.policies.list())[0]?.id, 'prod');
    const keys = await app.keys.list();
    assert.equal(keys.find((k) => k.id === keyId)?.signatureCount, 1);
    assert.equal(keys.find((k) => k.label === 'old')?.status, 'revoked');
    const before = await app.audit.verify();
    assert.equal(before.ok, true, JSON.stringify(before.firstBad));
    await app.keys.sign(keyId, { payload: Buffer.from('after the store') }, 'cli');
    const after = await app.audit.verify();
    assert.equal(after.ok, true, JSON.stringify(after.firstBad));
    assert.equal(after.entries, before.entries + 1, 'the chain goes on from the migrated tail');
  } finally {
    await app.close();
  }
  const again = createApp({ host: 'cli', keychain, probes: quietProbes, env: { ...process.env, SIGNET_HOME: dir } });
  try {
    assert.equal((await readdir(dir)).filter((f) => f.startsWith('backup-before-store-')).length, 1, 'a second start migrates nothing');
    assert.equal((await again.keys.list()).length, 2);
  } finally {
    await again.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged old file stops the migration with an error naming it; nothing is moved, changed or read as empty', async () => {
  const keychain = new MemoryKeychain();
  const { dir, files } = await oldFolder(keychain);
  const inventory = join(dir, 'keys', 'inventory.json');
  const damaged = files.get('keys/inventory.json')!.subarray(0, 200);
  await writeFile(inventory, damaged);
  const app = createApp({ host: 'cli', keychain, probes: quietProbes, env: { ...process.env, SIGNET_HOME: dir } });
  try {
    for (const result of [await app.dispatch('keys.list', {}, { host: 'cli' }), await app.dispatch('settings.get', {}, { host: 'cli' }), await app.dispatch('audit.verify', {}, { host: 'cli' })]) {
      assert.equal(result.ok, false, 'refused, not answered from an empty store');
      if (!result.ok) {
        assert.equal(result.error.code, 'Conflict');
        assert.ok(result.error.message.includes(inventory), result.error.message);
      }
    }
    assert.ok((await readFile(inventory)).equals(damaged), 'the damaged file is left as it was');
    for (const [name, bytes] of files) if (name !== 'keys/inventory.json') assert.ok((await readFile(join(dir, name))).equals(bytes), `${name} stays in place`);
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('backup-before-store-')), []);
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('several processes starting at once on an old data folder migrate it once: one backup, one notice, the same state for all', async () => {
  const keychain = new MemoryKeychain();
  const { dir, files } = await oldFolder(keychain);
  const opener = fileURLToPath(new URL('../support/store-open.ts', import.meta.url));
  const outputs = await Promise.all(Array.from({ length: 3 }, () => run(process.execPath, [opener], { env: { ...process.env, SIGNET_HOME: dir } })));
  const notices = outputs.map((o) => (JSON.parse(o.trim().split('\n').at(-1)!) as { notice: string | null }).notice);
  assert.equal(notices.filter((n) => n !== null).length, 1, `exactly one start migrated: ${JSON.stringify(notices)}`);
  const backups = (await readdir(dir)).filter((f) => f.startsWith('backup-before-store-'));
  assert.equal(backups.length, 1);
  for (const [name, bytes] of files) {
    assert.ok((await readFile(join(dir, backups[0]!, name))).equals(bytes), `${name} is in the one backup`);
    if (!name.startsWith('scans/') || name === 'scans/schedules.json') assert.ok((await readDataItem(dir, name))?.equals(bytes), `${name} is in the store once`);
  }
  await rm(dir, { recursive: true, force: true });
});
