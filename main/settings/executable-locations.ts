import { constants } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, normalize, join } from 'node:path';
import { SignetError } from '../errors.ts';

/** What a checked location is: a folder of tools main runs, or a PKCS#11 module main loads. */
export type ExecutableLocationKind = 'tool-folder' | 'pkcs11-module';

const WORLD_WRITABLE = 0o002;
const STICKY = 0o1000;

/** The first bytes of a shared object: ELF, Mach-O (both byte orders, 32 and 64 bit, universal) and PE. */
const SHARED_OBJECT_MAGIC: readonly Buffer[] = [
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xce]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xcf]),
  Buffer.from([0xce, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xca, 0xfe, 0xba, 0xbe]),
  Buffer.from([0x4d, 0x5a]),
];

// A written path must already be the plain absolute path it names: no relative form, no "." or ".." segment, nothing a later change of folder could redirect.
function assertPlainAbsolute(path: string, what: string): void {
  if (!isAbsolute(path)) throw new SignetError('Forbidden', `${what} ${path} is not an absolute path; relative paths are refused.`);
  const segments = path.split(/[\\/]+/);
  if (segments.includes('..') || segments.includes('.') || normalize(path).replace(/[\\/]+$/, '') !== path.replace(/[\\/]+$/, '')) {
    throw new SignetError('Forbidden', `${what} ${path} is not written plainly (it has "." or ".." segments or doubled separators); write the folder itself.`);
  }
}

// Anyone who can write a folder on the way can swap what lies below it; a sticky folder (such as /tmp) is safe only for entries owned by root or by this user.
async function assertSafeAncestors(real: string, what: string): Promise<void> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  let child = real;
  let parent = dirname(real);
  while (parent !== child) {
    const info = await stat(parent);
    if (info.mode & WORLD_WRITABLE) {
      const owner = (await lstat(child)).uid;
      const ownedSafely = owner === 0 || (uid !== null && owner === uid);
      if (!(info.mode & STICKY) || !ownedSafely) throw new SignetError('Forbidden', `${what} lies under ${parent}, which anyone on this machine can write; choose a location only you or root can change.`);
    }
    child = parent;
    parent = dirname(parent);
  }
}

function describeMissing(error: unknown, path: string, what: string): SignetError {
  const code = (error as NodeJS.ErrnoException).code;
  return new SignetError('Forbidden', `${what} ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`}.`);
}

// The real path behind a location, or an error in words when nothing is there.
async function resolved(path: string, what: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    throw describeMissing(error, path, what);
  }
}

// A tool folder: an existing folder nobody else can write, whose entries Signet may run are regular executables nobody else can write.
export async function checkToolFolder(path: string): Promise<string> {
  const what = 'Tool folder';
  assertPlainAbsolute(path, what);
  if (process.platform === 'win32') throw new SignetError('Forbidden', 'Tool folders are checked for who may write them only on Linux and macOS; on Windows add the tools to PATH instead.');
  const real = await resolved(path, what);
  const info = await stat(real);
  if (!info.isDirectory()) throw new SignetError('Forbidden', `${what} ${path} is not a folder.`);
  if (info.mode & WORLD_WRITABLE) throw new SignetError('Forbidden', `${what} ${path} can be written by anyone on this machine; Signet would run whatever was put there.`);
  await assertSafeAncestors(real, `${what} ${path}`);
  for (const name of await readdir(real)) {
    const entry = await stat(join(real, name)).catch(() => null);
    if (!entry || !entry.isFile() || !(entry.mode & constants.S_IXUSR)) continue;
    if (entry.mode & WORLD_WRITABLE) throw new SignetError('Forbidden', `${join(path, name)} in the tool folder can be written by anyone on this machine; fix its permissions first.`);
  }
  return real;
}

// A PKCS#11 module: an existing regular file nobody else can write, that starts like a shared object.
export async function checkModuleFile(path: string): Promise<string> {
  const what = 'PKCS#11 module';
  assertPlainAbsolute(path, what);
  const real = await resolved(path, what);
  const info = await stat(real);
  if (!info.isFile()) throw new SignetError('Forbidden', `${what} ${path} is not a regular file.`);
  if (process.platform !== 'win32') {
    if (info.mode & WORLD_WRITABLE) throw new SignetError('Forbidden', `${what} ${path} can be written by anyone on this machine; Signet would load whatever was put there.`);
    await assertSafeAncestors(real, `${what} ${path}`);
  }
  const head = Buffer.alloc(4);
  const handle = await open(real, 'r');
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  if (!SHARED_OBJECT_MAGIC.some((magic) => head.subarray(0, magic.length).equals(magic))) {
    throw new SignetError('Forbidden', `${what} ${path} is not a shared library (it does not start like one).`);
  }
  return real;
}
