import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, session, utilityProcess } from 'electron';
import { fileURLToPath } from 'node:url';
import { createApp, reportStoreStart } from '../app/app.context.ts';
import { keepServingOnUnexpectedErrors } from '../app/last-resort.ts';
import { rendererDirectory } from '../app/paths.ts';
import type { TokenSelector } from '../platform/pkcs11.types.ts';
import { registerAppScheme, serveRenderer } from './app.protocol.ts';
import { NativeDialogConfirmation } from './confirm.dialog.ts';
import { bindIpc } from './ipc.binding.ts';
import { WindowPinPrompt } from './pin.prompt.ts';
import { nativeFileChooser } from './file.dialog.ts';
import { utilityProcessRunner } from './utility-process.runner.ts';
import { appWindowSpec, createSecureWindow, denyAllPermissions, guardWebContents } from './window.factory.ts';

const PRELOAD = fileURLToPath(new URL('../../preload/preload.cjs', import.meta.url));
const PIN_PRELOAD = fileURLToPath(new URL('../../preload/pin-preload.cjs', import.meta.url));

keepServingOnUnexpectedErrors('the desktop app');
registerAppScheme(protocol);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  void app.whenReady().then(() => {
    denyAllPermissions(session.defaultSession);
    serveRenderer(protocol, rendererDirectory());
    const confirmations = new NativeDialogConfirmation(dialog, () => BrowserWindow.getFocusedWindow());
    const notify = (message: { title: string; body: string }) => {
      if (Notification.isSupported()) new Notification(message).show();
    };
    const windows = new Set<number>();
    // A PIN that is not remembered is asked in main's own window, on top of the app window in use; never in the app's pages.
    const focusedAppWindow = () => {
      const focused = BrowserWindow.getFocusedWindow();
      return focused && windows.has(focused.webContents.id) ? focused : null;
    };
    const pinPrompt = new WindowPinPrompt({ BrowserWindow, ipcMain }, { preloadPath: PIN_PRELOAD, parent: focusedAppWindow });
    const askPin = (token: TokenSelector, operation?: string) => pinPrompt.ask(token, operation);
    const context = createApp({ host: 'electron', confirmations, hostConfirmations: confirmations, notify, askPin, chooseFile: nativeFileChooser(dialog, focusedAppWindow), runScript: utilityProcessRunner((path, args, options) => utilityProcess.fork(path, args, options)) });
    void reportStoreStart(context, (line) => console.log(`[signet] ${line}`));
    // Quitting waits once for the app to close, so the audit log gets its checkpoint at exit.
    let closed = false;
    let closing: Promise<void> | null = null;
    app.on('will-quit', (event) => {
      if (closed) return;
      event.preventDefault();
      closing ??= context
        .close()
        .catch((error: unknown) => console.error('[signet] closing:', error))
        .finally(() => {
          closed = true;
          app.quit();
        });
    });
    bindIpc(ipcMain, context.dispatch, windows);
    context.events.subscribe((event, payload) => {
      for (const window of BrowserWindow.getAllWindows()) {
        if (windows.has(window.webContents.id)) window.webContents.send(event, payload);
      }
    });
    const open = () => {
      const window = createSecureWindow({ BrowserWindow }, appWindowSpec(PRELOAD));
      const id = window.webContents.id;
      windows.add(id);
      window.on('closed', () => windows.delete(id));
    };
    open();
    app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });
  });
  app.on('window-all-closed', () => app.quit());
}
