import { createPrivateKey, randomBytes, scrypt as scryptCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import nacl from 'tweetnacl';
import { SignetError } from '../errors.ts';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, length: number, options: object) => Promise<Buffer>;

const PEM_TYPES = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'];
/** cosign's parameters for new keys (sigstore/pkg/encrypted): scrypt N=2^16, r=8, p=1, a 32-byte key. */
const KDF = { N: 65536, r: 8, p: 1 };

interface EncryptedKey {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

async function deriveKey(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return scrypt(password, salt, 32, { ...params, maxmem: 256 * 1024 * 1024 });
}

// Opens a cosign.key (scrypt + NaCl secretbox around PKCS#8), as `cosign generate-key-pair` writes it.
export async function openCosignKey(pem: string, password: string): Promise<KeyObject> {
  const match = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!match || !PEM_TYPES.includes(match[1]!)) throw new SignetError('BadInput', 'This is not an encrypted cosign private key (cosign.key).');
  let sealed: EncryptedKey;
  try {
    sealed = JSON.parse(Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64').toString('utf8')) as EncryptedKey;
  } catch {
    throw new SignetError('BadInput', 'The cosign.key body is not the expected JSON.');
  }
  const params = sealed.kdf?.params;
  if (sealed.kdf?.name !== 'scrypt' || sealed.cipher?.name !== 'nacl/secretbox' || !params) {
    throw new SignetError('BadInput', `Unsupported cosign.key encryption (${sealed.kdf?.name ?? '?'} / ${sealed.cipher?.name ?? '?'}).`);
  }
  if (params.N > 1 << 20 || params.r > 32 || params.p > 16) throw new SignetError('BadInput', 'The cosign.key asks for scrypt parameters beyond what Signet will spend.');
  const key = await deriveKey(password, Buffer.from(sealed.kdf.salt, 'base64'), params);
  const plain = nacl.secretbox.open(Buffer.from(sealed.ciphertext, 'base64'), Buffer.from(sealed.cipher.nonce, 'base64'), key);
  if (!plain) throw new SignetError('Unauthorized', 'The password does not open this cosign.key.');
  try {
    return createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' });
  } catch {
    throw new SignetError('BadInput', 'The cosign.key opened, but what it holds is not a private key.');
  }
}

// Writes a private key as cosign.key, so cosign and other sigstore tools can use a Signet software key.
export async function sealCosignKey(privateKey: KeyObject, password: string): Promise<string> {
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = await deriveKey(password, salt, KDF);
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const body: EncryptedKey = {
    kdf: { name: 'scrypt', params: KDF, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(nacl.secretbox(pkcs8, nonce, key)).toString('base64'),
  };
  const base64 = Buffer.from(JSON.stringify(body)).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${base64}-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
}
