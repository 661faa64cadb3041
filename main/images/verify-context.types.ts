import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { Settings } from '../../shared/model/settings.model.ts';
import type { CredentialSource } from '../registry/registry.client.ts';

/**
 * What verifying an image reads besides the registry: the data folder (its cache), the settings, the
 * key inventory and the registry credentials. The app context is one; a host that verifies without
 * opening the whole app passes the same parts made on their own.
 */
export interface VerifyContext {
  dataDir: string;
  settings: { get(): Promise<Settings> };
  keys: { list(): Promise<KeyRecord[]> };
  registryCredentials: CredentialSource;
}
