import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { openRawP256, type RawP256 } from './raw-pkcs11.ts';
import { createApp } from '../../main/app/app.context.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startSoftHsm, SOFTHSM_MODULE } from '../support/softhsm.fixture.ts';

const COUNT = 1000;
/** Each figure is the median of this many rounds, after one unmeasured round has warmed the code up. */
const ROUNDS = 5;
/** Raw and service rounds alternate this many times, so a slow spell of the machine falls on both sides. */
const PAIRS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
const digests = Array.from({ length: COUNT }, () => createHash('sha256').update(randomBytes(64)).digest());

export interface BenchResult {
  lines: string[];
  ratios: Record<string, { ratio: number; target: number }>;
  /** Raw timings and sizes behind the ratios, kept in the bench history; named by what they measure (signetMs, peakKb). */
  raw?: Record<string, number[]>;
}

function rate(ms: number): number {
  return COUNT / (ms / 1000);
}

async function elapsed(work: () => unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

// Raw pkcs11js, one session, synchronous C_Sign, with a key stored like Signet's (token object, private, sensitive).
function rawRound(raw: RawP256): void {
  const out = Buffer.alloc(128);
  for (const digest of digests) {
    raw.module.C_SignInit(raw.session, { mechanism: pkcs11js.CKM_ECDSA }, raw.privateKey);
    raw.module.C_Sign(raw.session, digest, out);
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  await work();
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(await elapsed(work));
  return median(rounds);
}

// Baseline and contender alternate, each pair in a different order, and each pair gives one ratio: the median ratio is the figure.
async function paired(baseline: () => unknown, contender: () => unknown): Promise<{ baseline: number; contender: number; ratio: number }> {
  await baseline();
  await contender();
  const baselineMs: number[] = [];
  const contenderMs: number[] = [];
  const ratios: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const baselineFirst = pair % 2 === 0;
    const first = await elapsed(baselineFirst ? baseline : contender);
    const second = await elapsed(baselineFirst ? contender : baseline);
    const [b, c] = baselineFirst ? [first, second] : [second, first];
    baselineMs.push(b);
    contenderMs.push(c);
    ratios.push(b / c);
  }
  return { baseline: rate(median(baselineMs)), contender: rate(median(contenderMs)), ratio: median(ratios) };
}

// One run measures the baseline and the service side by side, on the same token and machine.
export async function measure(): Promise<BenchResult> {
  const hsm = await startSoftHsm('bench', ['bench-raw']);
  const home = await mkdtemp(join(tmpdir(), 'signet-bench-'));
  const raw = openRawP256('bench-raw', hsm.userPin, true);
  const apps: ReturnType<typeof createApp>[] = [];
  try {
    const selector = { modulePath: SOFTHSM_MODULE, tokenLabel: 'bench' };
    const signer = async (sessions: number) => {
      const app = createApp({ host: 'cli', env: { ...process.env, SIGNET_HOME: join(home, `s${sessions}`) }, keychain: new MemoryKeychain(), sessionsPerToken: sessions });
      apps.push(app);
      await app.pins.remember(selector, hsm.userPin);
      const key = await app.keys.generate({ backend: { kind: 'pkcs11', ...selector }, algorithm: 'ecdsa-p256', label: `bench ${sessions}` }, 'cli');
      await app.keys.sign(key.id, { digest: digests[0]! }, 'cli');
      return {
        batch: () => app.keys.signDigests(key.id, digests, 'cli'),
        inFlight: () => Promise.all(digests.map((digest) => app.keys.sign(key.id, { digest }, 'cli'))),
        oneByOne: async () => {
          for (const digest of digests) await app.keys.sign(key.id, { digest }, 'cli');
        },
      };
    };
    const one = await signer(1);
    const four = await signer(4);
    const single = await paired(() => rawRound(raw), one.batch);
    const parallel = await paired(one.batch, four.batch);
    const oneByOne = rate(await timed(one.oneByOne));
    const inFlight1 = rate(await timed(one.inFlight));
    const inFlight4 = rate(await timed(four.inFlight));
    const cores = availableParallelism();
    return {
      lines: [
        `SoftHSM P-256, ${COUNT} SHA-256 digests, ${cores} cores; every service signature is in the fsynced audit log before it is returned`,
        `paired figures: ${PAIRS} alternating rounds of each side, median rates and the median of the ${PAIRS} ratios; the rest: median of ${ROUNDS} rounds`,
        `raw pkcs11js C_Sign, 1 session:                          ${single.baseline.toFixed(0)} signatures/s`,
        `key service, one batch of ${COUNT}, 1 session:               ${single.contender.toFixed(0)} signatures/s (one audit entry, one fsync)`,
        `key service, one batch of ${COUNT}, up to 4 sessions:        ${parallel.contender.toFixed(0)} signatures/s (shares on ${Math.min(4, cores)} threads; paired with 1 session at ${parallel.baseline.toFixed(0)}/s)`,
        `key service, ${COUNT} requests one at a time, 1 session:     ${oneByOne.toFixed(0)} signatures/s (an fsync each)`,
        `key service, ${COUNT} requests in flight, 1 session:         ${inFlight1.toFixed(0)} signatures/s (fsyncs shared)`,
        `key service, ${COUNT} requests in flight, 4 sessions:        ${inFlight4.toFixed(0)} signatures/s (fsyncs shared; SoftHSM signs on the calling thread)`,
      ],
      ratios: {
        'keys-sign': { ratio: single.ratio, target: 0.8 },
        'keys-sign-parallel': { ratio: parallel.ratio, target: 1 },
      },
    };
  } finally {
    for (const app of apps) await app.close();
    raw.close();
    await rm(home, { recursive: true, force: true });
    await hsm.cleanup();
  }
}
