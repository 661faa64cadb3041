import { afterEach, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertSecurePreferences, runSandboxedPreload } from '../support/electron-checks.ts';
import { isEventChannel, isRequestChannel, PIN_MAX_LENGTH, PIN_PROMPT_GLOBAL, pinPromptChannels, type PinPromptBridge, type PinPromptRequest } from '../../shared/contract.ts';
import { readRendererFile, serveRenderer } from '../../main/electron/app.protocol.ts';
import { PIN_PROMPT_TIMEOUT_MS, WindowPinPrompt, type PinPromptOptions } from '../../main/electron/pin.prompt.ts';
import { PIN_ENTRY, PIN_ORIGIN } from '../../main/electron/window.factory.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = { modulePath: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'release-hsm' };
const OTHER_TOKEN = { modulePath: '/usr/lib/opensc-pkcs11.so', tokenLabel: 'backup-card' };

type Listener = (...args: unknown[]) => unknown;

class Emitter {
  private readonly handlers = new Map<string, Listener[]>();
  on(event: string, listener: Listener) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener) {
    return this.on(event, listener);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.handlers.get(event) ?? []) listener(...args);
  }
  has(event: string): boolean {
    return this.handlers.has(event);
  }
}

class FakeContents extends Emitter {
  readonly id: number;
  openHandler: Listener | null = null;
  constructor(id: number) {
    super();
    this.id = id;
  }
  setWindowOpenHandler(handler: Listener) {
    this.openHandler = handler;
  }
}

let nextContentsId = 100;

class FakeWindow extends Emitter {
  static created: FakeWindow[] = [];
  static everyOne: FakeWindow[] = [];
  static failNext = false;
  readonly webContents = new FakeContents(nextContentsId++);
  readonly options: Record<string, unknown>;
  readonly loaded: string[] = [];
  menuRemoved = false;
  destroyed = false;
  constructor(options: Record<string, unknown>) {
    super();
    if (FakeWindow.failNext) {
      FakeWindow.failNext = false;
      throw new Error('no display');
    }
    this.options = options;
    FakeWindow.created.push(this);
    FakeWindow.everyOne.push(this);
  }
  loadURL(url: string) {
    this.loaded.push(url);
    return Promise.resolve();
  }
  removeMenu() {
    this.menuRemoved = true;
  }
  show() {}
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('closed');
  }
}

// A prompt left open would hold its two-minute timer; closing every window declines it.
afterEach(() => {
  for (const window of FakeWindow.everyOne.splice(0)) window.destroy();
});

function setup(options: Partial<PinPromptOptions> = {}) {
  FakeWindow.created = [];
  const handlers = new Map<string, Listener>();
  const ipcMain = { handle: (channel: string, listener: Listener) => handlers.set(channel, listener) };
  const prompt = new WindowPinPrompt({ BrowserWindow: FakeWindow as never, ipcMain: ipcMain as never }, { preloadPath: '/app/out/preload/pin-preload.cjs', parent: () => null, now: () => 1_000_000, ...options });
  const from = (window: { webContents: { id: number } }, url = PIN_ENTRY, parent: unknown = null) => ({ sender: { id: window.webContents.id }, senderFrame: { url, parent } });
  const call = (channel: string, event: unknown, ...args: unknown[]) => handlers.get(channel)!(event, ...args);
  return {
    prompt,
    handlers,
    windows: () => FakeWindow.created,
    request: (window: FakeWindow, url?: string, parent?: unknown) => call(pinPromptChannels.request, from(window, url, parent)) as PinPromptRequest | null,
    answer: (window: { webContents: { id: number } }, pin: unknown, url?: string, parent?: unknown) => call(pinPromptChannels.answer, from(window, url, parent), pin) as boolean,
  };
}

// Tells a settled promise from a pending one without waiting for it.
async function state<T>(promise: Promise<T>): Promise<{ settled: true; value: T } | { settled: false }> {
  const pending = Symbol('pending');
  const value = await Promise.race([promise, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))]);
  return value === pending ? { settled: false } : { settled: true, value: value as T };
}

test('the prompt window is a secure, fixed-size modal child of the focused window on the PIN origin, with its own preload', () => {
  const parent = new FakeWindow({});
  const { prompt, handlers, windows } = setup({ parent: () => parent as never });
  assert.deepEqual([...handlers.keys()].sort(), Object.values(pinPromptChannels).sort());
  void prompt.ask(TOKEN);
  const [window] = windows();
  assert.ok(window);
  assertSecurePreferences(window.options.webPreferences, '/app/out/preload/pin-preload.cjs');
  assert.deepEqual(window.loaded, [PIN_ENTRY]);
  assert.ok(PIN_ENTRY.startsWith(`${PIN_ORIGIN}/`));
  assert.notEqual(PIN_ORIGIN, 'app://signet');
  assert.equal(window.options.parent, parent);
  assert.equal(window.options.modal, true);
  assert.equal(window.options.resizable, false);
  assert.equal(window.menuRemoved, true);
  assert.deepEqual(window.webContents.openHandler?.({ url: 'https://evil.example' }), { action: 'deny' });
  assert.ok(window.webContents.has('will-navigate'));
});

test('without a focused window, or with one already gone, the prompt stands alone', () => {
  const { prompt, windows } = setup({ parent: () => null });
  void prompt.ask(TOKEN);
  assert.equal(windows()[0]?.options.parent, undefined);
  assert.equal(windows()[0]?.options.modal, undefined);
  const gone = new FakeWindow({});
  gone.destroyed = true;
  const second = setup({ parent: () => gone as never });
  void second.prompt.ask(TOKEN);
  assert.equal(second.windows()[0]?.options.parent, undefined);
});

test('the prompt page learns the token, the module file, the operation and the deadline; nobody else learns anything', () => {
  const { prompt, windows, request } = setup({ timeoutMs: 60_000 });
  void prompt.ask(TOKEN, 'Sign 3 images with "release 2027".');
  const window = windows()[0]!;
  assert.deepEqual(request(window), { tokenLabel: 'release-hsm', module: 'libsofthsm2.so', operation: 'Sign 3 images with "release 2027".', deadline: 1_060_000 });
  const stranger = new FakeWindow({});
  assert.equal(request(stranger), null);
  assert.equal(request(window, 'app://signet/index.html'), null);
  assert.equal(request(window, PIN_ENTRY, {}), null, 'a subframe is not the prompt');
});

test('a valid PIN resolves the ask, closes the window and leaves nothing behind', async () => {
  const logged: unknown[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info, debug: console.debug };
  for (const name of Object.keys(saved) as (keyof typeof saved)[]) console[name] = (...args: unknown[]) => logged.push(...args);
  try {
    const { prompt, windows, answer } = setup();
    const asked = prompt.ask(TOKEN);
    const window = windows()[0]!;
    assert.deepEqual(await state(asked), { settled: false });
    assert.equal(answer(window, 'correct horse 1234'), true);
    assert.equal(await asked, 'correct horse 1234');
    assert.equal(window.destroyed, true);
    assert.equal(JSON.stringify(prompt).includes('correct horse'), false, 'the prompt keeps no PIN');
  } finally {
    Object.assign(console, saved);
  }
  assert.equal(JSON.stringify(logged).includes('correct horse'), false, 'the PIN is never logged');
});

test('an answer from another web contents, another origin or a subframe is refused', async () => {
  const { prompt, windows, answer } = setup();
  const asked = prompt.ask(TOKEN);
  const window = windows()[0]!;
  const appWindow = new FakeWindow({});
  assert.equal(answer(appWindow, '1234'), false);
  assert.equal(answer(appWindow, '1234', 'app://signet/index.html'), false);
  assert.equal(answer({ webContents: { id: 424242 } }, '1234'), false);
  assert.equal(answer(window, '1234', 'app://signet/index.html'), false);
  assert.equal(answer(window, '1234', 'app://pin.evil/pin.html'), false);
  assert.equal(answer(window, '1234', PIN_ENTRY, { url: PIN_ENTRY }), false);
  assert.deepEqual(await state(asked), { settled: false });
  assert.equal(window.destroyed, false);
  assert.equal(answer(window, '5678'), true);
  assert.equal(await asked, '5678');
});

test('only the first answer counts; a second one is ignored', async () => {
  const { prompt, windows, answer } = setup();
  const asked = prompt.ask(TOKEN);
  const window = windows()[0]!;
  assert.equal(answer(window, 'first'), true);
  assert.equal(answer(window, 'second'), false);
  assert.equal(answer(window, null), false);
  assert.equal(await asked, 'first');
});

test('malformed answers are refused and the prompt stays open', async () => {
  const { prompt, windows, answer } = setup();
  const asked = prompt.ask(TOKEN);
  const window = windows()[0]!;
  for (const bad of [1234, '', 'x'.repeat(PIN_MAX_LENGTH + 1), undefined, { pin: '1234' }, ['1234'], true]) {
    assert.equal(answer(window, bad), false, `refused: ${JSON.stringify(bad)?.slice(0, 20)}`);
  }
  assert.deepEqual(await state(asked), { settled: false });
  assert.equal(window.destroyed, false);
  assert.equal(answer(window, 'x'.repeat(PIN_MAX_LENGTH)), true);
  assert.equal(await asked, 'x'.repeat(PIN_MAX_LENGTH));
});

test('Cancel answers null: the person declined', async () => {
  const { prompt, windows, answer } = setup();
  const asked = prompt.ask(TOKEN);
  assert.equal(answer(windows()[0]!, null), true);
  assert.equal(await asked, null);
});

test('closing the window declines, and a late answer from it is refused', async () => {
  const { prompt, windows, answer } = setup();
  const asked = prompt.ask(TOKEN);
  const window = windows()[0]!;
  window.destroy();
  assert.equal(await asked, null);
  assert.equal(answer(window, '1234'), false);
});

test('a crashed prompt page declines', async () => {
  const { prompt, windows } = setup();
  const asked = prompt.ask(TOKEN);
  windows()[0]!.webContents.emit('render-process-gone', {}, { reason: 'crashed' });
  assert.equal(await asked, null);
  assert.equal(windows()[0]!.destroyed, true);
});

test('nobody answering within the time limit declines and closes the window', async (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { prompt, windows, answer } = setup();
  const asked = prompt.ask(TOKEN);
  const window = windows()[0]!;
  t.mock.timers.tick(PIN_PROMPT_TIMEOUT_MS - 1);
  assert.equal(window.destroyed, false);
  t.mock.timers.tick(1);
  assert.equal(await asked, null);
  assert.equal(window.destroyed, true);
  assert.equal(answer(window, '1234'), false);
  assert.equal(PIN_PROMPT_TIMEOUT_MS, 120_000);
});

test('prompts come one at a time, in order, each answered only by its own window', async () => {
  const { prompt, windows, request, answer } = setup();
  const first = prompt.ask(TOKEN);
  const second = prompt.ask(OTHER_TOKEN);
  assert.equal(windows().length, 1, 'the second prompt waits');
  const [one] = windows();
  assert.equal(request(one!)?.tokenLabel, 'release-hsm');
  assert.equal(answer(one!, 'one'), true);
  assert.equal(await first, 'one');
  assert.equal(windows().length, 2);
  const two = windows()[1]!;
  assert.equal(request(two)?.tokenLabel, 'backup-card');
  assert.equal(request(one!), null);
  assert.equal(answer(one!, 'stale'), false);
  assert.deepEqual(await state(second), { settled: false });
  assert.equal(answer(two, 'two'), true);
  assert.equal(await second, 'two');
});

test('a prompt window that cannot be opened declines that ask and the next one still opens', async () => {
  const { prompt, windows, answer } = setup();
  FakeWindow.failNext = true;
  const first = prompt.ask(TOKEN);
  const second = prompt.ask(OTHER_TOKEN);
  assert.equal(await first, null);
  assert.equal(answer(windows()[0]!, '1234'), true);
  assert.equal(await second, '1234');
});

test('the PIN channels are the contract\'s, outside the app\'s requests and events, and named nowhere else', async () => {
  for (const channel of Object.values(pinPromptChannels)) {
    assert.equal(isRequestChannel(channel), false);
    assert.equal(isEventChannel(channel), false);
  }
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.(ts|tsx|html)$/.test(entry.name)) files.push(full);
    }
  };
  for (const dir of ['main', 'renderer', 'shared']) await walk(join(root, dir));
  const offenders: string[] = [];
  for (const file of files) {
    if (file === join(root, 'shared', 'contract.ts')) continue;
    const text = await readFile(file, 'utf8');
    for (const channel of Object.values(pinPromptChannels)) if (text.includes(channel)) offenders.push(`${relative(root, file)}: ${channel}`);
  }
  assert.deepEqual(offenders, []);
});

test('the PIN origin serves only the prompt folder, and the app origin never serves it', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-pin-origin-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'assets'));
  await mkdir(join(dir, 'pin'));
  await writeFile(join(dir, 'index.html'), 'app');
  await writeFile(join(dir, 'assets', 'index.js'), 'app script');
  await writeFile(join(dir, 'pin', 'pin.html'), 'prompt');
  await writeFile(join(dir, 'pin', 'pin-1.js'), 'prompt script');
  const read = async (url: string) => (await readRendererFile(dir, new URL(url)))?.body.toString() ?? null;
  assert.equal(await read('app://pin/pin.html'), 'prompt');
  assert.equal(await read('app://pin/pin-1.js'), 'prompt script');
  for (const url of ['app://pin/index.html', 'app://pin/assets/index.js', 'app://pin/../index.html', 'app://pin/%2e%2e/index.html', 'app://pin/..%2findex.html', 'app://pin/']) {
    assert.equal(await read(url), null, url);
  }
  assert.equal(await read('app://signet/index.html'), 'app');
  assert.equal(await read('app://signet/assets/index.js'), 'app script');
  for (const url of ['app://signet/pin/pin.html', 'app://signet/pin/pin-1.js', 'app://signet//pin/pin.html', 'app://signet/assets/../pin/pin.html', 'app://signet/%70in/pin.html', 'app://other/index.html']) {
    assert.equal(await read(url), null, url);
  }
  let handler: ((request: Request) => Promise<Response>) | null = null;
  serveRenderer({ handle: (_scheme: string, h: typeof handler) => (handler = h) } as never, dir);
  const served = await handler!(new Request('app://pin/pin.html'));
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.equal((await handler!(new Request('app://signet/pin/pin.html'))).status, 404);
});

test('the bundled prompt preload exposes only request and answer, on the prompt channels only', async () => {
  const source = await readFile(join(root, 'out/preload/pin-preload.cjs'), 'utf8');
  const exposed: Record<string, unknown> = {};
  const invoked: unknown[][] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return args[0] === pinPromptChannels.answer ? 'yes' : { tokenLabel: 't' };
      },
    },
  };
  const required = runSandboxedPreload(source, electron);
  assert.deepEqual(required, ['electron']);
  assert.deepEqual(Object.keys(exposed), [PIN_PROMPT_GLOBAL]);
  const bridge = exposed[PIN_PROMPT_GLOBAL] as PinPromptBridge;
  assert.deepEqual(Object.keys(bridge).sort(), ['answer', 'request']);
  assert.deepEqual(await bridge.request(), { tokenLabel: 't' });
  assert.equal(await bridge.answer('1234'), false, 'only a literal true from main means taken');
  assert.deepEqual(invoked, [[pinPromptChannels.request], [pinPromptChannels.answer, '1234']]);
});

test('the built prompt page has no inline code, loads only files of its own folder, and is labelled', async () => {
  const dir = join(root, 'out/renderer/pin');
  const html = await readFile(join(dir, 'pin.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
  const linked = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((url) => !url.startsWith('data:'));
  assert.ok(linked.length >= 2, 'a script and a stylesheet');
  const files = await readdir(dir);
  for (const url of linked) {
    assert.match(url, /^\/[^/]+$/, `${url} is a file at the root of the PIN origin`);
    assert.ok(files.includes(url.slice(1)), `${url} is in the prompt folder`);
  }
  assert.match(html, /<label for="pin-input">/);
  assert.match(html, /<input id="pin-input"[^>]*type="password"/);
  assert.match(html, /id="pin-cancel"[^>]*>Cancel</);
  const app = await readFile(join(root, 'out/renderer/index.html'), 'utf8');
  assert.doesNotMatch(app, /pin/);
});
