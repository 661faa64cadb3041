// Builds small signed TUF repositories (root + targets) with fresh Ed25519 keys, for tests of the targets check.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { tufCanonical, type TufRoot } from '../../main/trust/tuf-root.ts';
import type { TufTargets } from '../../main/trust/tuf-targets.ts';

export interface TufKeyPair {
  keyid: string;
  privateKey: KeyObject;
  entry: { keytype: string; scheme: string; keyval: { public: string } };
}

// An Ed25519 key in TUF's form: the raw public key as hex, its key ID the sha256 of the canonical key entry.
export function tufKey(): TufKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
  const entry = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw } };
  return { keyid: createHash('sha256').update(tufCanonical(entry)).digest('hex'), privateKey, entry };
}

// Signs `signed` with each key, as TUF signs: over the canonical JSON, hex signatures.
export function signTuf<T>(signed: T, keys: TufKeyPair[]): { signed: T; signatures: { keyid: string; sig: string }[] } {
  const message = Buffer.from(tufCanonical(signed));
  return { signed, signatures: keys.map((k) => ({ keyid: k.keyid, sig: sign(null, message, k.privateKey).toString('hex') })) };
}

// A root whose targets role is `targetKeys` with `threshold`, signed by its own root key.
export function tufRoot(targetKeys: TufKeyPair[], threshold: number, expires = '2099-01-01T00:00:00Z'): TufRoot {
  const rootKey = tufKey();
  const keys = Object.fromEntries([rootKey, ...targetKeys].map((k) => [k.keyid, k.entry]));
  return signTuf(
    { _type: 'root', version: 1, expires, keys, roles: { root: { keyids: [rootKey.keyid], threshold: 1 }, targets: { keyids: targetKeys.map((k) => k.keyid), threshold } } },
    [rootKey],
  ) as TufRoot;
}

// Targets metadata listing `files` with their length and sha256 and sha512, signed by `keys`.
export function tufTargets(files: Record<string, Buffer>, keys: TufKeyPair[], expires = '2099-01-01T00:00:00Z'): TufTargets {
  const targets = Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [name, { length: bytes.length, hashes: { sha256: createHash('sha256').update(bytes).digest('hex'), sha512: createHash('sha512').update(bytes).digest('hex') } }]),
  );
  return signTuf({ _type: 'targets', version: 3, expires, targets }, keys);
}
