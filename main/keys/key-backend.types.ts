import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm, KeyLocation, KeyRecord } from '../../shared/model/keys.model.ts';
import type { WrappedPrivateKey } from '../platform/pkcs11.types.ts';

/** What is signed: the message itself, or a digest of it made elsewhere. */
export type SignInput = { payload: Buffer } | { digest: Buffer };

/** A key held on a token behind a PKCS#11 module (an HSM, SoftHSM, a TPM through tpm2-pkcs11). */
export type TokenLocation = Extract<KeyLocation, { kind: 'pkcs11' }>;

/** One way the inventory and what a location holds disagree; reconciliation reports these and never deletes. */
export interface Difference {
  keyId: string | null;
  kind: 'missing-on-token' | 'not-in-inventory' | 'sealed-key-missing' | 'token-unavailable';
  message: string;
}

/** A key just made: its public half (SPKI DER) and where the private half now lives. */
export interface GeneratedKey {
  spki: Buffer;
  location: KeyLocation;
}

/** What a location can say about how a key came to be there; none offers proof Signet checks yet. */
export interface KeyAttestation {
  attested: false;
  reason: string;
}

/** How a backup carries a key: a copy of the private key, the key wrapped under the backup key, or not at all (a twin stands in). */
export type BackupCustody = 'copy' | 'wrapped' | 'twin';

/** What a location can do beyond making, signing with and destroying keys. */
export interface BackendOffers {
  /** The private key may leave as a password-protected cosign.key. */
  exportPrivate: boolean;
  /** Many digests are signed as one batch across the location's sessions. */
  batchSigning: boolean;
  /** A key held here can be recorded at another place of the same kind (a token key restored onto the backup key's token). */
  relocation: boolean;
}

/**
 * One place keys live: the sealed software store, or one token. Everything that differs by where a
 * key is held is decided here; callers ask a backend and never branch on the location themselves.
 */
export interface KeyBackend {
  readonly offers: BackendOffers;
  /** Refuses, before any PIN is asked or anything is made, a key this location cannot make. */
  checkGenerate(algorithm: KeyAlgorithm, wrappable: boolean): void;
  /** Gets the location ready for `operation` (a token's session and PIN) before the inventory lock is taken. */
  open(operation: string): Promise<void>;
  /** Makes a key pair here; the private half never leaves the location in the clear. */
  generate(id: string, algorithm: KeyAlgorithm, label: string, wrappable: boolean): Promise<GeneratedKey>;
  /** Signs the payload, or the digest where the location signs digests; ECDSA signatures come out as DER. */
  sign(key: KeyRecord, input: SignInput, digest: Buffer | null): Promise<Buffer>;
  /** Many digests with one key, in order; only where `offers.batchSigning`. */
  signDigests(key: KeyRecord, digests: Buffer[], operation: string): Promise<Buffer[]>;
  /** The private key, for an export the person asked for; only where `offers.exportPrivate`. */
  exportPrivate(key: KeyRecord): Promise<KeyObject>;
  /** The private key encrypted under a backup key's public half (SPKI); only for keys whose custody is 'wrapped'. */
  wrap(key: KeyRecord, wrappingKeySpki: Buffer): Promise<WrappedPrivateKey>;
  /** Removes the key material; returns how many objects went. */
  destroy(key: KeyRecord): Promise<number>;
  /** Compares the inventory's keys held here with what the location holds. */
  reconcile(keys: KeyRecord[]): Promise<Difference[]>;
  /** Evidence from the location that the key was made there and cannot leave. */
  attest(key: KeyRecord): Promise<KeyAttestation>;
}
