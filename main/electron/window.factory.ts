import type { BrowserWindow, BrowserWindowConstructorOptions, Session, WebContents } from 'electron';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://signet`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;
/** The PIN prompt is its own origin, so the app renderer can reach neither its DOM nor its storage. */
export const PIN_HOST = 'pin';
export const PIN_ORIGIN = `${APP_SCHEME}://${PIN_HOST}`;
export const PIN_ENTRY = `${PIN_ORIGIN}/pin.html`;
/** The folder inside the built renderer that holds the prompt's files, and the only one its origin serves. */
export const PIN_FOLDER = 'pin';

/** What differs between Signet's windows; everything about what their pages may do is fixed below. */
export interface SecureWindowSpec {
  /** A page of Signet's own scheme; nothing else is ever loaded. */
  entry: string;
  preloadPath: string;
  title: string;
  width: number;
  height: number;
  minWidth?: number;
  minHeight?: number;
  resizable?: boolean;
  /** The window this one belongs to; with `modal`, that window is blocked until this one closes. */
  parent?: BrowserWindow | null;
  modal?: boolean;
  /** False removes the menu bar (Windows and Linux). */
  menu?: boolean;
}

// Every app window shows the same page at the same size; only the PIN prompt differs.
export function appWindowSpec(preloadPath: string): SecureWindowSpec {
  return { entry: APP_ENTRY, preloadPath, title: 'Signet', width: 1280, height: 820, minWidth: 900, minHeight: 600 };
}

/** The only BrowserWindow options Signet ever uses: the renderer gets no Node and no way out of its sandbox. */
export function secureWindowOptions(spec: SecureWindowSpec): BrowserWindowConstructorOptions {
  const parent = spec.parent ?? undefined;
  const resizable = spec.resizable ?? true;
  return {
    width: spec.width,
    height: spec.height,
    ...(spec.minWidth === undefined ? {} : { minWidth: spec.minWidth }),
    ...(spec.minHeight === undefined ? {} : { minHeight: spec.minHeight }),
    ...(parent ? { parent, modal: spec.modal ?? false } : {}),
    resizable,
    ...(resizable ? {} : { maximizable: false, fullscreenable: false }),
    autoHideMenuBar: spec.menu === false,
    show: false,
    title: spec.title,
    backgroundColor: '#10141b',
    webPreferences: {
      preload: spec.preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

// Applied to every web contents Electron creates, so no later window can slip past the rules.
export function guardWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

// The renderer never needs a camera, a USB device or notifications; every request is refused.
export function denyAllPermissions(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>,
): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

export interface WindowElectron {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
}

// The one window factory; Electron is passed in so the rules can be checked without the binary.
export function createSecureWindow(electron: WindowElectron, spec: SecureWindowSpec): BrowserWindow {
  if (!spec.entry.startsWith(`${APP_SCHEME}://`)) throw new Error('Signet windows load only its own pages.');
  const window = new electron.BrowserWindow(secureWindowOptions(spec));
  guardWebContents(window.webContents);
  if (spec.menu === false) window.removeMenu();
  window.once('ready-to-show', () => window.show());
  void window.loadURL(spec.entry);
  return window;
}
