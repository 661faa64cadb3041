import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeTools } from '../../main/platform/tools.probe.ts';

test('tools are found in the extra folders first, with their versions, and broken ones are named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-tools-'));
  await writeFile(join(dir, 'oras'), '#!/bin/sh\necho "Version:    9.8.7"\necho "Go version: go1.24"\n');
  await writeFile(join(dir, 'cosign'), '#!/bin/sh\necho boom >&2\nexit 3\n');
  await chmod(join(dir, 'oras'), 0o755);
  await chmod(join(dir, 'cosign'), 0o755);
  const tools = await probeTools([dir], '');
  const oras = tools.find((t) => t.name === 'oras');
  assert.equal(oras?.version, '9.8.7');
  assert.equal(oras?.path, join(dir, 'oras'));
  const cosign = tools.find((t) => t.name === 'cosign');
  assert.equal(cosign?.found, true);
  assert.equal(cosign?.error?.code, 'Unavailable');
  assert.equal(tools.find((t) => t.name === 'skopeo')?.found, false);
});
