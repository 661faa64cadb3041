import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkModuleFile, checkToolFolder } from '../../main/settings/executable-locations.ts';
import { refused } from '../support/dispatch.ts';

let work: string;
const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-locations-'));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('a tool folder must be a plain absolute path to an existing folder', async () => {
  await refused(checkToolFolder('relative/tools'), 'Forbidden', /not an absolute path; relative paths are refused/);
  await refused(checkToolFolder(`${work}/../${work.split('/').pop()!}`), 'Forbidden', /"\." or "\.\." segments/);
  await refused(checkToolFolder(join(work, 'missing')), 'Forbidden', /does not exist/);
  await writeFile(join(work, 'file'), 'x');
  await refused(checkToolFolder(join(work, 'file')), 'Forbidden', /is not a folder/);
  const good = join(work, 'good');
  await mkdir(good, { mode: 0o755 });
  await writeFile(join(good, 'cosign'), '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(await checkToolFolder(good), good);
});

test('a tool folder anyone can write, one under a folder anyone can write, or one holding a tool anyone can write is refused', async () => {
  const open = join(work, 'open');
  await mkdir(open);
  await chmod(open, 0o777);
  await refused(checkToolFolder(open), 'Forbidden', /can be written by anyone/);
  const inside = join(open, 'inside');
  await mkdir(inside, { mode: 0o755 });
  await refused(checkToolFolder(inside), 'Forbidden', /lies under .*open, which anyone on this machine can write/);
  const loose = join(work, 'loose');
  await mkdir(loose, { mode: 0o755 });
  await writeFile(join(loose, 'skopeo'), '#!/bin/sh\n');
  await chmod(join(loose, 'skopeo'), 0o777);
  await refused(checkToolFolder(loose), 'Forbidden', /skopeo in the tool folder can be written by anyone/);
});

test('a PKCS#11 module must be a regular shared library nobody else can write', async () => {
  await refused(checkModuleFile('libsofthsm2.so'), 'Forbidden', /not an absolute path/);
  await refused(checkModuleFile(join(work, 'none.so')), 'Forbidden', /does not exist/);
  await refused(checkModuleFile('/etc/hostname'), 'Forbidden', /is not a shared library/);
  await refused(checkModuleFile(work), 'Forbidden', /is not a regular file/);
  const script = join(work, 'evil.so');
  await writeFile(script, '#!/bin/sh\necho pwned\n', { mode: 0o644 });
  await refused(checkModuleFile(script), 'Forbidden', /is not a shared library/);
  assert.equal(await checkModuleFile(SOFTHSM_MODULE), await import('node:fs/promises').then((fs) => fs.realpath(SOFTHSM_MODULE)));
  const copy = join(work, 'copy.so');
  await copyFile(SOFTHSM_MODULE, copy);
  await chmod(copy, 0o666);
  await refused(checkModuleFile(copy), 'Forbidden', /can be written by anyone/);
  const link = join(work, 'link.so');
  await chmod(copy, 0o644);
  await symlink(copy, link);
  assert.equal(await checkModuleFile(link), copy, 'a link is judged by the file it names');
});
