import type { SecretStore } from '../platform/keychain.types.ts';

/** Every account the sandbox keeps in the OS keychain starts with this, so none can meet one of the user's. */
export const WORKSHOP_ACCOUNT_PREFIX = 'workshop/';

/**
 * The user's keychain seen through a `workshop/` namespace: the sandbox's data key and token PIN
 * live beside the user's secrets without ever reading, replacing or removing one of them.
 */
export class NamespacedKeychain implements SecretStore {
  readonly backend: SecretStore['backend'];
  private readonly inner: SecretStore;
  private readonly written = new Set<string>();

  constructor(inner: SecretStore) {
    this.inner = inner;
    this.backend = inner.backend;
  }

  get(account: string): Promise<string | null> {
    return this.inner.get(WORKSHOP_ACCOUNT_PREFIX + account);
  }

  async set(account: string, secret: string): Promise<void> {
    this.written.add(account);
    await this.inner.set(WORKSHOP_ACCOUNT_PREFIX + account, secret);
  }

  remove(account: string): Promise<boolean> {
    return this.inner.remove(WORKSHOP_ACCOUNT_PREFIX + account);
  }

  // Leaving removes what this sandbox wrote and the names every sandbox uses, so one that crashed leaves nothing behind either.
  async clear(knownAccounts: readonly string[]): Promise<number> {
    let removed = 0;
    for (const account of new Set([...this.written, ...knownAccounts])) {
      if (await this.remove(account)) removed++;
    }
    this.written.clear();
    return removed;
  }
}
