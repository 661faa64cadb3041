import type { BrowserWindow, Dialog } from 'electron';
import type { ConfirmationRequest, ConfirmationService } from '../confirm/confirmation.types.ts';

/** Main's own native dialog: the renderer cannot draw it, script it or answer it. */
export class NativeDialogConfirmation implements ConfirmationService {
  private readonly dialog: Pick<Dialog, 'showMessageBox'>;
  private readonly parent: () => BrowserWindow | null;

  constructor(dialog: Pick<Dialog, 'showMessageBox'>, parent: () => BrowserWindow | null) {
    this.dialog = dialog;
    this.parent = parent;
  }

  // Cancel is the default and the Escape answer; only an explicit click on the action confirms.
  async confirm(request: ConfirmationRequest): Promise<boolean> {
    const options = {
      type: 'warning' as const,
      title: request.title,
      message: request.message,
      detail: request.facts.map((fact) => `${fact.label}: ${fact.value}`).join('\n'),
      buttons: ['Cancel', request.confirmLabel],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
    };
    const parent = this.parent();
    const { response } = parent ? await this.dialog.showMessageBox(parent, options) : await this.dialog.showMessageBox(options);
    return response === 1;
  }
}
