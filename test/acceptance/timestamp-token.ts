// Places an RFC 3161 TimeStampToken in a Notary Project envelope's unprotected `io.cncf.notary.timestampSignature`
// header, JWS or COSE, leaving every signed byte as it was (the header is outside the signature).
import { encodeCbor } from '../../main/encoding/cbor.ts';
import { CaseError } from './case-format.ts';

const HEADER = 'io.cncf.notary.timestampSignature';

// A token file is DER, PEM or base64 text; whichever it is, the DER comes back.
export function tokenBytes(file: Buffer): Buffer {
  if (file[0] === 0x30) return file;
  const text = file.toString('latin1').replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(text)) throw new CaseError('timestamp_token is neither DER, PEM nor base64');
  const der = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (der[0] !== 0x30) throw new CaseError('timestamp_token does not decode to a DER TimeStampToken');
  return der;
}

// The length of the one CBOR item (definite lengths only) that starts at `offset`.
function itemEnd(bytes: Buffer, offset: number): number {
  const initial = bytes[offset];
  if (initial === undefined) throw new CaseError('the COSE envelope ends early');
  const major = initial >> 5;
  const info = initial & 0x1f;
  let at = offset + 1;
  let value: number;
  if (info < 24) value = info;
  else if (info <= 27) {
    const size = 1 << (info - 24);
    value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + (bytes[at + i] ?? 0);
    at += size;
  } else throw new CaseError('the COSE envelope uses an indefinite CBOR length');
  if (major === 2 || major === 3) return at + value;
  if (major === 4 || major === 5) {
    for (let i = 0; i < value * (major === 5 ? 2 : 1); i++) at = itemEnd(bytes, at);
    return at;
  }
  if (major === 6) return itemEnd(bytes, at);
  return at;
}

function mapHead(count: number): Buffer {
  if (count < 24) return Buffer.from([0xa0 | count]);
  if (count < 256) return Buffer.from([0xb8, count]);
  throw new CaseError('the COSE unprotected header has too many entries');
}

function withCoseToken(envelope: Buffer, token: Buffer): Buffer {
  let at = 0;
  const tagged = envelope[0] === 0xd2;
  if (tagged) at = 1;
  if (envelope[at] !== 0x84) throw new CaseError('the envelope is not a COSE_Sign1 array of four');
  const protectedStart = at + 1;
  const mapStart = itemEnd(envelope, protectedStart);
  const mapEnd = itemEnd(envelope, mapStart);
  const head = envelope[mapStart]!;
  if (head >> 5 !== 5) throw new CaseError('the COSE unprotected header is not a map');
  const info = head & 0x1f;
  const count = info < 24 ? info : info === 24 ? envelope[mapStart + 1]! : -1;
  if (count < 0) throw new CaseError('the COSE unprotected header is too large');
  let entry = mapStart + (info < 24 ? 1 : 2);
  const key = encodeCbor(HEADER);
  const kept: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const keyEnd = itemEnd(envelope, entry);
    const valueEnd = itemEnd(envelope, keyEnd);
    if (!envelope.subarray(entry, keyEnd).equals(key)) kept.push(envelope.subarray(entry, valueEnd));
    entry = valueEnd;
  }
  const map = Buffer.concat([mapHead(kept.length + 1), ...kept, key, encodeCbor(token)]);
  return Buffer.concat([envelope.subarray(0, mapStart), map, envelope.subarray(mapEnd)]);
}

function withJwsToken(envelope: Buffer, token: Buffer): Buffer {
  let jws: Record<string, unknown>;
  try {
    jws = JSON.parse(envelope.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CaseError(`the JWS envelope is not JSON: ${(error as Error).message}`);
  }
  const header = typeof jws.header === 'object' && jws.header !== null ? (jws.header as Record<string, unknown>) : {};
  return Buffer.from(JSON.stringify({ ...jws, header: { ...header, [HEADER]: token.toString('base64') } }));
}

// The envelope with the token as its timestamp countersignature, replacing any it carried.
export function withTimestampToken(envelope: Buffer, token: Buffer): Buffer {
  return envelope[0] === 0x7b ? withJwsToken(envelope, token) : withCoseToken(envelope, token);
}
