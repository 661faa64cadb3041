import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { SCREENSHOTS, startXvfb } from '../support/browser.ts';
import { startKeychain } from '../support/keychain.fixture.ts';
import { SOFTHSM_MODULE, startSoftHsm } from '../support/softhsm.fixture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function electronBinary(): string | null {
  const pathFile = join(root, 'node_modules/electron/path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(root, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const skipReason = binary ? false : 'the Electron binary is not installed on this machine (its download failed or is blocked), so the desktop shell cannot start; its code is covered by the window-factory, IPC-binding, preload and PIN-prompt contract tests';
if (skipReason) console.log(`electron e2e skipped: ${skipReason}`);

test('the Electron app opens one sandboxed window showing the System screen', { skip: skipReason }, async () => {
  const display = process.env.DISPLAY ? null : await startXvfb();
  const home = await mkdtemp(join(tmpdir(), 'signet-electron-'));
  const app = await electron.launch({
    executablePath: binary!,
    args: [root],
    env: { ...process.env, SIGNET_HOME: home, ...(display ? { DISPLAY: display.name } : {}) },
  });
  try {
    const page = await app.firstWindow();
    await page.getByRole('heading', { name: 'System', level: 1 }).waitFor({ timeout: 20_000 });
    assert.match(page.url(), /^app:\/\/signet\//);
    assert.equal(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
    assert.equal(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process), 'undefined');
    assert.deepEqual(await page.evaluate(() => Object.keys((globalThis as unknown as { signet: object }).signet).sort()), ['invoke', 'on']);
    assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length), 1);
    const opened = await page.evaluate(() => (globalThis as unknown as { open(url: string): unknown }).open('https://example.com') === null);
    assert.equal(opened, true, 'window.open is denied');
    await page.screenshot({ path: join(SCREENSHOTS, 'electron-system-screen.png') });
  } finally {
    await app.close();
    await display?.stop();
  }
});

test('a token PIN that is not remembered is asked in main\'s own window on its own origin, which the app page cannot reach', { skip: skipReason }, async () => {
  const hsm = await startSoftHsm('electron-pin-token');
  const keychain = await startKeychain();
  const display = process.env.DISPLAY ? null : await startXvfb();
  const home = await mkdtemp(join(tmpdir(), 'signet-electron-pin-'));
  const app = await electron.launch({
    executablePath: binary!,
    args: [root],
    env: { ...process.env, ...keychain.env, SOFTHSM2_CONF: hsm.conf, SIGNET_HOME: home, TSS2_LOG: 'all+none', ...(display ? { DISPLAY: display.name } : {}) },
  });
  try {
    const page = await app.firstWindow();
    await page.getByRole('heading', { name: 'System', level: 1 }).waitFor({ timeout: 20_000 });
    const generate = (label: string) =>
      page.evaluate(
        ({ modulePath, tokenLabel, label }) =>
          (globalThis as unknown as { signet: { invoke(channel: string, input: unknown): Promise<unknown> } }).signet.invoke('keys.generate', { backend: { kind: 'pkcs11', modulePath, tokenLabel }, label }),
        { modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label, label },
      ) as Promise<{ ok: boolean; value?: { location: { kind: string } }; error?: { code: string } }>;

    let opened = app.waitForEvent('window', { timeout: 20_000 });
    const declined = generate('declined at the prompt');
    let prompt = await opened;
    const field = () => prompt.getByLabel(`PIN for token “${hsm.label}”`);
    await field().waitFor({ timeout: 20_000 });
    assert.match(prompt.url(), /^app:\/\/pin\//);
    await prompt.getByText('Generate ECDSA P-256 key "declined at the prompt" on this token.').waitFor({ timeout: 5_000 });
    assert.equal(await prompt.evaluate(() => typeof (globalThis as { signet?: unknown }).signet), 'undefined', 'the prompt has no app bridge');
    assert.deepEqual(await prompt.evaluate(() => Object.keys((globalThis as unknown as { signetPin: object }).signetPin).sort()), ['answer', 'request']);
    assert.equal(await page.evaluate(() => typeof (globalThis as { signetPin?: unknown }).signetPin), 'undefined', 'the app page has no prompt bridge');
    assert.equal(await prompt.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id), 'pin-input');
    const shown = await app.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows().map((w) => ({ url: w.webContents.getURL(), resizable: w.isResizable(), modal: w.isModal(), parent: w.getParentWindow()?.webContents.getURL() ?? null })),
    );
    const promptWindow = shown.find((w) => w.url.startsWith('app://pin/'));
    assert.ok(promptWindow);
    assert.equal(promptWindow.resizable, false);
    if (promptWindow.parent !== null) assert.match(promptWindow.parent, /^app:\/\/signet\//);
    await prompt.screenshot({ path: join(SCREENSHOTS, 'electron-pin-prompt.png') });
    await Promise.all([prompt.waitForEvent('close'), field().press('Escape').catch(() => undefined)]);
    const refused = await declined;
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.code, 'Unauthorized');

    opened = app.waitForEvent('window', { timeout: 20_000 });
    const asked = generate('asked in the prompt');
    prompt = await opened;
    await field().fill(hsm.userPin);
    await Promise.all([prompt.waitForEvent('close'), field().press('Enter').catch(() => undefined)]);
    const made = await asked;
    assert.equal(made.ok, true, JSON.stringify(made.error));
    assert.equal(made.value?.location.kind, 'pkcs11');
    assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length), 1, 'the prompt window is gone');
  } finally {
    await app.close();
    await display?.stop();
    await keychain.stop();
    await hsm.cleanup();
  }
});
