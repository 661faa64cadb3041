import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { effectiveStatus, KeyIdSchema, type KeyRecord } from '../../shared/model/keys.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import { canonicalJson } from '../encoding/canonical-json.ts';
import { SignetError } from '../errors.ts';
import { HASH_FOR } from '../encoding/key-encoding.ts';
import type { KeyService, SignedStatement } from '../keys/keys.service.ts';
import { isOnToken, tokenOf } from '../keys/key-location.ts';
import type { TokenSelector } from '../platform/pkcs11.types.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';
import { WriteQueue } from '../storage/write-queue.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';

const TWIN_TYPE = 'https://signet.dev/twin/v1';

const TwinsFileSchema = z
  .object({
    version: z.literal(1),
    twins: z.array(z.object({ original: KeyIdSchema, twin: KeyIdSchema, createdAt: z.iso.datetime() }).strict()),
  })
  .strict();
export type Twin = z.infer<typeof TwinsFileSchema>['twins'][number];

/** The files that record twins, relative to the data folder; a backup carries them with the inventory. */
export const TWINS_FILE = 'keys/twins.json';
export const TWIN_STATEMENTS_DIR = 'keys/twins';

/**
 * Twins: a key on a token cannot leave it, so the redundancy is a second key, made on another
 * token, that the first key vouches for. Both sign a twin statement (like a rotation statement),
 * and the pair is recorded: policies that name either key accept the other as the same signer.
 */
export class TwinService {
  private readonly dataDir: string;
  private readonly keys: KeyService;
  private readonly audit: AuditLog;
  private readonly now: () => Date;
  private readonly writing = new WriteQueue();

  constructor(deps: { dataDir: string; keys: KeyService; audit: AuditLog; now?: () => Date }) {
    this.dataDir = deps.dataDir;
    this.keys = deps.keys;
    this.audit = deps.audit;
    this.now = deps.now ?? (() => new Date());
  }

  // Every recorded pair, original first.
  async list(): Promise<Twin[]> {
    return readTwins(this.dataDir);
  }

  // The twin is made on a different token with the same algorithm and expiry, and both keys sign the statement naming the pair.
  async make(originalId: string, token: TokenSelector, label: string | undefined, host: HostKind): Promise<{ original: KeyRecord; twin: KeyRecord; statement: SignedStatement }> {
    return this.serialise(async () => {
      const original = await this.keys.get(originalId);
      const home = tokenOf(original.location);
      if (home === null) throw new SignetError('BadInput', `"${original.label}" is a software key; backups carry it, so it needs no twin.`);
      const status = effectiveStatus(original, this.now());
      if (status !== 'active') throw new SignetError('Conflict', `"${original.label}" is ${status}; only an active key gets a twin.`);
      if (isOnToken(original.location, token)) {
        throw new SignetError('BadInput', `A twin must live on another token than "${home.tokenLabel}", or losing that token loses both.`);
      }
      const twin = await this.keys.generate(
        { backend: { kind: 'pkcs11', modulePath: token.modulePath, tokenLabel: token.tokenLabel }, algorithm: original.algorithm, label: label?.trim() || twinLabel(original.label), notAfter: original.notAfter ?? undefined },
        host,
      );
      const statement = {
        type: TWIN_TYPE,
        time: this.now().toISOString(),
        original: { id: original.id, fingerprint: original.fingerprint, token: home.tokenLabel },
        twin: { id: twin.id, fingerprint: twin.fingerprint, algorithm: twin.algorithm, publicKeyPem: twin.publicKeyPem, token: token.tokenLabel },
      };
      const message = Buffer.from(canonicalJson(statement));
      const signatures: SignedStatement['signatures'] = [];
      for (const signer of [original, twin]) {
        const { signature } = await this.keys.sign(signer.id, { payload: message }, host);
        if (!verify(HASH_FOR[signer.algorithm], message, createPublicKey(signer.publicKeyPem), signature)) {
          throw new SignetError('Internal', `The twin statement signed by "${signer.label}" does not verify with its public key.`);
        }
        signatures.push({ keyFingerprint: signer.fingerprint, algorithm: signer.algorithm, signature: signature.toString('base64') });
      }
      const signed: SignedStatement = { statement, signatures };
      await writeFileAtomic(join(this.dataDir, TWIN_STATEMENTS_DIR, `${original.id}--${twin.id}.json`), `${JSON.stringify(signed, null, 2)}\n`);
      const twins = [...(await this.list()), { original: original.id, twin: twin.id, createdAt: statement.time }];
      await writeFileAtomic(join(this.dataDir, TWINS_FILE), `${JSON.stringify(TwinsFileSchema.parse({ version: 1, twins }), null, 2)}\n`);
      await this.audit.append({ host, action: 'backup.twin', subject: original.id, details: { twin: twin.id, twinFingerprint: twin.fingerprint, token: token.tokenLabel } });
      return { original, twin, statement: signed };
    });
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    return this.writing.run(work);
  }
}

// Policies read the pairs too: a twin counts as the key it stands in for.
export async function readTwins(dataDir: string): Promise<Twin[]> {
  const text = await readFileIfExists(join(dataDir, TWINS_FILE));
  if (text === null) return [];
  const parsed = TwinsFileSchema.safeParse(parseJsonOrUndefined(text));
  if (!parsed.success) throw new SignetError('Conflict', `${join(dataDir, TWINS_FILE)} is damaged; restore it from a backup.`);
  return parsed.data.twins;
}

function twinLabel(label: string): string {
  return `${label.slice(0, 59)} twin`;
}
