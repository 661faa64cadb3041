import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { createApp } from '../../main/app/app.context.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startSoftHsm, SOFTHSM_MODULE } from '../support/softhsm.fixture.ts';

const COUNT = 1000;
const digests = Array.from({ length: COUNT }, () => createHash('sha256').update(randomBytes(64)).digest());

export interface BenchResult {
  lines: string[];
  ratios: Record<string, { ratio: number; target: number }>;
}

function rate(ms: number): number {
  return COUNT / (ms / 1000);
}

// Raw pkcs11js, one session, synchronous C_Sign: the fastest a single caller can go.
function rawSingleSession(tokenLabel: string, pin: string): number {
  const module = new pkcs11js.PKCS11();
  module.load(SOFTHSM_MODULE);
  module.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  try {
    const slot = module.C_GetSlotList(true).find((s) => module.C_GetTokenInfo(s).label.trim() === tokenLabel)!;
    const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    module.C_Login(session, pkcs11js.CKU_USER, pin);
    const { privateKey } = module.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [{ type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') }, { type: pkcs11js.CKA_TOKEN, value: false }],
      [{ type: pkcs11js.CKA_SIGN, value: true }, { type: pkcs11js.CKA_TOKEN, value: false }, { type: pkcs11js.CKA_SENSITIVE, value: true }],
    );
    const out = Buffer.alloc(128);
    const started = performance.now();
    for (const digest of digests) {
      module.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey);
      module.C_Sign(session, digest, out);
    }
    return performance.now() - started;
  } finally {
    module.C_Finalize();
    module.close();
  }
}

// One run measures the baseline and the service side by side, on the same token and machine.
export async function measure(): Promise<BenchResult> {
  const hsm = await startSoftHsm('bench', ['bench-raw']);
  const home = await mkdtemp(join(tmpdir(), 'signet-bench-'));
  const lines: string[] = [];
  try {
    const rawMs = rawSingleSession('bench-raw', hsm.userPin);
    const results: Record<string, number> = {};
    for (const sessions of [1, 4]) {
      const app = createApp({ host: 'cli', env: { ...process.env, SIGNET_HOME: join(home, `s${sessions}`) }, keychain: new MemoryKeychain(), sessionsPerToken: sessions });
      const selector = { modulePath: SOFTHSM_MODULE, tokenLabel: 'bench' };
      await app.pins.remember(selector, hsm.userPin);
      const key = await app.keys.generate({ backend: { kind: 'pkcs11', ...selector }, algorithm: 'ecdsa-p256', label: `bench ${sessions}` }, 'cli');
      await app.keys.sign(key.id, { digest: digests[0]! }, 'cli');
      const started = performance.now();
      if (sessions === 1) {
        for (const digest of digests) await app.keys.sign(key.id, { digest }, 'cli');
      } else {
        await Promise.all(digests.map((digest) => app.keys.sign(key.id, { digest }, 'cli')));
      }
      results[sessions] = performance.now() - started;
      await app.close();
    }
    const raw = rate(rawMs);
    const single = rate(results[1]!);
    const parallel = rate(results[4]!);
    lines.push(`raw pkcs11js C_Sign, 1 session:            ${raw.toFixed(0)} signatures/s`);
    lines.push(`key service, 1 session, one at a time:     ${single.toFixed(0)} signatures/s (audited, fsynced)`);
    lines.push(`key service, 4 sessions, 1000 in flight:   ${parallel.toFixed(0)} signatures/s (audited, fsynced, group-committed)`);
    return {
      lines,
      ratios: {
        'keys-sign': { ratio: parallel / raw, target: 0.8 },
        'keys-sign-sequential': { ratio: single / raw, target: 0.8 },
        'keys-sign-parallel': { ratio: parallel / single, target: 1 },
      },
    };
  } finally {
    await rm(home, { recursive: true, force: true });
    await hsm.cleanup();
  }
}
