import pkcs11js from 'pkcs11js';
import { SOFTHSM_MODULE } from '../support/softhsm.fixture.ts';

const CKR_CRYPTOKI_NOT_INITIALIZED = 0x190;

/** A baseline's way in to the token: raw pkcs11js, nothing of Signet in between. */
export interface RawP256 {
  module: pkcs11js.PKCS11;
  session: pkcs11js.Handle;
  privateKey: pkcs11js.Handle;
  close(): void;
}

// One logged-in session and a P-256 key stored like Signet's (private, sensitive, not extractable), as a token or a session object.
export function openRawP256(tokenLabel: string, pin: string, tokenObject: boolean): RawP256 {
  const module = new pkcs11js.PKCS11();
  module.load(SOFTHSM_MODULE);
  module.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  const close = () => {
    try {
      module.C_Finalize();
    } catch (error) {
      // A key service sharing this process may have finalised the module already; anything else is a real failure.
      if (!(error instanceof pkcs11js.Pkcs11Error && error.code === CKR_CRYPTOKI_NOT_INITIALIZED)) throw error;
    }
    module.close();
  };
  try {
    const slot = module.C_GetSlotList(true).find((s) => module.C_GetTokenInfo(s).label.trim() === tokenLabel)!;
    const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    module.C_Login(session, pkcs11js.CKU_USER, pin);
    const { privateKey } = module.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [{ type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') }, { type: pkcs11js.CKA_TOKEN, value: tokenObject }],
      [
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_TOKEN, value: tokenObject },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      ],
    );
    return { module, session, privateKey, close };
  } catch (error) {
    close();
    throw error;
  }
}
