import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { openRawP256 } from './raw-pkcs11.ts';
import { createApp } from '../../main/app/app.context.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startSoftHsm, SOFTHSM_MODULE } from '../support/softhsm.fixture.ts';

const COUNT = 1000;
/** Each figure is the median of this many rounds, after the first has warmed the code up. */
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
const digests = Array.from({ length: COUNT }, () => createHash('sha256').update(randomBytes(64)).digest());

export interface BenchResult {
  lines: string[];
  ratios: Record<string, { ratio: number; target: number }>;
}

function rate(ms: number): number {
  return COUNT / (ms / 1000);
}

// Raw pkcs11js, one session, synchronous C_Sign, with a key stored like Signet's (token object, private, sensitive).
function rawSingleSession(tokenLabel: string, pin: string): number {
  const { module, session, privateKey, close } = openRawP256(tokenLabel, pin, true);
  try {
    const out = Buffer.alloc(128);
    const rounds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      for (const digest of digests) {
        module.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey);
        module.C_Sign(session, digest, out);
      }
      rounds.push(performance.now() - started);
    }
    return median(rounds);
  } finally {
    close();
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await work();
    rounds.push(performance.now() - started);
  }
  return median(rounds);
}

// One run measures the baseline and the service side by side, on the same token and machine.
export async function measure(): Promise<BenchResult> {
  const hsm = await startSoftHsm('bench', ['bench-raw']);
  const home = await mkdtemp(join(tmpdir(), 'signet-bench-'));
  try {
    const raw = rate(rawSingleSession('bench-raw', hsm.userPin));
    const ms: Record<string, number> = {};
    for (const sessions of [1, 4]) {
      const app = createApp({ host: 'cli', env: { ...process.env, SIGNET_HOME: join(home, `s${sessions}`) }, keychain: new MemoryKeychain(), sessionsPerToken: sessions });
      const selector = { modulePath: SOFTHSM_MODULE, tokenLabel: 'bench' };
      await app.pins.remember(selector, hsm.userPin);
      const key = await app.keys.generate({ backend: { kind: 'pkcs11', ...selector }, algorithm: 'ecdsa-p256', label: `bench ${sessions}` }, 'cli');
      await app.keys.sign(key.id, { digest: digests[0]! }, 'cli');
      if (sessions === 1) {
        ms.batch = await timed(() => app.keys.signDigests(key.id, digests, 'cli'));
        ms.sequential = await timed(async () => {
          for (const digest of digests) await app.keys.sign(key.id, { digest }, 'cli');
        });
      }
      ms[`concurrent${sessions}`] = await timed(() => Promise.all(digests.map((digest) => app.keys.sign(key.id, { digest }, 'cli'))));
      await app.close();
    }
    const batch = rate(ms.batch!);
    const sequential = rate(ms.sequential!);
    const concurrent1 = rate(ms.concurrent1!);
    const concurrent4 = rate(ms.concurrent4!);
    return {
      lines: [
        `SoftHSM P-256, ${COUNT} SHA-256 digests, median of ${ROUNDS} rounds; every service signature is in the fsynced audit log before it is returned`,
        `raw pkcs11js C_Sign, 1 session:                       ${raw.toFixed(0)} signatures/s`,
        `key service, one batch of ${COUNT}, 1 session:            ${batch.toFixed(0)} signatures/s (one audit entry, one fsync)`,
        `key service, ${COUNT} requests one at a time, 1 session:  ${sequential.toFixed(0)} signatures/s (an fsync each)`,
        `key service, ${COUNT} requests in flight, 1 session:      ${concurrent1.toFixed(0)} signatures/s (fsyncs shared)`,
        `key service, ${COUNT} requests in flight, 4 sessions:     ${concurrent4.toFixed(0)} signatures/s (fsyncs shared)`,
      ],
      ratios: {
        'keys-sign': { ratio: batch / raw, target: 0.8 },
        'keys-sign-parallel': { ratio: concurrent4 / sequential, target: 1 },
      },
    };
  } finally {
    await rm(home, { recursive: true, force: true });
    await hsm.cleanup();
  }
}
