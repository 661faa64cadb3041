import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '../../shared/model/keys.model.ts';
import type { Pkcs11ModuleStatus } from '../../shared/model/system.model.ts';

/** What a loaded PKCS#11 module says about itself, its slots and its tokens. */
export type Pkcs11ModuleReport = Pick<Pkcs11ModuleStatus, 'library' | 'slots'>;

/** Reads a module's description without logging in; implemented by the pkcs11js adapter. */
export interface Pkcs11Inspector {
  inspect(modulePath: string): Promise<Pkcs11ModuleReport>;
}

export interface TokenSelector {
  modulePath: string;
  tokenLabel: string;
}

/** What the token signs with: ECDSA over a digest, RSA PKCS#1 v1.5 over a DigestInfo, EdDSA over the message. */
export type SignMechanism = 'ecdsa' | 'rsa-pkcs1' | 'eddsa';

export interface TokenKey {
  objectId: Buffer;
  label: string;
  algorithm: KeyAlgorithm | null;
  publicKeySpki: Buffer | null;
  hasPrivateKey: boolean;
  /** The private half signs (CKA_SIGN); a backup wrapping key does not, and is no signing key. */
  canSign: boolean;
  /** The private half may leave the token, encrypted under a wrapping key (CKA_EXTRACTABLE). */
  extractable: boolean;
}

/**
 * A private key encrypted for a backup: the key under a one-time AES-256 key (RFC 5649 key wrap with
 * padding), that AES key under the backup key's RSA public key (OAEP). Only the token holding the
 * backup key's private half can open it.
 */
export interface WrappedPrivateKey {
  wrappedKey: Buffer;
  wrappedSecret: Buffer;
  /** OAEP's hash; SoftHSM 2.6 accepts only SHA-1, which OAEP's security does not rest on collisions of. */
  oaepHash: 'sha256' | 'sha1';
}

/** Where an unwrapped key lands: kept on the token, or only for this process (a drill) and destroyed after. */
export interface UnwrapTarget {
  algorithm: KeyAlgorithm;
  label: string;
  objectId: Buffer;
  publicKeySpki: Buffer;
  persist: boolean;
}

/** A logged-in token with a pool of sessions; no PIN or session handle ever leaves it. */
export interface Pkcs11Token {
  readonly label: string;
  readonly serial: string;
  /** `wrappable` keys may leave the token, but only wrapped under a backup key. */
  generateKeyPair(algorithm: KeyAlgorithm, label: string, objectId: Buffer, options?: { wrappable?: boolean }): Promise<Buffer>;
  /** An RSA-3072 pair whose private half can only unwrap: the backup key. Returns its public key (SPKI). */
  generateWrappingKeyPair(label: string, objectId: Buffer): Promise<Buffer>;
  wrapPrivateKey(objectId: Buffer, wrappingKeySpki: Buffer): Promise<WrappedPrivateKey>;
  /** Null when the token can wrap this key; otherwise the token's reason (some cannot wrap every key type). */
  wrapRefusal(objectId: Buffer): Promise<string | null>;
  unwrapPrivateKey(wrappingKeyId: Buffer, wrapped: WrappedPrivateKey, target: UnwrapTarget): Promise<void>;
  /** Places a private key held in memory on the token (a restore drill's fresh token), sensitive and not extractable. */
  importPrivateKey(privateKey: KeyObject, target: UnwrapTarget): Promise<void>;
  sign(objectId: Buffer, mechanism: SignMechanism, input: Buffer): Promise<Buffer>;
  /** Many signatures with one key, in the order of the inputs: the bulk path, shared among the sessions free at the time. */
  signMany(objectId: Buffer, mechanism: SignMechanism, inputs: Buffer[]): Promise<Buffer[]>;
  listKeys(): Promise<TokenKey[]>;
  destroy(objectId: Buffer): Promise<number>;
  close(): Promise<void>;
}

export interface Pkcs11Driver extends Pkcs11Inspector {
  openToken(selector: TokenSelector, pin: string, maxSessions?: number): Promise<Pkcs11Token>;
  /** Initialises the module's first empty token with this label and PINs; used for tokens Signet makes itself (restore drills). */
  initToken(modulePath: string, label: string, soPin: string, userPin: string): Promise<void>;
}
