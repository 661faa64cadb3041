import { X509Certificate } from 'node:crypto';
import { RFC3161Timestamp } from '@sigstore/core';
import { certificateParts, derChildren, derStrictItem } from '../encoding/der.ts';
import { certificateName, validateCertificatePath } from './x509-path.ts';

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

export interface TimestampOptions {
  /** The Notary Project also requires a keyUsage extension on every CA certificate of the timestamp authority's chain. */
  requireCaKeyUsage?: boolean;
}

function sameSigner(cert: X509Certificate, serial: string, issuer: Buffer): boolean {
  if (cert.serialNumber.replace(/^0+/, '').toUpperCase() !== serial) return false;
  try {
    return derStrictItem(certificateParts(cert.raw).issuerDer).content.equals(issuer);
  } catch {
    return false;
  }
}

/**
 * A timestamp counts only when it covers exactly these bytes (its message imprint) and its authority's certificate
 * is a time-stamping certificate with a valid path to the TSA trust store at the stamped time; the time it gives
 * then outlives the signing certificate or key.
 */
export function checkTimestampToken(token: Buffer, signed: Buffer, tsaStore: X509Certificate[], options: TimestampOptions = {}): TimestampCheck {
  if (tsaStore.length === 0) return { authentic: false, time: null, reason: 'No timestamp authority is trusted, so the timestamp cannot be relied on.' };
  try {
    const { response, contentInfo } = splitToken(token);
    const timestamp = RFC3161Timestamp.parse(response as Buffer<ArrayBuffer>);
    const carried = contentInfo ? tokenCertificates(contentInfo) : [];
    const serial = timestamp.signerSerialNumber.toString('hex').replace(/^0+/, '').toUpperCase();
    const signer = [...carried, ...tsaStore].find((c) => sameSigner(c, serial, timestamp.signerIssuer));
    if (!signer) return { authentic: false, time: null, reason: 'The certificate of the timestamp authority that signed the timestamp is not available.' };
    timestamp.verify(signed, signer.publicKey);
    const time = timestamp.signingTime;
    const path = validateCertificatePath(signer, { anchors: tsaStore, intermediates: carried, at: time, purpose: 'timeStamping', allowLeafAnchor: true });
    if (!path.ok) return { authentic: false, time, reason: `The timestamp authority is not trusted at the stamped time ${time.toISOString()}: ${path.reason}` };
    if (options.requireCaKeyUsage) {
      const bare = path.path.slice(1).find((cert) => !certificateParts(cert.raw).extensions.some((e) => e.oid === '2.5.29.15'));
      if (bare) return { authentic: false, time, reason: `The timestamp authority's CA certificate "${certificateName(bare)}" has no keyUsage extension, which the Notary Project requires.` };
    }
    return { authentic: true, time, reason: `Timestamped ${time.toISOString()} by "${certificateName(signer)}", which chains to the trusted timestamp authorities.` };
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

// Whether a timestamp's message imprint is over these bytes, whoever signed it: one over other bytes was spliced in.
export function timestampImprintCovers(token: Buffer, signed: Buffer): boolean {
  try {
    RFC3161Timestamp.parse(splitToken(token).response as Buffer<ArrayBuffer>).tstInfo.verify(signed);
    return true;
  } catch {
    return false;
  }
}
