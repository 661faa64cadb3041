import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyAlgorithm } from '../../shared/model/keys.model.ts';
import { HASH_FOR } from '../encoding/key-encoding.ts';
import type { DrillKey } from './drill.runner.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import type { ScriptRunner } from '../platform/script-runner.ts';

/** What the drill's own process is asked to do: make one token, place each key on it, sign one message with each. */
export interface FreshTokenRequest {
  modulePath: string;
  tokenDir: string;
  tokenLabel: string;
  keys: { keyId: string; algorithm: KeyAlgorithm; pkcs8: string; spki: string; message: string }[];
}

export type FreshTokenReply = { serial: string; results: ({ keyId: string; signature: string } | { keyId: string; error: string })[] } | { error: string };

/** Each key's outcome on the fresh token, and one sentence on the token itself (or on why there was none). */
export interface FreshTokenDrill {
  summary: string;
  outcomes: Map<string, { passed: boolean; reason: string }>;
}

const WORKER_TIMEOUT_MS = 60_000;

// A backup is proven on an HSM as well as in a keychain: every key goes onto a SoftHSM token made for the drill, in a process of its own, and signs there.
export async function drillOnFreshSoftHsm(keys: DrillKey[], modulePath: string | null, runScript: ScriptRunner): Promise<FreshTokenDrill> {
  const outcomes = new Map<string, { passed: boolean; reason: string }>();
  const checkable = keys.filter((k) => k.publishedPem !== null);
  if (keys.length === 0) return { summary: 'The backup holds no software keys, so no fresh SoftHSM token was needed.', outcomes };
  if (checkable.length === 0) return { summary: 'No software key of the backup has a published public key to check, so no fresh token was made.', outcomes };
  if (modulePath === null) return { summary: 'SoftHSM is not installed here, so the keys were not also placed on a fresh SoftHSM token.', outcomes };
  const dir = await mkdtemp(join(tmpdir(), 'signet-drill-token-'));
  const tokenDir = join(dir, 'tokens');
  const tokenLabel = `signet-drill-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(tokenDir, { mode: 0o700 });
    const conf = join(dir, 'softhsm2.conf');
    await writeFile(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`, { mode: 0o600 });
    const messages = new Map(checkable.map((k) => [k.keyId, Buffer.from(`signet restore drill on a fresh token ${k.keyId} ${new Date().toISOString()} ${randomBytes(16).toString('hex')}`)]));
    const request: FreshTokenRequest = {
      modulePath,
      tokenDir,
      tokenLabel,
      keys: checkable.map((k) => ({
        keyId: k.keyId,
        algorithm: k.algorithm,
        pkcs8: k.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
        spki: createPublicKey(k.privateKey).export({ type: 'spki', format: 'der' }).toString('base64'),
        message: messages.get(k.keyId)!.toString('base64'),
      })),
    };
    const reply = await runWorker(request, conf, runScript);
    if ('error' in reply) return { summary: `A fresh SoftHSM token could not be used: ${reply.error}`, outcomes: failAll(checkable, `it could not be placed on a fresh SoftHSM token: ${reply.error}`) };
    for (const key of checkable) {
      const result = reply.results.find((r) => r.keyId === key.keyId);
      const published = createPublicKey(key.publishedPem!);
      if (!result) outcomes.set(key.keyId, { passed: false, reason: 'the fresh token gave no answer for it.' });
      else if ('error' in result) outcomes.set(key.keyId, { passed: false, reason: `on a fresh SoftHSM token it did not sign: ${result.error}` });
      else if (!verify(HASH_FOR[key.algorithm], messages.get(key.keyId)!, published, Buffer.from(result.signature, 'base64')))
        outcomes.set(key.keyId, { passed: false, reason: 'on a fresh SoftHSM token it signed, but the signature does not verify with the published public key.' });
      else outcomes.set(key.keyId, { passed: true, reason: 'placed on a fresh SoftHSM token, it signed there too, and that signature verifies with the published public key as well.' });
    }
    return {
      summary: `A fresh SoftHSM token "${tokenLabel}" (serial ${reply.serial}) was made in a temporary folder by a process of its own; the keys lived on it only as session objects, and the token was deleted with its folder.`,
      outcomes,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The worker is the built file beside the bundle, or the source file when Signet runs from source.
function workerPath(): string {
  const candidates = [new URL('../recovery/fresh-token.worker.js', import.meta.url), new URL('./fresh-token.worker.ts', import.meta.url)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('the drill token worker is not built; run `npm run build`.');
  return fileURLToPath(found);
}

async function runWorker(request: FreshTokenRequest, conf: string, runScript: ScriptRunner): Promise<FreshTokenReply> {
  let path: string;
  try {
    path = workerPath();
  } catch (error) {
    return { error: (error as Error).message };
  }
  const run = await runScript(path, { SOFTHSM2_CONF: conf }, JSON.stringify(request), WORKER_TIMEOUT_MS);
  const reply = run.reply === null ? undefined : (parseJsonOrUndefined(run.reply) as FreshTokenReply | undefined);
  if (reply && typeof reply === 'object' && ('error' in reply || 'results' in reply)) return reply;
  const why = run.timedOut ? `it did not finish within ${WORKER_TIMEOUT_MS / 1000} s and was stopped` : `its process ended with ${run.signal ?? `code ${run.code}`} without an answer`;
  return { error: `${why}${run.stderr ? ` (${run.stderr})` : ''}.` };
}

function failAll(keys: DrillKey[], reason: string): Map<string, { passed: boolean; reason: string }> {
  return new Map(keys.map((k) => [k.keyId, { passed: false, reason }]));
}
