import { X509Certificate } from 'node:crypto';
import { RFC3161Timestamp } from '@sigstore/core';
import { derChildren } from './der.ts';

export interface TimestampCheck {
  authentic: boolean;
  time: Date | null;
  reason: string;
}

// Notation carries a bare TimeStampToken (CMS ContentInfo), cosign a whole TimeStampResp; both are read here.
function splitToken(bytes: Buffer): { response: Buffer; contentInfo: Buffer | null } {
  const children = bytes[0] === 0x30 ? derChildren(bytes) : [];
  if (children[0]?.tag === 0x06) {
    const status = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);
    const body = Buffer.concat([status, bytes]);
    const length = body.length < 0x80 ? Buffer.from([body.length]) : body.length < 0x100 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
    return { response: Buffer.concat([Buffer.from([0x30]), length, body]), contentInfo: bytes };
  }
  const token = children[1];
  return { response: bytes, contentInfo: token && token.tag === 0x30 ? token.bytes : null };
}

// The certificates a TimeStampToken carries in its SignedData.
function tokenCertificates(contentInfo: Buffer): X509Certificate[] {
  const signedData = derChildren(derChildren(contentInfo)[1]!.bytes)[0]!;
  const certificates = derChildren(signedData.bytes).find((item) => item.tag === 0xa0);
  return certificates ? derChildren(certificates.bytes).map((item) => new X509Certificate(item.bytes)) : [];
}

const withinValidity = (cert: X509Certificate, at: Date) => Date.parse(cert.validFrom) <= at.getTime() && at.getTime() <= Date.parse(cert.validTo);

/**
 * A timestamp counts only when it covers exactly these bytes and its authority chains to the TSA
 * trust store at the stamped time; the time it gives then outlives the signing certificate or key.
 */
export function checkTimestampToken(token: Buffer, signed: Buffer, tsaStore: X509Certificate[]): TimestampCheck {
  if (tsaStore.length === 0) return { authentic: false, time: null, reason: 'No timestamp authority is trusted, so the timestamp cannot be relied on.' };
  try {
    const { response, contentInfo } = splitToken(token);
    const timestamp = RFC3161Timestamp.parse(response as Buffer<ArrayBuffer>);
    const carried = contentInfo ? tokenCertificates(contentInfo) : [];
    const serial = timestamp.signerSerialNumber.toString('hex').replace(/^0+/, '').toUpperCase();
    const signer = [...carried, ...tsaStore].find((c) => c.serialNumber.replace(/^0+/, '').toUpperCase() === serial);
    if (!signer) return { authentic: false, time: null, reason: 'The certificate of the timestamp authority that signed the timestamp is not available.' };
    timestamp.verify(signed, signer.publicKey);
    const time = timestamp.signingTime;
    if (!withinValidity(signer, time)) return { authentic: false, time, reason: `The timestamp authority's certificate was not valid at the stamped time ${time.toISOString()}.` };
    const pool = [...carried, ...tsaStore];
    let current = signer;
    for (let depth = 0; depth < 6; depth++) {
      if (tsaStore.some((anchor) => anchor.raw.equals(current.raw) || (current.checkIssued(anchor) && current.verify(anchor.publicKey)))) {
        return { authentic: true, time, reason: `Timestamped ${time.toISOString()} by "${signer.subject.replace(/\n/g, ', ')}", which chains to the trusted timestamp authorities.` };
      }
      const parent = pool.find((c) => !c.raw.equals(current.raw) && current.checkIssued(c) && current.verify(c.publicKey));
      if (!parent) break;
      current = parent;
    }
    return { authentic: false, time, reason: 'The timestamp authority does not chain to the trusted timestamp authorities.' };
  } catch (error) {
    return { authentic: false, time: null, reason: `The timestamp does not verify: ${(error as Error).message}` };
  }
}

// A fresh answer from a timestamp authority must be about exactly these bytes and signed by the certificate it carries; trust in that authority is judged at verification.
export function timestampCovers(token: Buffer, signed: Buffer): Date {
  const { response, contentInfo } = splitToken(token);
  const timestamp = RFC3161Timestamp.parse(response as Buffer<ArrayBuffer>);
  const serial = timestamp.signerSerialNumber.toString('hex').replace(/^0+/, '').toUpperCase();
  const signer = (contentInfo ? tokenCertificates(contentInfo) : []).find((c) => c.serialNumber.replace(/^0+/, '').toUpperCase() === serial);
  if (!signer) throw new Error('the answer does not carry the certificate that signed it');
  timestamp.verify(signed, signer.publicKey);
  return timestamp.signingTime;
}
