// CRLs and CRL distribution points for test certificates, so revocation can be checked the way notation checks it online.
import { sign } from 'node:crypto';
import { certificateParts } from '../../main/encoding/der.ts';
import { derBitString, derExplicit, derInteger, derOctetString, derOid, derSequence, derTime, derTlv } from '../../main/encoding/der-writer.ts';
import type { Issued } from './certificate-factory.ts';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

// The cRLDistributionPoints extension value naming one URL (DistributionPoint fullName, a uniformResourceIdentifier).
export function distributionPoint(url: string): Buffer {
  return derSequence(derSequence(derTlv(0xa0, derTlv(0xa0, derTlv(0x86, Buffer.from(url, 'ascii'))))));
}

// A v2 CRL from `issuer` (an ECDSA key) listing `revoked` certificates, with a CRL number and a next update.
export function writeCrl(issuer: Issued, revoked: { cert: Issued; at: Date }[], thisUpdate: Date, nextUpdate: Date): Buffer {
  const algorithm = derSequence(derOid(ECDSA_SHA256));
  const serial = (cert: Issued) => Buffer.from(cert.cert.serialNumber.length % 2 ? `0${cert.cert.serialNumber}` : cert.cert.serialNumber, 'hex');
  const entries = revoked.length ? [derSequence(...revoked.map((r) => derSequence(derInteger(serial(r.cert)), derTime(r.at))))] : [];
  const tbs = derSequence(
    derInteger(1),
    algorithm,
    certificateParts(issuer.der).subjectDer,
    derTime(thisUpdate),
    derTime(nextUpdate),
    ...entries,
    derExplicit(0, derSequence(derSequence(derOid('2.5.29.20'), derOctetString(derInteger(1))))),
  );
  return derSequence(tbs, algorithm, derBitString(sign('sha256', tbs, { key: issuer.privateKey, dsaEncoding: 'der' })));
}
