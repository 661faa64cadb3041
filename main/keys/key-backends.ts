import type { KeyBackendSpec, KeyLocation } from '../../shared/model/keys.model.ts';
import { SignetError } from '../errors.ts';
import { moduleKind } from '../platform/pkcs11-locations.ts';
import type { Pkcs11Driver, Pkcs11Token, TokenSelector } from '../platform/pkcs11.types.ts';
import type { KeyBackend } from './key-backend.types.ts';
import { specOf } from './key-location.ts';
import type { PinSource } from './pin.source.ts';
import { SoftwareKeyBackend, type SoftwareKeyStore } from './software.backend.ts';
import { TokenKeyBackend, TpmKeyBackend } from './token.backend.ts';

export interface KeyBackendsDeps {
  software: SoftwareKeyStore;
  pkcs11: Pkcs11Driver;
  pins: PinSource;
  /** Sessions per token: signatures run in parallel up to this many. */
  sessionsPerToken?: number;
}

/**
 * Picks the backend for a location, once, and holds the logged-in tokens every backend on a token
 * shares: one session pool per module and token label, so a PIN is asked once per process.
 */
export class KeyBackends {
  /** The sealed software store; reconciliation checks it first, as it needs no PIN. */
  readonly software: SoftwareKeyBackend;
  private readonly deps: KeyBackendsDeps;
  private readonly tokens = new Map<string, Promise<Pkcs11Token>>();
  private readonly backends = new Map<string, TokenKeyBackend>();

  constructor(deps: KeyBackendsDeps) {
    this.deps = deps;
    this.software = new SoftwareKeyBackend(deps.software);
  }

  // Where a new key is made.
  forSpec(spec: KeyBackendSpec): KeyBackend {
    return spec.kind === 'software' ? this.software : this.token(spec);
  }

  // Where a recorded key lives.
  of(location: KeyLocation): KeyBackend {
    return this.forSpec(specOf(location));
  }

  // One token's backend; a tpm2-pkcs11 module gets the TPM's, every other module the generic token's.
  token(selector: TokenSelector): TokenKeyBackend {
    const name = tokenName(selector);
    let backend = this.backends.get(name);
    if (!backend) {
      const sessions = (token: TokenSelector, operation: string) => this.session(token, operation);
      const plain = { modulePath: selector.modulePath, tokenLabel: selector.tokenLabel };
      backend = moduleKind(selector.modulePath) === 'tpm2' ? new TpmKeyBackend(plain, sessions) : new TokenKeyBackend(plain, sessions);
      this.backends.set(name, backend);
    }
    return backend;
  }

  // One logged-in token per module and label; a refused PIN is reported and never retried by itself.
  // The token stays logged in, so `operation` names only the first use, the one the PIN is asked for.
  session(selector: TokenSelector, operation: string): Promise<Pkcs11Token> {
    const name = tokenName(selector);
    let pending = this.tokens.get(name);
    if (!pending) {
      pending = (async () => {
        const pin = await this.deps.pins.pinFor(selector, operation);
        try {
          return await this.deps.pkcs11.openToken(selector, pin, this.deps.sessionsPerToken ?? 4);
        } catch (error) {
          if (error instanceof SignetError && error.code === 'Unauthorized') this.deps.pins.rejected(selector, pin);
          throw error;
        }
      })();
      this.tokens.set(name, pending);
      pending.catch(() => this.tokens.delete(name));
    }
    return pending;
  }

  // Closes every token session.
  async close(): Promise<void> {
    for (const pending of this.tokens.values()) await (await pending.catch(() => null))?.close();
    this.tokens.clear();
  }
}

function tokenName(selector: TokenSelector): string {
  return `${selector.modulePath}\n${selector.tokenLabel}`;
}
