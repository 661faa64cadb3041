import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, entryHash } from '../../main/audit/audit.log.ts';
import { KeychainAuditAnchor, anchorAccount } from '../../main/audit/audit-anchor.ts';
import { SoftwareAuditSigner } from '../../main/audit/audit-signer.ts';
import { SoftwareKeyStore } from '../../main/keys/software.backend.ts';
import { createApp } from '../../main/app/app.context.ts';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import { quietProbes } from '../support/app.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { rewriteAuditLines, storedAuditLines } from '../support/store-tamper.ts';

async function anchoredLog(checkpointEvery = 3) {
  const dir = await mkdtemp(join(tmpdir(), 'signet-anchor-'));
  const keychain = new MemoryKeychain();
  const signer = new SoftwareAuditSigner(dir, new SoftwareKeyStore(dir, keychain));
  const anchor = new KeychainAuditAnchor(dir, keychain);
  return { dir, keychain, anchor, log: new AuditLog(dir, { signer, anchor, checkpointEvery }) };
}

const record = (n: number) => ({ host: 'cli' as const, action: 'key.sign', subject: `k-${n}`, details: { n } });

async function appendMany(log: AuditLog, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) await log.append(record(i));
}

const entries = (dir: string) => storedAuditLines(dir).map((line) => JSON.parse(line) as AuditEntry);

// What someone with the data folder but not the audit key can do: any entries, renumbered and hashed into a valid chain.
function rehashed(list: Omit<AuditEntry, 'seq' | 'prev' | 'hash'>[]): string[] {
  let prev = '0'.repeat(64);
  return list.map((entry, index) => {
    const body = { seq: index + 1, time: entry.time, host: entry.host, action: entry.action, subject: entry.subject, details: entry.details, prev };
    const hash = entryHash(body);
    prev = hash;
    return JSON.stringify({ ...body, hash });
  });
}

test('a tail removed back to an earlier checkpoint is reported against the checkpoint kept in the keychain', async () => {
  const { dir, log } = await anchoredLog(3);
  await appendMany(log, 0, 7);
  await log.checkpointAtExit('cli');
  const intact = await log.verify();
  assert.equal(intact.ok, true, JSON.stringify(intact));
  assert.equal(intact.anchor?.status, 'matched');
  const all = storedAuditLines(dir);
  const last = entries(dir).at(-1)!;
  assert.equal(last.action, 'audit.checkpoint');
  assert.equal(intact.anchor?.seq, last.seq);
  // Cut back to the first checkpoint: on its own a valid, signed chain.
  const firstCheckpoint = entries(dir).findIndex((e) => e.action === 'audit.checkpoint');
  rewriteAuditLines(dir, all.slice(0, firstCheckpoint + 1));
  const cut = await log.verify();
  assert.equal(cut.ok, false);
  assert.equal(cut.anchor?.status, 'tail-removed');
  assert.match(cut.firstBad?.reason ?? '', new RegExp(`the log ends at entry ${firstCheckpoint + 1} but a checkpoint at entry ${last.seq} was recorded outside it.*the tail was removed`));
  assert.equal(cut.firstBad?.line, firstCheckpoint + 2);
});

test('a log re-hashed without the audit key fails at its checkpoint signatures, and without its checkpoints against the anchor', async () => {
  const { dir, log } = await anchoredLog(3);
  await appendMany(log, 0, 7);
  await log.checkpointAtExit('cli');
  const anchored = (await log.verify()).anchor!;
  const original = entries(dir);

  // Every entry rehashed, checkpoints kept and their covered hash updated: the old signatures do not sign the new chain.
  let prev = '0'.repeat(64);
  const keptCheckpoints = original.map((entry) => {
    const details = entry.action === 'audit.checkpoint' ? { ...entry.details, chainHash: prev } : entry.subject === 'k-1' ? { n: 100 } : entry.details;
    const body = { seq: entry.seq, time: entry.time, host: entry.host, action: entry.action, subject: entry.subject, details, prev };
    const hash = entryHash(body);
    prev = hash;
    return JSON.stringify({ ...body, hash });
  });
  rewriteAuditLines(dir, keptCheckpoints);
  const resigned = await log.verify();
  assert.equal(resigned.ok, false);
  assert.match(resigned.firstBad?.reason ?? '', /signature does not verify/);

  // The checkpoints dropped and the chain rebuilt: shorter than the anchor, so the tail is missing.
  const withoutCheckpoints = original.filter((e) => e.action !== 'audit.checkpoint').map((e) => (e.subject === 'k-1' ? { ...e, details: { n: 100 } } : e));
  rewriteAuditLines(dir, rehashed(withoutCheckpoints));
  const dropped = await log.verify();
  assert.equal(dropped.ok, false, 'a valid chain without checkpoints is not accepted');
  assert.equal(dropped.checkpoints, 0);
  assert.match(dropped.firstBad?.reason ?? '', /the tail was removed/);

  // Padded to the anchored length, the anchored position holds another entry: a rewrite.
  const padded = [...withoutCheckpoints, ...Array.from({ length: 5 }, (_, i) => ({ ...withoutCheckpoints[0]!, subject: `forged-${i}` }))];
  rewriteAuditLines(dir, rehashed(padded));
  const rewritten = await log.verify();
  assert.equal(rewritten.ok, false);
  assert.equal(rewritten.anchor?.status, 'rewritten');
  assert.equal(rewritten.firstBad?.line, anchored.seq);
  assert.match(rewritten.firstBad?.reason ?? '', new RegExp(`entry ${anchored.seq} is not the one the checkpoint recorded outside the log .*the log was rewritten`));

  // A legitimate append over the rewritten log signs a new checkpoint, but the anchor stays where the evidence is.
  await appendMany(log, 50, 4);
  await log.close();
  const after = await log.verify();
  assert.equal(after.anchor?.seq, anchored.seq, 'the anchor does not follow a log that lost its anchored entry');
  assert.equal(after.ok, false);
  assert.match(after.firstBad?.reason ?? '', /rewritten/);
});

test('an unsigned tail longer than the checkpoint interval is not verified; one as long is', async () => {
  const { dir, log } = await anchoredLog(3);
  await appendMany(log, 0, 2);
  await log.checkpointAtExit('cli');
  const unsigned = new AuditLog(dir, { checkpointEvery: 3 });
  await appendMany(unsigned, 10, 3);
  const atBound = await log.verify();
  assert.equal(atBound.ok, true, JSON.stringify(atBound.firstBad));
  assert.equal(atBound.unsignedTail, 3);
  await unsigned.append(record(13));
  const over = await log.verify();
  assert.equal(over.ok, false);
  assert.equal(over.unsignedTail, 4);
  assert.equal(over.firstBad?.line, 4);
  assert.match(over.firstBad?.reason ?? '', /4 entries follow the last signed checkpoint \(entry 3\), more than the 3 after which one is always written/);
});

test('a process that holds no audit key checks checkpoints with the pinned public key, so a long signed log verifies there too', async () => {
  const { dir, log } = await anchoredLog(3);
  await appendMany(log, 0, 10);
  const elsewhere = await new AuditLog(dir, { checkpointEvery: 3 }).verify();
  assert.equal(elsewhere.ok, true, JSON.stringify(elsewhere.firstBad));
  assert.ok(elsewhere.checkpoints >= 3);
  const lines = storedAuditLines(dir);
  const checkpoint = lines.findIndex((line) => line.includes('"audit.checkpoint"'));
  const forged = JSON.parse(lines[checkpoint]!) as AuditEntry & { details: { signature: string } };
  forged.details.signature = Buffer.from('not a signature').toString('base64');
  const { hash: _old, ...body } = forged;
  lines[checkpoint] = JSON.stringify({ ...body, hash: entryHash(body) });
  rewriteAuditLines(dir, lines);
  const refused = await new AuditLog(dir, { checkpointEvery: 3 }).verify();
  assert.equal(refused.ok, false);
  assert.match(refused.firstBad?.reason ?? '', /checkpoint signature does not verify|does not chain/);
});

test('a locked keychain: appends and checkpoints still commit, and verify says the anchor could not be read', async () => {
  const { dir, keychain, log } = await anchoredLog(3);
  await appendMany(log, 0, 3);
  await log.close();
  const before = await log.verify();
  assert.equal(before.anchor?.status, 'matched');
  keychain.locked = true;
  await appendMany(log, 3, 5);
  await log.close();
  assert.equal(entries(dir).filter((e) => e.action === 'audit.checkpoint').length, 2, 'the checkpoint was written with the keychain locked');
  const locked = await log.verify();
  assert.equal(locked.ok, false, 'never ok while the anchor cannot be read');
  assert.equal(locked.firstBad, null);
  assert.equal(locked.anchor?.status, 'unreadable');
  assert.match(locked.anchor?.note ?? '', /could not be read \(locked\).*not checked/);

  keychain.locked = false;
  const lagging = await log.verify();
  assert.equal(lagging.ok, true, JSON.stringify(lagging));
  assert.equal(lagging.anchor?.seq, before.anchor?.seq, 'the failed update left the older point');
  assert.match(lagging.anchor?.note ?? '', /later checkpoint .* not recorded there yet/);
  await log.append(record(9));
  await log.checkpointAtExit('cli');
  const caughtUp = await log.verify();
  assert.equal(caughtUp.anchor?.seq, entries(dir).at(-1)!.seq, 'the next checkpoint records the newest one');
});

test('the anchor is written only after the transaction holding the checkpoint committed', async () => {
  const { keychain, anchor, log } = await anchoredLog(1);
  await assert.rejects(
    log.store.write(async (tx) => {
      await log.appendWithin(tx, record(0));
      throw new Error('the change failed');
    }),
    /the change failed/,
  );
  await log.close();
  assert.deepEqual(await anchor.read(), { state: 'absent' });
  assert.equal(keychain.secrets.size, 1, 'only the data key of the audit key is in the keychain');
  await log.append(record(1));
  await log.close();
  const read = await anchor.read();
  assert.equal(read.state, 'present');
  assert.equal(read.state === 'present' && read.point.seq, 2);
});

test('each data folder has its own anchor entry', async () => {
  const a = await mkdtemp(join(tmpdir(), 'signet-anchor-a-'));
  const b = await mkdtemp(join(tmpdir(), 'signet-anchor-b-'));
  assert.notEqual(anchorAccount(a), anchorAccount(b));
  assert.equal(anchorAccount(a), anchorAccount(join(a, '.')));
});

test('closing the app writes a checkpoint of what it appended and records it in the keychain; closing with nothing new writes none', async () => {
  const home = await mkdtemp(join(tmpdir(), 'signet-anchor-app-'));
  const keychain = new MemoryKeychain();
  const app = createApp({ host: 'cli', keychain, probes: quietProbes, env: { ...process.env, SIGNET_HOME: home } });
  await app.audit.append(record(0));
  await app.close();
  const list = entries(home);
  assert.deepEqual(list.map((e) => e.action), ['key.sign', 'audit.checkpoint']);
  assert.deepEqual(JSON.parse(keychain.secrets.get(anchorAccount(home))!), { seq: 2, hash: list[1]!.hash, time: JSON.parse(keychain.secrets.get(anchorAccount(home))!).time });
  const again = createApp({ host: 'cli', keychain, probes: quietProbes, env: { ...process.env, SIGNET_HOME: home } });
  const verified = await again.audit.verify();
  await again.close();
  assert.equal(verified.ok, true, JSON.stringify(verified));
  assert.equal(verified.anchor?.status, 'matched');
  assert.equal(entries(home).length, 2, 'a run that appended nothing adds no checkpoint');
});
