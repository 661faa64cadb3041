import { createHash, createPublicKey, type X509Certificate } from 'node:crypto';
import { dsse } from '@sigstore/core';
import { SignetError } from '../errors.ts';
import { derChildren } from '../encoding/der.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const NOTATION_PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
export const NOTATION_SIGNATURE_TYPE = 'application/vnd.cncf.notary.signature';
export const JWS_MEDIA_TYPE = 'application/jose+json';

/** Signs bytes with the chosen key, through its backend; returns the signature as the format wants it. */
export type SignBytes = (message: Buffer) => Promise<Buffer>;

// cosign v3's image signature: an in-toto statement about the manifest digest with the signing predicate.
export function signingStatement(repository: string, digest: string, annotations: Record<string, string>): Buffer {
  const predicate = Object.keys(annotations).length > 0 ? { annotations } : {};
  return Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: repository, digest: { sha256: digest.slice('sha256:'.length) } }], predicateType: COSIGN_SIGN_PREDICATE, predicate }),
  );
}

// The DSSE pre-authentication encoding is what is signed, so the payload type cannot be swapped.
export function dsseSignedBytes(statement: Buffer): Buffer {
  return dsse.preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement);
}

// A key-signed v0.3 bundle: the public key is named by hint only, no log entry unless one was made.
export function sigstoreBundle(statement: Buffer, signature: Buffer, publicKeyPem: string, timestampResponse: Buffer | null): Buffer {
  const spki = createPublicKey(publicKeyPem).export({ format: 'der', type: 'spki' });
  const verificationMaterial: Record<string, unknown> = { publicKey: { hint: createHash('sha256').update(spki).digest('base64') }, tlogEntries: [] };
  if (timestampResponse) verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: timestampResponse.toString('base64') }] };
  return Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_MEDIA_TYPE,
      verificationMaterial,
      dsseEnvelope: { payload: statement.toString('base64'), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: signature.toString('base64'), keyid: '' }] },
    }),
  );
}

export interface NotationParts {
  protectedHeader: string;
  payload: string;
}

// The protected header and payload of a Notary Project JWS, as the envelope specification lists them.
export function notationParts(target: { mediaType: string; digest: string; size: number }, annotations: Record<string, string>, algorithm: 'ES256' | 'ES384', signingTime: Date): NotationParts {
  const header = {
    alg: algorithm,
    crit: ['io.cncf.notary.signingScheme'],
    cty: NOTATION_PAYLOAD_TYPE,
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': signingTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const targetArtifact = { ...target, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  return { protectedHeader: base64url(JSON.stringify(header)), payload: base64url(JSON.stringify({ targetArtifact })) };
}

// What a JWS signs: the two encoded parts joined by a dot.
export function notationSignedBytes(parts: NotationParts): Buffer {
  return Buffer.from(`${parts.protectedHeader}.${parts.payload}`, 'ascii');
}

// The flattened JWS JSON serialisation with the chain (leaf first) and the signing agent unprotected, as Notation writes it.
export function notationEnvelope(parts: NotationParts, signature: Buffer, chain: X509Certificate[], agent: string, timestampResponse: Buffer | null): Buffer {
  const header: Record<string, unknown> = { x5c: chain.map((c) => c.raw.toString('base64')), 'io.cncf.notary.signingAgent': agent };
  if (timestampResponse) header['io.cncf.notary.timestampSignature'] = timestampToken(timestampResponse).toString('base64');
  return Buffer.from(JSON.stringify({ payload: parts.payload, protected: parts.protectedHeader, header, signature: signature.toString('base64url') }));
}

// Notation pins the chain in the manifest: the SHA-256 of each certificate, leaf first.
export function chainThumbprints(chain: X509Certificate[]): string {
  return JSON.stringify(chain.map((c) => createHash('sha256').update(c.raw).digest('hex')));
}

// A TimeStampResp is status then token; Notation carries the token alone (bundles keep the whole response).
function timestampToken(response: Buffer): Buffer {
  const token = derChildren(response)[1];
  if (!token) throw new SignetError('BadInput', 'The timestamp authority answered without a timestamp token.');
  return token.bytes;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
