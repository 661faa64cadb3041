import type { HandlerTable } from './dispatcher.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import type { ImagesService } from '../images/images.service.ts';
import type { KeyActions } from '../keys/key-actions.ts';
import type { KeyService } from '../keys/keys.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { ProtectedSettings } from '../settings/protected-settings.ts';
import type { SystemService } from '../system/system.service.ts';
import type { SoftHsmTokens } from '../keys/softhsm-token.service.ts';
import type { SignService } from '../signing/sign.service.ts';
import type { PolicyService } from '../policy/policy.service.ts';
import type { ScanService } from '../scan/scan.service.ts';
import type { RecoveryService } from '../recovery/recovery.service.ts';
import type { WorkshopService } from '../workshop/workshop.service.ts';
import type { CompromiseService } from '../compromise/compromise.service.ts';
import type { AuthorityService } from '../trust/authority.service.ts';
import { toPem } from '../trust/certificate-authority.ts';
import type { TrustFileStore } from '../trust/trust-file.store.ts';
import { assertKnownModule } from '../platform/pkcs11-locations.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import { SignetError } from '../errors.ts';

export interface HandlerServices {
  settings: SettingsService;
  system: SystemService;
  tokens: SoftHsmTokens;
  trustFiles: TrustFileStore;
  keys: KeyService;
  keyActions: KeyActions;
  audit: AuditLog;
  images: ImagesService;
  signing: SignService;
  authority: AuthorityService;
  policies: PolicyService;
  scan: ScanService;
  recovery: RecoveryService;
  workshop: WorkshopService;
  compromise: CompromiseService;
  protectedSettings: ProtectedSettings;
  dataDir: string;
  /** The desktop app's own open-file dialog; null in hosts that have none (the page then sends the file's bytes). */
  chooseFile: ((title: string) => Promise<string | null>) | null;
  /** Module paths named by the environment the host was started in (SIGNET_PKCS11_MODULES). */
  extraModules: readonly string[];
}

// A module path from a page is loaded into main only if this machine already vouches for it; the CLI's arguments are the person's own.
async function knownModule(services: HandlerServices, modulePath: string, host: HostKind): Promise<void> {
  if (host === 'cli') return;
  await assertKnownModule(modulePath, (await services.settings.get()).pkcs11Modules.map((m) => m.path), services.extraModules);
}

// The single handler table every host binds: Electron IPC, the browser socket and the CLI.
export function createHandlers(services: HandlerServices): HandlerTable {
  return {
    system: {
      status: (input) => services.system.status(input.refresh),
    },
    tokens: {
      create: (input, context) => services.tokens.create(input.label, context.host),
    },
    files: {
      storeTrust: async (input) => ({ path: await services.trustFiles.store(input.name, Buffer.from(input.base64, 'base64')) }),
      choose: async (input) => {
        if (!services.chooseFile) throw new SignetError('Unavailable', 'Only the desktop app has a file dialog; choose the file in the page instead.');
        return { path: await services.chooseFile(input.title) };
      },
    },
    settings: {
      get: () => services.settings.get(),
      update: (input) => services.protectedSettings.update(input),
      prepareProtected: (input) => services.protectedSettings.prepare(input),
      confirmProtected: (input) => services.protectedSettings.confirm(input.intentId),
    },
    keys: {
      list: () => services.keys.list(),
      generate: async (input, context) => {
        if (input.backend.kind === 'pkcs11') await knownModule(services, input.backend.modulePath, context.host);
        return services.keys.generate(input, context.host);
      },
      exportPublic: (input) => services.keys.exportPublic(input.keyId, input.format),
      prepare: (input) => services.keyActions.prepare(input),
      confirm: (input) => services.keyActions.confirm(input.intentId, input.typedConfirmation),
      revocationSigner: () => services.keys.revocationSigner(),
      discover: async (input, context) => {
        await knownModule(services, input.modulePath, context.host);
        return services.keys.discover(input);
      },
      adopt: async (input, context) => {
        await knownModule(services, input.modulePath, context.host);
        return services.keys.adopt({ modulePath: input.modulePath, tokenLabel: input.tokenLabel }, input.objectId, input.label, context.host);
      },
      rotationStatement: (input) => services.keys.rotationStatement(input.keyId),
      importRevocations: (input, context) => services.keys.importRevocations(input.text, context.host),
      reconcile: () => services.keys.reconcile(),
      revocations: async (_input, context) => {
        const list = await services.keys.revocationList(context.host);
        return { filename: 'signet-revocations.json', mediaType: 'application/json', text: `${JSON.stringify(list, null, 2)}\n` };
      },
    },
    images: {
      inspect: (input, context) => services.images.inspect(input, context.host),
      recent: () => services.images.recent(),
      repositories: (input) => services.images.repositories(input),
      tags: (input) => services.images.tags(input),
    },
    signing: {
      plan: (input) => services.signing.plan(input),
      prepare: (input) => services.signing.prepare(input),
      prepareBulk: (input) => services.signing.prepareBulk(input),
      confirm: (input) => services.signing.confirm(input.intentId),
      cancel: async (input) => services.signing.cancel(input.intentId),
    },
    authority: {
      get: () => services.authority.view(),
      create: async (input, context) => {
        if (input.backend.kind === 'pkcs11') await knownModule(services, input.backend.modulePath, context.host);
        return services.authority.create(input, context.host);
      },
      crl: async (_input, context) => {
        const crl = await services.authority.crl(context.host);
        if (!crl) throw new SignetError('NotFound', 'There is no certificate authority yet, so there is no CRL.');
        return { filename: 'signet-intermediate.crl.pem', mediaType: 'application/pkix-crl', text: toPem(crl, 'X509 CRL') };
      },
    },
    policies: {
      list: () => services.policies.list(),
      save: (input, context) => services.policies.save(input, context.host),
      remove: (input, context) => services.policies.remove(input.policyId, context.host),
      evaluate: (input) => services.policies.evaluate(input.policyId, input.reference, input.insecure),
      export: (input) => services.policies.export(input.policyId, input.target),
    },
    scan: {
      start: (input, context) => services.scan.start(input, context.host),
      cancel: async (input) => services.scan.cancel(input.scanId),
      history: (input) => services.scan.history(input.limit),
      get: (input) => services.scan.get(input.scanId),
      diff: (input) => services.scan.diff(input.from, input.to),
      export: (input) => services.scan.export(input.scanId, input.format),
      schedules: () => services.scan.schedules(),
      schedule: (input) => services.scan.schedule(input.schedules),
    },
    recovery: {
      prepareBackup: (input) => services.recovery.prepareBackup(input),
      confirmBackup: (input) => services.recovery.confirmBackup(input.intentId),
      inspect: (input) => services.recovery.inspect(input.backupFile),
      drill: (input, context) => services.recovery.drill(input, context.host),
      drills: () => services.recovery.drills(),
      prepareRestore: (input) => services.recovery.prepareRestore(input),
      confirmRestore: (input) => services.recovery.confirmRestore(input.intentId),
      backupKey: () => services.recovery.backupKey(),
      createBackupKey: async (input, context) => {
        await knownModule(services, input.modulePath, context.host);
        return services.recovery.createBackupKey(input, context.host);
      },
    },
    workshop: {
      lessons: () => services.workshop.lessons(),
      status: () => services.workshop.status(),
      start: (input) => services.workshop.start(input.lessonId),
      prepare: (input) => services.workshop.prepare(input.lessonId, input.stepId),
      run: (input) => services.workshop.run(input.lessonId, input.stepId, input.intentId),
      reset: () => services.workshop.reset(),
      leave: () => services.workshop.leave(),
      happened: () => services.workshop.happened(),
    },
    compromise: {
      assess: (input, context) => services.compromise.assess(input, context.host),
      prepare: (input, context) => services.compromise.prepare(input, context.host),
      confirm: (input) => services.compromise.confirm(input.intentId),
    },
    audit: {
      list: (input) => services.audit.list(input),
      verify: () => services.audit.verify(),
    },
  };
}
