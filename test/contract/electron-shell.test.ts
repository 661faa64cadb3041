import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { runInNewContext } from 'node:vm';
import { requestChannels, BRIDGE_GLOBAL, type Bridge } from '../../shared/contract.ts';
import { createSecureWindow, denyAllPermissions, guardWebContents, APP_ENTRY } from '../../main/electron/window.factory.ts';
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

test('the window factory makes sandboxed, isolated windows without Node and loads the packaged app', () => {
  const created: { options: Record<string, unknown>; loaded: string[]; contents: ReturnType<typeof fakeContents> }[] = [];
  class FakeWindow {
    webContents = fakeContents();
    loaded: string[] = [];
    constructor(options: Record<string, unknown>) {
      created.push({ options, loaded: this.loaded, contents: this.webContents });
    }
    once() {
      return this;
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
  }
  createSecureWindow({ BrowserWindow: FakeWindow as never }, '/app/preload.cjs');
  const [window] = created;
  assert.ok(window);
  const prefs = window.options.webPreferences as Record<string, unknown>;
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.preload, '/app/preload.cjs');
  assert.deepEqual(window.loaded, [APP_ENTRY]);
  assert.match(APP_ENTRY, /^app:\/\/signet\//);
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
  const required: string[] = [];
  runInNewContext(source, {
    require: (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return electron;
    },
    module: { exports: {} },
    exports: {},
    Promise,
  });
  assert.deepEqual(required, ['electron']);
  assert.deepEqual(Object.keys(exposed), [BRIDGE_GLOBAL]);
  const bridge = exposed[BRIDGE_GLOBAL] as Bridge;
  assert.deepEqual(Object.keys(bridge).sort(), ['invoke', 'on']);
  const refused = (await bridge.invoke('shell.openExternal', {})) as { ok: boolean; error: { code: string } };
  assert.equal(refused.error.code, 'BadInput');
  await bridge.invoke(requestChannels[0]!, {});
  assert.deepEqual(invoked, [requestChannels[0]]);
  assert.throws(() => bridge.on('ipc-internal', () => undefined));
  bridge.on('settings.changed', () => undefined);
  assert.deepEqual(subscribed, ['settings.changed']);
});
