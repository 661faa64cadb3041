import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyIntentView, KeyRecord, RevocationReason, RevocationSigner } from '../../shared/model/keys.model.ts';
import { canonicalJson } from '../../main/encoding/canonical-json.ts';
import { REVOCATIONS_TYPE } from '../../main/keys/revocation-list.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { callChannel, designateAdminKey, refused } from '../support/dispatch.ts';
import { overwriteDocument, storedDocument } from '../support/store-tamper.ts';

const HOUR = 3_600_000;
let app: TestApp;
let clock = Date.parse('2026-11-21T12:00:00Z');
const confirmations = new ScriptedConfirmation();

before(async () => {
  app = await createTestApp({ probes: quietProbes, confirmations, keychain: new MemoryKeychain(), now: () => new Date(clock) });
});

after(async () => {
  await app?.cleanup();
});

const iso = (ms: number) => new Date(ms).toISOString();
const call = <T>(channel: string, input: unknown) => callChannel<T>(app, channel, input, 'cli');
// The admin key is designated through the confirmed key action, as the Keys screen and the CLI do.
const designateAdmin = (keyId: string) => designateAdminKey(app, keyId, 'cli');

const generate = (label: string, notAfter?: string) => call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label, ...(notAfter ? { notAfter } : {}) });

function entry(key: KeyRecord, reason: RevocationReason, invalidSince: string, revokedAt = invalidSince) {
  return { keyId: key.id, label: key.label, fingerprint: key.fingerprint, reason, invalidSince, revokedAt };
}

// A list as another Signet holding the same admin key would publish it: the document signed over its canonical JSON.
async function craft(signer: KeyRecord, sequence: number, entries: ReturnType<typeof entry>[], issued = iso(clock)): Promise<string> {
  const document = { type: REVOCATIONS_TYPE, sequence, issued, entries, signer: { keyId: signer.id, fingerprint: signer.fingerprint, publicKeyPem: signer.publicKeyPem } };
  const { signature } = await app.keys.sign(signer.id, { payload: Buffer.from(canonicalJson(document)) }, 'cli');
  return JSON.stringify({ document, signature: signature.toString('base64') });
}

async function nextSequence(): Promise<number> {
  return ((await call<RevocationSigner>('keys.revocationSigner', {})).sequence ?? 0) + 1;
}

async function revokeConfirmed(key: KeyRecord, reason: RevocationReason, invalidSince: string): Promise<KeyRecord> {
  const intent = await call<KeyIntentView>('keys.prepare', { action: 'revoke', keyId: key.id, reason, invalidSince });
  return call<KeyRecord>('keys.confirm', { intentId: intent.intentId });
}

test('publishing without an admin key is refused in words and nothing unsigned is written; revoking still works', async () => {
  const key = await generate('no admin yet');
  const revoked = await revokeConfirmed(key, 'superseded', iso(clock - HOUR));
  assert.equal(revoked.status, 'revoked');
  assert.equal(storedDocument(app.dataDir, 'revocations'), null, 'no unsigned list was written');
  await refused(call('keys.revocations', {}), 'Conflict', /No admin key is designated; choose one on the Keys screen/);
  const signer = await call<RevocationSigner>('keys.revocationSigner', {});
  assert.deepEqual([signer.adminKeyId, signer.usable, signer.current], [null, false, false]);
  assert.match(signer.problem ?? '', /never published unsigned/);
});

test('the admin key chosen signs every list with a growing sequence number, and a replayed or older list is refused', async () => {
  const admin = await generate('list admin');
  await designateAdmin(admin.id);
  const first = JSON.parse((await call<{ text: string }>('keys.revocations', {})).text) as { document: { sequence: number; signer: { fingerprint: string }; entries: unknown[] }; signature: string };
  assert.equal(first.document.signer.fingerprint, admin.fingerprint);
  assert.ok(first.document.sequence >= 1);
  assert.ok(first.signature.length > 0);
  assert.equal(first.document.entries.length, 1, 'the revocation made while no admin key was set is listed now');

  const victim = await generate('replayed victim');
  clock += 1000;
  await revokeConfirmed(victim, 'superseded', iso(clock - 500));
  const second = JSON.parse((await call<{ text: string }>('keys.revocations', {})).text) as typeof first;
  assert.equal(second.document.sequence, first.document.sequence + 1);
  await refused(app.keys.importRevocations(JSON.stringify(first), 'cli'), 'Conflict', /sequence number \d+, not newer than/);
  // An older list put back in place (a restored backup) does not send the numbering back.
  const current = storedDocument(app.dataDir, 'revocations')!;
  overwriteDocument(app.dataDir, 'revocations', JSON.stringify(first));
  const other = await generate('numbering victim');
  await revokeConfirmed(other, 'superseded', iso(clock - 500));
  const after = JSON.parse(storedDocument(app.dataDir, 'revocations')!) as typeof first;
  assert.equal(after.document.sequence, second.document.sequence + 1);
  assert.notEqual(current, JSON.stringify(after));
  await refused(app.keys.importRevocations(JSON.stringify(second), 'cli'), 'Conflict', /not newer than/);
  const { sequence: _dropped, ...unnumbered } = second.document;
  await refused(app.keys.importRevocations(JSON.stringify({ document: unnumbered, signature: second.signature }), 'cli'), 'Forbidden', /no sequence number/);

  const newer = await craft(admin, await nextSequence(), []);
  assert.deepEqual(await app.keys.importRevocations(newer, 'cli'), { applied: [] });
  await refused(app.keys.importRevocations(newer, 'cli'), 'Conflict', /not newer than/);
  const accepted = JSON.parse(await readFile(join(app.dataDir, 'keys', 'revocations-accepted.json'), 'utf8')) as { sequence: number };
  assert.equal(accepted.sequence, (JSON.parse(newer) as typeof first).document.sequence);
});

test('a list signed by an inventory key other than the admin key is refused', async () => {
  const outsider = await generate('not the admin');
  const target = await generate('outsider target');
  const list = await craft(outsider, 1_000, [entry(target, 'keyCompromise', iso(clock - HOUR))]);
  await refused(app.keys.importRevocations(list, 'cli'), 'Forbidden', /not by the designated admin key "list admin"/);
  assert.equal((await app.keys.get(target.id)).status, 'active');
});

test('a list signed by the admin key after it was revoked, or after it expired, is refused', async () => {
  const target = await generate('kept active');
  const soonExpired = await generate('short admin', iso(clock + HOUR));
  await designateAdmin(soonExpired.id);
  const beforeExpiry = await craft(soonExpired, await nextSequence(), [entry(target, 'superseded', iso(clock - HOUR))]);
  clock += 2 * HOUR;
  await refused(app.keys.importRevocations(beforeExpiry, 'cli'), 'Forbidden', /admin key "short admin" is expired/);

  const revokedAdmin = await generate('revoked admin');
  await designateAdmin(revokedAdmin.id);
  const signedBeforeRevocation = await craft(revokedAdmin, (await nextSequence()) + 5, [entry(target, 'superseded', iso(clock - HOUR))]);
  await revokeConfirmed(revokedAdmin, 'keyCompromise', iso(clock - 1000));
  await refused(app.keys.importRevocations(signedBeforeRevocation, 'cli'), 'Forbidden', /No admin key is designated/);
  await refused(designateAdmin(revokedAdmin.id), 'Conflict', /revoked; only an active key/);
  assert.equal((await app.keys.get(target.id)).status, 'active');
});

test('future-dated entries beyond the clock skew are refused; a minute of skew is tolerated', async () => {
  const admin = await generate('dating admin');
  await designateAdmin(admin.id);
  const target = await generate('dated target');
  const farFuture = await craft(admin, await nextSequence(), [entry(target, 'superseded', iso(clock + 365 * 24 * HOUR), iso(clock))]);
  await refused(app.keys.importRevocations(farFuture, 'cli'), 'Forbidden', /dated in the future \(invalid since/);
  const futureIssued = await craft(admin, await nextSequence(), [], iso(clock + HOUR));
  await refused(app.keys.importRevocations(futureIssued, 'cli'), 'Forbidden', /issued at .* in the future/);
  assert.equal((await app.keys.get(target.id)).status, 'active');
  const skewed = await craft(admin, await nextSequence(), [entry(target, 'superseded', iso(clock + 60_000))], iso(clock + 60_000));
  assert.deepEqual(await app.keys.importRevocations(skewed, 'cli'), { applied: [target.id] });
});

test('a stronger revocation replaces a weaker one, by import or by revoking again, and never the reverse', async () => {
  const admin = await generate('strength admin');
  await designateAdmin(admin.id);
  const key = await generate('weakly revoked');
  const late = iso(clock - HOUR);
  const early = iso(clock - 5 * HOUR);
  assert.deepEqual(await app.keys.importRevocations(await craft(admin, await nextSequence(), [entry(key, 'superseded', late)]), 'cli'), { applied: [key.id] });

  // keyCompromise from a later list replaces superseded, and the earlier "invalid since" of the two stays.
  assert.deepEqual(await app.keys.importRevocations(await craft(admin, await nextSequence(), [entry(key, 'keyCompromise', iso(clock - 30 * 60_000))]), 'cli'), { applied: [key.id] });
  let revocation = (await app.keys.get(key.id)).revocation;
  assert.deepEqual([revocation?.reason, revocation?.invalidSince], ['keyCompromise', late]);

  // A weaker list (superseded, later) changes nothing.
  assert.deepEqual(await app.keys.importRevocations(await craft(admin, await nextSequence(), [entry(key, 'superseded', iso(clock - 60_000))]), 'cli'), { applied: [] });
  revocation = (await app.keys.get(key.id)).revocation;
  assert.deepEqual([revocation?.reason, revocation?.invalidSince], ['keyCompromise', late]);

  // An earlier "invalid since" is stronger too, and keeps keyCompromise.
  assert.deepEqual(await app.keys.importRevocations(await craft(admin, await nextSequence(), [entry(key, 'superseded', early)]), 'cli'), { applied: [key.id] });
  revocation = (await app.keys.get(key.id)).revocation;
  assert.deepEqual([revocation?.reason, revocation?.invalidSince], ['keyCompromise', early]);

  // The published list says the same: re-signed with the merged revocation.
  const published = JSON.parse((await call<{ text: string }>('keys.revocations', {})).text) as { document: { entries: { fingerprint: string; reason: string; invalidSince: string }[] } };
  const listed = published.document.entries.find((e) => e.fingerprint === key.fingerprint);
  assert.deepEqual([listed?.reason, listed?.invalidSince], ['keyCompromise', early]);
});

test('revoking a key already revoked as superseded for keyCompromise goes through; a weaker revocation is refused', async () => {
  const key = await generate('revoked twice');
  await revokeConfirmed(key, 'superseded', iso(clock - HOUR));
  await refused(call('keys.prepare', { action: 'revoke', keyId: key.id, reason: 'cessationOfOperation', invalidSince: iso(clock - 60_000) }), 'Conflict', /already revoked \(superseded/);
  const compromised = await revokeConfirmed(key, 'keyCompromise', iso(clock - 2 * HOUR));
  assert.deepEqual([compromised.revocation?.reason, compromised.revocation?.invalidSince], ['keyCompromise', iso(clock - 2 * HOUR)]);
  const [audit] = await app.audit.list({ action: 'key.revoke', subject: key.id, limit: 1 });
  assert.equal((audit?.details.strengthened as { reason?: string } | undefined)?.reason, 'superseded');
});

test('the admin key changes only through a confirmed key action that names the key it replaces; a declined one changes nothing', async () => {
  const first = await generate('first admin');
  await designateAdmin(first.id);
  const second = await generate('second admin');
  await refused(call('keys.setAdmin', { keyId: second.id }), 'BadInput', /Unknown channel/);
  const intent = await call<KeyIntentView>('keys.prepare', { action: 'set-admin', keyId: second.id });
  assert.equal(intent.action, 'set-admin');
  assert.ok(intent.facts.some((f) => f.label === 'Replaces' && f.value.includes('first admin') && f.value.includes(first.fingerprint)), JSON.stringify(intent.facts));
  confirmations.answer = false;
  try {
    await refused(call('keys.confirm', { intentId: intent.intentId }), 'Cancelled');
  } finally {
    confirmations.answer = true;
  }
  assert.equal((await call<RevocationSigner>('keys.revocationSigner', {})).adminKeyId, first.id, 'a declined confirmation leaves the admin key as it was');
  await designateAdmin(second.id);
  assert.equal((await call<RevocationSigner>('keys.revocationSigner', {})).adminKeyId, second.id);
});
