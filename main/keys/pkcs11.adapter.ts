import pkcs11js from 'pkcs11js';
import { access, constants } from 'node:fs/promises';
import { SignetError } from '../errors.ts';
import type { Pkcs11Inspector, Pkcs11ModuleReport } from './pkcs11.types.ts';
import type { SlotStatus, TokenStatus } from '../../shared/model/system.model.ts';

// CK_SLOT_INFO flags from the PKCS#11 specification; pkcs11js's typings omit them.
const CKF_TOKEN_PRESENT = 0x1;
const CKF_REMOVABLE_DEVICE = 0x2;
const CKF_HW_SLOT = 0x4;

// pkcs11js is CommonJS: its constants live on the default export only, and a missing one would silently become 0.
if (typeof pkcs11js.CKF_OS_LOCKING_OK !== 'number' || typeof pkcs11js.CKF_TOKEN_INITIALIZED !== 'number') {
  throw new Error('pkcs11js constants are not available; the PKCS#11 adapter cannot run safely.');
}

/** The only file that touches pkcs11js; everything else sees Pkcs11Inspector. */
export class Pkcs11jsInspector implements Pkcs11Inspector {
  // Opens the module with OS locking (SoftHSM is unsafe under concurrency without it), reads it, and lets it go.
  async inspect(modulePath: string): Promise<Pkcs11ModuleReport> {
    try {
      await access(modulePath, constants.R_OK);
    } catch {
      throw new SignetError('NotFound', `No readable PKCS#11 module at ${modulePath}.`);
    }
    const module = new pkcs11js.PKCS11();
    try {
      module.load(modulePath);
    } catch (error) {
      throw new SignetError('BadInput', `${modulePath} could not be loaded as a PKCS#11 module: ${reason(error)}.`);
    }
    let initialized = false;
    try {
      module.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
      initialized = true;
      const info = module.C_GetInfo();
      const slots = module.C_GetSlotList(false).map((slot) => readSlot(module, slot));
      return {
        library: {
          manufacturer: info.manufacturerID.trim(),
          description: info.libraryDescription.trim(),
          cryptokiVersion: version(info.cryptokiVersion),
          libraryVersion: version(info.libraryVersion),
        },
        slots,
      };
    } catch (error) {
      throw mapPkcs11Error(error, modulePath);
    } finally {
      if (initialized) {
        try {
          module.C_Finalize();
        } catch {
          // The report is already read; a module that fails to finalise has nothing left to say.
        }
      }
      module.close();
    }
  }
}

function readSlot(module: pkcs11js.PKCS11, slot: pkcs11js.Handle): SlotStatus {
  const info = module.C_GetSlotInfo(slot);
  const tokenPresent = (info.flags & CKF_TOKEN_PRESENT) !== 0;
  return {
    slotId: slotNumber(slot),
    description: info.slotDescription.trim(),
    manufacturer: info.manufacturerID.trim(),
    tokenPresent,
    removable: (info.flags & CKF_REMOVABLE_DEVICE) !== 0,
    hardware: (info.flags & CKF_HW_SLOT) !== 0,
    token: tokenPresent ? readToken(module, slot) : null,
  };
}

function readToken(module: pkcs11js.PKCS11, slot: pkcs11js.Handle): TokenStatus {
  const info = module.C_GetTokenInfo(slot);
  const has = (flag: number) => (info.flags & flag) !== 0;
  return {
    label: info.label.trim(),
    manufacturer: info.manufacturerID.trim(),
    model: info.model.trim(),
    serial: info.serialNumber.trim(),
    initialized: has(pkcs11js.CKF_TOKEN_INITIALIZED),
    loginRequired: has(pkcs11js.CKF_LOGIN_REQUIRED),
    userPinInitialized: has(pkcs11js.CKF_USER_PIN_INITIALIZED),
    userPinCountLow: has(pkcs11js.CKF_USER_PIN_COUNT_LOW),
    userPinFinalTry: has(pkcs11js.CKF_USER_PIN_FINAL_TRY),
    userPinLocked: has(pkcs11js.CKF_USER_PIN_LOCKED),
    soPinLocked: has(pkcs11js.CKF_SO_PIN_LOCKED),
    writeProtected: has(pkcs11js.CKF_WRITE_PROTECTED),
  };
}

// CK_ULONG is 8 bytes on 64-bit Unix and 4 on Windows.
function slotNumber(slot: pkcs11js.Handle): string {
  return slot.length >= 8 ? slot.readBigUInt64LE(0).toString() : slot.readUInt32LE(0).toString();
}

function version(v: pkcs11js.Version): string {
  return `${v.major}.${v.minor}`;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}

// PKCS#11 return values become error codes a person can act on.
function mapPkcs11Error(error: unknown, modulePath: string): SignetError {
  if (error instanceof SignetError) return error;
  const message = reason(error);
  if (/CKR_TOKEN_NOT_PRESENT|CKR_DEVICE_REMOVED/.test(message)) {
    return new SignetError('Unavailable', `A token was removed while ${modulePath} was being read.`);
  }
  if (/CKR_PIN_LOCKED/.test(message)) return new SignetError('Locked', `The token PIN is locked (${modulePath}).`);
  if (/tpm2/i.test(modulePath) && /CKR_GENERAL_ERROR/.test(message)) {
    return new SignetError('Unavailable', `The TPM module found no TPM to talk to (no tpm2-abrmd, /dev/tpmrm0 or swtpm answered): ${message}.`);
  }
  return new SignetError('Unavailable', `The PKCS#11 module ${modulePath} failed: ${message}.`);
}
