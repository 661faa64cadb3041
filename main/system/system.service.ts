import { randomBytes } from 'node:crypto';
import type { RegistryConfig, Settings } from '../../shared/model/settings.model.ts';
import type {
  KeychainStatus,
  Notice,
  Pkcs11ModuleStatus,
  RegistryStatus,
  SystemStatus,
  ToolStatus,
} from '../../shared/model/system.model.ts';
import { toAppError } from '../errors.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import type { Pkcs11Inspector } from '../platform/pkcs11.types.ts';
import { moduleKind } from '../platform/pkcs11-locations.ts';
import { checkToolFolder } from '../settings/executable-locations.ts';

export interface SystemProbes {
  pkcs11: Pkcs11Inspector;
  keychain: SecretStore;
  registry(config: RegistryConfig): Promise<RegistryStatus>;
  tools(extraDirs: readonly string[]): Promise<ToolStatus[]>;
  detectModules(): Promise<string[]>;
}

export interface SystemServiceDeps {
  settings: { get(): Promise<Settings>; listNotices(): Notice[] };
  probes: SystemProbes;
  versions: SystemStatus['versions'];
  /** Folders searched for peer tools before PATH, besides those in the settings. */
  toolDirs: readonly string[];
}

/** Answers "what can this machine do": key backends, keychain, registries, tools and versions. */
export class SystemService {
  private last: SystemStatus | null = null;
  private running: Promise<SystemStatus> | null = null;

  private readonly deps: SystemServiceDeps;

  constructor(deps: SystemServiceDeps) {
    this.deps = deps;
  }

  // Probing loads modules and touches the network, so one probe runs at a time and its answer is kept until asked to refresh.
  async status(refresh: boolean): Promise<SystemStatus> {
    const pending = this.running;
    if (pending) {
      const current = await pending.catch(() => null);
      if (current && !refresh) return current;
    }
    if (this.last && !refresh) return this.last;
    if (this.running) return this.running;
    this.running = this.probe().finally(() => {
      this.running = null;
    });
    this.last = await this.running;
    return this.last;
  }

  private async probe(): Promise<SystemStatus> {
    const settings = await this.deps.settings.get();
    const { usable, notices } = await this.usableToolDirs(settings.toolDirs);
    const [modules, keychain, registries, tools] = await Promise.all([
      this.probeModules(settings),
      this.probeKeychain(),
      Promise.all(settings.registries.map((registry) => this.deps.probes.registry(registry))),
      this.deps.probes.tools([...usable, ...this.deps.toolDirs]),
    ]);
    return {
      checkedAt: new Date().toISOString(),
      versions: this.deps.versions,
      pkcs11Modules: modules,
      keychain,
      registries,
      tools,
      notices: [...this.deps.settings.listNotices(), ...notices],
    };
  }

  // A settings file can hold a folder that was safe when confirmed and is not any more (or was written by hand): it is checked again before anything in it runs.
  private async usableToolDirs(dirs: readonly string[]): Promise<{ usable: string[]; notices: Notice[] }> {
    const usable: string[] = [];
    const notices: Notice[] = [];
    for (const dir of dirs) {
      try {
        await checkToolFolder(dir);
        usable.push(dir);
      } catch (error) {
        notices.push({ level: 'warning', message: `The tool folder ${dir} is not used: ${toAppError(error).message}` });
      }
    }
    return { usable, notices };
  }

  // Modules are read one after another: a PKCS#11 call blocks, and some modules dislike company.
  private async probeModules(settings: Settings): Promise<Pkcs11ModuleStatus[]> {
    const configured = settings.pkcs11Modules.map((m) => ({ path: m.path, label: m.label ?? null, source: 'configured' as const }));
    const known = new Set(configured.map((m) => m.path));
    const detected = (await this.deps.probes.detectModules())
      .filter((path) => !known.has(path))
      .map((path) => ({ path, label: null, source: 'detected' as const }));
    const results: Pkcs11ModuleStatus[] = [];
    for (const entry of [...configured, ...detected]) {
      const base = { ...entry, kind: moduleKind(entry.path) };
      try {
        const report = await this.deps.probes.pkcs11.inspect(entry.path);
        results.push({ ...base, loaded: true, library: report.library, slots: report.slots, error: null });
      } catch (error) {
        results.push({ ...base, loaded: false, library: null, slots: [], error: toAppError(error) });
      }
    }
    return results;
  }

  // A round trip (write, read back, delete) proves the keychain is unlocked and writable, not merely present.
  private async probeKeychain(): Promise<KeychainStatus> {
    const store = this.deps.probes.keychain;
    if (store.backend === 'unsupported') {
      return { backend: store.backend, available: false, detail: 'No supported keychain on this platform.', error: null };
    }
    const account = `probe-${randomBytes(6).toString('hex')}`;
    const value = randomBytes(16).toString('hex');
    try {
      await store.set(account, value);
      const back = await store.get(account);
      await store.remove(account);
      if (back !== value) {
        return { backend: store.backend, available: false, detail: 'The keychain returned a different value than was stored.', error: null };
      }
      return { backend: store.backend, available: true, detail: 'Unlocked: a secret was stored, read back and removed.', error: null };
    } catch (error) {
      const appError = toAppError(error);
      return { backend: store.backend, available: false, detail: appError.message, error: appError };
    }
  }
}
