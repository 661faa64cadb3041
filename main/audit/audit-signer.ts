import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';
import { fingerprintOf, spkiToPem } from '../encoding/key-encoding.ts';
import type { AuditSigner } from './audit.log.ts';

const AUDIT_KEY_ID = 'audit-key';

/** What the audit signer needs of a key store (the software key store is one): make its key once, then sign with it. */
export interface AuditKeyStore {
  generate(id: string, algorithm: 'ecdsa-p256'): Promise<Buffer>;
  sign(id: string, algorithm: 'ecdsa-p256', message: Buffer): Promise<Buffer>;
}

/** Checks checkpoints against the pinned public half alone: what a process that holds no audit key verifies with. */
export class PinnedAuditKey implements Pick<AuditSigner, 'verify' | 'publicKeyPem'> {
  private readonly pinnedFile: string;

  constructor(dataDir: string) {
    this.pinnedFile = join(dataDir, 'audit', 'audit-key.pem');
  }

  // A checkpoint verifies only with the pinned key, and only if it names that key; without a pinned key nothing verifies.
  async verify(message: Buffer, signature: Buffer, fingerprint: string): Promise<boolean> {
    const pem = await readFileIfExists(this.pinnedFile);
    if (pem === null) return false;
    const key = createPublicKey(pem);
    if (fingerprintOf(key.export({ type: 'spki', format: 'der' })) !== fingerprint) return false;
    return verify('sha256', message, { key, dsaEncoding: 'der' }, signature);
  }

  // The pinned key as a third party would pin it, or null before the first checkpoint.
  async publicKeyPem(): Promise<string | null> {
    return readFileIfExists(this.pinnedFile);
  }
}

/** The audit key: a P-256 software key sealed by the keychain, its public half pinned beside the log. */
export class SoftwareAuditSigner implements AuditSigner {
  private readonly pinnedFile: string;
  private readonly store: AuditKeyStore;
  private pinned: Promise<{ pem: string; fingerprint: string }> | null = null;

  private readonly pinnedKey: PinnedAuditKey;

  constructor(dataDir: string, store: AuditKeyStore) {
    this.pinnedFile = join(dataDir, 'audit', 'audit-key.pem');
    this.pinnedKey = new PinnedAuditKey(dataDir);
    this.store = store;
  }

  // Made on the first checkpoint; afterwards the pinned public key decides what verifies.
  async fingerprint(): Promise<string> {
    return (await this.key()).fingerprint;
  }

  async sign(message: Buffer): Promise<Buffer> {
    await this.key();
    return this.store.sign(AUDIT_KEY_ID, 'ecdsa-p256', message);
  }

  // A checkpoint verifies only with the pinned key, and only if it names that key.
  verify(message: Buffer, signature: Buffer, fingerprint: string): Promise<boolean> {
    return this.pinnedKey.verify(message, signature, fingerprint);
  }

  // What a third party pins to check a published checkpoint; read from the pinned file, never made here.
  publicKeyPem(): Promise<string | null> {
    return this.pinnedKey.publicKeyPem();
  }

  private key(): Promise<{ pem: string; fingerprint: string }> {
    this.pinned ??= (async () => {
      const existing = await readFileIfExists(this.pinnedFile);
      if (existing !== null) {
        const spki = createPublicKey(existing).export({ type: 'spki', format: 'der' });
        return { pem: existing, fingerprint: fingerprintOf(spki) };
      }
      const spki = await this.store.generate(AUDIT_KEY_ID, 'ecdsa-p256');
      const pem = spkiToPem(spki);
      await writeFileAtomic(this.pinnedFile, pem);
      return { pem, fingerprint: fingerprintOf(spki) };
    })().catch((error: unknown) => {
      this.pinned = null;
      throw error;
    });
    return this.pinned;
  }
}
