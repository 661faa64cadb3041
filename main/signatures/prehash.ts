import { constants, publicDecrypt, type KeyObject } from 'node:crypto';

// Node can verify a signature over a message, not over a bare digest; sigstore's digest-only mode needs the latter.

interface Curve {
  p: bigint;
  a: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
}

const CURVES: Record<string, Curve> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
};

type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

function add(c: Curve, P: Point, Q: Point): Point {
  if (!P) return Q;
  if (!Q) return P;
  if (P.x === Q.x && mod(P.y + Q.y, c.p) === 0n) return null;
  const slope = P.x === Q.x && P.y === Q.y ? mod((3n * P.x * P.x + c.a) * inverse(2n * P.y, c.p), c.p) : mod((Q.y - P.y) * inverse(Q.x - P.x, c.p), c.p);
  const x = mod(slope * slope - P.x - Q.x, c.p);
  return { x, y: mod(slope * (P.x - x) - P.y, c.p) };
}

function multiply(c: Curve, k: bigint, P: Point): Point {
  let result: Point = null;
  let addend = P;
  for (let n = k; n > 0n; n >>= 1n) {
    if (n & 1n) result = add(c, result, addend);
    addend = add(c, addend, addend);
  }
  return result;
}

function readInteger(der: Buffer, at: number): [bigint, number] {
  if (der[at] !== 0x02) throw new Error('not an INTEGER');
  const length = der[at + 1]!;
  return [BigInt(`0x${der.subarray(at + 2, at + 2 + length).toString('hex') || '0'}`), at + 2 + length];
}

// ECDSA verification of a DER signature over a given digest (P-256, P-384).
function verifyEcdsaDigest(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const jwk = key.export({ format: 'jwk' });
  const curve = CURVES[jwk.crv ?? ''];
  if (!curve || !jwk.x || !jwk.y) return false;
  if (signature[0] !== 0x30) return false;
  const start = signature[1]! & 0x80 ? 2 + (signature[1]! & 0x7f) : 2;
  const [r, next] = readInteger(signature, start);
  const [s] = readInteger(signature, next);
  if (r <= 0n || r >= curve.n || s <= 0n || s >= curve.n) return false;
  const bits = curve.n.toString(2).length;
  let e = BigInt(`0x${digest.toString('hex')}`);
  if (digest.length * 8 > bits) e >>= BigInt(digest.length * 8 - bits);
  const w = inverse(s, curve.n);
  const Q = { x: BigInt(`0x${Buffer.from(jwk.x, 'base64url').toString('hex')}`), y: BigInt(`0x${Buffer.from(jwk.y, 'base64url').toString('hex')}`) };
  const X = add(curve, multiply(curve, mod(e * w, curve.n), { x: curve.gx, y: curve.gy }), multiply(curve, mod(r * w, curve.n), Q));
  return X !== null && mod(X.x, curve.n) === r;
}

const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

// Verifies a signature over a digest the caller already has; Ed25519 cannot be checked this way.
export function verifyDigestSignature(key: KeyObject, digest: Buffer, signature: Buffer, hash: string): boolean {
  try {
    if (key.asymmetricKeyType === 'ec') return verifyEcdsaDigest(key, digest, signature);
    if (key.asymmetricKeyType === 'rsa') {
      const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      return DIGEST_INFO[hash] !== undefined && recovered.equals(Buffer.concat([Buffer.from(DIGEST_INFO[hash]!, 'hex'), digest]));
    }
    return false;
  } catch {
    return false;
  }
}
