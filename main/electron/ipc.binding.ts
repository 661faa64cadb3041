import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { requestChannels, type Result } from '../../shared/contract.ts';
import type { Dispatch } from '../ipc/dispatcher.ts';
import { APP_ORIGIN } from './window.factory.ts';

export interface TrustedWindows {
  has(webContentsId: number): boolean;
}

type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'> & { sender: { id: number } };

// Only the top frame of a window Signet opened, showing Signet's own origin, may call main.
export function isTrustedSender(event: SenderEvent, windows: TrustedWindows): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (!windows.has(event.sender.id)) return false;
  // app: is not a special URL scheme, so URL.origin would be "null"; the prefix with its slash is exact.
  return frame.url.startsWith(`${APP_ORIGIN}/`);
}

const REFUSED: Result<never> = { ok: false, error: { code: 'Forbidden', message: 'This caller may not use Signet.' } };

// One ipcMain.handle per contract channel; every call passes the sender check and the dispatcher's validation.
export function bindIpc(ipcMain: Pick<IpcMain, 'handle'>, dispatch: Dispatch, windows: TrustedWindows): void {
  for (const channel of requestChannels) {
    ipcMain.handle(channel, async (event, input: unknown) => {
      if (!isTrustedSender(event, windows)) return REFUSED;
      return dispatch(channel, input, { host: 'electron' });
    });
  }
}
