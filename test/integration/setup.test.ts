import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('on a system it cannot install for, the setup names exactly what is missing and stops', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-setup-'));
  const osRelease = join(dir, 'os-release');
  await writeFile(osRelease, 'ID=fedora\nID_LIKE="rhel centos"\n');
  const bin = join(dir, 'bin');
  await mkdir(bin);
  // Only what the script itself needs, plus two of the tools it checks for.
  for (const tool of ['bash', 'npm', 'dirname', 'grep', 'uname', 'cat', 'timeout', 'id', 'chromium', 'Xvfb']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(found, `${tool} exists on the test machine`);
    await symlink(found, join(bin, tool));
  }
  await symlink(join(root, 'node_modules/.bin/node'), join(bin, 'node'));
  const result = spawnSync(join(bin, 'bash'), [join(root, 'build/setup.sh'), '--test'], {
    encoding: 'utf8',
    env: { PATH: bin, HOME: dir, SIGNET_OS_RELEASE: osRelease },
  });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /installs itself only on Debian or Ubuntu/);
  assert.match(result.stderr, /softhsm2-util \(softhsm2\)/);
  assert.match(result.stderr, /docker-registry \(docker-registry\)/);
  assert.match(result.stderr, /gnome-keyring-daemon \(gnome-keyring\)/);
  assert.doesNotMatch(result.stderr, /chromium|Xvfb/, 'what is present is not listed');
});
