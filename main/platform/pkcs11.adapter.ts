import pkcs11js from 'pkcs11js';
import { access, constants } from 'node:fs/promises';
import { SignetError } from '../errors.ts';
import type { ErrorCode } from '../../shared/errors.ts';
import type { Pkcs11Driver, Pkcs11ModuleReport, Pkcs11Token, SignMechanism, TokenKey, TokenSelector, UnwrapTarget, WrappedPrivateKey } from './pkcs11.types.ts';
import type { SlotStatus, TokenStatus } from '../../shared/model/system.model.ts';
import type { KeyAlgorithm } from '../../shared/model/keys.model.ts';
import { algorithmOf, spkiFromJwk } from '../encoding/key-encoding.ts';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { packBuffers, ShareError, SigningThread, unpackBuffers, type ShareReply, type ShareRequest, type SigningThreadSetup } from './signing-thread.ts';

// CK_SLOT_INFO flags from the PKCS#11 specification; pkcs11js's typings omit them.
const CKF_TOKEN_PRESENT = 0x1;
const CKF_REMOVABLE_DEVICE = 0x2;
const CKF_HW_SLOT = 0x4;

// pkcs11js is CommonJS: its constants live on the default export only, and a missing one would silently become 0.
if (typeof pkcs11js.CKF_OS_LOCKING_OK !== 'number' || typeof pkcs11js.CKF_TOKEN_INITIALIZED !== 'number') {
  throw new Error('pkcs11js constants are not available; the PKCS#11 adapter cannot run safely.');
}

interface LoadedModule {
  module: pkcs11js.PKCS11;
  path: string;
  users: number;
}

// One loaded, initialised instance per module file in this process, shared by inspection and open tokens.
const loadedModules = new Map<string, LoadedModule>();
const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
const CKR_GENERAL_ERROR = 0x5;

async function acquireModule(modulePath: string): Promise<LoadedModule> {
  const existing = loadedModules.get(modulePath);
  if (existing) {
    existing.users++;
    return existing;
  }
  try {
    await access(modulePath, constants.R_OK);
  } catch {
    throw new SignetError('NotFound', `No readable PKCS#11 module at ${modulePath}.`);
  }
  const again = loadedModules.get(modulePath);
  if (again) {
    again.users++;
    return again;
  }
  quietTokenLibraries();
  const module = new pkcs11js.PKCS11();
  try {
    module.load(modulePath);
  } catch (error) {
    throw new SignetError('BadInput', `${modulePath} could not be loaded as a PKCS#11 module: ${reason(error)}.`);
  }
  try {
    // OS locking is required: SoftHSM, among others, corrupts state under concurrent calls without it.
    module.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (!(error instanceof pkcs11js.Pkcs11Error && error.code === CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      module.close();
      throw mapPkcs11Error(error, modulePath);
    }
  }
  const loaded = { module, path: modulePath, users: 1 };
  loadedModules.set(modulePath, loaded);
  return loaded;
}

function releaseModule(loaded: LoadedModule): void {
  loaded.users--;
  if (loaded.users > 0) return;
  loadedModules.delete(loaded.path);
  try {
    loaded.module.C_Finalize();
  } catch {
    // Nothing more can be asked of a module that fails to finalise; it is unloaded all the same.
  }
  loaded.module.close();
}

/** The only file that touches pkcs11js; everything else sees Pkcs11Driver and Pkcs11Token. */
export class Pkcs11jsDriver implements Pkcs11Driver {
  // Reads the module's library, slot and token descriptions without logging in.
  async inspect(modulePath: string): Promise<Pkcs11ModuleReport> {
    const loaded = await acquireModule(modulePath);
    try {
      const module = loaded.module;
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
      releaseModule(loaded);
    }
  }

  // Logs in once; the token's later sessions share that login, so signing never asks again.
  async openToken(selector: TokenSelector, pin: string, maxSessions = 4): Promise<Pkcs11Token> {
    const loaded = await acquireModule(selector.modulePath);
    let session: pkcs11js.Handle | null = null;
    try {
      const module = loaded.module;
      const slot = module.C_GetSlotList(true).find((candidate) => module.C_GetTokenInfo(candidate).label.trim() === selector.tokenLabel);
      if (!slot) throw new SignetError('NotFound', `No token labelled "${selector.tokenLabel}" in ${selector.modulePath}.`);
      const info = module.C_GetTokenInfo(slot);
      session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      try {
        module.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (error) {
        if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN)) throw error;
      }
      return new Pkcs11jsToken(loaded, slot, info.label.trim(), info.serialNumber.trim(), session, Math.max(1, maxSessions), signsInProcess(selector.modulePath));
    } catch (error) {
      if (session) {
        try {
          loaded.module.C_CloseSession(session);
        } catch {
          // The session is unusable either way.
        }
      }
      releaseModule(loaded);
      throw mapPkcs11Error(error, selector.modulePath);
    }
  }

  // A token Signet makes for itself gets its PINs here, through the module, so no vendor tool is needed.
  async initToken(modulePath: string, label: string, soPin: string, userPin: string): Promise<void> {
    const loaded = await acquireModule(modulePath);
    let session: pkcs11js.Handle | null = null;
    try {
      const module = loaded.module;
      const empty = module.C_GetSlotList(true).find((slot) => (module.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
      if (!empty) throw new SignetError('Unavailable', `${modulePath} has no empty token to initialise.`);
      // CK_TOKEN_INFO labels are 32 bytes padded with spaces; pkcs11js would pad with NULs, which no tool matches.
      if (Buffer.byteLength(label) > 32) throw new SignetError('BadInput', `A token label has at most 32 bytes; "${label}" has more.`);
      module.C_InitToken(empty, soPin, label + ' '.repeat(32 - Buffer.byteLength(label)));
      const initialised = module.C_GetSlotList(true).find((slot) => module.C_GetTokenInfo(slot).label.trim() === label);
      if (!initialised) throw new SignetError('Internal', `The token "${label}" was initialised but is not listed.`);
      session = module.C_OpenSession(initialised, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      module.C_Login(session, pkcs11js.CKU_SO, soPin);
      module.C_InitPIN(session, userPin);
      module.C_Logout(session);
    } catch (error) {
      throw mapPkcs11Error(error, modulePath);
    } finally {
      if (session) {
        try {
          loaded.module.C_CloseSession(session);
        } catch {
          // The session is unusable either way.
        }
      }
      releaseModule(loaded);
    }
  }
}

// A software token does its work in this process in microseconds, less than a hop to the thread pool costs;
// hardware and TPM tokens take milliseconds, so their calls run off the main thread.
function signsInProcess(modulePath: string): boolean {
  return /softhsm/i.test(modulePath.split(/[\\/]/).pop() ?? '');
}

/** Below this many signatures a batch stays on one session: handing a share to a thread costs more than it saves. */
const SHARED_BATCH_MIN = 128;

// Consecutive shares, as even as the count allows, so signatures come back in the order of the inputs.
function splitEvenly<T>(items: T[], parts: number): T[][] {
  const shares: T[][] = [];
  let at = 0;
  for (let part = 0; part < parts; part++) {
    const size = Math.ceil((items.length - at) / (parts - part));
    shares.push(items.slice(at, at + size));
    at += size;
  }
  return shares;
}

// The TPM's PKCS#11 library and the TSS2 stack log to stderr when loaded, burying a PIN prompt in the terminal; Signet
// reports failures in its own words, so they are quiet unless the person set their own level.
function quietTokenLibraries(): void {
  process.env.TSS2_LOG ??= 'all+none';
  process.env.TPM2_PKCS11_LOG_LEVEL ??= '0';
}

// Inside a signing thread: this process initialised the module already, so the thread only loads it and signs.
export function serveSigningThread(port: MessagePort, setup: SigningThreadSetup): void {
  const module = new pkcs11js.PKCS11();
  module.load(setup.modulePath);
  const out = Buffer.alloc(1024);
  port.on('message', (request: ShareRequest) => {
    try {
      const session = Buffer.from(request.session);
      const key = Buffer.from(request.key);
      const signatures = unpackBuffers(request.inputs, request.inputLengths).map((input) => {
        module.C_SignInit(session, { mechanism: request.mechanism }, key);
        return Buffer.from(module.C_Sign(session, input, out));
      });
      const packed = packBuffers(signatures);
      port.postMessage({ id: request.id, signatures: packed.bytes, signatureLengths: packed.lengths } satisfies ShareReply);
    } catch (error) {
      const code = error instanceof pkcs11js.Pkcs11Error ? error.code : CKR_GENERAL_ERROR;
      port.postMessage({ id: request.id, error: { code, message: reason(error) } } satisfies ShareReply);
    }
  });
  port.postMessage('ready');
}

const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;

const CURVES: Record<string, { oid: Buffer; jwkCurve: string; pointLength: number }> = {
  'ecdsa-p256': { oid: Buffer.from('06082a8648ce3d030107', 'hex'), jwkCurve: 'P-256', pointLength: 65 },
  'ecdsa-p384': { oid: Buffer.from('06052b81040022', 'hex'), jwkCurve: 'P-384', pointLength: 97 },
  ed25519: { oid: Buffer.from('06032b6570', 'hex'), jwkCurve: 'Ed25519', pointLength: 32 },
};

class Pkcs11jsToken implements Pkcs11Token {
  readonly label: string;
  readonly serial: string;
  private readonly loaded: LoadedModule;
  private readonly slot: pkcs11js.Handle;
  private readonly maxSessions: number;
  private readonly idle: pkcs11js.Handle[];
  private readonly waiting: ((session: pkcs11js.Handle) => void)[] = [];
  private readonly privateKeys = new Map<string, pkcs11js.Handle>();
  private sessions = 1;
  private closed = false;
  private threads: SigningThread[] = [];
  /** Set when a thread could not even start here; batches then stay on the calling thread. */
  private threadsRefused = false;
  private readonly inline: boolean;

  constructor(loaded: LoadedModule, slot: pkcs11js.Handle, label: string, serial: string, first: pkcs11js.Handle, maxSessions: number, inline: boolean) {
    this.inline = inline;
    this.loaded = loaded;
    this.slot = slot;
    this.label = label;
    this.serial = serial;
    this.idle = [first];
    this.maxSessions = maxSessions;
  }

  /** Signing threads up and waiting for shares: what shows whether a large batch can use more than one core. */
  get signingThreadsReady(): number {
    return this.threads.filter((thread) => thread.ready).length;
  }

  private get module(): pkcs11js.PKCS11 {
    return this.loaded.module;
  }

  // Up to maxSessions sessions; each carries the token's login, so a waiter never logs in again.
  private async acquire(): Promise<pkcs11js.Handle> {
    if (this.closed) throw new SignetError('Unavailable', `The token "${this.label}" was closed.`);
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.sessions < this.maxSessions) {
      this.sessions++;
      try {
        return this.module.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      } catch (error) {
        this.sessions--;
        throw error;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  // A session free now, or none: a batch takes what is free and never waits for more.
  private tryAcquire(): pkcs11js.Handle | null {
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.sessions >= this.maxSessions) return null;
    this.sessions++;
    try {
      return this.module.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    } catch {
      this.sessions--;
      return null;
    }
  }

  private release(session: pkcs11js.Handle): void {
    const next = this.waiting.shift();
    if (next) next(session);
    else this.idle.push(session);
  }

  private async withSession<T>(work: (session: pkcs11js.Handle) => Promise<T> | T): Promise<T> {
    const session = await this.acquire();
    try {
      return await work(session);
    } catch (error) {
      throw mapPkcs11Error(error, this.loaded.path);
    } finally {
      this.release(session);
    }
  }

  // Keys are made on the token, private halves sensitive; only a key made wrappable may leave it, and then only wrapped.
  async generateKeyPair(algorithm: KeyAlgorithm, label: string, objectId: Buffer, options: { wrappable?: boolean } = {}): Promise<Buffer> {
    return this.withSession(async (session) => {
      const common: pkcs11js.Template = [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_ID, value: objectId },
      ];
      const publicTemplate: pkcs11js.Template = [...common, { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, { type: pkcs11js.CKA_VERIFY, value: true }, { type: pkcs11js.CKA_PRIVATE, value: false }];
      const privateTemplate: pkcs11js.Template = [
        ...common,
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: options.wrappable === true },
      ];
      let mechanism: number;
      if (algorithm.startsWith('rsa-')) {
        mechanism = pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN;
        publicTemplate.push(
          { type: pkcs11js.CKA_MODULUS_BITS, value: Number(algorithm.slice(4)) },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        );
      } else {
        const curve = CURVES[algorithm]!;
        mechanism = algorithm === 'ed25519' ? CKM_EC_EDWARDS_KEY_PAIR_GEN : pkcs11js.CKM_EC_KEY_PAIR_GEN;
        publicTemplate.push({ type: pkcs11js.CKA_EC_PARAMS, value: curve.oid });
      }
      const pair = await this.module.C_GenerateKeyPairAsync(session, { mechanism }, publicTemplate, privateTemplate);
      this.privateKeys.set(objectId.toString('hex'), pair.privateKey);
      const spki = this.publicSpki(session, pair.publicKey, algorithm);
      if (!spki) throw new SignetError('Internal', 'The token made a key but did not return its public half.');
      return spki;
    });
  }

  // The backup key: its public half wraps on any token, its private half only unwraps, never signs or decrypts, and never leaves.
  async generateWrappingKeyPair(label: string, objectId: Buffer): Promise<Buffer> {
    return this.withSession(async (session) => {
      const common: pkcs11js.Template = [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_ID, value: objectId },
      ];
      const pair = await this.module.C_GenerateKeyPairAsync(
        session,
        { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          ...common,
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
          { type: pkcs11js.CKA_MODULUS_BITS, value: 3072 },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          { type: pkcs11js.CKA_WRAP, value: true },
          { type: pkcs11js.CKA_ENCRYPT, value: false },
          { type: pkcs11js.CKA_VERIFY, value: false },
          { type: pkcs11js.CKA_PRIVATE, value: false },
        ],
        [
          ...common,
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
          { type: pkcs11js.CKA_UNWRAP, value: true },
          { type: pkcs11js.CKA_DECRYPT, value: false },
          { type: pkcs11js.CKA_SIGN, value: false },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        ],
      );
      const spki = this.publicSpki(session, pair.publicKey, 'rsa-3072');
      if (!spki) throw new SignetError('Internal', 'The token made the backup key but did not return its public half.');
      return spki;
    });
  }

  // The private key leaves only as ciphertext: under a one-time AES key made on this token, itself under the backup key's public key; both helpers are gone afterwards.
  async wrapPrivateKey(objectId: Buffer, wrappingKeySpki: Buffer): Promise<WrappedPrivateKey> {
    return this.withSession(async (session) => {
      const key = this.privateKey(session, objectId);
      const [extractable] = this.module.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_EXTRACTABLE }]);
      if (!readBool(extractable?.value as Buffer | undefined)) {
        throw new SignetError('BadInput', `The key ${objectId.toString('hex')} on token "${this.label}" is not extractable; no backup can hold it. Make a twin on another token instead.`);
      }
      const jwk = createPublicKey({ key: wrappingKeySpki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
      if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new SignetError('BadInput', 'The backup key is not an RSA public key.');
      const temporary: pkcs11js.Handle[] = [];
      try {
        const wrappingKey = this.module.C_CreateObject(session, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
          { type: pkcs11js.CKA_TOKEN, value: false },
          { type: pkcs11js.CKA_MODULUS, value: Buffer.from(jwk.n, 'base64url') },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e, 'base64url') },
          { type: pkcs11js.CKA_WRAP, value: true },
        ]);
        temporary.push(wrappingKey);
        const secret = this.oneTimeWrappingKey(session, true);
        temporary.push(secret);
        const wrappedKey = Buffer.from(this.module.C_WrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD }, secret, key, Buffer.alloc(16_384)));
        for (const oaepHash of ['sha256', 'sha1'] as const) {
          try {
            const wrappedSecret = Buffer.from(this.module.C_WrapKey(session, oaep(oaepHash), wrappingKey, secret, Buffer.alloc(1024)));
            return { wrappedKey, wrappedSecret, oaepHash };
          } catch (error) {
            if (!(oaepHash === 'sha256' && error instanceof pkcs11js.Pkcs11Error && OAEP_PARAMETER_REFUSED.has(error.code))) throw error;
          }
        }
        throw new SignetError('Internal', 'Unreachable: every OAEP hash was tried.');
      } finally {
        for (const handle of temporary) this.destroyQuietly(session, handle);
      }
    });
  }

  // An AES-256 session key that wraps; only a real backup's may itself leave, wrapped under the backup key.
  private oneTimeWrappingKey(session: pkcs11js.Handle, extractable: boolean): pkcs11js.Handle {
    return this.module.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_TOKEN, value: false },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_WRAP, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: extractable },
    ]);
  }

  // Tries the first half of a wrap under a one-time key that cannot leave the token and is destroyed at once, so the ciphertext is useless.
  async wrapRefusal(objectId: Buffer): Promise<string | null> {
    return this.withSession(async (session) => {
      const key = this.privateKey(session, objectId);
      const secret = this.oneTimeWrappingKey(session, false);
      try {
        this.module.C_WrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD }, secret, key, Buffer.alloc(16_384));
        return null;
      } catch (error) {
        if (error instanceof pkcs11js.Pkcs11Error) return mapPkcs11Error(error, this.loaded.path).message;
        throw error;
      } finally {
        this.destroyQuietly(session, secret);
      }
    });
  }

  // Opens a wrapped key with the backup key held here; the key lands with its original id, label and public half, kept or only for this process.
  async unwrapPrivateKey(wrappingKeyId: Buffer, wrapped: WrappedPrivateKey, target: UnwrapTarget): Promise<void> {
    return this.withSession(async (session) => {
      const [unwrapping] = this.find(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_ID, value: wrappingKeyId },
      ]);
      if (!unwrapping) throw new SignetError('NotFound', `Token "${this.label}" does not hold the backup key (id ${wrappingKeyId.toString('hex')}); only that token can open these wrapped keys.`);
      if (this.find(session, [{ type: pkcs11js.CKA_ID, value: target.objectId }]).length > 0) {
        throw new SignetError('Conflict', `Token "${this.label}" already holds an object with id ${target.objectId.toString('hex')}; nothing was unwrapped.`);
      }
      const created: pkcs11js.Handle[] = [];
      let secret: pkcs11js.Handle | null = null;
      try {
        secret = this.module.C_UnwrapKey(session, oaep(wrapped.oaepHash), unwrapping, wrapped.wrappedSecret, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
          { type: pkcs11js.CKA_TOKEN, value: false },
          { type: pkcs11js.CKA_UNWRAP, value: true },
        ]);
        const templates = placedKeyTemplates(target, true);
        created.push(this.module.C_UnwrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD }, secret, wrapped.wrappedKey, templates.privateKey));
        created.push(this.module.C_CreateObject(session, templates.publicKey));
      } catch (error) {
        for (const handle of created) this.destroyQuietly(session, handle);
        throw error;
      } finally {
        if (secret) this.destroyQuietly(session, secret);
      }
    });
  }

  // The key's components become a private key object, sensitive and never extractable, beside its public half.
  async importPrivateKey(privateKey: KeyObject, target: UnwrapTarget): Promise<void> {
    return this.withSession(async (session) => {
      if (this.find(session, [{ type: pkcs11js.CKA_ID, value: target.objectId }]).length > 0) {
        throw new SignetError('Conflict', `Token "${this.label}" already holds an object with id ${target.objectId.toString('hex')}; nothing was imported.`);
      }
      const templates = placedKeyTemplates(target, false);
      const created: pkcs11js.Handle[] = [];
      try {
        created.push(this.module.C_CreateObject(session, [...templates.privateKey, ...privateComponents(target.algorithm, privateKey)]));
        created.push(this.module.C_CreateObject(session, templates.publicKey));
      } catch (error) {
        for (const handle of created) this.destroyQuietly(session, handle);
        throw error;
      }
    });
  }

  // One signature; the mechanism and its input are chosen by the caller for the key's algorithm.
  async sign(objectId: Buffer, mechanism: SignMechanism, input: Buffer): Promise<Buffer> {
    return (await this.signMany(objectId, mechanism, [input]))[0]!;
  }

  // A large batch is shared among the sessions free at that moment: on a hardware token each share runs on the
  // thread pool, on an in-process one each extra share goes to a signing thread; the caller's session signs the first.
  async signMany(objectId: Buffer, mechanism: SignMechanism, inputs: Buffer[]): Promise<Buffer[]> {
    const code = mechanism === 'ecdsa' ? pkcs11js.CKM_ECDSA : mechanism === 'rsa-pkcs1' ? pkcs11js.CKM_RSA_PKCS : CKM_EDDSA;
    const first = await this.acquire();
    const lent = [first];
    try {
      const key = this.privateKey(first, objectId);
      const helpers = this.inline ? this.readyThreads(inputs.length) : [];
      const wanted = this.inline ? helpers.length : Math.min(this.maxSessions, inputs.length) - 1;
      while (lent.length <= wanted) {
        const extra = this.tryAcquire();
        if (!extra) break;
        lent.push(extra);
      }
      if (lent.length === 1) return await this.signShare(first, key, code, inputs);
      const shares = splitEvenly(inputs, lent.length);
      const others = shares.slice(1).map((share, index) => {
        const session = lent[index + 1]!;
        if (!this.inline) return this.signShare(session, key, code, share);
        // A thread that stopped hands its share back to this thread; a refusal by the token stays a refusal.
        return helpers[index]!.sign(session, key, code, share).catch((error: unknown) => (error instanceof ShareError ? Promise.reject(error) : this.signShare(session, key, code, share)));
      });
      const own = this.signShare(first, key, code, shares[0]!);
      const results = await Promise.allSettled([own, ...others]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      return results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    } catch (error) {
      throw mapPkcs11Error(error, this.loaded.path);
    } finally {
      for (const session of lent) this.release(session);
    }
  }

  private async signShare(session: pkcs11js.Handle, key: pkcs11js.Handle, code: number, inputs: Buffer[]): Promise<Buffer[]> {
    const signatures: Buffer[] = [];
    // One output buffer per share; each signature is copied out at its own length.
    const out = Buffer.alloc(1024);
    for (const input of inputs) {
      this.module.C_SignInit(session, { mechanism: code }, key);
      signatures.push(Buffer.from(this.inline ? this.module.C_Sign(session, input, out) : await this.module.C_SignAsync(session, input, out)));
    }
    return signatures;
  }

  // Threads that are up and idle-ready; the first large batch starts them and is signed without them.
  private readyThreads(count: number): SigningThread[] {
    if (count < SHARED_BATCH_MIN) return [];
    const wanted = Math.min(this.maxSessions, availableParallelism()) - 1;
    if (this.threads.some((thread) => thread.failedAtStart)) this.threadsRefused = true;
    this.threads = this.threads.filter((thread) => !thread.failed);
    while (!this.threadsRefused && this.threads.length < wanted) {
      const thread = SigningThread.start(this.loaded.path);
      if (!thread) break;
      this.threads.push(thread);
    }
    return this.threads.filter((thread) => thread.ready);
  }

  // Every key pair on the token, grouped by CKA_ID, with its public key where the token has one.
  async listKeys(): Promise<TokenKey[]> {
    return this.withSession((session) => {
      const byId = new Map<string, TokenKey>();
      for (const [objectClass, isPrivate] of [[pkcs11js.CKO_PUBLIC_KEY, false], [pkcs11js.CKO_PRIVATE_KEY, true]] as const) {
        for (const handle of this.find(session, [{ type: pkcs11js.CKA_CLASS, value: objectClass }])) {
          const [id, label] = this.module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_LABEL }]);
          const objectId = Buffer.from((id?.value as Buffer | undefined) ?? Buffer.alloc(0));
          const key = byId.get(objectId.toString('hex')) ?? { objectId, label: '', algorithm: null, publicKeySpki: null, hasPrivateKey: false, canSign: false, extractable: false };
          key.label ||= ((label?.value as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8');
          if (isPrivate) {
            const [sign, extractable] = this.module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_SIGN }, { type: pkcs11js.CKA_EXTRACTABLE }]);
            key.hasPrivateKey = true;
            key.canSign = readBool(sign?.value as Buffer | undefined);
            key.extractable = readBool(extractable?.value as Buffer | undefined);
          }
          else {
            key.publicKeySpki = this.publicSpki(session, handle, null);
            key.algorithm = key.publicKeySpki ? algorithmOf(createPublicKey({ key: key.publicKeySpki, format: 'der', type: 'spki' })) : null;
          }
          byId.set(objectId.toString('hex'), key);
        }
      }
      return [...byId.values()];
    });
  }

  // Destroys every object (private, public, certificate) carrying the key's CKA_ID.
  async destroy(objectId: Buffer): Promise<number> {
    return this.withSession((session) => {
      const handles = this.find(session, [{ type: pkcs11js.CKA_ID, value: objectId }]);
      for (const handle of handles) this.module.C_DestroyObject(session, handle);
      this.privateKeys.delete(objectId.toString('hex'));
      return handles.length;
    });
  }

  // Closing the last session logs the token out; the module is unloaded when nobody else uses it.
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.threads.splice(0).map((thread) => thread.stop()));
    for (const session of this.idle.splice(0)) {
      try {
        this.module.C_CloseSession(session);
      } catch {
        // Already gone with the token.
      }
    }
    releaseModule(this.loaded);
  }

  private destroyQuietly(session: pkcs11js.Handle, handle: pkcs11js.Handle): void {
    try {
      this.module.C_DestroyObject(session, handle);
    } catch {
      // A session object goes with its session at the latest.
    }
  }

  private find(session: pkcs11js.Handle, template: pkcs11js.Template): pkcs11js.Handle[] {
    this.module.C_FindObjectsInit(session, template);
    try {
      const found: pkcs11js.Handle[] = [];
      for (;;) {
        const batch = this.module.C_FindObjects(session, 64);
        if (batch.length === 0) return found;
        found.push(...batch);
      }
    } finally {
      this.module.C_FindObjectsFinal(session);
    }
  }

  private privateKey(session: pkcs11js.Handle, objectId: Buffer): pkcs11js.Handle {
    const cached = this.privateKeys.get(objectId.toString('hex'));
    if (cached) return cached;
    const [handle] = this.find(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: objectId },
    ]);
    if (!handle) throw new SignetError('NotFound', `The token "${this.label}" has no private key with id ${objectId.toString('hex')}.`);
    this.privateKeys.set(objectId.toString('hex'), handle);
    return handle;
  }

  private publicSpki(session: pkcs11js.Handle, handle: pkcs11js.Handle, known: KeyAlgorithm | null): Buffer | null {
    const [typeAttr] = this.module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_KEY_TYPE }]);
    const keyType = readUlong(typeAttr?.value as Buffer | undefined);
    if (keyType === pkcs11js.CKK_RSA) {
      const [modulus, exponent] = this.module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_MODULUS }, { type: pkcs11js.CKA_PUBLIC_EXPONENT }]);
      return spkiFromJwk({ kty: 'RSA', n: (modulus?.value as Buffer).toString('base64url'), e: (exponent?.value as Buffer).toString('base64url') });
    }
    if (keyType === pkcs11js.CKK_EC || keyType === CKK_EC_EDWARDS) {
      const [params, point] = this.module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_EC_PARAMS }, { type: pkcs11js.CKA_EC_POINT }]);
      const oid = params?.value as Buffer;
      const entry = Object.entries(CURVES).find(([name, curve]) => curve.oid.equals(oid) && (known === null || known === name));
      if (!entry) return null;
      const [, curve] = entry;
      const raw = unwrapPoint(point?.value as Buffer, curve.pointLength);
      if (curve.jwkCurve === 'Ed25519') return spkiFromJwk({ kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') });
      const coordinate = (raw.length - 1) / 2;
      return spkiFromJwk({
        kty: 'EC',
        crv: curve.jwkCurve,
        x: raw.subarray(1, 1 + coordinate).toString('base64url'),
        y: raw.subarray(1 + coordinate).toString('base64url'),
      });
    }
    return null;
  }
}

function readBool(value: Buffer | undefined): boolean {
  return value !== undefined && value.length > 0 && value[0] !== 0;
}

// CKR_ARGUMENTS_BAD and CKR_MECHANISM_PARAM_INVALID: how a token says it lacks OAEP with SHA-256.
const OAEP_PARAMETER_REFUSED = new Set([0x7, 0x71]);

function oaep(hash: WrappedPrivateKey['oaepHash']): pkcs11js.Mechanism {
  const parameter: pkcs11js.RsaOAEP = {
    type: pkcs11js.CK_PARAMS_RSA_OAEP,
    hashAlg: hash === 'sha256' ? pkcs11js.CKM_SHA256 : pkcs11js.CKM_SHA_1,
    mgf: hash === 'sha256' ? pkcs11js.CKG_MGF1_SHA256 : pkcs11js.CKG_MGF1_SHA1,
    source: 1,
  };
  return { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter };
}

function keyTypeOf(algorithm: KeyAlgorithm): number {
  if (algorithm.startsWith('rsa-')) return pkcs11js.CKK_RSA;
  return algorithm === 'ed25519' ? CKK_EC_EDWARDS : pkcs11js.CKK_EC;
}

// The public half a token object needs, from the SPKI the inventory publishes.
function publicKeyTemplate(algorithm: KeyAlgorithm, spki: Buffer): pkcs11js.Template {
  const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  const base: pkcs11js.Template = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: keyTypeOf(algorithm) },
    { type: pkcs11js.CKA_VERIFY, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: false },
  ];
  if (jwk.kty === 'RSA') return [...base, { type: pkcs11js.CKA_MODULUS, value: Buffer.from(jwk.n!, 'base64url') }, { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e!, 'base64url') }];
  const curve = CURVES[algorithm];
  if (!curve) throw new SignetError('BadInput', `A ${algorithm} key cannot be placed on a token.`);
  const point = jwk.kty === 'OKP' ? Buffer.from(jwk.x!, 'base64url') : Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return [...base, { type: pkcs11js.CKA_EC_PARAMS, value: curve.oid }, { type: pkcs11js.CKA_EC_POINT, value: Buffer.concat([Buffer.from([4, point.length]), point]) }];
}

// A key placed on a token (unwrapped or imported) keeps its id and label; its private half signs, stays sensitive, and may leave only if it could before.
function placedKeyTemplates(target: UnwrapTarget, extractable: boolean): { privateKey: pkcs11js.Template; publicKey: pkcs11js.Template } {
  const identity: pkcs11js.Template = [
    { type: pkcs11js.CKA_TOKEN, value: target.persist },
    { type: pkcs11js.CKA_LABEL, value: target.label },
    { type: pkcs11js.CKA_ID, value: target.objectId },
  ];
  return {
    privateKey: [
      ...identity,
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: keyTypeOf(target.algorithm) },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: extractable },
    ],
    publicKey: [...identity, ...publicKeyTemplate(target.algorithm, target.publicKeySpki)],
  };
}

// A private key's own attributes (PKCS#11 3.0 section 6): the RSA CRT parts, or an EC or Edwards curve and its secret scalar.
function privateComponents(algorithm: KeyAlgorithm, privateKey: KeyObject): pkcs11js.Template {
  const jwk = privateKey.export({ format: 'jwk' });
  const part = (value: string | undefined): Buffer => {
    if (value === undefined) throw new SignetError('BadInput', `The ${algorithm} private key lacks a component a token needs.`);
    return Buffer.from(value, 'base64url');
  };
  if (jwk.kty === 'RSA') {
    if (!algorithm.startsWith('rsa-')) throw new SignetError('BadInput', `An RSA key was given for a ${algorithm} key.`);
    return [
      { type: pkcs11js.CKA_MODULUS, value: part(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: part(jwk.e) },
      { type: pkcs11js.CKA_PRIVATE_EXPONENT, value: part(jwk.d) },
      { type: pkcs11js.CKA_PRIME_1, value: part(jwk.p) },
      { type: pkcs11js.CKA_PRIME_2, value: part(jwk.q) },
      { type: pkcs11js.CKA_EXPONENT_1, value: part(jwk.dp) },
      { type: pkcs11js.CKA_EXPONENT_2, value: part(jwk.dq) },
      { type: pkcs11js.CKA_COEFFICIENT, value: part(jwk.qi) },
    ];
  }
  const curve = CURVES[algorithm];
  if (!curve || jwk.crv !== curve.jwkCurve) throw new SignetError('BadInput', `The private key is not a ${algorithm} key.`);
  return [
    { type: pkcs11js.CKA_EC_PARAMS, value: curve.oid },
    { type: pkcs11js.CKA_VALUE, value: part(jwk.d) },
  ];
}

function readUlong(value: Buffer | undefined): number {
  if (!value || value.length === 0) return -1;
  return value.length >= 8 ? Number(value.readBigUInt64LE(0)) : value.readUInt32LE(0);
}

// CKA_EC_POINT is a DER OCTET STRING around the point, though some modules return the bare point.
function unwrapPoint(value: Buffer, expectedLength: number): Buffer {
  if (value.length === expectedLength) return value;
  if (value[0] !== 0x04) throw new SignetError('Internal', 'The token returned an EC point in an unknown encoding.');
  const first = value[1] ?? 0;
  const headerLength = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return value.subarray(headerLength);
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

const CKR: Record<number, [ErrorCode, string]> = {
  0xa0: ['Unauthorized', 'The PIN is wrong.'],
  0xa4: ['Locked', 'The token PIN is locked after too many wrong tries; the security officer must reset it.'],
  0xa1: ['BadInput', 'The PIN has characters the token does not accept.'],
  0xa2: ['BadInput', 'The PIN is too short or too long for this token.'],
  0xe0: ['Unavailable', 'The token is not present.'],
  0x32: ['Unavailable', 'The token was removed.'],
  0x30: ['Unavailable', 'The token reported a device error.'],
  0x31: ['Unavailable', 'The token is out of memory.'],
  0x70: ['BadInput', 'This token does not support that mechanism.'],
  0x130: ['BadInput', 'This token does not support that curve or key size.'],
  0xd1: ['BadInput', 'This token does not support that kind of key.'],
  0x13: ['BadInput', 'This token rejected a key attribute.'],
  0x60: ['NotFound', 'The key is no longer on the token.'],
  0x82: ['NotFound', 'The key is no longer on the token.'],
  0x101: ['Unauthorized', 'The token is not logged in.'],
  0xb0: ['Unavailable', 'The token session was closed.'],
  0xb3: ['Unavailable', 'The token session is no longer valid.'],
  0xe1: ['BadInput', 'The token does not recognise this module call.'],
};

// PKCS#11 return values become error codes a person can act on.
function mapPkcs11Error(error: unknown, modulePath: string): SignetError {
  if (error instanceof SignetError) return error;
  // A refusal inside a signing thread carries the same return value as one on this thread.
  if ((error instanceof pkcs11js.Pkcs11Error || error instanceof ShareError) && CKR[error.code]) {
    const [code, message] = CKR[error.code]!;
    return new SignetError(code, `${message} (${modulePath})`);
  }
  const message = reason(error);
  if (/tpm2/i.test(modulePath) && /CKR_GENERAL_ERROR/.test(message)) {
    return new SignetError('Unavailable', `The TPM module found no TPM to talk to (no tpm2-abrmd, /dev/tpmrm0 or swtpm answered): ${message}.`);
  }
  return new SignetError('Unavailable', `The PKCS#11 module ${modulePath} failed: ${message}.`);
}
