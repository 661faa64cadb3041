import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '../../shared/model/keys.model.ts';

/** The digest each algorithm signs with; Ed25519 signs the message itself. */
export const HASH_FOR: Record<KeyAlgorithm, 'sha256' | 'sha384' | null> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  ed25519: null,
  'rsa-3072': 'sha256',
  'rsa-4096': 'sha256',
};

// The SHA-256 of the DER SubjectPublicKeyInfo: the same fingerprint for a key wherever it lives.
export function fingerprintOf(spki: Buffer): string {
  return createHash('sha256').update(spki).digest('hex');
}

// Inventory and exports store public keys as PEM; this is the one conversion.
export function spkiToPem(spki: Buffer): string {
  return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
}

// Builds a public key from its parts, as a token reports them.
export function spkiFromJwk(jwk: JsonWebKey): Buffer {
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

// Tells which Signet algorithm a public key is, or null for one Signet does not sign with.
export function algorithmOf(key: KeyObject): KeyAlgorithm | null {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1' || details.namedCurve === 'P-256') return 'ecdsa-p256';
    if (details.namedCurve === 'secp384r1' || details.namedCurve === 'P-384') return 'ecdsa-p384';
    return null;
  }
  if (key.asymmetricKeyType === 'rsa') {
    if (details.modulusLength === 3072) return 'rsa-3072';
    if (details.modulusLength === 4096) return 'rsa-4096';
  }
  return null;
}

// Where an r or s value starts once its leading zeros are dropped, and whether it needs a zero byte to stay positive.
function integerShape(raw: Buffer, from: number, to: number): { start: number; pad: number; length: number } {
  let start = from;
  while (start < to - 1 && raw[start] === 0) start++;
  const pad = raw[start]! & 0x80 ? 1 : 0;
  return { start, pad, length: to - start + pad };
}

// PKCS#11 returns ECDSA signatures as r||s; cosign, Notation and X.509 expect ASN.1 DER. One allocation: a release signs thousands.
export function ecdsaRawToDer(raw: Buffer): Buffer {
  const half = raw.length / 2;
  const r = integerShape(raw, 0, half);
  const s = integerShape(raw, half, raw.length);
  const bodyLength = 4 + r.length + s.length;
  const header = bodyLength < 0x80 ? 2 : 3;
  const der = Buffer.alloc(header + bodyLength);
  der[0] = 0x30;
  if (header === 2) der[1] = bodyLength;
  else der.set([0x81, bodyLength], 1);
  let at = header;
  for (const [part, from] of [[r, 0], [s, half]] as const) {
    der[at] = 0x02;
    der[at + 1] = part.length;
    raw.copy(der, at + 2 + part.pad, part.start, from + half);
    at += 2 + part.length;
  }
  return der;
}

const DIGEST_INFO_PREFIX: Record<'sha256' | 'sha384', Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
};

// JWS (Notation) wants r||s of fixed width where PKCS#11 and Node hand out DER.
export function ecdsaDerToRaw(der: Buffer, size: number): Buffer {
  let at = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  const part = () => {
    if (der[at] !== 0x02) throw new Error('not a DER ECDSA signature');
    const length = der[at + 1]!;
    const value = der.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    const trimmed = value.subarray(Math.max(0, value.length - size));
    return Buffer.concat([Buffer.alloc(size - trimmed.length), trimmed]);
  };
  return Buffer.concat([part(), part()]);
}

// CKM_RSA_PKCS signs a DigestInfo, which the caller must build around the digest.
export function rsaDigestInfo(hash: 'sha256' | 'sha384', digest: Buffer): Buffer {
  return Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);
}
