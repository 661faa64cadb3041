import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import type { SecretStore } from '../platform/keychain.types.ts';

/** The last checkpoint as recorded outside the log: its position, its entry hash and when it was recorded. */
export const AnchorPointSchema = z
  .object({
    seq: z.number().int().positive(),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    time: z.iso.datetime(),
  })
  .strict();
export type AnchorPoint = z.infer<typeof AnchorPointSchema>;

/** What reading the anchor found; an unreadable place is said as such, never taken for "nothing recorded". */
export type AnchorRead = { state: 'present'; point: AnchorPoint } | { state: 'absent' } | { state: 'unreadable'; reason: string };

/** A place a rewrite of the log cannot reach, holding the log's last checkpoint. */
export interface AuditAnchor {
  /** Where the point is kept, in words for a report. */
  readonly where: string;
  read(): Promise<AnchorRead>;
  /** Replaces the recorded point; the log decides when (after commit, forward only, or after a confirmed restore). */
  write(point: AnchorPoint): Promise<void>;
  /** Forgets the point (a restored log without a signed checkpoint). */
  clear(): Promise<void>;
}

// One entry per data folder, named by a hash of its absolute path, so two data folders never share an anchor.
export function anchorAccount(dataDir: string): string {
  return `audit-anchor:${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 32)}`;
}

/** The anchor in the OS keychain: whoever can rewrite the data folder still cannot move it without the keychain. */
export class KeychainAuditAnchor implements AuditAnchor {
  readonly where: string;
  private readonly keychain: SecretStore;
  private readonly account: string;

  constructor(dataDir: string, keychain: SecretStore) {
    this.keychain = keychain;
    this.account = anchorAccount(dataDir);
    this.where = `the OS keychain entry ${this.account}`;
  }

  // A locked or absent keychain, or an entry that is not an anchor, is unreadable: the report says so instead of passing.
  async read(): Promise<AnchorRead> {
    let text: string | null;
    try {
      text = await this.keychain.get(this.account);
    } catch (error) {
      return { state: 'unreadable', reason: `${this.where} could not be read (${error instanceof Error ? error.message : String(error)})` };
    }
    if (text === null) return { state: 'absent' };
    const parsed = AnchorPointSchema.safeParse(parseJsonOrUndefined(text));
    if (!parsed.success) return { state: 'unreadable', reason: `${this.where} does not hold a checkpoint record` };
    return { state: 'present', point: parsed.data };
  }

  async write(point: AnchorPoint): Promise<void> {
    await this.keychain.set(this.account, JSON.stringify(AnchorPointSchema.parse(point)));
  }

  async clear(): Promise<void> {
    await this.keychain.remove(this.account);
  }
}
