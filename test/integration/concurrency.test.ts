import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../main/app/app.context.ts';
import { ScanHistoryStore } from '../../main/scan/scan-history.store.ts';
import { quietProbes } from '../support/app.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { start, waitFor } from '../support/processes.ts';

const worker = fileURLToPath(new URL('../support/concurrency-worker.ts', import.meta.url));
const WORKERS = 4;
const WORK_MS = 9_000;

test(`${WORKERS} processes generating, signing, revoking and recording scans at once over one data folder lose nothing, revive no revoked key, and keep one audit chain`, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'signet-concurrency-'));
  const reports = await mkdtemp(join(tmpdir(), 'signet-concurrency-reports-'));
  const env = { ...process.env, SIGNET_HOME: home };
  const keychain = new MemoryKeychain();
  // An installation that already has keys and an audit key, as every process on the machine sees it.
  const setup = createApp({ host: 'cli', keychain, probes: quietProbes, env });
  for (let i = 0; i < 4; i++) await setup.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: `seed ${i}` }, 'cli');
  await setup.audit.checkpoint('cli');
  await setup.close();

  const deadline = Date.now() + WORK_MS;
  const children = Array.from({ length: WORKERS }, (_, i) =>
    start(process.execPath, [worker], { env: { ...env, WORKER_ID: String(i), WORKER_REPORT: join(reports, `worker-${i}.log`), WORKER_DEADLINE: String(deadline), WORKER_KEYCHAIN: JSON.stringify(Object.fromEntries(keychain.secrets)) } }),
  );
  try {
    await waitFor('every worker to finish', async () => children.every((c) => /^done$/m.test(c.output())), WORK_MS + 9_000, () => children.map((c) => c.output().slice(-2000)).join('\n---\n'));
  } finally {
    for (const child of children) await child.stop();
  }
  for (const child of children) assert.doesNotMatch(child.output(), /^failed|Error/m, child.output());
  const outputs = await Promise.all(children.map((_, i) => readFile(join(reports, `worker-${i}.log`), 'utf8')));
  for (const output of outputs) assert.doesNotMatch(output, /^failed/m, output);
  const reported = (verb: string) => outputs.flatMap((o) => [...o.matchAll(new RegExp(`^${verb} (\\S+)(?: (\\S+))?$`, 'gm'))].map((m) => ({ id: m[1]!, extra: m[2] ?? null })));
  const generated = reported('generated');
  const signed = reported('signed');
  const revoked = reported('revoked');
  const scanned = reported('scanned');
  const refusedSigns = reported('refused');
  t.diagnostic(`operations reported: ${generated.length} generated, ${signed.length} signed, ${revoked.length} revoked, ${scanned.length} scans, ${refusedSigns.length} signatures refused because the key was revoked meanwhile`);
  assert.ok(generated.length >= WORKERS && signed.length >= WORKERS && revoked.length >= WORKERS && scanned.length >= WORKERS, 'every kind of operation ran several times');

  const app = createApp({ host: 'cli', keychain, probes: quietProbes, env });
  try {
    const keys = await app.keys.list();
    const byId = new Map(keys.map((k) => [k.id, k]));
    for (const { id } of generated) assert.ok(byId.has(id), `generated key ${id} is in the inventory`);
    for (const { id } of revoked) {
      assert.equal(byId.get(id)?.status, 'revoked', `revoked key ${id} stays revoked`);
      assert.equal(byId.get(id)?.revocation?.reason, 'keyCompromise');
    }
    for (const key of keys) if (key.revocation) assert.equal(key.status, 'revoked', `${key.id} has a revocation and is not active`);

    const verification = await app.audit.verify();
    assert.equal(verification.ok, true, JSON.stringify(verification.firstBad));
    const entries = (await app.audit.list({ limit: 1_000_000 })).reverse();
    assert.equal(entries.length, verification.entries);
    assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1), 'one chain, no fork, no gap');
    const of = (action: string) => entries.filter((e) => e.action === action);
    assert.equal(of('key.generate').length, generated.length + 4, 'one audit entry per generated key');
    assert.equal(of('key.revoke').length, revoked.length, 'one audit entry per revocation');
    assert.equal(of('scan.run').length, scanned.length);
    const signatures = of('key.sign');
    assert.equal(signatures.length, signed.length, 'one audit entry per signature, none for a refused one');
    for (const { id, extra } of signed) assert.ok(signatures.some((e) => e.subject === id && e.details.digest === extra), `signature by ${id} over ${extra} is audited`);
    // No key signs after its revocation is committed: each signature's entry comes before the key's revocation entry.
    for (const entry of signatures) {
      const revocation = of('key.revoke').find((r) => r.subject === entry.subject);
      if (revocation) assert.ok(entry.seq < revocation.seq, `${entry.subject} signed (entry ${entry.seq}) after its revocation (entry ${revocation.seq})`);
    }
    for (const key of keys) assert.equal(key.signatureCount, signatures.filter((e) => e.subject === key.id).length, `signature count of ${key.id}`);
    assert.ok(verification.checkpoints >= 1);

    const list = await app.keys.revocationList();
    const listed = new Set((list.document.entries as { keyId: string }[]).map((e) => e.keyId));
    for (const { id } of revoked) assert.ok(listed.has(id), `the published revocation list names ${id}`);

    const history = await new ScanHistoryStore(home).list(10_000);
    for (const { id } of scanned) assert.ok(history.some((s) => s.scanId === id), `scan ${id} is in the history`);
  } finally {
    await app.close();
    await rm(home, { recursive: true, force: true });
    await rm(reports, { recursive: true, force: true });
  }
});
