import { createInterface } from 'node:readline/promises';
import type { ConfirmationRequest, ConfirmationService } from '../confirm/confirmation.types.ts';
import { SignetError } from '../errors.ts';
import { escapeControls, escapeForConfirmation } from '../../shared/terminal-text.ts';

/** Confirmation at a terminal: the facts are printed and the action's own word must be typed. */
export class TerminalConfirmation implements ConfirmationService {
  private readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  private readonly output: NodeJS.WritableStream;

  constructor(input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin, output: NodeJS.WritableStream = process.stderr) {
    this.input = input;
    this.output = output;
  }

  // Without a terminal nobody can be asked, so the operation is refused (Forbidden, exit 1); "y" alone is not enough to sign.
  async confirm(request: ConfirmationRequest): Promise<boolean> {
    if (!this.input.isTTY) throw new SignetError('Forbidden', 'This needs a confirmation typed at a terminal; run the command interactively.');
    const word = request.confirmLabel.toLowerCase();
    // Each fact is shown as the characters it holds: no control, bidi override or separator can hide or reorder what is approved.
    const lines = [escapeControls(request.title), escapeControls(request.message, { keepNewlines: true }), ...request.facts.map((f) => `  ${escapeForConfirmation(f.label)}: ${escapeForConfirmation(f.value)}`)];
    this.output.write(`${lines.join('\n')}\nType "${word}" to confirm, anything else cancels: `);
    const reader = createInterface({ input: this.input, output: this.output, terminal: false });
    try {
      const answer = await reader.question('');
      return answer.trim().toLowerCase() === word;
    } finally {
      reader.close();
    }
  }
}
