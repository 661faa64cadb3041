import { randomBytes } from 'node:crypto';
import { SignetError } from '../errors.ts';
import type { Pkcs11Driver, TokenSelector } from '../platform/pkcs11.types.ts';
import { installedSoftHsmModule } from '../platform/pkcs11-locations.ts';
import { findTool, runTool } from './tool.finder.ts';

/** The one SoftHSM token the workshop uses; it holds nothing but the sandbox's throw-away keys. */
export const WORKSHOP_TOKEN_LABEL = 'signet-workshop';

/**
 * The lab token's user PIN. It is a published constant on purpose: the token only ever holds sandbox
 * keys, which are destroyed on leave and reset, and a workshop that crashed must leave a token the
 * next one can still open and empty. During a workshop it is remembered in the sandbox's keychain
 * namespace, so the sandbox logs in the way Signet always does.
 */
export const WORKSHOP_TOKEN_PIN = 'signet-workshop-lab';

export type KeyStoreMode = 'auto' | 'softhsm' | 'software';

export type SandboxKeyStore = { kind: 'softhsm'; selector: TokenSelector; pin: string; note: string | null } | { kind: 'software'; note: string | null };

/**
 * Chooses where sandbox keys live: the `signet-workshop` SoftHSM token when SoftHSM is installed and
 * the token can be opened in this process, sealed software keys otherwise, saying why.
 */
export class WorkshopToken {
  private readonly pkcs11: Pkcs11Driver;
  private readonly env: NodeJS.ProcessEnv;
  private readonly mode: KeyStoreMode;

  constructor(pkcs11: Pkcs11Driver, env: NodeJS.ProcessEnv, mode: KeyStoreMode) {
    this.pkcs11 = pkcs11;
    this.env = env;
    this.mode = mode;
  }

  // An empty token when one can be had; otherwise software keys and a note the page shows.
  async prepare(): Promise<SandboxKeyStore> {
    if (this.mode === 'software') return { kind: 'software', note: 'Sandbox keys are software keys sealed by the OS keychain, as this workshop was set up to use.' };
    const fallback = (why: string): SandboxKeyStore => {
      if (this.mode === 'softhsm') throw new SignetError('Unavailable', `The workshop was set up to use SoftHSM, but ${why}`);
      return { kind: 'software', note: `Sandbox keys are software keys sealed by the OS keychain: ${why}` };
    };
    const modulePath = await installedSoftHsmModule();
    const util = await findTool('softhsm2-util', this.env);
    if (!modulePath || !util) return fallback('SoftHSM is not installed (its module and softhsm2-util are both needed).');
    // softhsm2-util must write where this process's SoftHSM reads: the configuration it was started with.
    const toolEnv: NodeJS.ProcessEnv = { ...this.env, SOFTHSM2_CONF: process.env.SOFTHSM2_CONF };
    if (toolEnv.SOFTHSM2_CONF === undefined) delete toolEnv.SOFTHSM2_CONF;
    try {
      const slots = await runTool(util, ['--show-slots'], toolEnv);
      if (!tokenLabels(slots).includes(WORKSHOP_TOKEN_LABEL)) {
        await runTool(util, ['--init-token', '--free', '--label', WORKSHOP_TOKEN_LABEL, '--so-pin', randomBytes(16).toString('hex'), '--pin', WORKSHOP_TOKEN_PIN], toolEnv);
      }
    } catch (error) {
      return fallback(`the workshop token could not be made (${(error as Error).message.split('\n')[0]}).`);
    }
    const selector = { modulePath, tokenLabel: WORKSHOP_TOKEN_LABEL };
    const seen = await this.pkcs11.inspect(modulePath).catch(() => null);
    if (!seen?.slots.some((slot) => slot.token?.label === WORKSHOP_TOKEN_LABEL)) {
      return fallback(`SoftHSM was already open in Signet before the "${WORKSHOP_TOKEN_LABEL}" token existed, and SoftHSM lists new tokens only when it starts; restart Signet to use the token.`);
    }
    try {
      await this.empty(selector);
    } catch (error) {
      if (error instanceof SignetError && error.code === 'Unauthorized') {
        return fallback(`a token labelled "${WORKSHOP_TOKEN_LABEL}" exists with a PIN Signet did not set; remove it with \`softhsm2-util --delete-token --token ${WORKSHOP_TOKEN_LABEL}\` to use SoftHSM here.`);
      }
      return fallback(`the "${WORKSHOP_TOKEN_LABEL}" token could not be opened (${(error as Error).message}).`);
    }
    return { kind: 'softhsm', selector, pin: WORKSHOP_TOKEN_PIN, note: null };
  }

  // Destroys every object on the workshop token, so a reset or a leave leaves it as it was made: empty.
  async empty(selector: TokenSelector): Promise<number> {
    const token = await this.pkcs11.openToken(selector, WORKSHOP_TOKEN_PIN, 1);
    try {
      let removed = 0;
      for (const key of await token.listKeys()) removed += await token.destroy(key.objectId);
      return removed;
    } finally {
      await token.close();
    }
  }
}

function tokenLabels(showSlots: string): string[] {
  return [...showSlots.matchAll(/^\s*Label:\s*(.*?)\s*$/gm)].map((m) => m[1] ?? '');
}
