import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where Signet's own SoftHSM configuration and token folder live under the data folder. */
export interface SoftHsmConfig {
  conf: string;
  tokenDir: string;
}

// One place names the files, so the token maker and the start-up adoption agree on them.
export function signetSoftHsmConfig(dataDir: string): SoftHsmConfig {
  const dir = join(dataDir, 'softhsm');
  return { conf: join(dir, 'softhsm2.conf'), tokenDir: join(dir, 'tokens') };
}

// SoftHSM reads SOFTHSM2_CONF when a module is loaded; once Signet made a token of its own, later loads in this process see it too.
export function adoptSignetSoftHsmConfig(dataDir: string, env: NodeJS.ProcessEnv): void {
  if (env.SOFTHSM2_CONF !== undefined) return;
  const { conf } = signetSoftHsmConfig(dataDir);
  if (existsSync(conf)) env.SOFTHSM2_CONF = conf;
}

// Writes Signet's private configuration (owner-only) and points this process's SoftHSM at it, unless the environment named one already.
export async function ensureSoftHsmConfig(dataDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const existing = env.SOFTHSM2_CONF;
  if (existing !== undefined) return existing;
  const { conf, tokenDir } = signetSoftHsmConfig(dataDir);
  await mkdir(tokenDir, { recursive: true, mode: 0o700 });
  await writeFile(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`, { mode: 0o600 });
  env.SOFTHSM2_CONF = conf;
  return conf;
}
