import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../main/audit/audit.log.ts';
import { SoftwareAuditSigner } from '../../main/audit/audit-signer.ts';
import { SoftwareKeyStore } from '../../main/keys/software.backend.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';

async function freshLog(checkpointEvery = 10) {
  const dir = await mkdtemp(join(tmpdir(), 'signet-audit-'));
  const signer = new SoftwareAuditSigner(dir, new SoftwareKeyStore(dir, new MemoryKeychain()));
  return { dir, log: new AuditLog(dir, { signer, checkpointEvery }) };
}

const record = (n: number) => ({ host: 'cli' as const, action: 'key.sign', subject: `k-${n}`, details: { n } });

async function lines(log: AuditLog): Promise<string[]> {
  return (await readFile(log.file, 'utf8')).trimEnd().split('\n');
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
  const { log } = await freshLog();
  for (let i = 0; i < 8; i++) await log.append(record(i));
  const all = await lines(log);
  all[4] = all[4]!.replace('"n":4', '"n":40');
  await writeFile(log.file, `${all.join('\n')}\n`);
  const result = await log.verify();
  assert.equal(result.ok, false);
  assert.equal(result.firstBad?.line, 5);
  assert.match(result.firstBad?.reason ?? '', /edited/);
});

test('a removed entry is found', async () => {
  const { log } = await freshLog(1000);
  for (let i = 0; i < 6; i++) await log.append(record(i));
  const all = await lines(log);
  await writeFile(log.file, `${[...all.slice(0, 2), ...all.slice(3)].join('\n')}\n`);
  const removed = await log.verify();
  assert.equal(removed.firstBad?.line, 3);
  assert.match(removed.firstBad?.reason ?? '', /removed or reordered/);
});

test('a forged checkpoint signature is rejected', async () => {
  const { log } = await freshLog(3);
  for (let i = 0; i < 3; i++) await log.append(record(i));
  const all = await lines(log);
  const index = all.findIndex((l) => l.includes('audit.checkpoint'));
  assert.ok(index >= 0);
  const checkpoint = JSON.parse(all[index]!) as { details: { signature: string }; hash: string; prev: string };
  checkpoint.details.signature = Buffer.alloc(70, 1).toString('base64');
  const { entryHash } = await import('../../main/audit/audit.log.ts');
  const { hash: _old, ...body } = checkpoint as unknown as Parameters<typeof entryHash>[0] & { hash: string };
  all[index] = JSON.stringify({ ...body, hash: entryHash(body) });
  await writeFile(log.file, `${all.join('\n')}\n`);
  const result = await log.verify();
  assert.equal(result.ok, false);
  assert.match(result.firstBad?.reason ?? '', /signature does not verify/);
});

test('a torn last line is reported, then kept aside when the log is next written, and the chain goes on', async () => {
  const { dir, log } = await freshLog(1000);
  for (let i = 0; i < 3; i++) await log.append(record(i));
  await appendFile(log.file, '{"seq":4,"time":"2026-');
  const torn = await log.verify();
  assert.equal(torn.ok, false);
  assert.match(torn.firstBad?.reason ?? '', /torn write/);
  const reopened = new AuditLog(dir, { checkpointEvery: 1000 });
  await reopened.append(record(3));
  assert.equal((await reopened.verify()).ok, true);
  const files = await readdir(join(dir, 'audit'));
  assert.ok(files.some((f) => f.startsWith('audit.jsonl.torn-')), files.join(', '));
});
