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
}

/** A logged-in token with a pool of sessions; no PIN or session handle ever leaves it. */
export interface Pkcs11Token {
  readonly label: string;
  readonly serial: string;
  generateKeyPair(algorithm: KeyAlgorithm, label: string, objectId: Buffer): Promise<Buffer>;
  sign(objectId: Buffer, mechanism: SignMechanism, input: Buffer): Promise<Buffer>;
  /** Many signatures on one session, back to back: the bulk path. */
  signMany(objectId: Buffer, mechanism: SignMechanism, inputs: Buffer[]): Promise<Buffer[]>;
  listKeys(): Promise<TokenKey[]>;
  destroy(objectId: Buffer): Promise<number>;
  close(): Promise<void>;
}

export interface Pkcs11Driver extends Pkcs11Inspector {
  openToken(selector: TokenSelector, pin: string, maxSessions?: number): Promise<Pkcs11Token>;
}
