import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyRecord, KeyIntentView } from '../../shared/model/keys.model.ts';
import type { AuditEntry, AuditVerification } from '../../shared/model/audit.model.ts';
import { parsePkcs11Uri } from '../../main/keys/pkcs11-uri.ts';
import { readDataItemText } from '../../main/storage/data-items.ts';
import { Pkcs11jsDriver } from '../../main/platform/pkcs11.adapter.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import { callChannel, designateAdminKey } from '../support/dispatch.ts';

let hsm: SoftHsm;
let keychain: Keychain;
let app: TestApp;
let clock = Date.parse('2026-11-21T12:00:00Z');
const confirmations = new ScriptedConfirmation();
const hsmBackend = () => ({ kind: 'pkcs11' as const, modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label });

before(async () => {
  hsm = await startSoftHsm('keys-hsm', ['second-token']);
  keychain = await startKeychain();
  app = await createTestApp({ probes: quietProbes, confirmations, now: () => new Date(clock) });
  await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, hsm.userPin);
});

after(async () => {
  await app?.cleanup();
  await keychain?.stop();
  await hsm?.cleanup();
});

async function call<T>(channel: string, input: unknown): Promise<T> {
  return callChannel<T>(app, channel, input, 'cli');
}

// The admin key is designated through the confirmed key action, as the Keys screen and the CLI do.
const designateAdmin = (keyId: string) => designateAdminKey(app, keyId, 'cli');

async function refused(channel: string, input: unknown, code: string, pattern?: RegExp): Promise<void> {
  const result = await app.dispatch(channel, input, { host: 'cli' });
  assert.equal(result.ok, false, `${channel} should have been refused`);
  if (!result.ok) {
    assert.equal(result.error.code, code, result.error.message);
    if (pattern) assert.match(result.error.message, pattern);
  }
}

async function inventoryText(): Promise<string> {
  const text = await readDataItemText(app.dataDir, 'keys/inventory.json');
  assert.ok(text !== null, 'the inventory is stored');
  return text;
}

function verifies(key: KeyRecord, message: Buffer, signature: Buffer): boolean {
  const hash = key.algorithm === 'ed25519' ? null : key.algorithm === 'ecdsa-p384' ? 'sha384' : 'sha256';
  return verify(hash, message, createPublicKey(key.publicKeyPem), signature);
}

test('keys are generated on the HSM and as sealed software keys, in every algorithm, and their signatures verify', async () => {
  const made: KeyRecord[] = [];
  for (const algorithm of ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa-3072'] as const) {
    made.push(await call('keys.generate', { backend: hsmBackend(), algorithm, label: `hsm ${algorithm}` }));
  }
  for (const algorithm of ['ecdsa-p256', 'ed25519'] as const) {
    made.push(await call('keys.generate', { backend: { kind: 'software' }, algorithm, label: `soft ${algorithm}` }));
  }
  for (const key of made) {
    const spki = createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' });
    assert.equal(key.fingerprint, createHash('sha256').update(spki).digest('hex'));
    const message = Buffer.from(`release ${key.id}`);
    const { signature } = await app.keys.sign(key.id, { payload: message }, 'cli');
    assert.ok(verifies(key, message, signature), `${key.label} signature verifies`);
  }
  const hsmKey = made[0]!;
  assert.equal(hsmKey.location.kind, 'pkcs11');
  if (hsmKey.location.kind === 'pkcs11') {
    const uri = parsePkcs11Uri(hsmKey.location.uri);
    assert.equal(uri.token, hsm.label);
    assert.equal(uri.id?.toString('hex'), hsmKey.location.objectId);
    assert.equal(uri.modulePath, SOFTHSM_MODULE);
  }
  const sealed = await readFile(join(app.dataDir, 'keys', 'software', `${made[4]!.id}.sealed.json`), 'utf8');
  assert.doesNotMatch(sealed, /PRIVATE KEY/, 'the software key is not stored in the clear');
});

test('a digest is signed as cosign expects: DER ECDSA over the SHA-256 of the payload', async () => {
  const key = await call<KeyRecord>('keys.generate', { backend: hsmBackend(), label: 'digest signer' });
  const payload = Buffer.from('{"critical":{}}');
  const digest = createHash('sha256').update(payload).digest();
  const { signature } = await app.keys.sign(key.id, { digest }, 'cli');
  assert.equal(signature[0], 0x30, 'ASN.1 SEQUENCE');
  assert.ok(verify('sha256', payload, createPublicKey(key.publicKeyPem), signature));
  await assert.rejects(app.keys.sign(key.id, { digest: digest.subarray(1) }, 'cli'), /32 bytes/);
  await assert.rejects(app.keys.exportCosignKey(key.id, 'long enough password', 'cli'), /cannot be exported/);
});

test('a batch of digests is signed on one session and recorded as one audit entry listing each digest', async () => {
  const key = await call<KeyRecord>('keys.generate', { backend: hsmBackend(), label: 'bulk signer' });
  const payloads = Array.from({ length: 25 }, (_, i) => Buffer.from(`manifest ${i}`));
  const digests = payloads.map((p) => createHash('sha256').update(p).digest());
  const signatures = await app.keys.signDigests(key.id, digests, 'cli');
  assert.equal(signatures.length, 25);
  signatures.forEach((signature, i) => assert.ok(verify('sha256', payloads[i]!, createPublicKey(key.publicKeyPem), signature), `signature ${i}`));
  const [entry] = await call<AuditEntry[]>('audit.list', { action: 'key.signBatch', subject: key.id });
  assert.equal((entry?.details.digests as string[]).length, 25);
  assert.equal((await app.keys.get(key.id)).signatureCount, 25);
  await assert.rejects(app.keys.signDigests(key.id, [Buffer.alloc(31)], 'cli'), /32 bytes/);
});

test('duplicate labels, unknown modules and tokens, and bad dates are refused and change nothing', async () => {
  const before = await inventoryText();
  await refused('keys.generate', { backend: hsmBackend(), label: 'HSM ECDSA-P256' }, 'Conflict', /already exists/);
  await refused('keys.generate', { backend: { kind: 'pkcs11', modulePath: '/nonexistent/libvendor.so', tokenLabel: 'x' }, label: 'nowhere' }, 'Unauthorized', /No PIN is remembered/);
  await app.pins.remember({ modulePath: '/nonexistent/libvendor.so', tokenLabel: 'x' }, '1234');
  await refused('keys.generate', { backend: { kind: 'pkcs11', modulePath: '/nonexistent/libvendor.so', tokenLabel: 'x' }, label: 'nowhere' }, 'NotFound', /No readable PKCS#11 module/);
  await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: 'no such token' }, '1234');
  await refused('keys.generate', { backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: 'no such token' }, label: 'nowhere' }, 'NotFound', /No token labelled/);
  await refused('keys.generate', { backend: { kind: 'software' }, label: 'past', notAfter: '2020-01-01T00:00:00Z' }, 'BadInput', /past/);
  await refused('keys.generate', { backend: { kind: 'software' }, label: '../../etc' }, 'BadInput');
  await refused('keys.generate', { backend: { kind: 'software' }, algorithm: 'dsa-1024', label: 'old' }, 'BadInput');
  assert.equal(await inventoryText(), before);
});

test('a wrong PIN is reported once and never tried again by itself', async () => {
  {
    const selector = { modulePath: SOFTHSM_MODULE, tokenLabel: 'second-token' };
    await app.pins.remember(selector, '9999');
    const before = await inventoryText();
    await refused('keys.generate', { backend: { kind: 'pkcs11', ...selector }, label: 'second' }, 'Unauthorized', /PIN is wrong/);
    await refused('keys.generate', { backend: { kind: 'pkcs11', ...selector }, label: 'second' }, 'Unauthorized', /refused before/);
    assert.equal(await inventoryText(), before);
    const report = await new Pkcs11jsDriver().inspect(SOFTHSM_MODULE);
    const token = report.slots.find((s) => s.token?.label === 'second-token')?.token;
    assert.equal(token?.userPinLocked, false);
    assert.ok(token, 'the second token is listed');
  }
});

test('an expired key cannot sign', async () => {
  const key = await call<KeyRecord>('keys.generate', { backend: hsmBackend(), label: 'short lived', notAfter: new Date(clock + 60_000).toISOString() });
  await app.keys.sign(key.id, { payload: Buffer.from('ok') }, 'cli');
  clock += 120_000;
  await assert.rejects(app.keys.sign(key.id, { payload: Buffer.from('late') }, 'cli'), (e: { code?: string }) => e.code === 'Expired');
});

test('rotation: both keys sign the statement, the old key signs through the overlap and then retires', async () => {
  const old = await call<KeyRecord>('keys.generate', { backend: hsmBackend(), label: 'release' });
  const intent = await call<KeyIntentView>('keys.prepare', { action: 'rotate', keyId: old.id, overlapDays: 2 });
  assert.ok(intent.facts.some((f) => f.value === old.fingerprint), 'the intent names the fingerprint');
  const successor = await call<KeyRecord>('keys.confirm', { intentId: intent.intentId });
  assert.equal(successor.predecessor, old.id);
  assert.equal(successor.label, 'release r2');
  assert.equal(confirmations.shown.at(-1)?.title, 'Rotate signing key');
  await refused('keys.confirm', { intentId: intent.intentId }, 'Conflict', /already/);
  const statementFile = join(app.dataDir, 'keys', 'rotations', `${old.id}--${successor.id}.json`);
  const signed = JSON.parse(await readFile(statementFile, 'utf8')) as { statement: Record<string, unknown>; signatures: { keyFingerprint: string; signature: string }[] };
  const { canonicalJson } = await import('../../main/encoding/canonical-json.ts');
  const message = Buffer.from(canonicalJson(signed.statement));
  for (const key of [old, successor]) {
    const entry = signed.signatures.find((s) => s.keyFingerprint === key.fingerprint);
    assert.ok(entry && verifies(key, message, Buffer.from(entry.signature, 'base64')), `${key.label} signed the statement`);
  }
  const exported = await call<{ text: string }>('keys.rotationStatement', { keyId: successor.id });
  assert.deepEqual(JSON.parse(exported.text), signed);
  await app.keys.sign(old.id, { payload: Buffer.from('during overlap') }, 'cli');
  clock += 3 * 86_400_000;
  await assert.rejects(app.keys.sign(old.id, { payload: Buffer.from('after overlap') }, 'cli'), /retired/);
  await app.keys.sign(successor.id, { payload: Buffer.from('new key') }, 'cli');
});

test('an intent expires, and a declined confirmation does nothing', async () => {
  const key = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'declined' });
  confirmations.answer = false;
  const declined = await call<KeyIntentView>('keys.prepare', { action: 'revoke', keyId: key.id, reason: 'superseded', invalidSince: new Date(clock).toISOString() });
  await refused('keys.confirm', { intentId: declined.intentId }, 'Cancelled');
  confirmations.answer = true;
  const late = await call<KeyIntentView>('keys.prepare', { action: 'revoke', keyId: key.id, reason: 'superseded', invalidSince: new Date(clock).toISOString() });
  clock += 121_000;
  await refused('keys.confirm', { intentId: late.intentId }, 'Expired');
  assert.equal((await app.keys.get(key.id)).status, 'active');
});

test('revocation: the key stops signing, the list is signed by the admin key, and only an untampered list imports', async () => {
  const admin = await call<KeyRecord>('keys.generate', { backend: hsmBackend(), label: 'revocation admin' });
  await designateAdmin(admin.id);
  const victim = await call<KeyRecord>('keys.generate', { backend: hsmBackend(), label: 'compromised' });
  const invalidSince = new Date(clock - 3_600_000).toISOString();
  await app.keys.sign(victim.id, { payload: Buffer.from('made by the thief') }, 'cli');
  const intent = await call<KeyIntentView>('keys.prepare', { action: 'revoke', keyId: victim.id, reason: 'keyCompromise', invalidSince });
  assert.match(intent.facts.find((f) => f.label === 'Signed after "invalid since"')?.value ?? '', /^1: sha256:[0-9a-f]{64}$/);
  const revoked = await call<KeyRecord>('keys.confirm', { intentId: intent.intentId });
  assert.equal(revoked.status, 'revoked');
  assert.equal(revoked.revocation?.reason, 'keyCompromise');
  assert.equal(revoked.revocation?.invalidSince, invalidSince);
  await assert.rejects(app.keys.sign(victim.id, { payload: Buffer.from('x') }, 'cli'), /revoked/);
  const file = await call<{ text: string }>('keys.revocations', {});
  const list = JSON.parse(file.text) as { document: { entries: { fingerprint: string }[]; signer: { fingerprint: string } }; signature: string };
  assert.ok(list.document.entries.some((e) => e.fingerprint === victim.fingerprint));
  assert.equal(list.document.signer.fingerprint, admin.fingerprint);
  const { canonicalJson } = await import('../../main/encoding/canonical-json.ts');
  assert.ok(verifies(admin, Buffer.from(canonicalJson(list.document)), Buffer.from(list.signature, 'base64')), 'the list verifies with the admin key');

  const tampered = JSON.parse(file.text) as typeof list;
  tampered.document.entries = [];
  await assert.rejects(app.keys.importRevocations(JSON.stringify(tampered), 'cli'), /does not verify/);
  await assert.rejects(app.keys.importRevocations(JSON.stringify({ ...list, signature: null }), 'cli'), /not signed/);
  await assert.rejects(app.keys.importRevocations(file.text, 'cli'), /not newer than/, 'the list published here is not newer than itself');
});

test('destroy needs the label typed back, erases the object from the token, and keeps the record', async () => {
  const key = await call<KeyRecord>('keys.generate', { backend: hsmBackend(), label: 'to destroy' });
  const intent = await call<KeyIntentView>('keys.prepare', { action: 'destroy', keyId: key.id });
  assert.equal(intent.typeToConfirm, 'to destroy');
  await refused('keys.confirm', { intentId: intent.intentId, typedConfirmation: 'to destro' }, 'BadInput', /exactly/);
  assert.equal((await app.keys.get(key.id)).status, 'active');
  const destroyed = await call<KeyRecord>('keys.confirm', { intentId: intent.intentId, typedConfirmation: 'to destroy' });
  assert.equal(destroyed.status, 'destroyed');
  const driver = new Pkcs11jsDriver();
  const token = await driver.openToken({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, hsm.userPin);
  try {
    const onToken = await token.listKeys();
    const location = key.location;
    assert.ok(location.kind === 'pkcs11' && !onToken.some((k) => k.objectId.toString('hex') === location.objectId));
    assert.ok(onToken.length > 0, 'other keys are untouched');
  } finally {
    await token.close();
  }
  assert.equal((await app.keys.list()).find((k) => k.id === key.id)?.status, 'destroyed');
});

test('reconcile reports a key on the token that the inventory does not know, deletes nothing, and the key can be adopted', async () => {
  const driver = new Pkcs11jsDriver();
  const token = await driver.openToken({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, hsm.userPin);
  try {
    await token.generateKeyPair('ecdsa-p256', 'made elsewhere', Buffer.from('0badcafe', 'hex'));
    const differences = await call<{ kind: string; message: string }[]>('keys.reconcile', {});
    assert.ok(differences.some((d) => d.kind === 'not-in-inventory' && /made elsewhere/.test(d.message)), JSON.stringify(differences));
    assert.ok((await token.listKeys()).some((k) => k.label === 'made elsewhere'));
  } finally {
    await token.close();
  }
  const selector = { modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label };
  const found = await call<{ objectId: string; label: string; adoptedAs: string | null }[]>('keys.discover', selector);
  const stranger = found.find((k) => k.label === 'made elsewhere');
  assert.equal(stranger?.adoptedAs, null);
  const adopted = await call<KeyRecord>('keys.adopt', { ...selector, objectId: '0badcafe', label: 'adopted key' });
  assert.equal(adopted.algorithm, 'ecdsa-p256');
  const message = Buffer.from('adopted keys sign too');
  assert.ok(verifies(adopted, message, (await app.keys.sign(adopted.id, { payload: message }, 'cli')).signature));
  const again = await call<{ objectId: string; adoptedAs: string | null }[]>('keys.discover', selector);
  assert.equal(again.find((k) => k.objectId === '0badcafe')?.adoptedAs, adopted.id);
  await refused('keys.adopt', { ...selector, objectId: '0badcafe', label: 'adopted twice' }, 'Conflict');
  const after = await call<{ kind: string }[]>('keys.reconcile', {});
  assert.equal(after.filter((d) => d.kind === 'not-in-inventory').length, 0);
});

test('every operation is in the audit log, whose chain verifies', async () => {
  const verification = await call<AuditVerification>('audit.verify', {});
  assert.equal(verification.ok, true, JSON.stringify(verification.firstBad));
  const entries = await call<AuditEntry[]>('audit.list', { action: 'key.' });
  const actions = new Set(entries.map((e) => e.action));
  for (const action of ['key.generate', 'key.sign', 'key.rotate', 'key.revoke', 'key.destroy', 'key.setAdmin']) assert.ok(actions.has(action), action);
});

test('a locked keychain is a clear error for software keys, never a silent "no key"', async () => {
  const before = await inventoryText();
  await keychain.lock();
  const fresh = await createTestApp({ probes: quietProbes });
  try {
    const result = await fresh.dispatch('keys.generate', { backend: { kind: 'software' }, label: 'while locked' }, { host: 'cli' });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.error.code, 'Locked', result.error.message);
  } finally {
    await fresh.cleanup();
  }
  assert.equal(await inventoryText(), before);
});
