import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { Policy } from '../../shared/model/policy.model.ts';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import type { BackupManifest, BackupResult, DrillResult, RestoreResult } from '../../shared/model/recovery.model.ts';
import { createApp } from '../../main/app/app.context.ts';
import { canonicalJson } from '../../main/encoding/canonical-json.ts';
import { OsKeychain } from '../../main/platform/keychain.adapter.ts';
import { readDataItem } from '../../main/storage/data-items.ts';
import { LEGACY_FILES, STORE_FILE } from '../../main/storage/data.store.ts';
import { quietProbes, createTestApp, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import { callChannel, refused } from '../support/dispatch.ts';
import type { IntentView } from '../../shared/model/intent.model.ts';

let hsm: SoftHsm;
let keychain: Keychain;
let app: TestApp;
let work: string;
let clock = Date.parse('2026-11-21T12:00:00Z');
const confirmations = new ScriptedConfirmation();
const custodians = ['alice', 'bob', 'carol', 'dave', 'erin'];
const made: Record<string, KeyRecord> = {};
let shared: BackupResult;

before(async () => {
  hsm = await startSoftHsm('recovery-hsm', ['recovery-twin']);
  keychain = await startKeychain();
  work = await mkdtemp(join(tmpdir(), 'signet-recovery-'));
  app = await createTestApp({ probes: quietProbes, confirmations, now: () => new Date(clock) });
  for (const token of [hsm.label, 'recovery-twin']) await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: token }, hsm.userPin);
  const generate = async (label: string, algorithm: KeyRecord['algorithm'], backend: { kind: 'software' } | { kind: 'pkcs11'; modulePath: string; tokenLabel: string } = { kind: 'software' }) => {
    made[label] = await call<KeyRecord>('keys.generate', { backend, algorithm, label });
  };
  await generate('release', 'ecdsa-p256');
  await generate('attest', 'ed25519');
  await generate('archive', 'rsa-3072');
  await generate('legacy', 'ecdsa-p384');
  await generate('token signer', 'ecdsa-p256', { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label });
  await app.keys.setAdmin(made.release!.id, 'cli');
  await app.keys.revoke(made.legacy!.id, { reason: 'keyCompromise', invalidSince: new Date(clock - 3_600_000).toISOString() }, 'cli');
  made['attest r2'] = (await app.keys.rotate(made.attest!.id, { overlapDays: 7 }, 'cli')).successor;
  await app.authority.create({ name: 'Recovery Test', backend: { kind: 'software' } }, 'cli');
  const policy: Policy = { id: 'prod', name: 'Production', description: '', rules: [{ scope: 'registry.example/prod/*', signers: [{ kind: 'key', keyId: made.release!.id }], threshold: 1, formats: ['cosign'], attestations: [], enforcement: 'enforce' }] };
  await app.policies.save(policy, 'cli');
  await app.settings.update({ registries: [{ name: 'example', url: 'https://registry.example', insecure: false }] });
  await app.audit.checkpoint('cli');
});

after(async () => {
  await app?.cleanup();
  await keychain?.stop();
  await hsm?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function call<T>(channel: string, input: unknown, on: { dispatch: TestApp['dispatch'] } = app): Promise<T> {
  return callChannel<T>(on, channel, input);
}

async function backupToCustodians(outputDir: string, threshold = 3): Promise<BackupResult> {
  const intent = await call<IntentView>('recovery.prepareBackup', { outputDir, custodians: { threshold, names: custodians } });
  return call<BackupResult>('recovery.confirmBackup', { intentId: intent.intentId });
}

// Opens the backup in full (every hash checked) without restoring: the intent is issued, then dropped.
async function opens(backupFile: string, shareFiles: string[]): Promise<IntentView> {
  const intent = await call<IntentView>('recovery.prepareRestore', { backupFile, shareFiles });
  assert.ok(app.intents.discard(intent.intentId));
  return intent;
}

async function treeHashes(dir: string, skip: (path: string) => boolean = () => false): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      const path = join(at, entry.name);
      const name = relative(dir, path);
      if (name.startsWith(STORE_FILE)) continue;
      if (skip(name)) continue;
      if (entry.isDirectory()) await walk(path);
      else hashes.set(name, createHash('sha256').update(await readFile(path)).digest('hex'));
    }
  };
  await walk(dir);
  // The store is compared by what it holds, each part under the name a backup gives it; its own files change with every read lock.
  if (await stat(join(dir, STORE_FILE)).then(() => true, () => false)) hashes.set(STORE_FILE, 'present');
  for (const name of Object.values(LEGACY_FILES)) {
    if (skip(name)) continue;
    const bytes = await readDataItem(dir, name);
    if (bytes !== null) hashes.set(name, sha256(bytes));
  }
  return hashes;
}

async function dataItem(dataDir: string, name: string): Promise<Buffer> {
  const bytes = await readDataItem(dataDir, name);
  assert.ok(bytes !== null, `${name} is kept`);
  return bytes;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function verifies(key: KeyRecord, message: Buffer, signature: Buffer): boolean {
  const hash = key.algorithm === 'ed25519' ? null : key.algorithm === 'ecdsa-p384' ? 'sha384' : 'sha256';
  return verify(hash, message, createPublicKey(key.publicKeyPem), signature);
}

test('a twin is made on a second token and cross-signed; a twin on the same token is refused', async () => {
  const token = made['token signer']!;
  await refused(app.recovery.twin(token.id, { modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, undefined, 'cli'), ['BadInput'], /another token/);
  await refused(app.recovery.twin(made.release!.id, { modulePath: SOFTHSM_MODULE, tokenLabel: 'recovery-twin' }, undefined, 'cli'), ['BadInput'], /software key/);
  const { twin, statement } = await app.recovery.twin(token.id, { modulePath: SOFTHSM_MODULE, tokenLabel: 'recovery-twin' }, undefined, 'cli');
  made['token signer twin'] = twin;
  assert.equal(twin.label, 'token signer twin');
  assert.equal(twin.algorithm, token.algorithm);
  assert.equal(twin.location.kind === 'pkcs11' && twin.location.tokenLabel, 'recovery-twin');
  const message = Buffer.from(canonicalJson(statement.statement));
  assert.deepEqual(statement.signatures.map((s) => s.keyFingerprint), [token.fingerprint, twin.fingerprint]);
  for (const [i, signer] of [token, twin].entries()) assert.ok(verifies(signer, message, Buffer.from(statement.signatures[i]!.signature, 'base64')), `${signer.label} signed the twin statement`);
  const onDisk = JSON.parse(await readFile(join(app.dataDir, 'keys', 'twins', `${token.id}--${twin.id}.json`), 'utf8')) as typeof statement;
  assert.deepEqual(onDisk, statement);
  assert.deepEqual(await app.recovery.twins(), [{ original: token.id, twin: twin.id, createdAt: new Date(clock).toISOString() }]);
  const [entry] = await call<AuditEntry[]>('audit.list', { action: 'backup.twin' });
  assert.equal(entry?.details.twin, twin.id);
});

test('a custodian backup holds the software keys and records, writes one sheet per custodian, and names what stays on tokens', async () => {
  const out = join(work, 'shared');
  shared = await backupToCustodians(out);
  const manifest = shared.manifest;
  assert.equal(manifest.format, 'signet-backup/v1');
  assert.deepEqual(manifest.unlock.kind === 'shares' && [manifest.unlock.threshold, manifest.unlock.custodians], [3, custodians]);
  const names = manifest.items.map((i) => i.name);
  for (const label of ['release', 'attest', 'archive', 'attest r2']) assert.ok(names.includes(`software-keys/${made[label]!.id}`), label);
  for (const name of ['software-keys/audit-key', 'keys/inventory.json', 'keys/revocations.json', 'keys/twins.json', 'policies/policies.json', 'audit/audit.jsonl', 'audit/audit-key.pem', 'settings.json', 'authority/authority.json']) {
    assert.ok(names.includes(name), name);
  }
  assert.ok(names.some((n) => n.startsWith('keys/rotations/')), 'the rotation statement');
  assert.ok(names.some((n) => n.startsWith('keys/twins/')), 'the twin statement');
  const inventoryItem = manifest.items.find((i) => i.name === 'keys/inventory.json')!;
  assert.equal(inventoryItem.kind, 'inventory');
  assert.equal(inventoryItem.sha256, sha256(await dataItem(app.dataDir, 'keys/inventory.json')));
  assert.ok(!names.includes(`software-keys/${made.legacy!.id}`), 'a revoked key is not carried');
  const token = manifest.notIncluded.find((n) => n.keyId === made['token signer']!.id);
  assert.match(token?.reason ?? '', /held non-extractable on token "recovery-hsm".*it cannot leave the token/);
  assert.match(token?.reason ?? '', /twin "token signer twin"/);
  assert.match(manifest.notIncluded.find((n) => n.keyId === made['token signer twin']!.id)?.reason ?? '', /held non-extractable on token "recovery-twin"/);
  assert.match(manifest.notIncluded.find((n) => n.keyId === made.legacy!.id)?.reason ?? '', /revoked \(keyCompromise\)/);

  assert.equal(shared.sheets.length, 5);
  const lines = new Set<string>();
  for (const [i, sheet] of shared.sheets.entries()) {
    const html = await readFile(sheet, 'utf8');
    assert.match(html, new RegExp(`held by <strong>${custodians[i]}</strong>`));
    const line = /signet-share-v1\.[^<\s]+/.exec(html)?.[0];
    assert.ok(line, `sheet ${i + 1} carries a share line`);
    lines.add(line);
  }
  assert.equal(lines.size, 5);
  assert.doesNotMatch(JSON.stringify(shared), /signet-share-v1/, 'no share crosses IPC');
  const file = await readFile(shared.backupFile);
  assert.doesNotMatch(file.toString('latin1'), /PRIVATE KEY|"keys":\[/, 'the keys and the inventory are not in the clear');
  assert.deepEqual(await call<BackupManifest>('recovery.inspect', { backupFile: shared.backupFile }), manifest);
  const shown = confirmations.shown.at(-1)!;
  assert.equal(shown.confirmLabel, 'Backup');
  assert.match(shown.facts.find((f) => f.label === 'Opens with')?.value ?? '', /any 3 of 5 custodians: alice, bob, carol, dave, erin/);
  const [entry] = await call<AuditEntry[]>('audit.list', { action: 'backup.create' });
  assert.equal(entry?.details.backupFile, shared.backupFile);
});

test('any 3 of the 5 sheets open the backup; 2 do not; a sheet from another backup is refused', async () => {
  const sheets = shared.sheets;
  for (const pick of [[0, 1, 2], [2, 3, 4], [0, 2, 4], [1, 3, 4], [4, 0, 3]]) {
    const intent = await opens(shared.backupFile, pick.map((i) => sheets[i]!));
    assert.match(intent.facts.find((f) => f.label === 'Opened with')?.value ?? '', new RegExp(`3 of 5 recovery sheets \\(${[...pick].sort().map((i) => custodians[i]).join(', ')}\\)`));
  }
  await refused(opens(shared.backupFile, [sheets[0]!, sheets[3]!]), ['Unauthorized'], /opens with 3 of its 5 shares; 2 distinct shares were given \(alice, dave\)/);
  await refused(opens(shared.backupFile, [sheets[0]!, sheets[3]!, sheets[3]!]), ['Unauthorized'], /2 distinct shares/);
  const other = await backupToCustodians(join(work, 'other'));
  await refused(opens(shared.backupFile, [sheets[0]!, sheets[1]!, other.sheets[2]!]), ['BadInput'], /belongs to another backup/);
  const typed = join(work, 'typed-share.txt');
  const line = /signet-share-v1\.[^<\s]+/.exec(await readFile(sheets[4]!, 'utf8'))![0];
  await writeFile(typed, `  ${line.slice(0, 40)}\n  ${line.slice(40)}\n`);
  await opens(shared.backupFile, [sheets[0]!, sheets[1]!, typed]);
  const last = line.at(-10) === 'A' ? 'B' : 'A';
  await writeFile(typed, `${line.slice(0, -10)}${last}${line.slice(-9)}\n`);
  await refused(opens(shared.backupFile, [sheets[0]!, sheets[1]!, typed]), ['BadInput'], /does not match its checksum: it was mistyped or altered/);
});

test('a flipped byte anywhere in the backup is detected, and nothing is overwritten', async () => {
  const before = await treeHashes(app.dataDir);
  const original = await readFile(shared.backupFile);
  const headerEnd = original.indexOf(0x0a, original.indexOf(0x0a) + 1) + 1;
  const positions = new Map<string, number>([
    ['the first line', 3],
    ['the manifest start', 18],
    ['a manifest hash', original.indexOf('"sha256":"') + 14],
    ['a custodian name', original.indexOf('"alice"') + 2],
    ['the creation time', original.indexOf('"createdAt":"') + 16],
    ['the manifest end', headerEnd - 3],
    ['the salt', headerEnd + 2],
    ['the nonce', headerEnd + 20],
    ['the key check', headerEnd + 40],
    ['the tag', headerEnd + 65],
    ['the ciphertext start', headerEnd + 80],
    ['the ciphertext middle', Math.floor((headerEnd + original.length) / 2)],
    ['the last byte', original.length - 1],
  ]);
  const shareFiles = shared.sheets.slice(0, 3);
  const tampered = join(work, 'tampered.signet-backup');
  for (const [where, at] of positions) {
    const copy = Buffer.from(original);
    copy[at] = copy[at]! ^ 0x01;
    await writeFile(tampered, copy);
    await refused(opens(tampered, shareFiles), ['BadInput', 'Unauthorized'], /altered|corrupted|not a Signet backup|not JSON|not a valid/);
    if (where === 'the ciphertext middle') {
      await refused(call('recovery.drill', { backupFile: tampered, shareFiles }), ['BadInput'], /was altered or corrupted/);
    }
  }
  await writeFile(tampered, original.subarray(0, original.length - 100));
  await refused(opens(tampered, shareFiles), ['BadInput'], /altered or corrupted/);

  // Changed between the review and the confirmation: the confirmation re-opens it and stops.
  await writeFile(tampered, original);
  const intent = await call<IntentView>('recovery.prepareRestore', { backupFile: tampered, shareFiles });
  const copy = Buffer.from(original);
  copy[original.length - 50] = copy[original.length - 50]! ^ 0x80;
  await writeFile(tampered, copy);
  await refused(call('recovery.confirmRestore', { intentId: intent.intentId }), ['BadInput'], /was altered or corrupted/);
  assert.deepEqual(await treeHashes(app.dataDir), before, 'the data folder is unchanged');
});

test('a passphrase backup (the CLI path): short and wrong passphrases fail clearly; the right one opens it', async () => {
  const out = join(work, 'passphrase');
  await refused(app.recovery.prepareBackup({ outputDir: out, passphrase: 'too short' }), ['BadInput'], /at least 12 characters/);
  await refused(app.recovery.prepareBackup({ outputDir: 'relative/folder', passphrase: 'correct horse battery' }), ['BadInput'], /absolute path/);
  const intent = await app.recovery.prepareBackup({ outputDir: out, passphrase: 'correct horse battery' });
  assert.doesNotMatch(JSON.stringify(intent), /correct horse/);
  const result = await app.recovery.confirmBackup(intent.intentId);
  assert.deepEqual(result.sheets, []);
  assert.deepEqual(result.manifest.unlock, { kind: 'passphrase', kdf: 'scrypt', N: 131072, r: 8, p: 1 });
  assert.doesNotMatch(await readFile(result.backupFile, 'latin1'), /correct horse/);
  await refused(app.recovery.prepareRestore({ backupFile: result.backupFile, passphrase: 'correct horse battery!' }), ['Unauthorized'], /The passphrase does not open .* Nothing was restored/);
  await refused(app.recovery.drill({ backupFile: result.backupFile, passphrase: 'wrong wrong wrong' }, 'cli'), ['Unauthorized'], /passphrase does not open/);
  await refused(opens(result.backupFile, shared.sheets.slice(0, 3)), ['BadInput'], /opens with a passphrase/);
  await refused(app.recovery.prepareRestore({ backupFile: shared.backupFile, passphrase: 'correct horse battery' }), ['BadInput'], /recovery sheets/);
  const opened = await app.recovery.prepareRestore({ backupFile: result.backupFile, passphrase: 'correct horse battery' });
  assert.equal(opened.facts.find((f) => f.label === 'Opened with')?.value, 'the passphrase typed at the terminal');
  assert.ok(app.intents.discard(opened.intentId));
});

test('a drill restores every software key into fresh stores, signs and verifies, is audited, and leaves live keys and keychain untouched', async () => {
  clock += 60_000;
  const isLive = (name: string) => !name.startsWith('audit') && !name.startsWith('recovery');
  const before = await treeHashes(app.dataDir, (name) => !isLive(name));
  const live = new OsKeychain();
  const dataKey = await live.get('software-keys-data-key');
  assert.ok(dataKey, 'the live data key is in the keychain');
  const liveTokens = await readdir(join(dirname(hsm.conf), 'tokens'));

  const drill = await call<DrillResult>('recovery.drill', { backupFile: shared.backupFile, shareFiles: [shared.sheets[1]!, shared.sheets[2]!, shared.sheets[4]!] });
  assert.equal(drill.passed, true, JSON.stringify(drill.keys));
  const drilled = drill.keys.map((k) => k.label).sort();
  assert.deepEqual(drilled, ['Recovery Test intermediate CA', 'Recovery Test root CA', 'archive', 'attest', 'attest r2', 'release']);
  for (const key of drill.keys) assert.match(key.reason, /verifies with the published public key .*Then, placed on a fresh SoftHSM token, it signed there too, and that signature verifies/);
  assert.match(drill.freshToken, /^A fresh SoftHSM token "signet-drill-[0-9a-f]{8}" \(serial \w+\) was made in a temporary folder by a process of its own/);
  assert.deepEqual(await readdir(join(dirname(hsm.conf), 'tokens')), liveTokens, 'the live SoftHSM store gained no token');
  assert.ok(drill.notIncluded.some((n) => n.keyId === made['token signer']!.id));
  assert.equal(drill.at, new Date(clock).toISOString());

  assert.deepEqual(await treeHashes(app.dataDir, (name) => !isLive(name)), before, 'live keys, inventory and records are unchanged');
  assert.equal(await live.get('software-keys-data-key'), dataKey, 'the live data key is unchanged');
  const [entry] = await call<AuditEntry[]>('audit.list', { action: 'backup.drill' });
  assert.equal(entry?.details.passed, true);
  assert.deepEqual((entry?.details.keys as { keyId: string; passed: boolean }[]).map((k) => [k.keyId, k.passed]), drill.keys.map((k) => [k.keyId, true]));
  const service = String(entry?.details.keychainService);
  assert.match(service, /^dev\.signet\.drill\.[0-9a-f]{12}$/);
  assert.equal(await new OsKeychain(service).get('software-keys-data-key'), null, "the drill's keychain entry was deleted");

  const status = await call<{ keyId: string; lastPassed: string | null; lastFailed: string | null }[]>('recovery.drills', {});
  for (const key of drill.keys) assert.deepEqual(status.find((s) => s.keyId === key.keyId), { keyId: key.keyId, lastPassed: drill.at, lastFailed: null });
  assert.ok(!status.some((s) => s.keyId === made['token signer']!.id), 'token keys are not drilled');
});

test('backup, wipe the data folder and the keychain data key, restore: keys sign against their old public keys and records come back byte for byte', async () => {
  clock += 60_000;
  const dataDir = app.dataDir;
  const backup = await backupToCustodians(join(work, 'full'));
  const records = ['keys/inventory.json', 'keys/revocations.json', 'keys/twins.json', 'policies/policies.json', 'settings.json', 'authority/authority.json', 'audit/audit-key.pem'];
  const saved = new Map<string, Buffer>();
  for (const name of [...records, 'audit/audit.jsonl']) saved.set(name, await dataItem(dataDir, name));
  const keysBefore = await app.keys.list();
  const policiesBefore = await app.policies.list();
  const settingsBefore = await app.settings.get();

  await app.close();
  await rm(dataDir, { recursive: true, force: true });
  assert.equal(await new OsKeychain().remove('software-keys-data-key'), true);
  const fresh = createApp({ host: 'cli', probes: quietProbes, confirmations, now: () => new Date(clock), env: { ...process.env, SIGNET_HOME: dataDir } });
  app = { ...fresh, cleanup: async () => { await fresh.close(); await rm(dataDir, { recursive: true, force: true }); } };
  assert.deepEqual(await app.keys.list(), []);

  const shareFiles = [backup.sheets[4]!, backup.sheets[0]!, backup.sheets[2]!];
  confirmations.answer = false;
  const declined = await call<IntentView>('recovery.prepareRestore', { backupFile: backup.backupFile, shareFiles });
  await refused(call('recovery.confirmRestore', { intentId: declined.intentId }), ['Cancelled'], /declined/);
  assert.deepEqual(await treeHashes(dataDir), new Map(), 'a declined restore writes nothing');
  confirmations.answer = true;

  const intent = await call<IntentView>('recovery.prepareRestore', { backupFile: backup.backupFile, shareFiles });
  assert.match(intent.facts.find((f) => f.label.startsWith('Software keys restored'))?.value ?? '', /release/);
  const restored = await call<RestoreResult>('recovery.confirmRestore', { intentId: intent.intentId });
  assert.equal(confirmations.shown.at(-1)?.confirmLabel, 'Restore');
  for (const label of ['release', 'attest', 'archive', 'attest r2']) assert.ok(restored.restoredKeys.includes(made[label]!.id), label);
  assert.ok(restored.notIncluded.some((n) => n.keyId === made['token signer']!.id));

  for (const name of records) assert.ok(saved.get(name)!.equals(await dataItem(dataDir, name)), `${name} is back byte for byte`);
  const audit = await dataItem(dataDir, 'audit/audit.jsonl');
  const auditItem = backup.manifest.items.find((i) => i.name === 'audit/audit.jsonl')!;
  assert.equal(sha256(audit.subarray(0, auditItem.bytes)), auditItem.sha256, 'the audit log is back byte for byte');
  assert.ok(saved.get('audit/audit.jsonl')!.subarray(0, auditItem.bytes).equals(audit.subarray(0, auditItem.bytes)));
  const added = audit.subarray(auditItem.bytes).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEntry);
  assert.deepEqual(added.map((e) => e.action), ['backup.restore']);
  const verification = await app.audit.verify();
  assert.equal(verification.ok, true, JSON.stringify(verification.firstBad));
  assert.ok(verification.checkpoints >= 1);

  const keysAfter = await app.keys.list();
  assert.deepEqual(keysAfter.map((k) => [k.id, k.fingerprint, k.status]), keysBefore.map((k) => [k.id, k.fingerprint, k.status]));
  for (const old of keysBefore.filter((k) => k.status === 'active' && k.location.kind === 'software')) {
    const message = Buffer.from(`after the restore ${old.id}`);
    const { signature } = await app.keys.sign(old.id, { payload: message }, 'cli');
    assert.ok(verifies(old, message, signature), `${old.label} signs and verifies against its old public key`);
  }
  const token = keysBefore.find((k) => k.id === made['token signer']!.id)!;
  const { signature } = await app.keys.sign(token.id, { payload: Buffer.from('still on the token') }, 'cli');
  assert.ok(verifies(token, Buffer.from('still on the token'), signature), 'the token key was never in the backup and still signs');
  assert.deepEqual(await app.policies.list(), policiesBefore);
  assert.deepEqual(await app.settings.get(), settingsBefore);
  assert.equal((await app.authority.view()).exists, true);
  assert.ok((await app.keys.revocationList('cli')).signature);
});

test('a drill fails for a key destroyed since the backup, and the drill status keeps both outcomes', async () => {
  clock += 60_000;
  const backup = await backupToCustodians(join(work, 'before-destroy'));
  const passedAt = (await call<DrillResult>('recovery.drill', { backupFile: backup.backupFile, shareFiles: backup.sheets.slice(0, 3) })).at;
  clock += 60_000;
  await app.keys.destroy(made.archive!.id, 'cli');
  const later = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'made after the backup' });
  const drill = await call<DrillResult>('recovery.drill', { backupFile: backup.backupFile, shareFiles: backup.sheets.slice(2) });
  assert.equal(drill.passed, false);
  const archive = drill.keys.find((k) => k.keyId === made.archive!.id);
  assert.equal(archive?.passed, false);
  assert.match(archive?.reason ?? '', /publishes no public key/);
  const missing = drill.keys.find((k) => k.keyId === later.id);
  assert.equal(missing?.passed, false);
  assert.match(missing?.reason ?? '', /this backup does not hold/);
  assert.ok(drill.keys.filter((k) => k.keyId !== made.archive!.id && k.keyId !== later.id).every((k) => k.passed));
  const status = await call<{ keyId: string; lastPassed: string | null; lastFailed: string | null }[]>('recovery.drills', {});
  assert.deepEqual(status.find((s) => s.keyId === made.release!.id), { keyId: made.release!.id, lastPassed: drill.at, lastFailed: null });
  assert.deepEqual(status.find((s) => s.keyId === later.id), { keyId: later.id, lastPassed: null, lastFailed: drill.at });
  assert.ok(!status.some((s) => s.keyId === made.archive!.id), 'a destroyed key is no longer listed');
  assert.notEqual(passedAt, drill.at);
  const [entry] = await call<AuditEntry[]>('audit.list', { action: 'backup.drill' });
  assert.equal(entry?.details.passed, false);
});
