import type { AppContext, AppOptions } from './app.context.ts';
import type { VerifyContext } from '../images/verify-context.types.ts';
import type { CredentialSource } from '../registry/registry.client.ts';

/** How a host opens its app context: nothing is made until a part is asked for, and each part once. */
export interface AppSessionOptions {
  env?: NodeJS.ProcessEnv;
  /** The host's options for the whole app, asked for only when it is opened (its confirmations may load modules of their own). */
  appOptions(): Promise<Omit<AppOptions, 'env'>>;
  /** What the host does once the app is made, before it is used (say what the store's first start did). */
  started?(app: AppContext): Promise<void>;
}

/** One lazily made app context for a host: the whole app, or only the part that verifying reads. */
export interface AppSession {
  /** Every service and the dispatcher, made by createApp on first use. */
  app(): Promise<AppContext>;
  /** The app itself once it is open; before that, the same parts made alone, without token drivers, the store's writer or the dispatcher. */
  verifyContext(): Promise<VerifyContext>;
  /** Closes the app when it was opened. */
  close(): Promise<void>;
}

// The composition root is loaded on first use of the app; the verify parts load only the settings and the data folder up front.
export function openAppSession(options: AppSessionOptions): AppSession {
  const env = options.env ?? process.env;
  let app: Promise<AppContext> | undefined;
  let parts: Promise<VerifyContext> | undefined;
  return {
    app: () =>
      (app ??= (async () => {
        const [{ createApp }, appOptions] = await Promise.all([import('./app.context.ts'), options.appOptions()]);
        const context = createApp({ ...appOptions, env });
        await options.started?.(context);
        return context;
      })()),
    verifyContext: () => app ?? (parts ??= verifyParts(env)),
    close: async () => {
      const opened = await app?.catch(() => undefined);
      await opened?.close();
    },
  };
}

// The data folder, settings, inventory and credentials of createApp, each made the way it makes them, and no more.
async function verifyParts(env: NodeJS.ProcessEnv): Promise<VerifyContext> {
  const [{ dataDirectory }, { SettingsService }] = await Promise.all([import('./paths.ts'), import('../settings/settings.service.ts')]);
  const dataDir = dataDirectory(env);
  // The inventory's schemas are loaded only when the inventory is asked for; a data folder without a store reads as empty and gets no files.
  const inventoryKeys = async () => {
    const { InventoryStore } = await import('../keys/inventory.store.ts');
    return (await new InventoryStore(dataDir).load()).keys;
  };
  let credentials: Promise<CredentialSource> | undefined;
  const openCredentials = async (): Promise<CredentialSource> => {
    // A keychain module that cannot load means no keychain here: Docker's credentials are still tried.
    const [keychain, { DockerCredentials, KeychainRegistryCredentials }] = await Promise.all([import('../platform/keychain.adapter.ts').then(({ OsKeychain }) => new OsKeychain(), () => null), import('../registry/docker-credentials.ts')]);
    const docker = new DockerCredentials(env);
    return keychain ? new KeychainRegistryCredentials(keychain, docker) : docker;
  };
  return {
    dataDir,
    settings: new SettingsService(dataDir),
    keys: { list: inventoryKeys },
    registryCredentials: { credentialsFor: async (host) => (await (credentials ??= openCredentials())).credentialsFor(host) },
  };
}
