import { access, constants, realpath } from 'node:fs/promises';
import { SignetError } from '../errors.ts';
import type { Pkcs11ModuleStatus } from '../../shared/model/system.model.ts';

const MULTIARCH: Partial<Record<string, string>> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

// Where distributions and vendors install the modules Signet knows, so most users configure nothing.
export function wellKnownModulePaths(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string[] {
  if (platform === 'linux') {
    const triplet = MULTIARCH[arch] ?? `${arch}-linux-gnu`;
    return [
      '/usr/lib/softhsm/libsofthsm2.so',
      `/usr/lib/${triplet}/softhsm/libsofthsm2.so`,
      '/usr/lib64/pkcs11/libsofthsm2.so',
      '/usr/local/lib/softhsm/libsofthsm2.so',
      `/usr/lib/${triplet}/pkcs11/libtpm2_pkcs11.so`,
      '/usr/lib64/pkcs11/libtpm2_pkcs11.so',
      '/usr/local/lib/libtpm2_pkcs11.so',
      `/usr/lib/${triplet}/opensc-pkcs11.so`,
      '/usr/lib64/opensc-pkcs11.so',
    ];
  }
  if (platform === 'darwin') {
    return [
      '/opt/homebrew/lib/softhsm/libsofthsm2.so',
      '/usr/local/lib/softhsm/libsofthsm2.so',
      '/Library/OpenSC/lib/opensc-pkcs11.so',
    ];
  }
  if (platform === 'win32') {
    return ['C:\\SoftHSM2\\lib\\softhsm2-x64.dll', 'C:\\Windows\\System32\\opensc-pkcs11.dll'];
  }
  return [];
}

// Names the module family from its file name, so the UI can say what a TPM cannot do.
export function moduleKind(path: string): Pkcs11ModuleStatus['kind'] {
  const file = path.toLowerCase().split(/[\\/]/).pop() ?? '';
  if (file.includes('softhsm')) return 'softhsm';
  if (file.includes('tpm2')) return 'tpm2';
  if (file.includes('opensc')) return 'opensc';
  return 'other';
}

// Keeps only the well-known paths that exist here, one per real file (distributions link one module under several names).
export async function detectModules(candidates: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const path of candidates) {
    try {
      await access(path, constants.R_OK);
      const real = await realpath(path);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push(path);
    } catch {
      continue;
    }
  }
  return found;
}

// Signet makes SoftHSM tokens of its own (the workshop's, a drill's), from the first module installed where distributions put it.
export async function installedSoftHsmModule(): Promise<string | null> {
  for (const path of wellKnownModulePaths().filter((p) => moduleKind(p) === 'softhsm')) {
    try {
      await access(path, constants.R_OK);
      return path;
    } catch {
      continue;
    }
  }
  return null;
}

// The page may name only a module this machine already vouches for: one configured under System (which main confirmed) or one installed where vendors put them.
export async function assertKnownModule(modulePath: string, configured: readonly string[], extra: readonly string[] = []): Promise<void> {
  const known = [...configured, ...(await detectModules([...extra, ...wellKnownModulePaths()]))];
  const real = await realpath(modulePath).catch(() => null);
  for (const candidate of known) {
    if (candidate === modulePath) return;
    if (real !== null && (await realpath(candidate).catch(() => null)) === real) return;
  }
  throw new SignetError('Forbidden', `${modulePath} is not a PKCS#11 module this machine knows; add it under System, Key backends (Signet confirms it itself) or use a detected one.`);
}
