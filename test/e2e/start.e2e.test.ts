import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, waitFor } from '../support/processes.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('npm start without a usable Electron says why in one line and serves the app through the browser host', async () => {
  const home = await mkdtemp(join(tmpdir(), 'signet-start-'));
  const env: NodeJS.ProcessEnv = { ...process.env, SIGNET_HOME: home };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const app = start(process.execPath, [join(root, 'build/start.mjs')], { env });
  try {
    await waitFor('the browser host address', async () => /Open http:\/\/127\.0\.0\.1:\d+\/#token=/.test(app.output()), 20_000, app.output);
    const lines = app.output().split('\n');
    assert.match(lines[0] ?? '', /^Signet: .+; starting the browser host instead\.$/);
    const address = /Open (http:\S+)/.exec(app.output())![1]!;
    const page = await fetch(address.split('#')[0]!);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  } finally {
    await app.stop();
  }
});
