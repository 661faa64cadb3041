import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../main/audit/audit.log.ts';
import { SoftwareAuditSigner } from '../../main/audit/audit-signer.ts';
import { SoftwareKeyStore } from '../../main/keys/software.backend.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { rewriteAuditLines, storedAuditLines } from '../support/store-tamper.ts';

async function freshLog(checkpointEvery = 10) {
  const dir = await mkdtemp(join(tmpdir(), 'signet-audit-'));
  const signer = new SoftwareAuditSigner(dir, new SoftwareKeyStore(dir, new MemoryKeychain()));
  return { dir, log: new AuditLog(dir, { signer, checkpointEvery }) };
}

const record = (n: number) => ({ host: 'cli' as const, action: 'key.sign', subject: `k-${n}`, details: { n } });

async function lines(dir: string): Promise<string[]> {
  return storedAuditLines(dir);
}

test('concurrent appends form one unbroken chain with signed checkpoints', async () => {
  const { log } = await freshLog(10);
  const entries = await Promise.all(Array.from({ length: 45 }, (_, i) => log.append(record(i))));
  assert.deepEqual(entries.map((e) => e.details.n), Array.from({ length: 45 }, (_, i) => i), 'each caller gets its own entry');
  const result = await log.verify();
  assert.equal(result.ok, true, JSON.stringify(result.firstBad));
  assert.ok(result.checkpoints >= 4, `checkpoints: ${result.checkpoints}`);
  assert.equal(result.entries, 45 + result.checkpoints);
});

test('an edited entry is found and named', async () => {
  const { dir, log } = await freshLog();
  for (let i = 0; i < 8; i++) await log.append(record(i));
  const all = await lines(dir);
  all[4] = all[4]!.replace('"n":4', '"n":40');
  rewriteAuditLines(dir, all);
  const result = await log.verify();
  assert.equal(result.ok, false);
  assert.equal(result.firstBad?.line, 5);
  assert.match(result.firstBad?.reason ?? '', /edited/);
});

test('a removed entry is found', async () => {
  const { dir, log } = await freshLog(1000);
  for (let i = 0; i < 6; i++) await log.append(record(i));
  const all = await lines(dir);
  rewriteAuditLines(dir, [...all.slice(0, 2), ...all.slice(3)]);
  const removed = await log.verify();
  assert.equal(removed.firstBad?.line, 3);
  assert.match(removed.firstBad?.reason ?? '', /removed or reordered/);
});

test('a forged checkpoint signature is rejected', async () => {
  const { dir, log } = await freshLog(3);
  for (let i = 0; i < 3; i++) await log.append(record(i));
  const all = await lines(dir);
  const index = all.findIndex((l) => l.includes('audit.checkpoint'));
  assert.ok(index >= 0);
  const checkpoint = JSON.parse(all[index]!) as { details: { signature: string }; hash: string; prev: string };
  checkpoint.details.signature = Buffer.alloc(70, 1).toString('base64');
  const { entryHash } = await import('../../main/audit/audit.log.ts');
  const { hash: _old, ...body } = checkpoint as unknown as Parameters<typeof entryHash>[0] & { hash: string };
  all[index] = JSON.stringify({ ...body, hash: entryHash(body) });
  rewriteAuditLines(dir, all);
  const result = await log.verify();
  assert.equal(result.ok, false);
  assert.match(result.firstBad?.reason ?? '', /signature does not verify/);
});

test('appends from several logs over one data folder form one chain, never a fork', async () => {
  const { dir } = await freshLog(1000);
  const logs = [new AuditLog(dir, { checkpointEvery: 1000 }), new AuditLog(dir, { checkpointEvery: 1000 }), new AuditLog(dir, { checkpointEvery: 1000 })];
  await Promise.all(logs.flatMap((log, l) => Array.from({ length: 20 }, (_, i) => log.append(record(l * 100 + i)))));
  const result = await logs[0]!.verify();
  assert.equal(result.ok, true, JSON.stringify(result.firstBad));
  assert.equal(result.entries, 60);
  const seqs = (await lines(dir)).map((l) => (JSON.parse(l) as { seq: number }).seq);
  assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 1));
});

test('an old audit.jsonl with a torn last line migrates without it, keeps the whole file in the backup, and the chain goes on', async () => {
  const { dir, log } = await freshLog(1000);
  for (let i = 0; i < 3; i++) await log.append(record(i));
  const whole = (await lines(dir)).map((l) => `${l}\n`).join('');
  const legacy = await mkdtemp(join(tmpdir(), 'signet-audit-legacy-'));
  await mkdir(join(legacy, 'audit'));
  await writeFile(join(legacy, 'audit', 'audit.jsonl'), `${whole}{"seq":4,"time":"2026-`);
  const reopened = new AuditLog(legacy, { checkpointEvery: 1000 });
  const { notice } = await reopened.store.open();
  assert.match(notice ?? '', /last line was incomplete/);
  assert.equal((await reopened.verify()).ok, true);
  await reopened.append(record(3));
  const verification = await reopened.verify();
  assert.equal(verification.ok, true, JSON.stringify(verification.firstBad));
  assert.equal(verification.entries, 4);
  const backup = (await readdir(legacy)).find((f) => f.startsWith('backup-before-store-'));
  assert.ok(backup, 'the old files are kept');
  assert.equal(await readFile(join(legacy, backup, 'audit', 'audit.jsonl'), 'utf8'), `${whole}{"seq":4,"time":"2026-`);
});

test('an entry the log could not read back is refused and the log stays writable', async () => {
  const { dir, log } = await freshLog(1000);
  await log.append(record(1));
  await assert.rejects(log.append({ host: 'cli', action: 'not an action', subject: null, details: {} }), /not a valid record/);
  await log.append(record(2));
  const verification = await log.verify();
  assert.equal(verification.ok, true, JSON.stringify(verification.firstBad));
  assert.equal((await lines(dir)).length, 2);
});
