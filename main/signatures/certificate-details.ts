import { createHash, type X509Certificate } from 'node:crypto';
import { derChildren, derString, extensionValue } from '../encoding/der.ts';

const KEY_USAGE_OID = '2.5.29.15';
const KEY_USAGE_NAMES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];
const EXTENDED_USAGE_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};
/** Sigstore's Fulcio extensions, by OID, named as the Fulcio documentation names them. */
const FULCIO_EXTENSIONS: Record<string, string> = {
  '1.3.6.1.4.1.57264.1.1': 'Issuer (v1)',
  '1.3.6.1.4.1.57264.1.8': 'Issuer',
  '1.3.6.1.4.1.57264.1.9': 'Build Signer URI',
  '1.3.6.1.4.1.57264.1.11': 'Runner Environment',
  '1.3.6.1.4.1.57264.1.12': 'Source Repository URI',
  '1.3.6.1.4.1.57264.1.13': 'Source Repository Digest',
  '1.3.6.1.4.1.57264.1.14': 'Source Repository Ref',
  '1.3.6.1.4.1.57264.1.18': 'Build Config URI',
  '1.3.6.1.4.1.57264.1.20': 'Build Trigger',
};

function keyUsage(raw: Buffer): string {
  const value = extensionValue(raw, KEY_USAGE_OID);
  if (!value || value[0] !== 0x03) return '';
  const bits = derChildren(Buffer.concat([Buffer.from([0x30, value.length]), value]))[0]?.content;
  if (!bits || bits.length < 2) return '';
  const names: string[] = [];
  for (let bit = 0; bit < KEY_USAGE_NAMES.length; bit++) {
    const byte = bits[1 + (bit >> 3)];
    if (byte !== undefined && byte & (0x80 >> (bit & 7))) names.push(KEY_USAGE_NAMES[bit]!);
  }
  return names.join(', ');
}

// A certificate as people read it in the inspector: who, for whom, by whom, when, for what.
export function certificateFields(cert: X509Certificate): Record<string, string> {
  const raw = cert.raw;
  const fields: Record<string, string> = {
    subject: (cert.subject ?? '').replace(/\n/g, ', '),
    issuer: (cert.issuer ?? '').replace(/\n/g, ', '),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    serialNumber: cert.serialNumber,
    sha256: createHash('sha256').update(raw).digest('hex'),
    ca: String(cert.ca),
    publicKey: `${cert.publicKey.asymmetricKeyType ?? 'unknown'}${cert.publicKey.asymmetricKeyDetails?.namedCurve ? ` ${cert.publicKey.asymmetricKeyDetails.namedCurve}` : cert.publicKey.asymmetricKeyDetails?.modulusLength ? ` ${cert.publicKey.asymmetricKeyDetails.modulusLength}` : ''}`,
  };
  if (cert.subjectAltName) fields.subjectAltName = cert.subjectAltName;
  const usage = keyUsage(raw);
  if (usage) fields.keyUsage = usage;
  const extended = cert.keyUsage;
  if (extended?.length) fields.extendedKeyUsage = extended.map((oid) => EXTENDED_USAGE_NAMES[oid] ?? oid).join(', ');
  for (const [oid, name] of Object.entries(FULCIO_EXTENSIONS)) {
    const value = extensionValue(raw, oid);
    if (value) fields[`Fulcio ${name}`] = oid.endsWith('.1.1') ? value.toString('utf8') : derString(value);
  }
  return fields;
}
