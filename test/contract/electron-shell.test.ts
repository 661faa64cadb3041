import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { assertSecurePreferences, runSandboxedPreload } from '../support/electron-checks.ts';
import { requestChannels, BRIDGE_GLOBAL, pinPromptChannels, type Bridge } from '../../shared/contract.ts';
import { appWindowSpec, createSecureWindow, denyAllPermissions, guardWebContents, APP_ENTRY, PIN_ENTRY, type SecureWindowSpec } from '../../main/electron/window.factory.ts';
import { bindIpc, isTrustedSender } from '../../main/electron/ipc.binding.ts';
import type { Dispatch } from '../../main/ipc/dispatcher.ts';

type Listener = (...args: unknown[]) => unknown;

function fakeContents() {
  const listeners = new Map<string, Listener>();
  let openHandler: Listener | null = null;
  return {
    listeners,
    openHandler: () => openHandler,
    on(event: string, listener: Listener) {
      listeners.set(event, listener);
      return this;
    },
    setWindowOpenHandler(handler: Listener) {
      openHandler = handler;
    },
  };
}

class FakeWindow {
  static created: FakeWindow[] = [];
  webContents = fakeContents();
  loaded: string[] = [];
  menuRemoved = false;
  options: Record<string, unknown>;
  constructor(options: Record<string, unknown>) {
    this.options = options;
    FakeWindow.created.push(this);
  }
  once() {
    return this;
  }
  removeMenu() {
    this.menuRemoved = true;
  }
  loadURL(url: string) {
    this.loaded.push(url);
    return Promise.resolve();
  }
}

function assertSecure(window: FakeWindow, preload: string): void {
  assertSecurePreferences(window.options.webPreferences, preload);
  assert.ok(window.webContents.openHandler(), 'new windows are denied');
  assert.ok(window.webContents.listeners.has('will-navigate'), 'navigation is denied');
}

test('the window factory makes sandboxed, isolated windows without Node and loads the packaged app', () => {
  FakeWindow.created = [];
  createSecureWindow({ BrowserWindow: FakeWindow as never }, appWindowSpec('/app/preload.cjs'));
  const [window] = FakeWindow.created;
  assert.ok(window);
  assertSecure(window, '/app/preload.cjs');
  assert.deepEqual(window.loaded, [APP_ENTRY]);
  assert.match(APP_ENTRY, /^app:\/\/signet\//);
  assert.equal(window.menuRemoved, false);
});

test('the PIN prompt window gets the same rules, its own origin, and is a fixed-size modal child without a menu', () => {
  FakeWindow.created = [];
  const parent = {} as never;
  const spec: SecureWindowSpec = { entry: PIN_ENTRY, preloadPath: '/app/pin-preload.cjs', title: 'PIN', width: 400, height: 300, resizable: false, parent, modal: true, menu: false };
  createSecureWindow({ BrowserWindow: FakeWindow as never }, spec);
  const [window] = FakeWindow.created;
  assert.ok(window);
  assertSecure(window, '/app/pin-preload.cjs');
  assert.deepEqual(window.loaded, [PIN_ENTRY]);
  assert.match(PIN_ENTRY, /^app:\/\/pin\//);
  assert.equal(window.options.parent, parent);
  assert.equal(window.options.modal, true);
  assert.equal(window.options.resizable, false);
  assert.equal(window.menuRemoved, true);
});

test('the window factory loads only Signet\'s own pages and cannot be handed other web preferences', () => {
  for (const entry of ['https://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)']) {
    assert.throws(() => createSecureWindow({ BrowserWindow: FakeWindow as never }, { ...appWindowSpec('/p.cjs'), entry }));
  }
  const sneaky = { ...appWindowSpec('/p.cjs'), webPreferences: { sandbox: false, nodeIntegration: true } } as SecureWindowSpec;
  FakeWindow.created = [];
  createSecureWindow({ BrowserWindow: FakeWindow as never }, sneaky);
  assertSecure(FakeWindow.created[0]!, '/p.cjs');
});

test('navigation, redirects, webviews and new windows are all denied', () => {
  const contents = fakeContents();
  guardWebContents(contents as never);
  for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
    let prevented = false;
    contents.listeners.get(event)?.({ preventDefault: () => (prevented = true) }, 'https://evil.example');
    assert.ok(prevented, `${event} is prevented`);
  }
  assert.deepEqual(contents.openHandler()?.({ url: 'https://evil.example' }), { action: 'deny' });
});

test('every permission request and check is denied', () => {
  const handlers: Record<string, Listener> = {};
  denyAllPermissions({
    setPermissionRequestHandler: (h: Listener) => (handlers.request = h),
    setPermissionCheckHandler: (h: Listener) => (handlers.check = h),
    setDevicePermissionHandler: (h: Listener) => (handlers.device = h),
  } as never);
  const answers: boolean[] = [];
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
    handlers.request?.({}, permission, (granted: boolean) => answers.push(granted));
  }
  assert.deepEqual(answers, [false, false, false, false, false]);
  assert.equal(handlers.check?.({}, 'media'), false);
  assert.equal(handlers.device?.({}), false);
});

test('the IPC binding serves every channel and refuses frames that are not the app', async () => {
  const bound = new Map<string, Listener>();
  const calls: unknown[] = [];
  const dispatch: Dispatch = async (channel, input) => {
    calls.push([channel, input]);
    return { ok: true, value: null };
  };
  bindIpc({ handle: (channel: string, listener: Listener) => bound.set(channel, listener) } as never, dispatch, new Set([7]));
  assert.deepEqual([...bound.keys()].sort(), [...requestChannels].sort());
  const frame = (url: string, parent: unknown = null) => ({ url, parent });
  const handler = bound.get(requestChannels[0]!)!;
  const refused = [
    { sender: { id: 7 }, senderFrame: frame('https://evil.example/') },
    { sender: { id: 7 }, senderFrame: frame('app://signet/index.html', {}) },
    { sender: { id: 8 }, senderFrame: frame('app://signet/index.html') },
    { sender: { id: 7 }, senderFrame: null },
    { sender: { id: 7 }, senderFrame: frame('app://signet.evil/index.html') },
  ];
  for (const event of refused) {
    const result = (await handler(event, {})) as { ok: boolean; error?: { code: string } };
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'Forbidden');
  }
  assert.equal(calls.length, 0, 'no refused call reaches the dispatcher');
  await handler({ sender: { id: 7 }, senderFrame: frame('app://signet/index.html') }, { refresh: false });
  assert.equal(calls.length, 1);
  assert.equal(isTrustedSender({ sender: { id: 7 }, senderFrame: frame('app://signet/') } as never, new Set([7])), true);
});

test('the bundled CommonJS preload exposes only invoke and on, for contract channels only', async () => {
  const source = await readFile(new URL('../../out/preload/preload.cjs', import.meta.url), 'utf8');
  const exposed: Record<string, unknown> = {};
  const invoked: string[] = [];
  const subscribed: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
    ipcRenderer: {
      invoke: async (channel: string) => {
        invoked.push(channel);
        return { ok: true, value: null };
      },
      on: (channel: string) => subscribed.push(channel),
      removeListener: () => undefined,
    },
  };
  const required = runSandboxedPreload(source, electron);
  assert.deepEqual(required, ['electron']);
  assert.deepEqual(Object.keys(exposed), [BRIDGE_GLOBAL]);
  const bridge = exposed[BRIDGE_GLOBAL] as Bridge;
  assert.deepEqual(Object.keys(bridge).sort(), ['invoke', 'on']);
  const refused = (await bridge.invoke('shell.openExternal', {})) as { ok: boolean; error: { code: string } };
  assert.equal(refused.error.code, 'BadInput');
  await bridge.invoke(requestChannels[0]!, {});
  assert.deepEqual(invoked, [requestChannels[0]]);
  for (const channel of Object.values(pinPromptChannels)) {
    const pin = (await bridge.invoke(channel, '1234')) as { ok: boolean; error: { code: string } };
    assert.equal(pin.error.code, 'BadInput', `the app cannot invoke ${channel}`);
    assert.throws(() => bridge.on(channel, () => undefined));
  }
  assert.deepEqual(invoked, [requestChannels[0]], 'nothing reached ipcRenderer for the prompt channels');
  assert.throws(() => bridge.on('ipc-internal', () => undefined));
  bridge.on('settings.changed', () => undefined);
  assert.deepEqual(subscribed, ['settings.changed']);
});
