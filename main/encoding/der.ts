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

/** One item of a DER structure read with every length checked against its parent. */
export interface DerItem {
  tag: number;
  bytes: Buffer;
  content: Buffer;
}

function strictItem(buffer: Buffer, offset: number, limit: number): DerItem {
  if (offset + 2 > limit) throw new Error('DER item header runs past its parent');
  const tag = buffer[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not supported');
  let length = buffer[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || offset + 2 + count > limit) throw new Error('unsupported or truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[offset + 2 + i]!;
    if (length < 0x80 || (count > 1 && buffer[offset + 2] === 0)) throw new Error('DER length is not in its shortest form');
    header += count;
  }
  const end = offset + header + length;
  if (end > limit) throw new Error('DER value runs past its parent');
  return { tag, bytes: buffer.subarray(offset, end), content: buffer.subarray(offset + header, end) };
}

// Untrusted certificates are read here, so a length that overruns its parent or leaves trailing bytes is an error, never a guess.
export function derStrictChildren(item: DerItem): DerItem[] {
  if ((item.tag & 0x20) === 0) throw new Error(`DER item with tag 0x${item.tag.toString(16)} is not constructed`);
  const items: DerItem[] = [];
  for (let at = 0; at < item.content.length; ) {
    const child = strictItem(item.content, at, item.content.length);
    items.push(child);
    at += child.bytes.length;
  }
  return items;
}

// The whole input must be exactly one DER item.
export function derStrictItem(buffer: Buffer): DerItem {
  const item = strictItem(buffer, 0, buffer.length);
  if (item.bytes.length !== buffer.length) throw new Error('trailing bytes after the DER item');
  return item;
}

// OBJECT IDENTIFIER content bytes back to dotted form.
export function decodeOid(content: Buffer): string {
  if (content.length === 0 || (content[content.length - 1]! & 0x80) !== 0) throw new Error('bad OBJECT IDENTIFIER');
  const parts: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!Number.isSafeInteger(value)) throw new Error('OBJECT IDENTIFIER arc too large');
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** The extnValue content: the DER encoding of the extension's own value. */
  value: Buffer;
}

export interface CertificateParts {
  signatureAlgorithmOid: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  extensions: CertificateExtension[];
}

// What a path validator needs that Node's X509Certificate hides: the critical flag of every extension and the signature algorithm.
export function certificateParts(certificateDer: Buffer): CertificateParts {
  const [tbs, algorithm, signature, extra] = derStrictChildren(derStrictItem(certificateDer));
  if (!tbs || !algorithm || !signature || extra || tbs.tag !== 0x30 || algorithm.tag !== 0x30 || signature.tag !== 0x03) throw new Error('not an X.509 Certificate');
  const algorithmOid = derStrictChildren(algorithm)[0];
  if (algorithmOid?.tag !== 0x06) throw new Error('the signature algorithm has no OID');
  const fields = derStrictChildren(tbs);
  let at = fields[0]?.tag === 0xa0 ? 1 : 0;
  at += 2; // serialNumber, signature
  const issuer = fields[at++];
  at++; // validity
  const subject = fields[at++];
  at++; // subjectPublicKeyInfo
  if (issuer?.tag !== 0x30 || subject?.tag !== 0x30) throw new Error('the certificate names are not Names');
  const extensions: CertificateExtension[] = [];
  for (const field of fields.slice(at)) {
    if (field.tag !== 0xa3) continue;
    const [list, surplus] = derStrictChildren(field);
    if (!list || surplus || list.tag !== 0x30) throw new Error('the extensions field must hold one Extensions list');
    for (const ext of derStrictChildren(list)) {
      if (ext.tag !== 0x30) throw new Error('an extension is not a SEQUENCE');
      const [id, second, third, more] = derStrictChildren(ext);
      if (id?.tag !== 0x06 || more) throw new Error('an extension is malformed');
      const hasFlag = second?.tag === 0x01;
      const value = hasFlag ? third : second;
      if (hasFlag && (second.content.length !== 1 || (second.content[0] !== 0 && second.content[0] !== 0xff))) throw new Error('an extension critical flag is not a DER BOOLEAN');
      if (value?.tag !== 0x04 || (!hasFlag && third)) throw new Error('an extension has no OCTET STRING value');
      const oid = decodeOid(id.content);
      if (extensions.some((e) => e.oid === oid)) throw new Error(`the extension ${oid} appears more than once`);
      extensions.push({ oid, critical: hasFlag && second.content[0] === 0xff, value: value.content });
    }
  }
  return { signatureAlgorithmOid: decodeOid(algorithmOid.content), issuerDer: issuer.bytes, subjectDer: subject.bytes, extensions };
}

/** A subject alternative name as the certificate encodes it; `otherName` carries its type OID. */
export type SubjectAltName =
  | { type: 'email' | 'dns' | 'uri' | 'ip'; value: string }
  | { type: 'otherName'; typeOid: string; value: string };

const SAN_OID = '2.5.29.17';

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
  const extension = certificateParts(certificateDer).extensions.find((e) => e.oid === SAN_OID);
  if (!extension) return [];
  const sequence = derStrictItem(extension.value);
  if (sequence.tag !== 0x30) throw new Error('the subject alternative names are not a SEQUENCE');
  const names: SubjectAltName[] = [];
  for (const item of derStrictChildren(sequence)) {
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
        const [typeId, explicit, surplus] = derStrictChildren(item);
        if (!typeId || typeId.tag !== 0x06 || !explicit || explicit.tag !== 0xa0 || surplus) throw new Error('an otherName is malformed');
        const [inner] = derStrictChildren(explicit);
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
