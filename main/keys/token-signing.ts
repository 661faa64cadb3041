import { createHash } from 'node:crypto';
import { ALGORITHM_NAMES, type KeyAlgorithm } from '../../shared/model/keys.model.ts';
import { SignetError } from '../errors.ts';
import { ecdsaRawToDer, HASH_FOR, rsaDigestInfo } from '../encoding/key-encoding.ts';
import type { Pkcs11Token } from '../platform/pkcs11.types.ts';

// One place picks the token mechanism for an algorithm, so a restore drill signs exactly as signing does; signatures come out as node:crypto verifies them.
export async function signOnToken(token: Pkcs11Token, objectId: Buffer, algorithm: KeyAlgorithm, payload: Buffer | null, digest: Buffer | null): Promise<Buffer> {
  const hash = HASH_FOR[algorithm];
  const hashed = digest ?? (hash && payload ? createHash(hash).update(payload).digest() : null);
  if (algorithm.startsWith('ecdsa')) return ecdsaRawToDer(await token.sign(objectId, 'ecdsa', hashed!));
  if (algorithm.startsWith('rsa')) return token.sign(objectId, 'rsa-pkcs1', rsaDigestInfo(hash!, hashed!));
  if (!payload) throw new SignetError('BadInput', `${ALGORITHM_NAMES[algorithm]} signs the message itself, not a digest.`);
  return token.sign(objectId, 'eddsa', payload);
}
