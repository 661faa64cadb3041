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

// The raw keyring text is kept as a detail; the person reads what happened and what to do about it.
const KEYCHAIN_PROBLEMS: readonly { test: RegExp; code: 'Locked' | 'Unavailable'; message: string }[] = [
  {
    test: /prompt (was )?dismissed|prompt.*cancell?ed/i,
    code: 'Locked',
    message: 'The system keychain stayed locked because its unlock prompt was dismissed; try again and enter your login password when it asks.',
  },
  {
    test: /locked|unlock/i,
    code: 'Locked',
    message: 'The system keychain is locked; unlock it (log in again, or open your keyring app) and try again.',
  },
  {
    test: /secret service|org\.freedesktop\.secrets|ServiceUnknown|not available|unavailable/i,
    code: 'Unavailable',
    message: 'No system keychain answers; start a keyring service such as GNOME Keyring or KWallet (or log in to a desktop session) and try again.',
  },
  {
    test: /DBUS_SESSION_BUS_ADDRESS|session bus|dbus|zbus|connection refused|no such file|os error/i,
    code: 'Unavailable',
    message: 'Signet could not reach the system keychain over D-Bus; run it inside a desktop session (or start a D-Bus session bus) and try again.',
  },
];

/** Turns a raw keyring or D-Bus failure into a plain refusal, keeping the raw text as its details. */
export function mapKeyringError(error: unknown): SignetError {
  const raw = (error instanceof Error ? error.message : String(error)).slice(0, 500);
  const problem = KEYCHAIN_PROBLEMS.find((candidate) => candidate.test.test(raw));
  if (problem) return new SignetError(problem.code, problem.message, [raw]);
  return new SignetError('Unavailable', 'The system keychain refused the request; check that it is unlocked and running, then try again.', [raw]);
}
