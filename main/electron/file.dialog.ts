import type { BrowserWindow, Dialog } from 'electron';

// Main's own open-file dialog: the person picks the file, main answers its path, and the page never names a path for main to read.
export function nativeFileChooser(dialog: Pick<Dialog, 'showOpenDialog'>, parent: () => BrowserWindow | null): (title: string) => Promise<string | null> {
  return async (title) => {
    const options = { title, properties: ['openFile' as const] };
    const window = parent();
    const { canceled, filePaths } = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return canceled ? null : (filePaths[0] ?? null);
  };
}
