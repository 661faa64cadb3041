import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { basename } from 'node:path';
import { PinAnswerSchema, pinPromptChannels, type PinPromptRequest } from '../../shared/contract.ts';
import type { TokenSelector } from '../platform/pkcs11.types.ts';
import { createSecureWindow, PIN_ENTRY, PIN_ORIGIN, type WindowElectron } from './window.factory.ts';

/** How long a prompt waits for the person before it counts as declined. */
export const PIN_PROMPT_TIMEOUT_MS = 120_000;
const DEFAULT_OPERATION = 'An operation you started in Signet needs to use a key on this token.';

export interface PinPromptElectron extends WindowElectron {
  ipcMain: Pick<IpcMain, 'handle'>;
}

export interface PinPromptOptions {
  preloadPath: string;
  /** The window the prompt belongs to and blocks: the focused one, when there is one. */
  parent: () => BrowserWindow | null;
  timeoutMs?: number;
  now?: () => number;
}

type PromptEvent = Pick<IpcMainInvokeEvent, 'senderFrame'> & { sender: { id: number } };

interface Asked {
  token: TokenSelector;
  operation: string;
  settle: (pin: string | null) => void;
}

interface Showing {
  asked: Asked;
  window: BrowserWindow;
  contentsId: number;
  deadline: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Main's own PIN window: one at a time, answered once by that window only; closing it or waiting too long declines. */
export class WindowPinPrompt {
  private readonly electron: PinPromptElectron;
  private readonly options: PinPromptOptions;
  private readonly waiting: Asked[] = [];
  private showing: Showing | null = null;

  constructor(electron: PinPromptElectron, options: PinPromptOptions) {
    this.electron = electron;
    this.options = options;
    electron.ipcMain.handle(pinPromptChannels.request, (event) => this.request(event));
    electron.ipcMain.handle(pinPromptChannels.answer, (event, pin: unknown) => this.answer(event, pin));
  }

  // Prompts queue rather than stack: the person sees one PIN window and knows which token it is for.
  ask(token: TokenSelector, operation: string = DEFAULT_OPERATION): Promise<string | null> {
    return new Promise((settle) => {
      this.waiting.push({ token, operation, settle });
      this.next();
    });
  }

  private next(): void {
    if (this.showing) return;
    const asked = this.waiting.shift();
    if (!asked) return;
    const timeout = this.options.timeoutMs ?? PIN_PROMPT_TIMEOUT_MS;
    const parent = this.options.parent();
    let window: BrowserWindow;
    try {
      window = createSecureWindow(this.electron, {
        entry: PIN_ENTRY,
        preloadPath: this.options.preloadPath,
        title: 'Token PIN — Signet',
        width: 440,
        height: 370,
        resizable: false,
        parent: parent && !parent.isDestroyed() ? parent : null,
        modal: true,
        menu: false,
      });
    } catch {
      asked.settle(null);
      this.next();
      return;
    }
    const showing: Showing = {
      asked,
      window,
      contentsId: window.webContents.id,
      deadline: (this.options.now ?? Date.now)() + timeout,
      timer: setTimeout(() => this.finish(showing, null), timeout),
    };
    this.showing = showing;
    window.on('closed', () => this.finish(showing, null));
    window.webContents.on('render-process-gone', () => this.finish(showing, null));
  }

  private finish(showing: Showing, pin: string | null): void {
    if (this.showing !== showing) return;
    this.showing = null;
    clearTimeout(showing.timer);
    // destroy, not close: the page cannot hold the window open with beforeunload.
    if (!showing.window.isDestroyed()) showing.window.destroy();
    showing.asked.settle(pin);
    this.next();
  }

  // Only the top frame of the window showing now, on the prompt's own origin, is the prompt.
  private current(event: PromptEvent): Showing | null {
    const showing = this.showing;
    if (!showing || event.sender.id !== showing.contentsId) return null;
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !frame.url.startsWith(`${PIN_ORIGIN}/`)) return null;
    return showing;
  }

  private request(event: PromptEvent): PinPromptRequest | null {
    const showing = this.current(event);
    if (!showing) return null;
    const { token, operation } = showing.asked;
    return { tokenLabel: token.tokenLabel, module: basename(token.modulePath), operation, deadline: showing.deadline };
  }

  private answer(event: PromptEvent, pin: unknown): boolean {
    const showing = this.current(event);
    if (!showing) return false;
    const parsed = PinAnswerSchema.safeParse(pin);
    if (!parsed.success) return false;
    this.finish(showing, parsed.data);
    return true;
  }
}
