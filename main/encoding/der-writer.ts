// The few DER encodings a certificate authority needs; each function returns one complete TLV.
import { encodeOid } from './der.ts';

const CONTEXT = 0x80;
const CONSTRUCTED = 0x20;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  if (bytes.length > 4) throw new Error('DER value too long');
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

// Every other encoder ends here, so the length form is decided in one place (definite, minimal).
export function derTlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

// Ordered fields of a structure (Certificate, TBSCertificate, AlgorithmIdentifier...).
export function derSequence(...items: Buffer[]): Buffer {
  return derTlv(0x30, Buffer.concat(items));
}

// DER demands a SET OF in ascending order of its encodings, so callers need not sort.
export function derSet(...items: Buffer[]): Buffer {
  return derTlv(0x31, Buffer.concat([...items].sort(Buffer.compare)));
}

function minimalUnsigned(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.length === 0 ? Buffer.from([0]) : magnitude.subarray(start);
  return (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
}

function twosComplement(value: bigint): Buffer {
  if (value >= 0n) {
    const hex = value.toString(16);
    return minimalUnsigned(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
  }
  let bytes = 1;
  while (value < -(1n << BigInt(8 * bytes - 1))) bytes++;
  const hex = ((1n << BigInt(8 * bytes)) + value).toString(16).padStart(bytes * 2, '0');
  return Buffer.from(hex, 'hex');
}

// A Buffer is an unsigned big-endian magnitude (serial numbers, key ids), so it gets a 0x00 when its top bit is set; a bigint may be negative.
export function derInteger(value: Buffer | bigint | number): Buffer {
  if (Buffer.isBuffer(value)) return derTlv(0x02, minimalUnsigned(value));
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return derTlv(0x02, twosComplement(BigInt(value)));
}

// ENUMERATED shares INTEGER's content rules; CRL reason codes use it.
export function derEnumerated(value: number): Buffer {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return derTlv(0x0a, twosComplement(BigInt(value)));
}

// Dotted OIDs are how every algorithm, attribute and extension is named.
export function derOid(dotted: string): Buffer {
  if (!/^[0-2]\.(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(dotted)) throw new Error(`not an OID: ${dotted}`);
  return derTlv(0x06, encodeOid(dotted));
}

// Signatures, public keys and key-usage flags are BIT STRINGs; unusedBits counts the padding bits of the last byte.
export function derBitString(bytes: Buffer, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) throw new Error(`bad BIT STRING padding: ${unusedBits}`);
  return derTlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

// A named-bit list (keyUsage) must drop trailing zero bits under DER; bits are numbered from the top of the first byte.
export function derNamedBits(bits: number[]): Buffer {
  const highest = Math.max(-1, ...bits);
  if (highest < 0) return derBitString(Buffer.alloc(0));
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> bit % 8;
  return derBitString(bytes, 7 - (highest % 8));
}

// Extension values and key identifiers travel as OCTET STRINGs.
export function derOctetString(bytes: Buffer): Buffer {
  return derTlv(0x04, bytes);
}

// Names are written as UTF8String, which RFC 5280 asks of new certificates.
export function derUtf8String(text: string): Buffer {
  return derTlv(0x0c, Buffer.from(text, 'utf8'));
}

// Country codes and some legacy attributes must be PrintableString; anything outside its alphabet is refused.
export function derPrintableString(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new Error(`not a PrintableString: ${text}`);
  return derTlv(0x13, Buffer.from(text, 'ascii'));
}

function wholeSeconds(date: Date): Date {
  if (Number.isNaN(date.getTime())) throw new Error('invalid date');
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

const two = (n: number) => String(n).padStart(2, '0');
const clock = (d: Date) => `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;

// YYMMDDHHMMSSZ: only years 1950 to 2049 fit, which is why derTime picks between the two forms.
export function derUtcTime(date: Date): Buffer {
  const d = wholeSeconds(date);
  const year = d.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new Error(`UTCTime cannot hold the year ${year}`);
  return derTlv(0x17, Buffer.from(`${two(year % 100)}${clock(d)}`, 'ascii'));
}

// YYYYMMDDHHMMSSZ without fractions, the only GeneralizedTime form RFC 5280 allows.
export function derGeneralizedTime(date: Date): Buffer {
  const d = wholeSeconds(date);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new Error(`GeneralizedTime cannot hold the year ${year}`);
  return derTlv(0x18, Buffer.from(`${String(year).padStart(4, '0')}${clock(d)}`, 'ascii'));
}

// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950); fractions of a second are dropped.
export function derTime(date: Date): Buffer {
  const year = wholeSeconds(date).getUTCFullYear();
  return year >= 1950 && year < 2050 ? derUtcTime(date) : derGeneralizedTime(date);
}

// DER writes TRUE as 0xff; a DEFAULT FALSE field is omitted by the caller instead.
export function derBoolean(value: boolean): Buffer {
  return derTlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

// RSA AlgorithmIdentifiers carry an explicit NULL parameter.
export function derNull(): Buffer {
  return derTlv(0x05, Buffer.alloc(0));
}

// [n] EXPLICIT wraps a whole TLV (the certificate version, the extensions list).
export function derExplicit(tagNumber: number, inner: Buffer): Buffer {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) throw new Error(`unsupported tag number ${tagNumber}`);
  return derTlv(CONTEXT | CONSTRUCTED | tagNumber, inner);
}

// [n] IMPLICIT replaces the tag of an encoded TLV and keeps its content and its constructed bit.
export function derImplicit(tagNumber: number, encoded: Buffer): Buffer {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) throw new Error(`unsupported tag number ${tagNumber}`);
  if (encoded.length < 2) throw new Error('nothing to retag');
  const retagged = Buffer.from(encoded);
  retagged[0] = CONTEXT | (encoded[0]! & CONSTRUCTED) | tagNumber;
  return retagged;
}
