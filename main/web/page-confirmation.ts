import type { ConfirmationService } from '../confirm/confirmation.types.ts';

/**
 * In the browser host the page is the only screen there is: its explicit confirm request, sent
 * after it showed the intent's facts, is the confirmation. The per-run token keeps other pages out;
 * the desktop app adds main's own native dialog on top.
 */
export class PageConfirmation implements ConfirmationService {
  async confirm(): Promise<boolean> {
    return true;
  }
}
