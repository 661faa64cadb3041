import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyAlgorithm } from '../../shared/model/keys.model.ts';
import type { KeychainStatus } from '../../shared/model/system.model.ts';
import { SignetError } from '../errors.ts';
import { fingerprintOf, HASH_FOR } from '../encoding/key-encoding.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import { signOnToken } from '../keys/token-signing.ts';
import type { Pkcs11Token } from '../platform/pkcs11.types.ts';
import { SoftwareKeyStore } from '../keys/software.backend.ts';
import type { BackupKey } from '../../shared/model/recovery.model.ts';
import { wrappedPrivateKey, type WrappedKeyItem } from './wrapped-key.ts';

/** A key from a backup, with the public key the live inventory publishes for it (null when it publishes none). */
export interface DrillKey {
  keyId: string;
  label: string;
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publishedPem: string | null;
}

export interface DrillOutcome {
  keyId: string;
  label: string;
  passed: boolean;
  reason: string;
}

/** The keychain namespace a drill used; it is emptied before the drill returns. */
export interface DrillStores {
  keychainService: string;
  outcomes: DrillOutcome[];
}

// Restores into stores nobody else uses (a temporary folder, a keychain service of its own), so a drill proves the backup without touching live keys.
export async function drillSoftwareKeys(keys: DrillKey[], keychainFor: (service: string) => SecretStore): Promise<DrillStores> {
  const keychainService = `dev.signet.drill.${randomBytes(6).toString('hex')}`;
  const keychain = new TrackingKeychain(keychainFor(keychainService));
  const dir = await mkdtemp(join(tmpdir(), 'signet-drill-'));
  const outcomes: DrillOutcome[] = [];
  try {
    const restoring = new SoftwareKeyStore(dir, keychain);
    const restored = new Map<string, string>();
    for (const key of keys) {
      try {
        restored.set(key.keyId, fingerprintOf(await restoring.adopt(key.keyId, key.algorithm, key.privateKey)));
      } catch (error) {
        outcomes.push(fail(key, `it could not be sealed into a fresh store: ${message(error)}`));
      }
    }
    // A second store reads the sealed files and the data key back from the keychain, as a restarted app would.
    const reopened = new SoftwareKeyStore(dir, keychain);
    for (const key of keys) {
      const fingerprint = restored.get(key.keyId);
      if (fingerprint === undefined) continue;
      outcomes.push(await signAndCheck(reopened, key, fingerprint));
    }
  } finally {
    await keychain.removeAll(keychainService);
    await rm(dir, { recursive: true, force: true });
  }
  return { keychainService, outcomes: keys.map((k) => outcomes.find((o) => o.keyId === k.keyId)!) };
}

/** A wrapped token key from a backup, with the public key the live inventory publishes for it. */
export interface WrappedDrillKey {
  item: WrappedKeyItem;
  publishedPem: string | null;
}

// Each wrapped key is opened on the backup key's token as an object that lives only for the drill, signs once, and is destroyed; the live key is not touched.
export async function drillWrappedKeys(keys: WrappedDrillKey[], token: Pkcs11Token, backupKey: BackupKey): Promise<DrillOutcome[]> {
  const outcomes: DrillOutcome[] = [];
  for (const { item, publishedPem } of keys) {
    const key = { keyId: item.keyId, label: item.label };
    if (publishedPem === null) {
      outcomes.push({ ...key, passed: false, reason: 'the live inventory publishes no public key for it (the key is not there any more), so there is nothing to check the signature against.' });
      continue;
    }
    const published = createPublicKey(publishedPem);
    const spki = published.export({ type: 'spki', format: 'der' });
    if (fingerprintOf(spki) !== item.fingerprint) {
      outcomes.push({ ...key, passed: false, reason: `the backup holds another key than the published one (backup ${item.fingerprint.slice(0, 16)}…, published ${fingerprintOf(spki).slice(0, 16)}…).` });
      continue;
    }
    const objectId = randomBytes(16);
    try {
      await token.unwrapPrivateKey(Buffer.from(backupKey.objectId, 'hex'), wrappedPrivateKey(item), { algorithm: item.algorithm, label: `signet drill ${item.keyId}`, objectId, publicKeySpki: spki, persist: false });
    } catch (error) {
      outcomes.push({ ...key, passed: false, reason: `the backup key on token "${backupKey.tokenLabel}" could not unwrap it: ${message(error)}` });
      continue;
    }
    try {
      const testMessage = Buffer.from(`signet restore drill ${item.keyId} ${new Date().toISOString()} ${randomBytes(16).toString('hex')}`);
      const signature = await signOnToken(token, objectId, item.algorithm, testMessage, null);
      outcomes.push(
        verify(HASH_FOR[item.algorithm], testMessage, published, signature)
          ? { ...key, passed: true, reason: `unwrapped by the backup key on token "${backupKey.tokenLabel}" into an object that lived only for the drill, signed a test message there, and the signature verifies with the published public key ${item.fingerprint.slice(0, 16)}….` }
          : { ...key, passed: false, reason: 'the unwrapped key signed, but the signature does not verify with the published public key.' },
      );
    } catch (error) {
      outcomes.push({ ...key, passed: false, reason: `the unwrapped key did not sign: ${message(error)}` });
    } finally {
      await token.destroy(objectId).catch(() => undefined);
    }
  }
  return outcomes;
}

async function signAndCheck(store: SoftwareKeyStore, key: DrillKey, fingerprint: string): Promise<DrillOutcome> {
  if (key.publishedPem === null) return fail(key, 'the live inventory publishes no public key for it (the key is not there any more), so there is nothing to check the signature against.');
  const published = createPublicKey(key.publishedPem);
  const publishedFingerprint = fingerprintOf(published.export({ type: 'spki', format: 'der' }));
  if (publishedFingerprint !== fingerprint) return fail(key, `the restored key is not the published one (restored ${fingerprint.slice(0, 16)}…, published ${publishedFingerprint.slice(0, 16)}…).`);
  const testMessage = Buffer.from(`signet restore drill ${key.keyId} ${new Date().toISOString()} ${randomBytes(16).toString('hex')}`);
  let signature: Buffer;
  try {
    signature = await store.sign(key.keyId, key.algorithm, testMessage);
  } catch (error) {
    return fail(key, `the restored key did not sign: ${message(error)}`);
  }
  if (!verify(HASH_FOR[key.algorithm], testMessage, published, signature)) return fail(key, 'the restored key signed, but the signature does not verify with the published public key.');
  return { keyId: key.keyId, label: key.label, passed: true, reason: `restored into a fresh keychain store, signed a test message, and the signature verifies with the published public key ${publishedFingerprint.slice(0, 16)}….` };
}

function fail(key: DrillKey, reason: string): DrillOutcome {
  return { keyId: key.keyId, label: key.label, passed: false, reason };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Remembers what the drill stored, so exactly that is deleted afterwards. */
class TrackingKeychain implements SecretStore {
  readonly backend: KeychainStatus['backend'];
  private readonly inner: SecretStore;
  private readonly accounts = new Set<string>();

  constructor(inner: SecretStore) {
    this.inner = inner;
    this.backend = inner.backend;
  }

  async get(account: string): Promise<string | null> {
    return this.inner.get(account);
  }

  async set(account: string, secret: string): Promise<void> {
    this.accounts.add(account);
    await this.inner.set(account, secret);
  }

  async remove(account: string): Promise<boolean> {
    this.accounts.delete(account);
    return this.inner.remove(account);
  }

  // Tries every entry, then says which could not be deleted: a drill never leaves a key's data key behind unannounced.
  async removeAll(service: string): Promise<void> {
    const failed: string[] = [];
    for (const account of [...this.accounts]) await this.remove(account).catch((error: unknown) => failed.push(`${account} (${message(error)})`));
    if (failed.length > 0) throw new SignetError('Unavailable', `The drill could not delete its keychain entries under the service ${service}: ${failed.join(', ')}. Delete them by hand.`);
  }
}
