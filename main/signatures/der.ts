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

/** One certificate extension, read in place from the TBSCertificate. */
export interface CertificateExtension {
  oid: Buffer;
  critical: boolean;
  value: Buffer;
}

// Walks Certificate → TBSCertificate → [3] extensions structurally, so an OID that merely appears elsewhere in the bytes is never taken for an extension.
export function certificateExtensions(certificateDer: Buffer): CertificateExtension[] {
  const [tbs] = derChildren(certificateDer);
  if (!tbs || tbs.tag !== 0x30) throw new Error('not an X.509 certificate');
  const wrapper = derChildren(tbs.bytes).find((item) => item.tag === 0xa3);
  if (!wrapper) return [];
  const [sequence] = derChildren(wrapper.bytes);
  if (!sequence || sequence.tag !== 0x30) throw new Error('the certificate extensions are not a SEQUENCE');
  return derChildren(sequence.bytes).map((extension) => {
    if (extension.tag !== 0x30) throw new Error('a certificate extension is not a SEQUENCE');
    const parts = derChildren(extension.bytes);
    const oid = parts[0];
    const last = parts.at(-1);
    if (!oid || oid.tag !== 0x06 || !last || last.tag !== 0x04 || parts.length > 3) throw new Error('a certificate extension is malformed');
    const critical = parts.length === 3 && parts[1]!.tag === 0x01 && parts[1]!.content[0] === 0xff;
    return { oid: oid.content, critical, value: last.content };
  });
}

/** A subject alternative name as the certificate encodes it; `otherName` carries its type OID. */
export type SubjectAltName =
  | { type: 'email' | 'dns' | 'uri' | 'ip'; value: string }
  | { type: 'otherName'; typeOid: string; value: string };

const SAN_OID = encodeOid('2.5.29.17');

// Decodes DER OID content bytes to dotted form.
export function decodeOid(content: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    // The URL parser writes IPv6 in its shortest form, as Go's net.IP does.
    return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  }
  throw new Error('an iPAddress name is neither IPv4 nor IPv6');
}

// Every subject alternative name of every type, decoded from the DER: Node's subjectAltName text cannot tell a comma inside a name from a separator.
export function subjectAltNames(certificateDer: Buffer): SubjectAltName[] {
  const extensions = certificateExtensions(certificateDer).filter((e) => e.oid.equals(SAN_OID));
  if (extensions.length > 1) throw new Error('the certificate has more than one subject alternative name extension');
  const extension = extensions[0];
  if (!extension) return [];
  if (extension.value[0] !== 0x30) throw new Error('the subject alternative names are not a SEQUENCE');
  const names: SubjectAltName[] = [];
  for (const item of derChildren(extension.value)) {
    switch (item.tag) {
      case 0x81:
        names.push({ type: 'email', value: item.content.toString('latin1') });
        break;
      case 0x82:
        names.push({ type: 'dns', value: item.content.toString('latin1') });
        break;
      case 0x86:
        names.push({ type: 'uri', value: item.content.toString('latin1') });
        break;
      case 0x87:
        names.push({ type: 'ip', value: ipText(item.content) });
        break;
      case 0xa0: {
        const [typeId, explicit] = derChildren(item.bytes);
        if (!typeId || typeId.tag !== 0x06 || !explicit || explicit.tag !== 0xa0) throw new Error('an otherName is malformed');
        const [inner] = derChildren(explicit.bytes);
        if (!inner) throw new Error('an otherName has no value');
        names.push({ type: 'otherName', typeOid: decodeOid(typeId.content), value: [0x0c, 0x16, 0x13].includes(inner.tag) ? inner.content.toString('utf8') : inner.content.toString('hex') });
        break;
      }
      default:
        break;
    }
  }
  return names;
}
