import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { BackupKey, BackupResult, DrillResult, RecoveryIntentView, RestoreResult } from '../../shared/model/recovery.model.ts';
import { quietProbes, createTestApp, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import { callChannel, refused } from '../support/dispatch.ts';

const LIVE = 'wrap-live';
const BACKUP = 'wrap-backup';
let hsm: SoftHsm;
let keychain: Keychain;
let app: TestApp;
let work: string;
const confirmations = new ScriptedConfirmation();
const custodians = ['alice', 'bob', 'carol'];
const made: Record<string, KeyRecord> = {};
let backup: BackupResult;
let backupKey: BackupKey;

before(async () => {
  hsm = await startSoftHsm(LIVE, [BACKUP]);
  keychain = await startKeychain();
  work = await mkdtemp(join(tmpdir(), 'signet-wrap-'));
  app = await createTestApp({ probes: quietProbes, confirmations });
  for (const token of [LIVE, BACKUP]) await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: token }, hsm.userPin);
  const onLive = { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: LIVE };
  made.wrapped = await call<KeyRecord>('keys.generate', { backend: onLive, algorithm: 'ecdsa-p256', label: 'wrapped signer', wrappable: true });
  made.rsa = await call<KeyRecord>('keys.generate', { backend: onLive, algorithm: 'rsa-3072', label: 'wrapped rsa', wrappable: true });
  made.stuck = await call<KeyRecord>('keys.generate', { backend: onLive, algorithm: 'ecdsa-p256', label: 'stuck signer' });
});

after(async () => {
  await app?.cleanup();
  await keychain?.stop();
  await hsm?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function call<T>(channel: string, input: unknown): Promise<T> {
  return callChannel<T>(app, channel, input);
}

function fact(intent: RecoveryIntentView, prefix: string): string {
  const found = intent.facts.find((f) => f.label.startsWith(prefix));
  assert.ok(found, `a fact starting with "${prefix}"`);
  return found.value;
}

async function objectsOn(tokenLabel: string) {
  return (await app.keys.openToken({ modulePath: SOFTHSM_MODULE, tokenLabel }, 'List keys in a test.')).listKeys();
}

test('wrappable is refused for software and TPM keys, and nothing is added to the inventory', async () => {
  const before = (await app.keys.list()).length;
  await refused(call('keys.generate', { backend: { kind: 'software' }, label: 'soft wrap', wrappable: true }), 'BadInput', /Only a token key/);
  await refused(call('keys.generate', { backend: { kind: 'pkcs11', modulePath: '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so', tokenLabel: 'tpm' }, label: 'tpm wrap', wrappable: true }), 'BadInput', /never leaves the TPM/);
  assert.equal((await app.keys.list()).length, before);
  assert.equal(made.wrapped!.location.kind === 'pkcs11' && made.wrapped!.location.wrappable, true);
  assert.equal(made.stuck!.location.kind === 'pkcs11' && made.stuck!.location.wrappable, undefined);
});

test('without a backup key a wrappable key stays out of the backup, and the facts say how to make one', async () => {
  assert.equal(await call('recovery.backupKey', {}), null);
  const intent = await call<RecoveryIntentView>('recovery.prepareBackup', { outputDir: work, custodians: { threshold: 2, names: custodians } });
  app.intents.discard(intent.intentId);
  const missing = fact(intent, 'Keys not included');
  assert.match(missing, /wrapped signer .*no backup key to wrap it under yet: make one on a second token/);
  assert.match(missing, /stuck signer .*held non-extractable/);
  assert.equal(fact(intent, 'Token keys, wrapped'), 'none');
});

test('the backup key is made once, on another token than the wrappable keys, and is not a signing key', async () => {
  await refused(call('recovery.createBackupKey', { modulePath: SOFTHSM_MODULE, tokenLabel: LIVE }), 'BadInput', /holds wrappable signing keys/);
  backupKey = await call<BackupKey>('recovery.createBackupKey', { modulePath: SOFTHSM_MODULE, tokenLabel: BACKUP });
  assert.equal(backupKey.tokenLabel, BACKUP);
  assert.match(createPublicKey(backupKey.publicKeyPem).asymmetricKeyType ?? '', /^rsa$/);
  assert.equal(createPublicKey(backupKey.publicKeyPem).asymmetricKeyDetails?.modulusLength, 3072);
  await refused(call('recovery.createBackupKey', { modulePath: SOFTHSM_MODULE, tokenLabel: BACKUP }), 'Conflict', /already exists/);
  assert.deepEqual(await call('recovery.backupKey', {}), backupKey);
  const onBackup = await objectsOn(BACKUP);
  assert.deepEqual(onBackup.map((k) => [k.objectId.toString('hex'), k.canSign, k.extractable]), [[backupKey.objectId, false, false]]);
  assert.deepEqual(await call('keys.discover', { modulePath: SOFTHSM_MODULE, tokenLabel: BACKUP }), [], 'discovery offers no backup key for adoption');
  assert.deepEqual(await app.keys.reconcile(), [], 'the backup key is no difference for the inventory');
  const [entry] = await call<AuditEntry[]>('audit.list', { action: 'backup.key' });
  assert.equal(entry?.details.fingerprint, backupKey.fingerprint);
});

test('a backup holds each wrappable token key wrapped under the backup key, and names the one that cannot leave', async () => {
  const intent = await call<RecoveryIntentView>('recovery.prepareBackup', { outputDir: work, custodians: { threshold: 2, names: custodians } });
  const wrapped = fact(intent, 'Token keys, wrapped (2)');
  assert.match(wrapped, /wrapped signer/);
  assert.match(wrapped, new RegExp(`under the backup key on token "${BACKUP}"`));
  backup = await call<BackupResult>('recovery.confirmBackup', { intentId: intent.intentId });
  const items = backup.manifest.items.filter((i) => i.kind === 'wrapped-key').map((i) => i.name).sort();
  assert.deepEqual(items, [`wrapped-keys/${made.wrapped!.id}`, `wrapped-keys/${made.rsa!.id}`].sort());
  assert.ok(backup.manifest.items.some((i) => i.name === 'recovery/backup-key.json'));
  assert.deepEqual(backup.manifest.notIncluded.map((n) => n.keyId), [made.stuck!.id]);
  const bytes = await readFile(backup.backupFile, 'utf8');
  assert.doesNotMatch(bytes, /wrappedSecret/, 'the wrapped keys sit inside the encrypted body, not in the readable manifest');
  const token = await app.keys.openToken({ modulePath: SOFTHSM_MODULE, tokenLabel: LIVE }, 'Use the live token in a test.');
  await refused(token.wrapPrivateKey(Buffer.from(made.stuck!.location.kind === 'pkcs11' ? made.stuck!.location.objectId : '', 'hex'), createPublicKey(backupKey.publicKeyPem).export({ type: 'spki', format: 'der' })), 'BadInput', /not extractable/);
});

test('a drill unwraps each token key on the backup key token only for the drill, signs and verifies, and leaves nothing behind', async () => {
  const result = await call<DrillResult>('recovery.drill', { backupFile: backup.backupFile, shareFiles: backup.sheets.slice(0, 2) });
  assert.equal(result.passed, true, JSON.stringify(result.keys));
  for (const id of [made.wrapped!.id, made.rsa!.id]) {
    const outcome = result.keys.find((k) => k.keyId === id);
    assert.equal(outcome?.passed, true);
    assert.match(outcome?.reason ?? '', new RegExp(`unwrapped by the backup key on token "${BACKUP}" into an object that lived only for the drill`));
  }
  assert.deepEqual((await objectsOn(BACKUP)).map((k) => k.objectId.toString('hex')), [backupKey.objectId], 'the drill objects are gone');
  const drills = await call<{ keyId: string; lastPassed: string | null }[]>('recovery.drills', {});
  assert.ok(drills.find((d) => d.keyId === made.wrapped!.id)?.lastPassed, 'the Keys screen shows the drill for the token key');
});

test('the key lost from its token comes back on the backup key token and signs for its old public key; the one still there is left alone', async () => {
  const lost = made.wrapped!;
  const objectId = lost.location.kind === 'pkcs11' ? lost.location.objectId : '';
  assert.equal(await (await app.keys.openToken({ modulePath: SOFTHSM_MODULE, tokenLabel: LIVE }, 'Use the live token in a test.')).destroy(Buffer.from(objectId, 'hex')), 2);
  const intent = await call<RecoveryIntentView>('recovery.prepareRestore', { backupFile: backup.backupFile, shareFiles: backup.sheets.slice(1, 3) });
  assert.match(fact(intent, 'Token keys, wrapped (2)'), new RegExp(`unwrapped onto the backup key's token "${BACKUP}"`));
  const result = await call<RestoreResult>('recovery.confirmRestore', { intentId: intent.intentId });
  const outcome = (id: string) => result.tokenKeys.find((k) => k.keyId === id)?.outcome ?? '';
  assert.match(outcome(lost.id), new RegExp(`no longer holds it; unwrapped onto the backup key's token "${BACKUP}"`));
  assert.match(outcome(made.rsa!.id), /still on its token "wrap-live"; left as it is/);
  const moved = await app.keys.get(lost.id);
  assert.equal(moved.location.kind === 'pkcs11' && moved.location.tokenLabel, BACKUP);
  assert.equal(moved.location.kind === 'pkcs11' && moved.location.objectId, objectId);
  assert.equal(moved.fingerprint, lost.fingerprint);
  const message = Buffer.from('release 1.2.3');
  const { signature } = await app.keys.sign(lost.id, { payload: message }, 'cli');
  assert.ok(verify('sha256', message, createPublicKey(lost.publicKeyPem), signature), 'the restored key signs for its published public key');
  const rsa = await app.keys.sign(made.rsa!.id, { payload: message }, 'cli');
  assert.ok(verify('sha256', message, createPublicKey(made.rsa!.publicKeyPem), rsa.signature));
  const [relocated] = await call<AuditEntry[]>('audit.list', { action: 'key.relocate' });
  assert.equal(relocated?.subject, lost.id);
  assert.deepEqual(await app.keys.reconcile(), [], 'the inventory matches both tokens after the restore');
});
