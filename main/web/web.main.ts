import { parseArgs } from 'node:util';
import { createApp, reportStoreStart } from '../app/app.context.ts';
import { keepServingOnUnexpectedErrors } from '../app/last-resort.ts';
import { rendererDirectory } from '../app/paths.ts';
import { SignetError } from '../errors.ts';
import { startWebHost } from './web.host.ts';
import { openAppWindow, type AppWindow } from '../platform/app-window.adapter.ts';
import { join } from 'node:path';
import { PageConfirmation } from './page-confirmation.ts';
import { TerminalConfirmation } from '../cli/confirm.terminal.ts';

// Entry point of `npm run web` and of `npm start` where Electron is missing.
async function main(): Promise<void> {
  keepServingOnUnexpectedErrors('the browser host');
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'allow-remote': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SignetError('BadInput', `--port must be 0 to 65535, not ${values.port}.`);
  // A PIN that is not remembered is asked at the terminal the host runs in, never in the page: PINs do not cross to the renderer.
  const askPin = async (token: { tokenLabel: string }, operation?: string) =>
    (await import('../cli/prompt.ts')).askPinAtTerminal(token, operation, 'The page asked to');
  // What main runs, loads or sends in clear is confirmed at the terminal the host runs in, where the page cannot answer.
  const app = createApp({ host: 'web', confirmations: new PageConfirmation(), hostConfirmations: new TerminalConfirmation(), askPin });
  await reportStoreStart(app, (line) => console.log(`signet web: ${line}`));
  let appWindow: AppWindow | null = null;
  const host = await startWebHost({
    app,
    onClient: () => void appWindow?.launched(),
    staticDir: rendererDirectory(),
    host: values.host,
    port,
    allowRemote: values['allow-remote'],
  });
  console.log(`Signet is running in the browser host. Open ${host.url}`);
  console.log(`Data folder: ${app.dataDir}. Press Ctrl+C to stop.`);
  // `npm start` without Electron asks for a window of its own where a display exists; headless machines keep the printed address.
  if (process.env.SIGNET_OPEN_WINDOW === '1') {
    appWindow = await openAppWindow(host.url, { profileDir: join(app.dataDir, 'app-window') }).catch((error: unknown) => {
      console.log(`signet web: could not open a window (${error instanceof Error ? error.message : String(error)}); open the address above instead.`);
      return null;
    });
    if (appWindow) console.log(`Opened Signet in a window of its own (${appWindow.openedWith}).`);
  }
  // The app closes after the socket server, so the audit checkpoint at exit covers every request served.
  const stop = () => {
    appWindow?.close();
    void host
      .close()
      .then(() => app.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`signet web: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
