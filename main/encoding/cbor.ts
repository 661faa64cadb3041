// A small CBOR decoder (RFC 8949, definite lengths) for COSE envelopes; maps come back as Map to keep integer labels.

export type CborValue = number | bigint | string | Buffer | boolean | null | undefined | CborValue[] | Map<CborValue, CborValue> | { tag: number; value: CborValue };

const MAX_DEPTH = 32;

export function decodeCbor(bytes: Buffer): CborValue {
  let offset = 0;
  const need = (count: number) => {
    if (offset + count > bytes.length) throw new Error('CBOR data ends early');
  };
  const length = (info: number): number => {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Error('indefinite or reserved CBOR length');
    need(size);
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + bytes[offset + i]!;
    offset += size;
    if (!Number.isSafeInteger(value)) throw new Error('CBOR length too large');
    return value;
  };
  const item = (depth: number): CborValue => {
    if (depth > MAX_DEPTH) throw new Error('CBOR nesting too deep');
    need(1);
    const initial = bytes[offset++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
        return length(info);
      case 1:
        return -1 - length(info);
      case 2:
      case 3: {
        const size = length(info);
        need(size);
        const chunk = bytes.subarray(offset, offset + size);
        offset += size;
        return major === 2 ? Buffer.from(chunk) : chunk.toString('utf8');
      }
      case 4: {
        const size = length(info);
        const items: CborValue[] = [];
        for (let i = 0; i < size; i++) items.push(item(depth + 1));
        return items;
      }
      case 5: {
        const size = length(info);
        const map = new Map<CborValue, CborValue>();
        for (let i = 0; i < size; i++) map.set(item(depth + 1), item(depth + 1));
        return map;
      }
      case 6:
        return { tag: length(info), value: item(depth + 1) };
      default:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        throw new Error('unsupported CBOR simple value');
    }
  };
  const value = item(0);
  if (offset !== bytes.length) throw new Error('trailing bytes after CBOR item');
  return value;
}

/** What encodeCbor writes: integers, text and byte strings, arrays, maps (in the order given) and tags. */
export type CborWritable = number | string | Buffer | CborWritable[] | Map<CborWritable, CborWritable> | { tag: number; value: CborWritable };

// Encodes what COSE needs (a Sig_structure, headers and envelopes), in definite lengths and in the order given.
export function encodeCbor(value: CborWritable): Buffer {
  const head = (major: number, size: number): Buffer => {
    if (size < 24) return Buffer.from([(major << 5) | size]);
    if (size < 256) return Buffer.from([(major << 5) | 24, size]);
    if (size < 65536) return Buffer.from([(major << 5) | 25, size >> 8, size & 0xff]);
    const out = Buffer.alloc(5);
    out[0] = (major << 5) | 26;
    out.writeUInt32BE(size, 1);
    return out;
  };
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > 0xffffffff) throw new Error(`CBOR integer out of range: ${value}`);
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map((v) => encodeCbor(v))]);
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
  return Buffer.concat([head(6, value.tag), encodeCbor(value.value)]);
}
