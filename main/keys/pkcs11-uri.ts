import { SignetError } from '../errors.ts';

/** The parts of an RFC 7512 PKCS#11 URI that Signet writes and reads. */
export interface Pkcs11Uri {
  token?: string;
  serial?: string;
  object?: string;
  id?: Buffer;
  type?: 'private' | 'public' | 'cert' | 'secret-key' | 'data';
  modulePath?: string;
}

const PATH_ATTRIBUTES = ['token', 'serial', 'object', 'id', 'type'] as const;

// RFC 7512 keeps unreserved characters and a few sub-delimiters literal; everything else is percent-encoded bytewise.
function encode(value: string | Buffer, everyByte = false): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += !everyByte && /[A-Za-z0-9\-._~:[\]@!$'()*+,=&]/.test(char) ? char : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

function decode(value: string, what: string): Buffer {
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) throw new SignetError('BadInput', `The ${what} in the pkcs11: URI has a broken percent-escape.`);
  return Buffer.from(value.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

// Names a key on a token the way other PKCS#11 tools (p11-kit, OpenSSL, cosign) understand.
export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const path: string[] = [];
  if (uri.token !== undefined) path.push(`token=${encode(uri.token)}`);
  if (uri.serial !== undefined) path.push(`serial=${encode(uri.serial)}`);
  if (uri.object !== undefined) path.push(`object=${encode(uri.object)}`);
  if (uri.id !== undefined) path.push(`id=${encode(uri.id, true)}`);
  if (uri.type !== undefined) path.push(`type=${uri.type}`);
  const query = uri.modulePath !== undefined ? `?module-path=${encode(uri.modulePath)}` : '';
  return `pkcs11:${path.join(';')}${query}`;
}

// Reads a pkcs11: URI; unknown path attributes are refused rather than ignored, so a key is never chosen by half a name.
export function parsePkcs11Uri(text: string): Pkcs11Uri {
  if (!text.startsWith('pkcs11:')) throw new SignetError('BadInput', 'A PKCS#11 key URI starts with "pkcs11:".');
  const [pathPart = '', queryPart = ''] = text.slice('pkcs11:'.length).split('?', 2);
  const uri: Pkcs11Uri = {};
  for (const attribute of pathPart.split(';').filter((a) => a.length > 0)) {
    const eq = attribute.indexOf('=');
    const name = eq < 0 ? attribute : attribute.slice(0, eq);
    const value = eq < 0 ? '' : attribute.slice(eq + 1);
    if (!(PATH_ATTRIBUTES as readonly string[]).includes(name)) {
      throw new SignetError('BadInput', `The pkcs11: URI attribute "${name.slice(0, 40)}" is not supported.`);
    }
    if (name === 'id') uri.id = decode(value, 'id');
    else if (name === 'type') {
      if (!['private', 'public', 'cert', 'secret-key', 'data'].includes(value)) throw new SignetError('BadInput', `Unknown pkcs11: URI type "${value.slice(0, 20)}".`);
      uri.type = value as Pkcs11Uri['type'];
    } else uri[name as 'token' | 'serial' | 'object'] = decode(value, name).toString('utf8');
  }
  for (const attribute of queryPart.split('&').filter((a) => a.length > 0)) {
    const [name, value = ''] = attribute.split('=', 2);
    if (name === 'module-path') uri.modulePath = decode(value, 'module-path').toString('utf8');
  }
  return uri;
}
