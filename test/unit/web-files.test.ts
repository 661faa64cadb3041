import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStaticFile } from '../../main/app/static-files.ts';
import { contentSecurityPolicy, contentType } from '../../main/app/csp.ts';

test('static files resolve inside the renderer folder only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-static-'));
  const root = join(dir, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<html></html>');
  await writeFile(join(root, 'assets', 'app.js'), 'x');
  await writeFile(join(dir, 'secret.txt'), 'secret');
  await symlink(join(dir, 'secret.txt'), join(root, 'assets', 'link.txt'));
  assert.equal((await readStaticFile(root, '/'))?.body.toString(), '<html></html>');
  assert.equal((await readStaticFile(root, '/assets/app.js'))?.body.toString(), 'x');
  for (const hostile of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/link.txt', '/a%00b', '/..%5csecret.txt', '/%E0%A4%A']) {
    assert.equal(await readStaticFile(root, hostile), null, hostile);
  }
});

test('the content security policy allows nothing inline and nothing foreign', () => {
  const policy = contentSecurityPolicy(['ws://127.0.0.1:1234']);
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'self'(;|$)/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
  assert.match(policy, /connect-src ws:\/\/127\.0\.0\.1:1234/);
  assert.match(contentSecurityPolicy(), /connect-src 'none'/);
  assert.equal(contentType('/x/unknown.bin'), 'application/octet-stream');
});
