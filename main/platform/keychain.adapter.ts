import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { SignetError } from '../errors.ts';
import type { SecretStore } from './keychain.types.ts';
import type { KeychainStatus } from '../../shared/model/system.model.ts';

const SERVICE = 'dev.signet.app';

/**
 * The only file that touches @napi-rs/keyring. On Linux the Secret Service is required, never
 * the kernel keyring fallback, so secrets survive a reboot and a locked store is an error.
 */
export class OsKeychain implements SecretStore {
  readonly backend: KeychainStatus['backend'] = backendFor(process.platform);
  private readonly options: EntryOptions = { linux: { store: 'secret-service' } };
  private readonly service: string;

  // Another service name keeps a separate set of secrets (a restore drill's), never mixed with the app's.
  constructor(service: string = SERVICE) {
    this.service = service;
  }

  // A missing entry is null; a locked or absent keychain is an error, never a silent null.
  async get(account: string): Promise<string | null> {
    return this.call(() => new AsyncEntry(this.service, account, this.options).getPassword());
  }

  // Replaces any secret stored under the same account.
  async set(account: string, secret: string): Promise<void> {
    await this.call(() => new AsyncEntry(this.service, account, this.options).setPassword(secret));
  }

  // Reports whether there was something to delete.
  async remove(account: string): Promise<boolean> {
    return this.call(() => new AsyncEntry(this.service, account, this.options).deleteCredential());
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw mapKeyringError(error);
    }
  }
}

function backendFor(platform: NodeJS.Platform): KeychainStatus['backend'] {
  if (platform === 'linux' || platform === 'freebsd') return 'secret-service';
  if (platform === 'darwin') return 'macos-keychain';
  if (platform === 'win32') return 'windows-credential-manager';
  return 'unsupported';
}

function mapKeyringError(error: unknown): SignetError {
  const message = error instanceof Error ? error.message : String(error);
  if (/locked|unlock/i.test(message)) {
    return new SignetError('Locked', `The OS keychain is locked; unlock it and try again (${message}).`);
  }
  if (/dbus|secret service|no such|not available|platform|org\.freedesktop/i.test(message)) {
    return new SignetError('Unavailable', `The OS keychain does not answer (${message}).`);
  }
  return new SignetError('Unavailable', `The OS keychain failed: ${message}.`);
}
