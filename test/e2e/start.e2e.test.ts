import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startXvfb } from '../support/browser.ts';
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

test('npm start without Electron but with a display opens the app in a window of its own, and the token never appears on a command line', async () => {
  const home = await mkdtemp(join(tmpdir(), 'signet-start-window-'));
  const display = await startXvfb();
  const env: NodeJS.ProcessEnv = { ...process.env, SIGNET_HOME: home, DISPLAY: display.name };
  delete env.WAYLAND_DISPLAY;
  const app = start(process.execPath, [join(root, 'build/start.mjs')], { env });
  try {
    await waitFor('the window line', async () => /Opened Signet in a window of its own \(chromium/.test(app.output()), 30_000, app.output);
    const address = /Open (http:\S+)/.exec(app.output())![1]!;
    assert.match(address, /#token=/, 'the address for headless use is still printed');
    const token = address.split('#token=')[1]!;
    const launchFile = join(home, 'app-window', 'launch', 'open.html');
    await waitFor('the window to connect (its launch file is then removed)', async () => !existsSync(launchFile), 60_000, app.output);
    const commandLines = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    });
    assert.ok(commandLines.some((line) => line.includes('--app=file://') && line.includes(join(home, 'app-window'))), 'a browser was started in app mode on the launch file');
    assert.ok(!commandLines.some((line) => line.includes(token)), 'no process has the token on its command line');
  } finally {
    await app.stop();
    await display.stop();
  }
});
