import { SignetError } from '../errors.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import type { TokenSelector } from '../platform/pkcs11.types.ts';

/** Where a token PIN comes from; it never comes from the renderer. */
export interface PinSource {
  /** `operation` says, in a sentence, what the PIN will be used for, so a prompt can name it. */
  pinFor(token: TokenSelector, operation?: string): Promise<string>;
  /** Called after the token refused a PIN, so it is never tried again by itself (a TPM locks after three). */
  rejected(token: TokenSelector, pin: string): void;
}

function account(token: TokenSelector): string {
  return `pin:${token.modulePath}:${token.tokenLabel}`;
}

/** Asks the person for a PIN for this one operation (the CLI's terminal); null when nobody can be asked. */
export type PinPrompt = (token: TokenSelector, operation?: string) => Promise<string | null>;

/** PINs the user chose to remember, kept in the OS keychain and nowhere else; otherwise asked per operation. */
export class KeychainPins implements PinSource {
  private readonly keychain: SecretStore;
  private readonly prompt: PinPrompt | null;
  private readonly refused = new Set<string>();

  constructor(keychain: SecretStore, prompt: PinPrompt | null = null) {
    this.keychain = keychain;
    this.prompt = prompt;
  }

  async pinFor(token: TokenSelector, operation?: string): Promise<string> {
    const remembered = await this.keychain.get(account(token));
    const pin = remembered ?? (await this.prompt?.(token, operation)) ?? null;
    if (pin === null) {
      throw new SignetError(
        'Unauthorized',
        this.prompt
          ? `No PIN was given for token "${token.tokenLabel}", so nothing was done; enter it when asked, or remember it in the OS keychain (System, or \`signet tokens remember-pin\`).`
          : `No PIN is remembered for token "${token.tokenLabel}"; remember one with \`signet tokens remember-pin\`.`,
      );
    }
    if (this.refused.has(`${account(token)}\n${pin}`)) {
      throw new SignetError(
        'Unauthorized',
        remembered !== null
          ? `The remembered PIN for token "${token.tokenLabel}" was refused before; remember the right one first.`
          : `That PIN for token "${token.tokenLabel}" was refused before, so it was not tried again (each wrong try counts towards locking the token).`,
      );
    }
    return pin;
  }

  rejected(token: TokenSelector, pin: string): void {
    this.refused.add(`${account(token)}\n${pin}`);
  }

  // Stores a PIN only when the user asked for it to be remembered.
  async remember(token: TokenSelector, pin: string): Promise<void> {
    await this.keychain.set(account(token), pin);
    this.refused.delete(`${account(token)}\n${pin}`);
  }
}
