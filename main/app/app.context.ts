import { delimiter } from 'node:path';
import type { ScriptRunner } from '../platform/script-runner.ts';
import type { HostKind, SystemStatus } from '../../shared/model/system.model.ts';
import type { ConfirmationService } from '../confirm/confirmation.types.ts';
import type { InternalErrorLog } from '../errors.ts';
import { createDispatcher, type Dispatch } from '../ipc/dispatcher.ts';
import { EventHub } from '../ipc/event-hub.ts';
import { createHandlers, type HandlerServices } from '../ipc/handlers.ts';
import { askHost, IntentService } from '../intents/intent.service.ts';
import { AuditLog } from '../audit/audit.log.ts';
import { SoftwareAuditSigner } from '../audit/audit-signer.ts';
import { KeychainAuditAnchor } from '../audit/audit-anchor.ts';
import { InventoryStore } from '../keys/inventory.store.ts';
import { KeyActions } from '../keys/key-actions.ts';
import { KeyService } from '../keys/keys.service.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import { KeychainPins, type PinPrompt } from '../keys/pin.source.ts';
import { SoftHsmTokens } from '../keys/softhsm-token.service.ts';
import { TrustFileStore } from '../trust/trust-file.store.ts';
import { adoptSignetSoftHsmConfig } from '../platform/softhsm-config.ts';
import type { Pkcs11Driver } from '../platform/pkcs11.types.ts';
import { SoftwareKeyStore } from '../keys/software.backend.ts';
import { OsKeychain } from '../platform/keychain.adapter.ts';
import { Pkcs11jsDriver } from '../platform/pkcs11.adapter.ts';
import { probeRegistry } from '../registry/registry.probe.ts';
import { ImagesService } from '../images/images.service.ts';
import { SignService } from '../signing/sign.service.ts';
import { AuthorityService } from '../trust/authority.service.ts';
import { PolicyService } from '../policy/policy.service.ts';
import { signetAuthority } from '../policy/policy.types.ts';
import { ScanService } from '../scan/scan.service.ts';
import { RecoveryService } from '../recovery/recovery.service.ts';
import { WorkshopService } from '../workshop/workshop.service.ts';
import { CompromiseService } from '../compromise/compromise.service.ts';
import { DockerCredentials, KeychainRegistryCredentials } from '../registry/docker-credentials.ts';
import { SettingsService } from '../settings/settings.service.ts';
import { ProtectedSettings } from '../settings/protected-settings.ts';
import { detectModules, wellKnownModulePaths } from '../platform/pkcs11-locations.ts';
import { SystemService, type SystemProbes } from '../system/system.service.ts';
import { probeTools } from '../platform/tools.probe.ts';
import { DataStore } from '../storage/data.store.ts';
import { dataDirectory } from './paths.ts';
import { packageVersion } from './version.ts';

export interface AppOptions {
  host: HostKind;
  env?: NodeJS.ProcessEnv;
  /** Replaces individual probes; the defaults are the real adapters. */
  probes?: Partial<SystemProbes>;
  log?: InternalErrorLog;
  /** How this host asks the person at the machine; a host without one cannot run confirmed operations. */
  confirmations?: ConfirmationService;
  /**
   * A confirmation channel the page can never reach (the desktop app's native dialog, the terminal of the
   * browser host or CLI); settings that choose what main runs, loads or sends in clear change only through it.
   */
  hostConfirmations?: ConfirmationService;
  /** Replaces the OS keychain (tests of code above it); the default is the real one. */
  keychain?: SecretStore;
  pkcs11?: Pkcs11Driver;
  now?: () => Date;
  /** Sessions per token; signatures run in parallel up to this many. */
  sessionsPerToken?: number;
  /** Asks for a token PIN that is not remembered (the CLI's terminal); hosts without one refuse instead. */
  askPin?: PinPrompt;
  /** Starts Signet's own scripts in processes of their own (restore drills); a child of this Node by default. */
  runScript?: ScriptRunner;
  /** Shows a desktop notification (scheduled scans that find coverage dropped or a signer changed); pages get the event too. */
  notify?: (message: { title: string; body: string }) => void;
  /** The desktop app's own open-file dialog, answering the chosen path; hosts without one leave it out. */
  chooseFile?: (title: string) => Promise<string | null>;
}

/** Everything a host needs: the services, the one dispatcher and the event hub. */
export interface AppContext extends Omit<HandlerServices, 'keyActions' | 'protectedSettings' | 'extraModules' | 'chooseFile' | 'trustFiles'> {
  dataDir: string;
  /** The data folder's shared store; hosts print what its first start did (store.open().notice). */
  store: DataStore;
  intents: IntentService;
  pins: KeychainPins;
  registryCredentials: KeychainRegistryCredentials;
  events: EventHub;
  dispatch: Dispatch;
  /** Writes what is pending, a signed checkpoint of what this process appended, and closes token sessions. */
  close(): Promise<void>;
}

// The composition root: hosts differ only in how requests arrive, never in what handles them.
export function createApp(options: AppOptions): AppContext {
  const env = options.env ?? process.env;
  const dataDir = dataDirectory(env);
  const store = DataStore.for(dataDir);
  const settings = new SettingsService(dataDir);
  const events = new EventHub();
  const extraModules = (env.SIGNET_PKCS11_MODULES ?? '').split(delimiter).filter((p) => p.length > 0);
  const keychain = options.keychain ?? new OsKeychain();
  const pkcs11 = options.pkcs11 ?? new Pkcs11jsDriver();
  const now = options.now ?? (() => new Date());
  const software = new SoftwareKeyStore(dataDir, keychain);
  const audit = new AuditLog(dataDir, { signer: new SoftwareAuditSigner(dataDir, software), anchor: new KeychainAuditAnchor(dataDir, keychain), now });
  const prompt = options.askPin ? announced(options.askPin, options.host, events) : null;
  const pins = new KeychainPins(keychain, prompt);
  // Only this process's own environment is changed: a sandbox app made with an env of its own leaves SoftHSM where it was.
  if (env === process.env) adoptSignetSoftHsmConfig(dataDir, env);
  const tokens = new SoftHsmTokens({ dataDir, pkcs11, audit, prompt, env: process.env });
  const keys = new KeyService({ dataDir, inventory: new InventoryStore(dataDir), software, pkcs11, pins, audit, now, sessionsPerToken: options.sessionsPerToken });
  const confirmations = options.confirmations ?? null;
  // Who may say yes is decided here, once: the host's channel, and for protected settings only a channel the page never reaches.
  const intents = new IntentService({ host: options.host, now: () => now().getTime(), policy: askHost(confirmations, { settings: options.hostConfirmations ?? null, 'trust-file': options.hostConfirmations ?? null }) });
  const protectedSettings = new ProtectedSettings(settings, intents);
  const keyActions = new KeyActions(keys, intents, audit, now, settings, () => policies.list());
  const probes: SystemProbes = {
    pkcs11,
    keychain,
    registry: (registry) => probeRegistry(registry),
    tools: (dirs) => probeTools(dirs),
    detectModules: () => detectModules([...extraModules, ...wellKnownModulePaths()]),
    ...options.probes,
  };
  const toolDirs = (env.SIGNET_TOOLS_DIR ?? '').split(delimiter).filter((d) => d.length > 0);
  const system = new SystemService({ settings, probes, versions: versions(options.host), toolDirs });
  settings.onChange((next) => {
    events.emit.settings.changed(next);
    void system.status(true).then(
      (status) => events.emit.system.changed(status),
      () => undefined,
    );
  });
  keys.onChange((list) => events.emit.keys.changed(list));
  const registryCredentials = new KeychainRegistryCredentials(keychain, new DockerCredentials(env));
  const authority = new AuthorityService(dataDir, keys, audit, now);
  const images = new ImagesService({ dataDir, settings, keys, authority, credentials: registryCredentials, onProgress: (progress) => events.emit.images.progress(progress) });
  const signing = new SignService({ dataDir, settings, keys, intents, audit, images, authority, credentials: registryCredentials, agent: `Signet/${packageVersion()}`, now, onProgress: (progress) => events.emit.signing.progress(progress) });
  const policies = new PolicyService({ dataDir, audit, now, settings, keys, credentials: registryCredentials, authority: signetAuthority(authority, options.host) });
  const scan = new ScanService({ dataDir, settings, images, policies, credentials: registryCredentials, audit, now, host: options.host, runSchedules: options.host !== 'cli', onProgress: (progress) => events.emit.scan.progress(progress), onAlert: (alert) => {
      events.emit.scan.alert(alert);
      options.notify?.({ title: alert.title, body: alert.body });
    } });
  const recovery = new RecoveryService({ dataDir, keys, software, settings, policies, audit, intents, now, runScript: options.runScript });
  const workshop = new WorkshopService({ dataDir, host: options.host, env, keychain, pkcs11, now, createApp, log: options.log });
  const compromise = new CompromiseService({ keys, audit, settings, images, signing, policies, intents, credentials: registryCredentials, now });
  const dispatch = createDispatcher(createHandlers({ dataDir, chooseFile: options.chooseFile ?? null, settings, protectedSettings, extraModules, system, tokens, trustFiles: new TrustFileStore(dataDir, intents), keys, keyActions, audit, images, signing, authority, policies, scan, recovery, workshop, compromise }), options.log);
  return { dataDir, store, settings, system, tokens, intents, keys, pins, registryCredentials, audit, images, signing, authority, policies, scan, recovery, workshop, compromise, events, dispatch, close: () =>
      workshop
        .close()
        .then(() => scan.close())
        .then(() => keys.close())
        .then(() => checkpointAtExit(audit, options.host, options.log))
        .then(() => store.close()) };
}

// A failed exit checkpoint (a locked keychain) leaves an unsigned tail that verify reports past its bound; closing still completes.
// While main asks for a PIN outside the page, the page says where, so a person is not left looking at "Generating…".
function announced(ask: PinPrompt, host: HostKind, events: EventHub): PinPrompt {
  const where = host === 'electron' ? 'window' : 'terminal';
  return async (token, operation) => {
    events.emit.tokens.pinRequest({ tokenLabel: token.tokenLabel, where, asking: true });
    try {
      return await ask(token, operation);
    } finally {
      events.emit.tokens.pinRequest({ tokenLabel: token.tokenLabel, where, asking: false });
    }
  };
}

async function checkpointAtExit(audit: AuditLog, host: HostKind, log: InternalErrorLog | undefined): Promise<void> {
  try {
    await audit.checkpointAtExit(host);
  } catch (error) {
    (log ?? ((ref, e) => console.error(`[signet] ${ref}:`, e)))('the audit checkpoint at exit was not written', error);
  }
}

function versions(host: HostKind): SystemStatus['versions'] {
  return {
    signet: packageVersion(),
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    chrome: process.versions.chrome ?? null,
    platform: process.platform,
    arch: process.arch,
    host,
  };
}

// Each host says at start what the store's first start did with the old files; a store that cannot open is reported by each operation it stops.
export async function reportStoreStart(app: Pick<AppContext, 'store'>, print: (line: string) => void): Promise<void> {
  try {
    const { notice } = await app.store.openIfPresent();
    if (notice) print(notice);
  } catch (error) {
    print(error instanceof Error ? error.message : String(error));
  }
}

export { packageVersion };
