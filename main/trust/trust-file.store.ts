import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SignetError } from '../errors.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';

/** Trust files chosen in a page are small: keys, roots and revocation lists. */
export const MAX_TRUST_FILE_BYTES = 1024 * 1024;

// A page that cannot hand main a path (the browser host) hands the file's bytes; main keeps them under the data folder and says where.
export async function storeTrustFile(dataDir: string, name: string, bytes: Uint8Array): Promise<string> {
  if (bytes.length === 0) throw new SignetError('BadInput', `${name} is empty.`);
  if (bytes.length > MAX_TRUST_FILE_BYTES) throw new SignetError('BadInput', `${name} is larger than 1 MiB; trust files (PEM keys, roots, CRLs) are much smaller.`);
  const pem = Buffer.from(bytes.subarray(0, 4096)).toString('latin1').includes('-----BEGIN ');
  const der = bytes[0] === 0x30;
  const json = bytes[0] === 0x7b;
  if (!pem && !der && !json) throw new SignetError('BadInput', `${name} is neither PEM text, DER nor a JSON trusted root; choose a PEM key, certificate, CRL or trusted_root.json.`);
  const safe = (name.split(/[\\/]/).pop() ?? '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 80) || 'trust-file';
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const dir = join(dataDir, 'trust-files');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${digest}-${safe}`);
  await writeFileAtomic(path, bytes, 0o600);
  return path;
}
