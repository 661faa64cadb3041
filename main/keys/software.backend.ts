import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KeyAlgorithm, KeyRecord } from '../../shared/model/keys.model.ts';
import { SignetError } from '../errors.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import { HASH_FOR } from '../encoding/key-encoding.ts';
import type { WrappedPrivateKey } from '../platform/pkcs11.types.ts';
import type { BackendOffers, Difference, GeneratedKey, KeyAttestation, KeyBackend, SignInput } from './key-backend.types.ts';

const generate = promisify(generateKeyPair);
const DATA_KEY_ACCOUNT = 'software-keys-data-key';

interface SealedKey {
  version: 1;
  algorithm: KeyAlgorithm;
  nonce: string;
  ciphertext: string;
  tag: string;
}

/**
 * Software keys: PKCS#8 private keys encrypted with AES-256-GCM under a data key that only the OS
 * keychain holds. A locked or missing keychain is an error, never a silent "no key".
 */
export class SoftwareKeyStore {
  private readonly dir: string;
  private readonly keychain: SecretStore;
  private dataKey: Promise<Buffer> | null = null;
  private readonly unsealed = new Map<string, KeyObject>();

  constructor(dataDir: string, keychain: SecretStore) {
    this.dir = join(dataDir, 'keys', 'software');
    this.keychain = keychain;
  }

  // Makes a key pair, seals the private half and returns the public half as SPKI DER.
  async generate(id: string, algorithm: KeyAlgorithm): Promise<Buffer> {
    const pair = await generatePair(algorithm);
    await this.seal(id, algorithm, pair.privateKey);
    return pair.publicKey.export({ type: 'spki', format: 'der' });
  }

  // Seals a private key that came from elsewhere (a cosign.key); returns its public half as SPKI DER.
  async adopt(id: string, algorithm: KeyAlgorithm, privateKey: KeyObject): Promise<Buffer> {
    await this.seal(id, algorithm, privateKey);
    return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  }

  // Hands the private key to main only, for an export the user asked for with a password.
  async unsealForExport(id: string, algorithm: KeyAlgorithm): Promise<KeyObject> {
    return this.unseal(id, algorithm);
  }

  private async seal(id: string, algorithm: KeyAlgorithm, privateKey: KeyObject): Promise<void> {
    const dataKey = await this.loadDataKey(true);
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
    cipher.setAAD(Buffer.from(`signet-software-key:${id}:${algorithm}`));
    const ciphertext = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
    const sealed: SealedKey = {
      version: 1,
      algorithm,
      nonce: nonce.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
    await writeFileAtomic(this.file(id), `${JSON.stringify(sealed)}\n`);
    this.unsealed.delete(id);
  }

  // Signs the message with the hash its algorithm uses; ECDSA signatures come out as DER.
  async sign(id: string, algorithm: KeyAlgorithm, message: Buffer): Promise<Buffer> {
    const key = await this.unseal(id, algorithm);
    const hash = HASH_FOR[algorithm];
    return sign(hash, message, algorithm.startsWith('ecdsa') ? { key, dsaEncoding: 'der' } : key);
  }

  // Removes the sealed file; the key can never sign again.
  async destroy(id: string): Promise<boolean> {
    this.unsealed.delete(id);
    try {
      await unlink(this.file(id));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  // Lets reconciliation tell a sealed key that is present from one that is gone.
  async exists(id: string): Promise<boolean> {
    return (await readFileIfExists(this.file(id))) !== null;
  }

  private file(id: string): string {
    return join(this.dir, `${id}.sealed.json`);
  }

  private async unseal(id: string, algorithm: KeyAlgorithm): Promise<KeyObject> {
    const cached = this.unsealed.get(id);
    if (cached) return cached;
    const text = await readFileIfExists(this.file(id));
    if (text === null) throw new SignetError('NotFound', `The sealed private key of ${id} is missing from ${this.dir}.`);
    const sealed = JSON.parse(text) as SealedKey;
    const dataKey = await this.loadDataKey(false);
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(sealed.nonce, 'base64'));
      decipher.setAAD(Buffer.from(`signet-software-key:${id}:${algorithm}`));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const pkcs8 = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
      const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      this.unsealed.set(id, key);
      return key;
    } catch {
      throw new SignetError('Conflict', `The sealed key of ${id} does not open with this keychain's data key: it was altered or sealed elsewhere.`);
    }
  }

  // One lookup at a time, so two first-time key generations cannot each create a different data key.
  private loadDataKey(createIfMissing: boolean): Promise<Buffer> {
    this.dataKey ??= this.fetchDataKey(createIfMissing).catch((error: unknown) => {
      this.dataKey = null;
      throw error;
    });
    return this.dataKey;
  }

  private async fetchDataKey(createIfMissing: boolean): Promise<Buffer> {
    const stored = await this.keychain.get(DATA_KEY_ACCOUNT);
    if (stored) return Buffer.from(stored, 'base64');
    if (!createIfMissing) {
      throw new SignetError('NotFound', 'The OS keychain holds no Signet data key, so software keys cannot be opened here.');
    }
    const fresh = randomBytes(32);
    await this.keychain.set(DATA_KEY_ACCOUNT, fresh.toString('base64'));
    return fresh;
  }
}

/** The software location: keys sealed in the data folder under the keychain's data key. */
export class SoftwareKeyBackend implements KeyBackend {
  readonly offers: BackendOffers = { exportPrivate: true, batchSigning: false, relocation: false };
  private readonly store: SoftwareKeyStore;

  constructor(store: SoftwareKeyStore) {
    this.store = store;
  }

  // Backups already hold software keys, so there is nothing to make wrappable.
  checkGenerate(_algorithm: KeyAlgorithm, wrappable: boolean): void {
    if (wrappable) throw new SignetError('BadInput', 'Only a token key is made wrappable; backups already hold software keys.');
  }

  // Nothing to open: the keychain is asked when a key is first sealed or unsealed.
  async open(_operation: string): Promise<void> {}

  // Made in memory and sealed at once.
  async generate(id: string, algorithm: KeyAlgorithm): Promise<GeneratedKey> {
    return { spki: await this.store.generate(id, algorithm), location: { kind: 'software' } };
  }

  // A private key that came from elsewhere (a cosign.key), sealed here like a key made here.
  async importPrivate(id: string, algorithm: KeyAlgorithm, privateKey: KeyObject): Promise<GeneratedKey> {
    return { spki: await this.store.adopt(id, algorithm, privateKey), location: { kind: 'software' } };
  }

  // A software key hashes the message itself, so it needs the payload.
  async sign(key: KeyRecord, input: SignInput): Promise<Buffer> {
    if (!('payload' in input)) throw new SignetError('BadInput', 'Software keys sign the payload, not a bare digest.');
    return this.store.sign(key.id, key.algorithm, input.payload);
  }

  // Software keys sign one at a time; callers check `offers.batchSigning` first.
  async signDigests(): Promise<Buffer[]> {
    throw new SignetError('BadInput', 'Bulk digest signing needs an ECDSA or RSA key on a token.');
  }

  // The sealed key opened for a password-protected export.
  async exportPrivate(key: KeyRecord): Promise<KeyObject> {
    return this.store.unsealForExport(key.id, key.algorithm);
  }

  // Backups carry the sealed key itself; nothing is wrapped.
  async wrap(): Promise<WrappedPrivateKey> {
    throw new SignetError('Internal', 'Only token keys are wrapped.');
  }

  // One sealed file per key.
  async destroy(key: KeyRecord): Promise<number> {
    return (await this.store.destroy(key.id)) ? 1 : 0;
  }

  // A listed key whose sealed file is gone can never sign again; it is reported, not removed.
  async reconcile(keys: KeyRecord[]): Promise<Difference[]> {
    const differences: Difference[] = [];
    for (const key of keys) {
      if (!(await this.store.exists(key.id))) differences.push({ keyId: key.id, kind: 'sealed-key-missing', message: `The sealed private key of "${key.label}" is missing.` });
    }
    return differences;
  }

  // A sealed file proves nothing about where the key was made.
  async attest(): Promise<KeyAttestation> {
    return { attested: false, reason: 'A software key sealed by the OS keychain offers no attestation.' };
  }
}

function generatePair(algorithm: KeyAlgorithm): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  switch (algorithm) {
    case 'ecdsa-p256':
      return generate('ec', { namedCurve: 'P-256' });
    case 'ecdsa-p384':
      return generate('ec', { namedCurve: 'P-384' });
    case 'ed25519':
      return generate('ed25519');
    case 'rsa-3072':
      return generate('rsa', { modulusLength: 3072 });
    case 'rsa-4096':
      return generate('rsa', { modulusLength: 4096 });
  }
}
