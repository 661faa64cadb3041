import type { KeychainStatus } from '../../shared/model/system.model.ts';

/** The OS keychain as the rest of main sees it; implemented by the @napi-rs/keyring adapter. */
export interface SecretStore {
  readonly backend: KeychainStatus['backend'];
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  remove(account: string): Promise<boolean>;
}
