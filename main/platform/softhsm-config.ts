import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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

/** SoftHSM's own configuration when SOFTHSM2_CONF is not set (Debian's and the upstream default). */
const SYSTEM_CONF = '/etc/softhsm/softhsm2.conf';

// Whether the system's SoftHSM store already holds tokens this user can read: switching stores would hide them.
async function systemStoreHasTokens(systemConf: string): Promise<boolean> {
  try {
    const dir = /^\s*directories\.tokendir\s*=\s*(.+?)\s*$/m.exec(await readFile(systemConf, 'utf8'))?.[1];
    return dir !== undefined && (await readdir(dir, { withFileTypes: true })).some((entry) => entry.isDirectory());
  } catch {
    return false;
  }
}

// Writes Signet's private configuration (owner-only) and points this process's SoftHSM at it, unless the environment
// named one already or the system store holds tokens this user can read (those are never hidden by a switch).
export async function ensureSoftHsmConfig(dataDir: string, env: NodeJS.ProcessEnv, systemConf = SYSTEM_CONF): Promise<string> {
  const existing = env.SOFTHSM2_CONF;
  if (existing !== undefined) return existing;
  if (!existsSync(signetSoftHsmConfig(dataDir).conf) && (await systemStoreHasTokens(systemConf))) return systemConf;
  const { conf, tokenDir } = signetSoftHsmConfig(dataDir);
  await mkdir(tokenDir, { recursive: true, mode: 0o700 });
  await writeFile(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`, { mode: 0o600 });
  env.SOFTHSM2_CONF = conf;
  return conf;
}
