import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostKind } from '../../shared/model/system.model.ts';
import { TrustSettingsSchema } from '../../shared/model/settings.model.ts';
import type { ConfirmationService } from '../confirm/confirmation.types.ts';
import type { InternalErrorLog } from '../errors.ts';
import { KeyActions } from '../keys/key-actions.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import type { Pkcs11Driver } from '../platform/pkcs11.types.ts';
import { NamespacedKeychain } from './sandbox.keychain.ts';
import { SandboxStore, type ImageStoreMode } from './sandbox.store.ts';
import { WorkshopToken, type KeyStoreMode, type SandboxKeyStore } from './sandbox.token.ts';
import type { CreateSandboxApp, SandboxApp } from './sandbox-app.types.ts';

/** What a sandbox is made from: the real app's adapters, never its data folder, settings or audit log. */
export interface SandboxDeps {
  createApp: CreateSandboxApp;
  host: HostKind;
  env: NodeJS.ProcessEnv;
  /** The user's keychain; the sandbox sees it only through the `workshop/` namespace. */
  keychain: SecretStore;
  pkcs11: Pkcs11Driver;
  now: () => Date;
  log?: InternalErrorLog;
  /** The folder sandbox folders are made in. */
  parent: string;
  imageMode: ImageStoreMode;
  keyMode: KeyStoreMode;
}

/** In the sandbox the page's explicit request is the confirmation: it holds nothing of value, and the step was shown first. */
const PAGE_CONFIRMS: ConfirmationService = { confirm: async () => true };

/** Accounts every sandbox writes, removed on leave even when an earlier sandbox did not get to remove them. */
const KNOWN_ACCOUNTS = ['software-keys-data-key'];

/**
 * A second Signet: its own data folder (settings, inventory, audit log), its own keychain namespace,
 * keys on the workshop token or sealed in software, and an image store with the samples. Destroying
 * it removes all of that and leaves the user's own Signet exactly as it was.
 */
export class Sandbox {
  readonly folder: string;
  readonly app: SandboxApp;
  readonly store: SandboxStore;
  readonly keyStore: SandboxKeyStore;
  readonly keychain: NamespacedKeychain;
  /** Rotation and revocation in two steps, on the sandbox app's own intents, key service and audit log. */
  readonly keyActions: KeyActions;
  private readonly token: WorkshopToken;

  private constructor(folder: string, app: SandboxApp, store: SandboxStore, keyStore: SandboxKeyStore, keychain: NamespacedKeychain, token: WorkshopToken, now: () => Date) {
    this.folder = folder;
    this.app = app;
    this.keyActions = new KeyActions(app.keys, app.intents, app.audit, now, app.settings);
    this.store = store;
    this.keyStore = keyStore;
    this.keychain = keychain;
    this.token = token;
  }

  // Builds everything, or removes what was built so far and reports why it could not.
  static async create(deps: SandboxDeps): Promise<Sandbox> {
    const folder = await mkdtemp(join(deps.parent, 'signet-workshop-'));
    const keychain = new NamespacedKeychain(deps.keychain);
    const token = new WorkshopToken(deps.pkcs11, deps.env, deps.keyMode);
    let store: SandboxStore | null = null;
    let app: SandboxApp | null = null;
    let keyStore: SandboxKeyStore | null = null;
    try {
      keyStore = await token.prepare();
      store = await SandboxStore.open(folder, deps.imageMode, deps.env, deps.now);
      app = deps.createApp({
        host: deps.host,
        env: { PATH: deps.env.PATH ?? '', SIGNET_HOME: join(folder, 'home'), DOCKER_CONFIG: join(folder, 'docker') },
        keychain,
        pkcs11: deps.pkcs11,
        now: deps.now,
        confirmations: PAGE_CONFIRMS,
        log: deps.log,
        // The sandbox's System screen is never shown; its probes must not touch the keychain or load modules behind the workshop's back.
        probes: {
          detectModules: async () => [],
          tools: async () => [],
          keychain: { backend: keychain.backend, get: async () => null, set: async () => undefined, remove: async () => false },
          registry: async (registry) => ({ name: registry.name, url: registry.url, reachable: true, auth: 'anonymous', apiVersion: null, latencyMs: null, error: null }),
        },
      });
      if (keyStore.kind === 'softhsm') await app.pins.remember(keyStore.selector, keyStore.pin);
      await app.settings.update({ ...store.settingsPatch(), trust: TrustSettingsSchema.parse({ publicGood: false }) });
      return new Sandbox(folder, app, store, keyStore, keychain, token, deps.now);
    } catch (error) {
      await teardown(folder, app, store, keyStore, keychain, token);
      throw error;
    }
  }

  // Everything the sandbox made goes: its app is closed, its registry stopped, its keys and secrets destroyed, its folder deleted.
  async destroy(): Promise<string[]> {
    return teardown(this.folder, this.app, this.store, this.keyStore, this.keychain, this.token);
  }
}

// Each part is removed even when another fails; what could not be removed is said, never hidden.
async function teardown(folder: string, app: SandboxApp | null, store: SandboxStore | null, keyStore: SandboxKeyStore | null, keychain: NamespacedKeychain, token: WorkshopToken): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  if (app) await attempt('closing the sandbox', () => app.close());
  if (store) await attempt('stopping the workshop registry', () => store.stop());
  if (keyStore?.kind === 'softhsm') await attempt(`emptying the ${keyStore.selector.tokenLabel} token`, () => token.empty(keyStore.selector));
  const pinAccounts = keyStore?.kind === 'softhsm' ? [`pin:${keyStore.selector.modulePath}:${keyStore.selector.tokenLabel}`] : [];
  await attempt('removing the workshop keychain entries', () => keychain.clear([...KNOWN_ACCOUNTS, ...pinAccounts]));
  await attempt('deleting the sandbox folder', () => rm(folder, { recursive: true, force: true, maxRetries: 3 }));
  return problems;
}
