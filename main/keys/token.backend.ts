import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { ALGORITHM_NAMES, TPM_ALGORITHMS, type KeyAlgorithm, type KeyRecord } from '../../shared/model/keys.model.ts';
import { ecdsaRawToDer, HASH_FOR, rsaDigestInfo } from '../encoding/key-encoding.ts';
import { SignetError } from '../errors.ts';
import type { Pkcs11Token, TokenKey, TokenSelector, WrappedPrivateKey } from '../platform/pkcs11.types.ts';
import type { BackendOffers, Difference, GeneratedKey, KeyAttestation, KeyBackend, SignInput, TokenLocation } from './key-backend.types.ts';
import { tokenOf } from './key-location.ts';
import { formatPkcs11Uri } from './pkcs11-uri.ts';
import { signOnToken } from './token-signing.ts';

/** Opens (once) a logged-in token; `operation` names the use the PIN is asked for. */
export type TokenSessions = (selector: TokenSelector, operation: string) => Promise<Pkcs11Token>;

/** A key the token holds that the inventory may adopt: its public half and the location it would be recorded at. */
export interface AdoptableKey {
  algorithm: KeyAlgorithm;
  spki: Buffer;
  location: TokenLocation;
}

/** One token behind a PKCS#11 module (an HSM, SoftHSM, any module): keys are made and used on it and never leave in the clear. */
export class TokenKeyBackend implements KeyBackend {
  readonly offers: BackendOffers = { exportPrivate: false, batchSigning: true, relocation: true };
  readonly selector: TokenSelector;
  private readonly sessions: TokenSessions;

  constructor(selector: TokenSelector, sessions: TokenSessions) {
    this.selector = selector;
    this.sessions = sessions;
  }

  // An HSM makes every algorithm Signet signs with; whether it can wrap one is learnt from the token when the key is made.
  checkGenerate(_algorithm: KeyAlgorithm, _wrappable: boolean): void {}

  // The session is opened, and the PIN asked, before any write lock is taken.
  async open(operation: string): Promise<void> {
    await this.token(operation);
  }

  // A wrappable key the token could never wrap is removed again at once, so no backup silently misses it.
  async generate(id: string, algorithm: KeyAlgorithm, label: string, wrappable: boolean): Promise<GeneratedKey> {
    const token = await this.token(`Generate ${ALGORITHM_NAMES[algorithm]} key "${label}" on this token.`);
    const objectId = randomBytes(16);
    const spki = await token.generateKeyPair(algorithm, label, objectId, { wrappable });
    const refusal = wrappable ? await token.wrapRefusal(objectId).catch((error: unknown) => (error as Error).message) : null;
    if (refusal !== null) {
      await token.destroy(objectId);
      throw new SignetError(
        'BadInput',
        `Token "${token.label}" makes ${ALGORITHM_NAMES[algorithm]} keys but cannot wrap them (${refusal}), so a wrappable one could never be backed up; the key was removed again. Make it without "wrappable" and give it a twin on a second token, or choose another algorithm.`,
      );
    }
    return {
      spki,
      location: {
        kind: 'pkcs11',
        uri: formatPkcs11Uri({ token: token.label, serial: token.serial, object: label, id: objectId, type: 'private', modulePath: this.selector.modulePath }),
        modulePath: this.selector.modulePath,
        tokenLabel: token.label,
        tokenSerial: token.serial,
        objectId: objectId.toString('hex'),
        ...(wrappable ? { wrappable } : {}),
      },
    };
  }

  // The token picks its mechanism by algorithm (token-signing.ts), so every caller signs alike.
  async sign(key: KeyRecord, input: SignInput, digest: Buffer | null): Promise<Buffer> {
    const token = await this.token(`Sign with key "${key.label}".`);
    return signOnToken(token, objectIdOf(key), key.algorithm, 'payload' in input ? input.payload : null, digest);
  }

  // ECDSA signs the digests as they are, RSA their DigestInfo; the token shares them among its sessions.
  async signDigests(key: KeyRecord, digests: Buffer[], operation: string): Promise<Buffer[]> {
    const hash = HASH_FOR[key.algorithm];
    if (!hash) throw new SignetError('BadInput', 'Bulk digest signing needs an ECDSA or RSA key on a token.');
    const token = await this.token(operation);
    const objectId = objectIdOf(key);
    return key.algorithm.startsWith('ecdsa')
      ? (await token.signMany(objectId, 'ecdsa', digests)).map(ecdsaRawToDer)
      : token.signMany(objectId, 'rsa-pkcs1', digests.map((d) => rsaDigestInfo(hash, d)));
  }

  // Keys on a token stay there by design; callers check `offers.exportPrivate` first.
  async exportPrivate(key: KeyRecord): Promise<KeyObject> {
    throw new SignetError('Forbidden', `"${key.label}" lives on a token and cannot be exported; export its public key instead.`);
  }

  // Wrapped on the key's own token; a token that refuses stops the whole backup with its reason.
  async wrap(key: KeyRecord, wrappingKeySpki: Buffer): Promise<WrappedPrivateKey> {
    const token = await this.token(`Wrap key "${key.label}" for a backup.`);
    try {
      return await token.wrapPrivateKey(objectIdOf(key), wrappingKeySpki);
    } catch (error) {
      throw new SignetError(error instanceof SignetError ? error.code : 'Internal', `Key "${key.label}" could not be wrapped on token "${this.selector.tokenLabel}", so no backup was written: ${(error as Error).message}`);
    }
  }

  // Removes the private and public objects with the key's id.
  async destroy(key: KeyRecord): Promise<number> {
    const token = await this.token(`Destroy key "${key.label}" on this token.`);
    return token.destroy(objectIdOf(key));
  }

  // Listed keys missing from the token, and signing keys on it the inventory does not list; an unreadable token is one difference.
  async reconcile(keys: KeyRecord[]): Promise<Difference[]> {
    const differences: Difference[] = [];
    const { tokenLabel } = this.selector;
    let onToken: TokenKey[];
    try {
      onToken = await (await this.token('Compare the inventory with the keys on this token.')).listKeys();
    } catch (error) {
      return [{ keyId: null, kind: 'token-unavailable', message: `Token "${tokenLabel}" could not be read: ${(error as Error).message}` }];
    }
    const present = new Set(onToken.filter((k) => k.hasPrivateKey).map((k) => k.objectId.toString('hex')));
    for (const key of keys) {
      const held = tokenOf(key.location);
      if (held && !present.has(held.objectId)) {
        differences.push({ keyId: key.id, kind: 'missing-on-token', message: `"${key.label}" is in the inventory but not on token "${tokenLabel}".` });
      }
    }
    const known = new Set(keys.map((k) => tokenOf(k.location)?.objectId ?? ''));
    for (const key of onToken) {
      if (key.hasPrivateKey && key.canSign && !known.has(key.objectId.toString('hex'))) {
        differences.push({ keyId: null, kind: 'not-in-inventory', message: `Token "${tokenLabel}" holds key "${key.label}" (id ${key.objectId.toString('hex')}) that is not in the inventory.` });
      }
    }
    return differences;
  }

  // PKCS#11 has no standard key attestation, and Signet reads no vendor's.
  async attest(): Promise<KeyAttestation> {
    return { attested: false, reason: `Token "${this.selector.tokenLabel}" offers no attestation Signet reads; PKCS#11 has no standard one.` };
  }

  // The signing keys on the token, for adoption.
  async signingKeys(operation: string): Promise<TokenKey[]> {
    return (await (await this.token(operation)).listKeys()).filter((k) => k.hasPrivateKey && k.canSign);
  }

  // A key made outside Signet, checked and described as the inventory would record it; the key itself is not touched.
  async adoptable(objectId: string, operation: string): Promise<AdoptableKey> {
    const token = await this.token(operation);
    const found = (await token.listKeys()).find((k) => k.objectId.toString('hex') === objectId && k.hasPrivateKey && k.canSign);
    if (!found) throw new SignetError('NotFound', `Token "${this.selector.tokenLabel}" has no private key with id ${objectId}.`);
    if (!found.publicKeySpki || !found.algorithm) throw new SignetError('BadInput', `Key ${objectId} has no public key on the token, or an algorithm Signet does not sign with.`);
    return {
      algorithm: found.algorithm,
      spki: found.publicKeySpki,
      location: {
        kind: 'pkcs11',
        uri: formatPkcs11Uri({ token: token.label, serial: token.serial, object: found.label || undefined, id: found.objectId, type: 'private', modulePath: this.selector.modulePath }),
        modulePath: this.selector.modulePath,
        tokenLabel: token.label,
        tokenSerial: token.serial,
        objectId,
        ...(found.extractable ? { wrappable: true } : {}),
      },
    };
  }

  // Whether a record names this object under this token's module (adoption compares by module and object id).
  holdsObject(record: KeyRecord, objectId: string): boolean {
    const held = tokenOf(record.location);
    return held !== null && held.modulePath === this.selector.modulePath && held.objectId === objectId;
  }

  private token(operation: string): Promise<Pkcs11Token> {
    return this.sessions(this.selector, operation);
  }
}

/** A TPM through tpm2-pkcs11: a token like any other, except that it has no Ed25519 and its keys never leave it, not even wrapped. */
export class TpmKeyBackend extends TokenKeyBackend {
  // Said before any PIN is asked: a TPM locks after a few wrong tries, so nothing is tried that cannot work.
  override checkGenerate(algorithm: KeyAlgorithm, wrappable: boolean): void {
    if (!TPM_ALGORITHMS.includes(algorithm)) {
      throw new SignetError('BadInput', `A TPM signs with ${TPM_ALGORITHMS.map((a) => ALGORITHM_NAMES[a]).join(', ')}; it has no ${ALGORITHM_NAMES[algorithm]}.`);
    }
    if (wrappable) throw new SignetError('BadInput', 'A TPM key never leaves the TPM, not even wrapped; make a twin on another token for redundancy.');
  }

  // tpm2-pkcs11 exposes no TPM2_Certify through PKCS#11, so the TPM's own attestation is not read yet.
  override async attest(): Promise<KeyAttestation> {
    return { attested: false, reason: `TPM token "${this.selector.tokenLabel}" can certify its keys (TPM2_Certify), but tpm2-pkcs11 does not expose it, so Signet reads no attestation yet.` };
  }
}

function objectIdOf(key: KeyRecord): Buffer {
  const held = tokenOf(key.location);
  if (!held) throw new SignetError('Internal', `"${key.label}" is not held on a token.`);
  return Buffer.from(held.objectId, 'hex');
}
