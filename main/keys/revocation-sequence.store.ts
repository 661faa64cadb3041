import { join } from 'node:path';
import { z } from 'zod';
import { SignetError } from '../errors.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';

const AcceptedFileSchema = z
  .object({
    version: z.literal(1),
    sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    signerFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    acceptedAt: z.iso.datetime(),
  })
  .strict();

/**
 * The highest sequence number of a revocation list published or imported here, so an older list (a
 * replay) is refused and a restored backup cannot reuse numbers. An unreadable file stops imports and
 * publishing instead of starting at zero.
 */
export class RevocationSequenceStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'keys', 'revocations-accepted.json');
  }

  // Zero when nothing was ever published or imported; a damaged file is an error, never a reset that would let old lists back in.
  async lastAccepted(): Promise<number> {
    const text = await readFileIfExists(this.file);
    if (text === null) return 0;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const result = AcceptedFileSchema.safeParse(parsed);
    if (!result.success) throw new SignetError('Conflict', `The record of accepted revocation lists at ${this.file} is damaged; restore it from a backup. Nothing was applied.`);
    return result.data.sequence;
  }

  // Written after the list is on disk or its entries are in the inventory, so a crash in between lets the same list be imported again, never loses it.
  async accept(sequence: number, signerFingerprint: string, at: Date): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(AcceptedFileSchema.parse({ version: 1, sequence, signerFingerprint, acceptedAt: at.toISOString() }), null, 2)}\n`);
  }
}
