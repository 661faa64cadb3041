import type { SecretStore } from '../../main/platform/keychain.types.ts';

/** A keychain in memory, for unit tests of code above the keychain; integration tests use gnome-keyring. */
export class MemoryKeychain implements SecretStore {
  readonly backend = 'secret-service' as const;
  readonly secrets = new Map<string, string>();
  locked = false;

  async get(account: string) {
    if (this.locked) throw new Error('locked');
    return this.secrets.get(account) ?? null;
  }
  async set(account: string, secret: string) {
    if (this.locked) throw new Error('locked');
    this.secrets.set(account, secret);
  }
  async remove(account: string) {
    return this.secrets.delete(account);
  }
}
