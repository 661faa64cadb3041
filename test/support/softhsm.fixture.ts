import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.ts';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsm {
  conf: string;
  label: string;
  userPin: string;
  cleanup(): Promise<void>;
}

// A private SoftHSM token store: its own SOFTHSM2_CONF, so the machine's tokens are never touched. All tokens share the user PIN.
export async function startSoftHsm(label = 'signet-test', extraTokens: string[] = []): Promise<SoftHsm> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-softhsm-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  const userPin = '1234';
  for (const name of [label, ...extraTokens]) {
    await run('softhsm2-util', ['--init-token', '--free', '--label', name, '--so-pin', '5678', '--pin', userPin], {
      env: { ...process.env, SOFTHSM2_CONF: conf },
    });
  }
  return {
    conf,
    label,
    userPin,
    cleanup: async () => {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
