import { SignetError } from '../errors.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import type { Pkcs11Driver, TokenSelector } from '../platform/pkcs11.types.ts';
import { installedSoftHsmModule } from '../platform/pkcs11-locations.ts';
import { ensureSoftHsmConfig } from '../platform/softhsm-config.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { PinPrompt } from './pin.source.ts';

export interface SoftHsmTokenOptions {
  dataDir: string;
  /** Only what making a token needs: the module's slots and initialising the empty one. */
  pkcs11: Pick<Pkcs11Driver, 'inspect' | 'initToken'>;
  audit: Pick<AuditLog, 'append'>;
  /** The host's own prompt (terminal or PIN window); without one no token can be made, since PINs never come from the page. */
  prompt: PinPrompt | null;
  env: NodeJS.ProcessEnv;
  findModule?: () => Promise<string | null>;
  /** SoftHSM's own configuration, whose tokens a switch to Signet's store must not hide; the system default unless a test names one. */
  systemConf?: string;
}

/** A label in the token's 32-byte field, printable, so every tool shows the same name. */
const LABEL = /^[\x20-\x7e]{1,32}$/;

/**
 * Makes a SoftHSM token for a person starting out, in Signet's own SoftHSM store under the data folder. Both PINs
 * are asked in main's own prompt, twice each, so asking is the person's act and a page alone can make nothing.
 */
export class SoftHsmTokens {
  private readonly options: SoftHsmTokenOptions;

  constructor(options: SoftHsmTokenOptions) {
    this.options = options;
  }

  // Creates the token, sets its PINs and writes one audit entry; refuses a label that is taken.
  async create(label: string, host: HostKind): Promise<TokenSelector> {
    const tokenLabel = label.trim();
    if (!LABEL.test(tokenLabel)) throw new SignetError('BadInput', 'A token label is 1 to 32 plain characters (letters, digits, spaces and punctuation).');
    const prompt = this.options.prompt;
    if (!prompt) throw new SignetError('Unavailable', 'This host cannot ask for PINs itself, so no token can be made here; run `signet tokens create` in a terminal.');
    const modulePath = await (this.options.findModule ?? installedSoftHsmModule)();
    if (!modulePath) throw new SignetError('Unavailable', 'SoftHSM is not installed (libsofthsm2); install it with your package manager (softhsm2), then make the token again.');
    await ensureSoftHsmConfig(this.options.dataDir, this.options.env, this.options.systemConf);
    const report = await this.options.pkcs11.inspect(modulePath);
    if (report.slots.some((slot) => slot.token?.label === tokenLabel)) throw new SignetError('Conflict', `A token labelled "${tokenLabel}" exists already; choose another label.`);
    const selector = { modulePath, tokenLabel };
    const soPin = await this.newPin(prompt, selector, 'security officer (SO) PIN, which resets the user PIN');
    const userPin = await this.newPin(prompt, selector, 'user PIN, which Signet asks for when it uses a key');
    await this.options.pkcs11.initToken(modulePath, tokenLabel, soPin, userPin);
    await this.options.audit.append({ host, action: 'token.create', subject: tokenLabel, details: { modulePath, kind: 'softhsm' } });
    return selector;
  }

  private async newPin(prompt: PinPrompt, selector: TokenSelector, which: string): Promise<string> {
    const making = `Make SoftHSM token "${selector.tokenLabel}"`;
    const first = await prompt(selector, `${making}: choose its ${which} (4 to 255 characters).`);
    if (first === null || first.length === 0) throw new SignetError('Cancelled', `No PIN was given, so token "${selector.tokenLabel}" was not made.`);
    if (first.length < 4 || first.length > 255) throw new SignetError('BadInput', `A SoftHSM PIN has 4 to 255 characters, so token "${selector.tokenLabel}" was not made.`);
    const again = await prompt(selector, `${making}: type the same ${which.split(',')[0]} again.`);
    if (again !== first) throw new SignetError('BadInput', `The two PINs differed, so token "${selector.tokenLabel}" was not made.`);
    return first;
  }
}
