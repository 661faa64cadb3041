import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { BackupKey, BackupResult, DrillResult, RestoreResult } from '../../shared/model/recovery.model.ts';
import { quietProbes, createTestApp, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import { callChannel, refused } from '../support/dispatch.ts';
import type { IntentView } from '../../shared/model/intent.model.ts';

const LIVE = 'wrap-live';
const BACKUP = 'wrap-backup';
let hsm: SoftHsm;
let keychain: Keychain;
let app: TestApp;
let work: string;
const confirmations = new ScriptedConfirmation();
const custodians = ['alice', 'bob', 'carol'];
const made: Record<string, KeyRecord> = {};
/** Every algorithm a token key can have, made wrappable on the live token. */
const WRAPPED = ['wrapped', 'rsa', 'p384'];
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
  made.p384 = await call<KeyRecord>('keys.generate', { backend: onLive, algorithm: 'ecdsa-p384', label: 'wrapped p384', wrappable: true });
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

function fact(intent: IntentView, prefix: string): string {
  const found = intent.facts.find((f) => f.label.startsWith(prefix));
  assert.ok(found, `a fact starting with "${prefix}"`);
  return found.value;
}

async function objectsOn(tokenLabel: string) {
  return (await app.keys.openToken({ modulePath: SOFTHSM_MODULE, tokenLabel }, 'List keys in a test.')).listKeys();
}

test('wrappable is refused for software and TPM keys, and for a key type the token cannot wrap; nothing is added to the inventory or left on the token', async () => {
  const before = (await app.keys.list()).length;
  const onToken = (await objectsOn(LIVE)).length;
  await refused(
    call('keys.generate', { backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: LIVE }, algorithm: 'ed25519', label: 'ed wrap', wrappable: true }),
    'BadInput',
    /Token "wrap-live" makes Ed25519 keys but cannot wrap them \(.*CKR_KEY_NOT_WRAPPABLE.*\), so a wrappable one could never be backed up; the key was removed again/,
  );
  assert.equal((await objectsOn(LIVE)).length, onToken, 'the refused key is not left on the token');
  await refused(call('keys.generate', { backend: { kind: 'software' }, label: 'soft wrap', wrappable: true }), 'BadInput', /Only a token key/);
  await refused(call('keys.generate', { backend: { kind: 'pkcs11', modulePath: '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so', tokenLabel: 'tpm' }, label: 'tpm wrap', wrappable: true }), 'BadInput', /never leaves the TPM/);
  assert.equal((await app.keys.list()).length, before);
  assert.equal(made.wrapped!.location.kind === 'pkcs11' && made.wrapped!.location.wrappable, true);
  assert.equal(made.stuck!.location.kind === 'pkcs11' && made.stuck!.location.wrappable, undefined);
});

test('without a backup key a wrappable key stays out of the backup, and the facts say how to make one', async () => {
  assert.equal(await call('recovery.backupKey', {}), null);
  const intent = await call<IntentView>('recovery.prepareBackup', { outputDir: work, custodians: { threshold: 2, names: custodians } });
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
  const intent = await call<IntentView>('recovery.prepareBackup', { outputDir: work, custodians: { threshold: 2, names: custodians } });
  const wrapped = fact(intent, 'Token keys, wrapped (3)');
  assert.match(wrapped, /wrapped signer/);
  assert.match(wrapped, new RegExp(`under the backup key on token "${BACKUP}"`));
  backup = await call<BackupResult>('recovery.confirmBackup', { intentId: intent.intentId });
  const items = backup.manifest.items.filter((i) => i.kind === 'wrapped-key').map((i) => i.name).sort();
  assert.deepEqual(items, WRAPPED.map((name) => `wrapped-keys/${made[name]!.id}`).sort());
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
  for (const name of WRAPPED) {
    const outcome = result.keys.find((k) => k.keyId === made[name]!.id);
    assert.equal(outcome?.passed, true, `${name}: ${outcome?.reason}`);
    assert.match(outcome?.reason ?? '', new RegExp(`unwrapped by the backup key on token "${BACKUP}" into an object that lived only for the drill`));
  }
  assert.deepEqual((await objectsOn(BACKUP)).map((k) => k.objectId.toString('hex')), [backupKey.objectId], 'the drill objects are gone');
  const drills = await call<{ keyId: string; lastPassed: string | null }[]>('recovery.drills', {});
  assert.ok(drills.find((d) => d.keyId === made.wrapped!.id)?.lastPassed, 'the Keys screen shows the drill for the token key');
});

test('the keys lost from their token come back on the backup key token and sign for their old public keys; the ones still there are left alone', async () => {
  const lost = [made.wrapped!, made.p384!];
  const live = await app.keys.openToken({ modulePath: SOFTHSM_MODULE, tokenLabel: LIVE }, 'Use the live token in a test.');
  const objectIdOf = (key: KeyRecord) => (key.location.kind === 'pkcs11' ? key.location.objectId : '');
  for (const key of lost) assert.equal(await live.destroy(Buffer.from(objectIdOf(key), 'hex')), 2);
  const intent = await call<IntentView>('recovery.prepareRestore', { backupFile: backup.backupFile, shareFiles: backup.sheets.slice(1, 3) });
  assert.match(fact(intent, 'Token keys, wrapped (3)'), new RegExp(`unwrapped onto the backup key's token "${BACKUP}"`));
  const result = await call<RestoreResult>('recovery.confirmRestore', { intentId: intent.intentId });
  const outcome = (id: string) => result.tokenKeys.find((k) => k.keyId === id)?.outcome ?? '';
  const message = Buffer.from('release 1.2.3');
  for (const key of lost) {
    assert.match(outcome(key.id), new RegExp(`no longer holds it; unwrapped onto the backup key's token "${BACKUP}"`));
    const moved = await app.keys.get(key.id);
    assert.equal(moved.location.kind === 'pkcs11' && moved.location.tokenLabel, BACKUP);
    assert.equal(moved.location.kind === 'pkcs11' && moved.location.objectId, objectIdOf(key));
    assert.equal(moved.fingerprint, key.fingerprint);
    const { signature } = await app.keys.sign(key.id, { payload: message }, 'cli');
    assert.ok(verify(key.algorithm === 'ecdsa-p384' ? 'sha384' : 'sha256', message, createPublicKey(key.publicKeyPem), signature), `the restored ${key.algorithm} key signs for its published public key`);
  }
  const kept = made.rsa!;
  assert.match(outcome(kept.id), /still on its token "wrap-live"; left as it is/);
  const { signature } = await app.keys.sign(kept.id, { payload: message }, 'cli');
  assert.ok(verify('sha256', message, createPublicKey(kept.publicKeyPem), signature));
  const relocated = await call<AuditEntry[]>('audit.list', { action: 'key.relocate' });
  assert.deepEqual(relocated.map((e) => e.subject).sort(), lost.map((k) => k.id).sort());
  assert.deepEqual(await app.keys.reconcile(), [], 'the inventory matches both tokens after the restore');
});
