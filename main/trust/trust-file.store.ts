import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfirmationFact } from '../confirm/confirmation.types.ts';
import { SignetError } from '../errors.ts';
import type { IntentService } from '../intents/intent.service.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';

declare module '../intents/intent.service.ts' {
  interface IntentPayloads {
    'trust-file': { name: string; sha256: string };
  }
}

/** Trust files chosen in a page are small: keys, roots and revocation lists. */
export const MAX_TRUST_FILE_BYTES = 1024 * 1024;

/** A checked trust file: the name it is kept under, its digest and what kind of file it is. */
interface TrustFile {
  safeName: string;
  sha256: string;
  kind: string;
}

// Refuses what cannot be trust material before anyone is asked; the kept name has no folder part.
export function checkTrustFile(name: string, bytes: Uint8Array): TrustFile {
  if (bytes.length === 0) throw new SignetError('BadInput', `${name} is empty.`);
  if (bytes.length > MAX_TRUST_FILE_BYTES) throw new SignetError('BadInput', `${name} is larger than 1 MiB; trust files (PEM keys, roots, CRLs) are much smaller.`);
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
  const kind = head.includes('-----BEGIN ') ? `PEM (${[...new Set([...head.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]!.toLowerCase()))].join(', ')})` : bytes[0] === 0x30 ? 'DER' : bytes[0] === 0x7b ? 'JSON (a trusted root)' : null;
  if (!kind) throw new SignetError('BadInput', `${name} is neither PEM text, DER nor a JSON trusted root; choose a PEM key, certificate, CRL or trusted_root.json.`);
  const safeName = (name.split(/[\\/]/).pop() ?? '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 80) || 'trust-file';
  return { safeName, sha256: createHash('sha256').update(bytes).digest('hex'), kind };
}

/**
 * A page that cannot hand main a path (the browser host) hands the file's bytes. Trust material decides what
 * verifies, so main keeps it only after a person confirmed it through a channel the page cannot answer.
 */
export class TrustFileStore {
  private readonly dataDir: string;
  private readonly intents: IntentService;

  constructor(dataDir: string, intents: IntentService) {
    this.dataDir = dataDir;
    this.intents = intents;
  }

  // Asks, then keeps the file under the data folder and says where; a file nobody confirmed is never written.
  async store(name: string, bytes: Uint8Array): Promise<string> {
    const file = checkTrustFile(name, bytes);
    const facts: ConfirmationFact[] = [
      { label: 'File', value: file.safeName },
      { label: 'Kind', value: file.kind },
      { label: 'SHA-256', value: file.sha256 },
    ];
    const intent = this.intents.issue({
      action: 'trust-file',
      title: 'Keep a trust file chosen in the page',
      message: 'A page chose this file as trust material: once it is in a trust list, what it vouches for verifies. Confirm only if you chose it yourself.',
      facts,
      payload: { name: file.safeName, sha256: file.sha256 },
      confirmLabel: 'Keep',
    });
    await this.intents.confirm(intent.id, ['trust-file'], {
      doing: 'keep a trust file chosen in the page',
      unavailable: 'This host has no confirmation channel of its own (a native dialog or a terminal), so a file chosen in the page cannot become trust material here; give its path in the settings instead.',
      recheck: () => ({ facts, state: null }),
    });
    const dir = join(this.dataDir, 'trust-files');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${file.sha256.slice(0, 12)}-${file.safeName}`);
    await writeFileAtomic(path, bytes, 0o600);
    return path;
  }
}
