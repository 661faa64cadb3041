import type { HostKind } from '../../shared/model/system.model.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import type { ConfirmationService } from '../confirm/confirmation.types.ts';
import type { InternalErrorLog } from '../errors.ts';
import type { ImagesService } from '../images/images.service.ts';
import type { IntentService } from '../intents/intent.service.ts';
import type { KeyService } from '../keys/keys.service.ts';
import type { KeychainPins } from '../keys/pin.source.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import type { Pkcs11Driver } from '../platform/pkcs11.types.ts';
import type { PolicyService } from '../policy/policy.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { SignService } from '../signing/sign.service.ts';
import type { SystemProbes } from '../system/system.service.ts';
import type { AuthorityService } from '../trust/authority.service.ts';

/** What the workshop asks of the app it makes for a sandbox: the composition root gives it, the workshop never imports it. */
export interface SandboxAppOptions {
  host: HostKind;
  env: NodeJS.ProcessEnv;
  keychain: SecretStore;
  pkcs11: Pkcs11Driver;
  now: () => Date;
  confirmations: ConfirmationService;
  log?: InternalErrorLog;
  probes: Partial<SystemProbes>;
}

/** The services of a sandbox app that lessons drive, and the close that ends it. */
export interface SandboxApp {
  settings: SettingsService;
  keys: KeyService;
  pins: KeychainPins;
  intents: IntentService;
  audit: AuditLog;
  images: ImagesService;
  signing: SignService;
  authority: AuthorityService;
  policies: PolicyService;
  close(): Promise<void>;
}

/** Makes a sandbox app: in Signet, the same composition root as the real app. */
export type CreateSandboxApp = (options: SandboxAppOptions) => SandboxApp;
