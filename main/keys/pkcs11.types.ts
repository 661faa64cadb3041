import type { Pkcs11ModuleStatus } from '../../shared/model/system.model.ts';

/** What a loaded PKCS#11 module says about itself, its slots and its tokens. */
export type Pkcs11ModuleReport = Pick<Pkcs11ModuleStatus, 'library' | 'slots'>;

/** Reads a module's description without logging in; implemented by the pkcs11js adapter. */
export interface Pkcs11Inspector {
  inspect(modulePath: string): Promise<Pkcs11ModuleReport>;
}
