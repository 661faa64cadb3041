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
 * The sequence number of the last revocation list imported here, so an older list (a replay) is
 * refused. Kept beside the published list; an unreadable file stops imports instead of starting at zero.
 */
export class RevocationSequenceStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'keys', 'revocations-accepted.json');
  }

  // Zero when nothing was ever imported; a damaged file is an error, never a reset that would let old lists back in.
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

  // Written after the inventory holds the list's entries, so a crash in between lets the same list be imported again, never loses it.
  async accept(sequence: number, signerFingerprint: string, at: Date): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(AcceptedFileSchema.parse({ version: 1, sequence, signerFingerprint, acceptedAt: at.toISOString() }), null, 2)}\n`);
  }
}
