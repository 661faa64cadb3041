// Just enough DER to read what Node's X509Certificate does not expose: extensions by OID.

interface Tlv {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

function readTlv(buffer: Buffer, offset: number): Tlv {
  const tag = buffer[offset]!;
  let length = buffer[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + buffer[offset + 2 + i]!;
    header += bytes;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new Error('DER value runs past its buffer');
  return { tag, start: offset, valueStart: offset + header, end };
}

// Encodes a dotted OID as DER content bytes.
export function encodeOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const bytes = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [];
    let value = part;
    do {
      chunk.unshift(value & 0x7f);
      value = Math.floor(value / 128);
    } while (value > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    bytes.push(...chunk);
  }
  return Buffer.from(bytes);
}

// The extnValue bytes of a certificate extension, or null when the certificate lacks it.
export function extensionValue(certificateDer: Buffer, oid: string): Buffer | null {
  const needle = Buffer.concat([Buffer.from([0x06, encodeOid(oid).length]), encodeOid(oid)]);
  let at = certificateDer.indexOf(needle);
  while (at >= 0) {
    let next = at + needle.length;
    if (certificateDer[next] === 0x01) next = readTlv(certificateDer, next).end;
    if (certificateDer[next] === 0x04) {
      const octets = readTlv(certificateDer, next);
      return certificateDer.subarray(octets.valueStart, octets.end);
    }
    at = certificateDer.indexOf(needle, at + 1);
  }
  return null;
}

// Reads a DER string (UTF8String, IA5String, PrintableString) or returns the bytes as text when they are not DER.
export function derString(value: Buffer): string {
  if ([0x0c, 0x16, 0x13].includes(value[0] ?? -1)) {
    const tlv = readTlv(value, 0);
    if (tlv.end === value.length) return value.subarray(tlv.valueStart, tlv.end).toString('utf8');
  }
  return value.toString('utf8');
}

// The DER items directly inside a constructed item (SEQUENCE, SET, or a context tag).
export function derChildren(buffer: Buffer, start = 0): { tag: number; bytes: Buffer; content: Buffer }[] {
  const outer = readTlv(buffer, start);
  const items: { tag: number; bytes: Buffer; content: Buffer }[] = [];
  for (let at = outer.valueStart; at < outer.end; ) {
    const tlv = readTlv(buffer, at);
    items.push({ tag: tlv.tag, bytes: buffer.subarray(tlv.start, tlv.end), content: buffer.subarray(tlv.valueStart, tlv.end) });
    at = tlv.end;
  }
  return items;
}
