import { join } from 'node:path';
import { z } from 'zod';
import { KeyIdSchema } from '../../shared/model/keys.model.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import { SignetError } from '../errors.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';
import { WriteQueue } from '../storage/write-queue.ts';

const DrillStatusFileSchema = z
  .object({
    version: z.literal(1),
    keys: z.record(KeyIdSchema, z.object({ lastPassed: z.iso.datetime().nullable(), lastFailed: z.iso.datetime().nullable() }).strict()),
  })
  .strict();
export type DrillStatusFile = z.infer<typeof DrillStatusFileSchema>;

/** When each key last passed and last failed a restore drill; one file, replaced crash-safely. */
export class DrillStatusStore {
  readonly file: string;
  private readonly writing = new WriteQueue();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'recovery', 'drills.json');
  }

  // A damaged file is reported, never silently taken for "no drill ever passed".
  async load(): Promise<DrillStatusFile> {
    const text = await readFileIfExists(this.file);
    if (text === null) return { version: 1, keys: {} };
    const parsed = DrillStatusFileSchema.safeParse(parseJsonOrUndefined(text));
    if (!parsed.success) throw new SignetError('Conflict', `${this.file} is damaged; run a drill again to rewrite it after moving it aside.`);
    return parsed.data;
  }

  // Records one drill's outcome per key; drills run one after another here, so none overwrites another's.
  async record(at: string, outcomes: { keyId: string; passed: boolean }[]): Promise<void> {
    return this.writing.run(async () => {
      const status = await this.load();
      for (const outcome of outcomes) {
        const entry = status.keys[outcome.keyId] ?? { lastPassed: null, lastFailed: null };
        if (outcome.passed) entry.lastPassed = at;
        else entry.lastFailed = at;
        status.keys[outcome.keyId] = entry;
      }
      await writeFileAtomic(this.file, `${JSON.stringify(status, null, 2)}\n`);
    });
  }
}
