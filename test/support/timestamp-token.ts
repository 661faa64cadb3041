// RFC 3161 TimeStampTokens written directly, for the cases OpenSSL's `ts -reply` will not make: a stamped time in the
// past, or a signer certificate without the timeStamping extended key usage. Everything else is as OpenSSL writes it.
import { createHash, sign } from 'node:crypto';
import { certificateParts } from '../../main/encoding/der.ts';
import { derExplicit, derGeneralizedTime, derImplicit, derInteger, derNull, derOctetString, derOid, derSequence, derSet } from '../../main/encoding/der-writer.ts';
import type { Issued } from './certificate-factory.ts';

const SHA256 = '2.16.840.1.101.3.4.2.1';
const SIGNED_DATA = '1.2.840.113549.1.7.2';
const TST_INFO = '1.2.840.113549.1.9.16.1.4';
const CONTENT_TYPE = '1.2.840.113549.1.9.3';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

let serial = 1;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();

// A TimeStampToken (CMS SignedData over a TSTInfo) for the SHA-256 of `data`, stamped at `time` by `tsa` (an ECDSA key), carrying `chain`.
export function writeTimestampToken(data: Buffer, tsa: Issued, chain: Issued[], time: Date): Buffer {
  const sha256Algorithm = derSequence(derOid(SHA256), derNull());
  const tstInfo = derSequence(derInteger(1), derOid('1.2.3.4'), derSequence(sha256Algorithm, derOctetString(sha256(data))), derInteger(serial++), derGeneralizedTime(time));
  const attribute = (oid: string, value: Buffer) => derSequence(derOid(oid), derSet(value));
  const attributes = [
    attribute(CONTENT_TYPE, derOid(TST_INFO)),
    attribute(MESSAGE_DIGEST, derOctetString(sha256(tstInfo))),
    attribute(SIGNING_CERTIFICATE_V2, derSequence(derSequence(derSequence(derOctetString(sha256(tsa.der)))))),
  ];
  const signedAttributes = derSet(...attributes);
  const signature = sign('sha256', signedAttributes, { key: tsa.privateKey, dsaEncoding: 'der' });
  const serialNumber = Buffer.from(tsa.cert.serialNumber.length % 2 ? `0${tsa.cert.serialNumber}` : tsa.cert.serialNumber, 'hex');
  const signerInfo = derSequence(
    derInteger(1),
    derSequence(certificateParts(tsa.der).issuerDer, derInteger(serialNumber)),
    derSequence(derOid(SHA256)),
    derImplicit(0, signedAttributes),
    derSequence(derOid(ECDSA_SHA256)),
    derOctetString(signature),
  );
  const certificates = derImplicit(0, derSet(...[tsa, ...chain].map((c) => c.der)));
  const signedData = derSequence(derInteger(3), derSet(derSequence(derOid(SHA256))), derSequence(derOid(TST_INFO), derExplicit(0, derOctetString(tstInfo))), certificates, derSet(signerInfo));
  return derSequence(derOid(SIGNED_DATA), derExplicit(0, signedData));
}
