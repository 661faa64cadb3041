import type { ConfirmationRequest, ConfirmationService } from '../../main/confirm/confirmation.types.ts';

/** Stands in for the person at the dialog: answers as told and remembers what they were shown. */
export class ScriptedConfirmation implements ConfirmationService {
  readonly shown: ConfirmationRequest[] = [];
  answer = true;

  async confirm(request: ConfirmationRequest): Promise<boolean> {
    this.shown.push(request);
    return this.answer;
  }
}
