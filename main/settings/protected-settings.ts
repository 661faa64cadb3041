import type { IntentView } from '../../shared/model/intent.model.ts';
import type { ProtectedSettingsPatch, Settings, SettingsPatch } from '../../shared/model/settings.model.ts';
import { isLoopbackHost } from '../../shared/model/settings.model.ts';
import type { ConfirmationFact } from '../confirm/confirmation.types.ts';
import { SignetError } from '../errors.ts';
import type { IntentService } from '../intents/intent.service.ts';
import { checkModuleFile, checkToolFolder } from './executable-locations.ts';
import type { SettingsService } from './settings.service.ts';

declare module '../intents/intent.service.ts' {
  interface IntentPayloads {
    settings: ProtectedSettingsPatch;
  }
}

const PROTECTED = ['toolDirs', 'pkcs11Modules', 'cleartextCredentialHosts'] as const;
type ProtectedName = (typeof PROTECTED)[number];

const NAMES: Record<ProtectedName, string> = {
  toolDirs: 'tool folders',
  pkcs11Modules: 'PKCS#11 module paths',
  cleartextCredentialHosts: 'hosts that receive credentials over plain HTTP',
};

// What a protected setting means for the comparison: the module labels are names on screen, not what is loaded.
function meaning(settings: Pick<Settings, ProtectedName>, name: ProtectedName): string[] {
  if (name === 'pkcs11Modules') return settings.pkcs11Modules.map((m) => m.path);
  return [...settings[name]];
}

// The protected settings a patch would change; equal lists sent back unchanged are not a change.
export function protectedChanges(current: Settings, patch: SettingsPatch): ProtectedName[] {
  return PROTECTED.filter((name) => {
    const wanted = patch[name];
    if (wanted === undefined) return false;
    return JSON.stringify(meaning({ ...current, [name]: wanted }, name)) !== JSON.stringify(meaning(current, name));
  });
}

/**
 * Tool folders, PKCS#11 modules and cleartext credential hosts decide what main runs, loads or sends in
 * clear, so the page cannot set them: main checks each location, issues an intent naming every change,
 * and asks through a channel it owns (the desktop app's native dialog, the terminal of the browser host or CLI).
 */
export class ProtectedSettings {
  private readonly settings: SettingsService;
  private readonly intents: IntentService;

  constructor(settings: SettingsService, intents: IntentService) {
    this.settings = settings;
    this.intents = intents;
  }

  // The page's own path: every other setting changes here; a change to a protected one is refused, naming the way that works.
  async update(patch: SettingsPatch): Promise<Settings> {
    const changed = protectedChanges(await this.settings.get(), patch);
    if (changed.length > 0) {
      throw new SignetError(
        'Forbidden',
        `The ${changed.map((n) => NAMES[n]).join(' and ')} decide what Signet runs, loads or sends in clear, so they change only after a confirmation Signet asks for itself (settings.prepareProtected, then settings.confirmProtected); nothing was changed.`,
      );
    }
    return this.settings.update(patch);
  }

  // Checks every new location first, so nobody is asked to approve a path that would be refused anyway.
  async prepare(patch: ProtectedSettingsPatch): Promise<IntentView> {
    const facts = await this.facts(patch);
    const intent = this.intents.issue({
      action: 'settings',
      title: 'Change what Signet runs, loads or sends in clear',
      message: 'A page asked for this change. Confirm only if you asked for it yourself: Signet will run, load or send in clear exactly what is listed.',
      facts,
      payload: patch,
    });
    return { intentId: intent.id, title: intent.title, facts: intent.facts, expiresAt: new Date(intent.expiresAt).toISOString() };
  }

  // Asked through main's own channel; the locations are checked again after the yes, and the facts must equal those confirmed.
  async confirm(intentId: string): Promise<Settings> {
    const confirmed = await this.intents.confirm(intentId, ['settings'], {
      doing: 'change what Signet runs, loads or sends in clear',
      unavailable: 'This host has no confirmation channel of its own (a native dialog or a terminal), so tool folders, modules and cleartext hosts cannot be changed here.',
      recheck: async ({ payload }) => ({ facts: await this.facts(payload), state: null }),
    });
    return this.settings.update(confirmed.payload);
  }

  private async facts(patch: ProtectedSettingsPatch): Promise<ConfirmationFact[]> {
    const current = await this.settings.get();
    const facts: ConfirmationFact[] = [];
    if (patch.toolDirs) {
      for (const dir of patch.toolDirs.filter((d) => !current.toolDirs.includes(d))) {
        const real = await checkToolFolder(dir);
        facts.push({ label: 'Add tool folder (Signet runs the tools in it)', value: real === dir ? dir : `${dir} (which is ${real})` });
      }
      for (const dir of current.toolDirs.filter((d) => !patch.toolDirs!.includes(d))) facts.push({ label: 'Remove tool folder', value: dir });
    }
    if (patch.pkcs11Modules) {
      const known = new Set(current.pkcs11Modules.map((m) => m.path));
      for (const module of patch.pkcs11Modules.filter((m) => !known.has(m.path))) {
        const real = await checkModuleFile(module.path);
        facts.push({ label: 'Add PKCS#11 module (Signet loads it into its own process)', value: `${real === module.path ? module.path : `${module.path} (which is ${real})`}${module.label ? `, named "${module.label}"` : ''}` });
      }
      const wanted = new Set(patch.pkcs11Modules.map((m) => m.path));
      for (const module of current.pkcs11Modules.filter((m) => !wanted.has(m.path))) facts.push({ label: 'Remove PKCS#11 module', value: module.path });
    }
    if (patch.cleartextCredentialHosts) {
      for (const host of patch.cleartextCredentialHosts.filter((h) => !current.cleartextCredentialHosts.includes(h))) {
        if (isLoopbackHost(host.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''))) throw new SignetError('BadInput', `${host} is a loopback host; credentials already cross plain HTTP to it, so it needs no entry.`);
        facts.push({ label: 'Send credentials in clear', value: `Stored credentials for ${host} will travel in clear over plain HTTP: anyone on the network path can read and reuse them.` });
      }
      for (const host of current.cleartextCredentialHosts.filter((h) => !patch.cleartextCredentialHosts!.includes(h))) facts.push({ label: 'Stop sending credentials in clear', value: host });
    }
    if (facts.length === 0) throw new SignetError('BadInput', 'This changes nothing: every location given is already set.');
    return facts;
  }
}
