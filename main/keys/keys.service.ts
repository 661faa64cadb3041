import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  ALGORITHM_NAMES,
  effectiveStatus,
  type GenerateKeyInput,
  type KeyRecord,
  type PublicKeyFormat,
  type RevocationReason,
  type RevocationSigner,
} from '../../shared/model/keys.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import { canonicalJson } from '../encoding/canonical-json.ts';
import { SignetError } from '../errors.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';
import { findKey, type Inventory, type InventoryStore } from './inventory.store.ts';
import type { StoreReader, StoreTransaction } from '../storage/data.store.ts';
import { algorithmOf, fingerprintOf, HASH_FOR, spkiToPem } from '../encoding/key-encoding.ts';
import { openCosignKey, sealCosignKey } from './cosign-key.ts';
import type { PinSource } from './pin.source.ts';
import type { Pkcs11Driver, Pkcs11Token, TokenSelector, WrappedPrivateKey } from '../platform/pkcs11.types.ts';
import type { SoftwareKeyStore } from './software.backend.ts';
import type { Difference, KeyAttestation, KeyBackend, SignInput, TokenLocation } from './key-backend.types.ts';
import { KeyBackends } from './key-backends.ts';
import { describeLocation } from './key-location.ts';
import { checkImportedList, REVOCATIONS_TYPE, SignedRevocationListSchema, strengthens, strongestRevocation, usableAdmin, type RevocationDocument, type RevocationEntry, type SignedRevocationList } from './revocation-list.ts';
import { RevocationSequenceStore } from './revocation-sequence.store.ts';

export interface KeyServiceDeps {
  dataDir: string;
  inventory: InventoryStore;
  software: SoftwareKeyStore;
  pkcs11: Pkcs11Driver;
  pins: PinSource;
  audit: AuditLog;
  now?: () => Date;
  /** Sessions per token: signatures run in parallel up to this many. */
  sessionsPerToken?: number;
}

export type { Difference, SignInput } from './key-backend.types.ts';

export interface SignedStatement {
  statement: Record<string, unknown>;
  signatures: { keyFingerprint: string; algorithm: string; signature: string }[];
}

const ROTATION_TYPE = 'https://signet.dev/rotation/v1';

/**
 * Key lifecycle: generate, sign, rotate, revoke, destroy, over HSM, TPM and sealed software keys.
 * What differs by where a key lives is its backend's (key-backend.types.ts, picked in key-backends.ts).
 * Every change is written to the inventory (crash-safe) after the key material exists, and to the
 * audit log; nothing here ever deletes a key to make the inventory agree with a token.
 */
export class KeyService {
  private readonly deps: KeyServiceDeps;
  private readonly now: () => Date;
  private readonly backends: KeyBackends;
  private readonly listeners = new Set<(keys: KeyRecord[]) => void>();
  private readonly sequences: RevocationSequenceStore;

  constructor(deps: KeyServiceDeps) {
    this.deps = deps;
    this.sequences = new RevocationSequenceStore(deps.dataDir);
    this.backends = new KeyBackends({ software: deps.software, pkcs11: deps.pkcs11, pins: deps.pins, sessionsPerToken: deps.sessionsPerToken });
    this.now = deps.now ?? (() => new Date());
  }

  // Lets the hosts push the inventory to every window after a change.
  onChange(listener: (keys: KeyRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async list(): Promise<KeyRecord[]> {
    return structuredClone((await this.load()).keys);
  }

  async get(id: string): Promise<KeyRecord> {
    return structuredClone(findKey(await this.load(), id));
  }

  // Key material first, then the inventory with its audit entry in one transaction: a crash in between leaves an unlisted key, never a listed key without material.
  async generate(input: GenerateKeyInput, host: HostKind): Promise<KeyRecord> {
    const label = input.label.trim();
    if (input.notAfter && Date.parse(input.notAfter) <= this.now().getTime()) {
      throw new SignetError('BadInput', 'The expiry date is in the past.');
    }
    const backend = this.backends.forSpec(input.backend);
    backend.checkGenerate(input.algorithm, input.wrappable === true);
    // Checked again under the write lock; here so a taken label is said before any PIN is asked.
    this.assertLabelFree(await this.load(), label);
    await backend.open(`Generate ${ALGORITHM_NAMES[input.algorithm]} key "${label}" on this token.`);
    return this.mutate(async (inventory) => {
      this.assertLabelFree(inventory, label);
      const record = await this.makeKey(backend, input.algorithm, label, input.notAfter ?? null, input.wrappable === true);
      inventory.keys.push(record);
      return {
        result: record,
        audit: { host, action: 'key.generate', subject: record.id, details: { label, algorithm: record.algorithm, fingerprint: record.fingerprint, location: describeLocation(record.location).audit, wrappable: input.wrappable === true } },
      };
    });
  }

  // Signs only with an active, unexpired key; the signature is returned after its audit entry is committed, and only if the key is still active then.
  async sign(id: string, input: SignInput, host: HostKind): Promise<{ signature: Buffer; keyId: string; fingerprint: string }> {
    const inventory = await this.load();
    const key = findKey(inventory, id);
    this.assertCanSign(key);
    const hash = HASH_FOR[key.algorithm];
    let digest: Buffer | null = null;
    if ('digest' in input) {
      if (!hash) throw new SignetError('BadInput', `${ALGORITHM_NAMES[key.algorithm]} signs the message itself, not a digest.`);
      const expected = hash === 'sha256' ? 32 : 48;
      if (input.digest.length !== expected) throw new SignetError('BadInput', `A ${hash.toUpperCase()} digest is ${expected} bytes.`);
      digest = input.digest;
    } else if (hash) {
      digest = createHash(hash).update(input.payload).digest();
    }
    const signature = await this.signWith(key, input, digest);
    await this.recordSignatures(id, 1, {
      host,
      action: 'key.sign',
      subject: key.id,
      details: { fingerprint: key.fingerprint, digest: digest ? `${hash}:${digest.toString('hex')}` : `sha256:${createHash('sha256').update((input as { payload: Buffer }).payload).digest('hex')}` },
    });
    return { signature, keyId: key.id, fingerprint: key.fingerprint };
  }

  // A cosign.key becomes a sealed software key; the file's password is used once and not kept.
  async importCosignKey(pem: string, password: string, label: string, host: HostKind): Promise<KeyRecord> {
    const privateKey = await openCosignKey(pem, password);
    const algorithm = algorithmOf(createPublicKey(privateKey));
    if (!algorithm) throw new SignetError('BadInput', 'Signet does not sign with the kind of key in this cosign.key.');
    return this.mutate(async (inventory) => {
      this.assertLabelFree(inventory, label);
      const id = `k-${randomBytes(8).toString('hex')}`;
      const sealed = this.backends.software;
      const { spki, location } = await sealed.importPrivate(id, algorithm, privateKey);
      const record = this.record(id, label, algorithm, spki, location, null);
      if (inventory.keys.some((k) => k.fingerprint === record.fingerprint && k.status !== 'destroyed')) {
        await sealed.destroy(record);
        throw new SignetError('Conflict', 'This key is already in the inventory.');
      }
      inventory.keys.push(record);
      return { result: record, audit: { host, action: 'key.import', subject: id, details: { label, algorithm, fingerprint: record.fingerprint, format: 'cosign.key' } } };
    });
  }

  // Only software keys can leave as cosign.key; keys on a token stay there by design.
  async exportCosignKey(id: string, password: string, host: HostKind): Promise<string> {
    const key = await this.get(id);
    const backend = this.backendOf(key);
    if (!backend.offers.exportPrivate) throw new SignetError('Forbidden', `"${key.label}" lives on a token and cannot be exported; export its public key instead.`);
    if (key.status === 'destroyed') throw new SignetError('Conflict', `"${key.label}" is destroyed.`);
    if (password.length < 8) throw new SignetError('BadInput', 'Use a password of at least 8 characters for an exported private key.');
    const pem = await sealCosignKey(await backend.exportPrivate(key), password);
    await this.deps.audit.append({ host, action: 'key.exportPrivate', subject: id, details: { fingerprint: key.fingerprint, format: 'cosign.key' } });
    return pem;
  }

  // Bulk signing of digests with one audit entry listing them all: how a release signs many manifests.
  async signDigests(id: string, digests: Buffer[], host: HostKind): Promise<Buffer[]> {
    const key = findKey(await this.load(), id);
    this.assertCanSign(key);
    const hash = HASH_FOR[key.algorithm];
    const length = hash === 'sha384' ? 48 : 32;
    const backend = this.backendOf(key);
    if (!hash || !backend.offers.batchSigning) throw new SignetError('BadInput', 'Bulk digest signing needs an ECDSA or RSA key on a token.');
    if (digests.length === 0 || digests.length > 10_000) throw new SignetError('BadInput', 'Sign between 1 and 10,000 digests at a time.');
    if (digests.some((d) => d.length !== length)) throw new SignetError('BadInput', `Every ${hash.toUpperCase()} digest is ${length} bytes.`);
    const signatures = await backend.signDigests(key, digests, `Sign ${digests.length} digest${digests.length === 1 ? '' : 's'} with key "${key.label}".`);
    await this.recordSignatures(id, signatures.length, { host, action: 'key.signBatch', subject: key.id, details: { fingerprint: key.fingerprint, count: digests.length, digests: digests.map((d) => `${hash}:${d.toString('hex')}`) } });
    return signatures;
  }

  // Many messages with one key: on a token they are hashed here and signed as one batch (one audit entry); elsewhere one by one.
  async signPayloads(id: string, payloads: Buffer[], host: HostKind): Promise<Buffer[]> {
    const key = findKey(await this.load(), id);
    this.assertCanSign(key);
    const hash = HASH_FOR[key.algorithm];
    if (this.backendOf(key).offers.batchSigning && hash && payloads.length > 1) {
      return this.signDigests(id, payloads.map((p) => createHash(hash).update(p).digest()), host);
    }
    const signatures: Buffer[] = [];
    for (const payload of payloads) signatures.push((await this.sign(id, { payload }, host)).signature);
    return signatures;
  }

  // The public half in the formats other tools read: PEM, cosign.pub (the same PEM) and JWK.
  async exportPublic(id: string, format: PublicKeyFormat): Promise<{ filename: string; mediaType: string; text: string }> {
    const key = await this.get(id);
    const safeName = key.label.replace(/[^A-Za-z0-9._-]+/g, '-');
    if (format === 'jwk') {
      const jwk = createPublicKey(key.publicKeyPem).export({ format: 'jwk' });
      return { filename: `${safeName}.jwk.json`, mediaType: 'application/jwk+json', text: `${JSON.stringify({ ...jwk, kid: key.fingerprint, use: 'sig' }, null, 2)}\n` };
    }
    return { filename: format === 'cosign-pub' ? 'cosign.pub' : `${safeName}.pub.pem`, mediaType: 'application/x-pem-file', text: key.publicKeyPem };
  }

  // A successor on the same backend; both keys sign the rotation statement, and the old key retires after the overlap.
  async rotate(id: string, options: { overlapDays: number; label?: string }, host: HostKind): Promise<{ old: KeyRecord; successor: KeyRecord; statement: SignedStatement }> {
    await this.openTokenOf(id, 'Sign with key', (key) => effectiveStatus(key, this.now()) === 'active' && !key.successor);
    return this.mutate(async (inventory) => {
      const old = findKey(inventory, id);
      const status = effectiveStatus(old, this.now());
      if (status !== 'active') throw new SignetError('Conflict', `Key "${old.label}" is ${status}; only an active key can be rotated.`);
      if (old.successor) throw new SignetError('Conflict', `Key "${old.label}" was already rotated.`);
      const label = options.label?.trim() || this.successorLabel(inventory, old.label);
      this.assertLabelFree(inventory, label);
      const successor = await this.makeKey(this.backendOf(old), old.algorithm, label, old.notAfter ? this.shiftedExpiry(old) : null, describeLocation(old.location).backup === 'wrapped');
      successor.predecessor = old.id;
      const time = this.now().toISOString();
      const statement = {
        type: ROTATION_TYPE,
        time,
        oldKey: { id: old.id, fingerprint: old.fingerprint },
        newKey: { id: successor.id, fingerprint: successor.fingerprint, algorithm: successor.algorithm, publicKeyPem: successor.publicKeyPem },
      };
      const message = Buffer.from(canonicalJson(statement));
      const signatures = [];
      for (const signer of [old, successor]) {
        const digest = HASH_FOR[signer.algorithm] ? createHash(HASH_FOR[signer.algorithm]!).update(message).digest() : null;
        const signature = await this.signWith(signer, { payload: message }, digest);
        signatures.push({ keyFingerprint: signer.fingerprint, algorithm: signer.algorithm, signature: signature.toString('base64') });
      }
      const signed: SignedStatement = { statement, signatures };
      await writeFileAtomic(join(this.deps.dataDir, 'keys', 'rotations', `${old.id}--${successor.id}.json`), `${JSON.stringify(signed, null, 2)}\n`);
      old.successor = successor.id;
      old.retireAt = new Date(this.now().getTime() + options.overlapDays * 86_400_000).toISOString();
      if (options.overlapDays === 0) old.status = 'retired';
      inventory.keys.push(successor);
      return {
        result: { old: structuredClone(old), successor: structuredClone(successor), statement: signed },
        audit: { host, action: 'key.rotate', subject: old.id, details: { successor: successor.id, successorFingerprint: successor.fingerprint, retireAt: old.retireAt } },
      };
    });
  }

  // Revocation is recorded with its RFC 5280 reason and the time from which signatures stop counting; a revoked key's revocation can only be made stronger.
  async revoke(id: string, options: { reason: RevocationReason; invalidSince: string }, host: HostKind): Promise<KeyRecord> {
    const record = await this.mutate(async (inventory) => {
      const key = findKey(inventory, id);
      if (key.status === 'destroyed') throw new SignetError('Conflict', `Key "${key.label}" is already destroyed.`);
      if (Date.parse(options.invalidSince) > this.now().getTime()) throw new SignetError('BadInput', '"Invalid since" cannot be in the future.');
      const incoming = { reason: options.reason, invalidSince: options.invalidSince, revokedAt: this.now().toISOString() };
      if (key.status === 'revoked' && !strengthens(key.revocation, incoming)) {
        throw new SignetError('Conflict', `Key "${key.label}" is already revoked (${key.revocation?.reason} from ${key.revocation?.invalidSince}), which is at least as strong; only keyCompromise or an earlier "invalid since" changes it.`);
      }
      const previous = key.revocation;
      key.status = 'revoked';
      key.revocation = strongestRevocation(previous, incoming);
      if (inventory.adminKeyId === key.id) inventory.adminKeyId = null;
      return {
        result: structuredClone(key),
        audit: { host, action: 'key.revoke', subject: key.id, details: { fingerprint: key.fingerprint, reason: key.revocation.reason, invalidSince: key.revocation.invalidSince, ...(previous ? { strengthened: previous } : {}) } },
      };
    });
    await this.publishRevocations(host);
    return record;
  }

  // The key material is destroyed; the record stays, marked destroyed, so history keeps its meaning.
  async destroy(id: string, host: HostKind): Promise<KeyRecord> {
    await this.openTokenOf(id, 'Destroy key', (key) => key.status !== 'destroyed');
    return this.mutate(async (inventory) => {
      const key = findKey(inventory, id);
      if (key.status === 'destroyed') throw new SignetError('Conflict', `Key "${key.label}" is already destroyed.`);
      const removed = await this.backendOf(key).destroy(key);
      key.status = 'destroyed';
      key.destroyedAt = this.now().toISOString();
      if (inventory.adminKeyId === key.id) inventory.adminKeyId = null;
      return { result: structuredClone(key), audit: { host, action: 'key.destroy', subject: key.id, details: { fingerprint: key.fingerprint, objectsRemoved: removed } } };
    });
  }

  // Designates the key that signs the revocation list; the list is signed by it at once, so a key that cannot sign is found out here.
  async setAdmin(id: string, host: HostKind): Promise<KeyRecord> {
    const key = await this.mutate(async (inventory) => {
      const candidate = findKey(inventory, id);
      if (effectiveStatus(candidate, this.now()) !== 'active') throw new SignetError('Conflict', `Key "${candidate.label}" is ${effectiveStatus(candidate, this.now())}; only an active key can sign revocation lists.`);
      inventory.adminKeyId = id;
      return { result: structuredClone(candidate), audit: { host, action: 'key.setAdmin', subject: id, details: { fingerprint: candidate.fingerprint } } };
    });
    const problem = await this.publishRevocations(host);
    if (problem) throw new SignetError('Conflict', problem);
    return key;
  }

  // Which key signs the revocation list and whether a list can be published now: what the Keys screen shows beside its chooser.
  async revocationSigner(): Promise<RevocationSigner> {
    const inventory = await this.load();
    const { key, problem } = usableAdmin(inventory.adminKeyId, inventory.keys, this.now());
    const published = await this.readPublished();
    const last = Math.max(await this.sequences.lastAccepted(), published?.document.sequence ?? 0);
    return {
      adminKeyId: inventory.adminKeyId,
      usable: key !== null,
      problem,
      sequence: last === 0 ? null : last,
      current: published !== null && key !== null && this.isCurrent(published, inventory, key),
    };
  }

  // The signed revocation list as a file others can import; it is signed afresh when the stored one is out of date, and refused when no admin key can sign.
  async revocationList(host: HostKind): Promise<SignedRevocationList> {
    const inventory = await this.load();
    const { key, problem } = usableAdmin(inventory.adminKeyId, inventory.keys, this.now());
    if (!key) throw new SignetError('Conflict', `The revocation list cannot be published. ${problem}`);
    const stored = await this.readPublished();
    if (stored && this.isCurrent(stored, inventory, key)) return stored;
    const refusal = await this.publishRevocations(host);
    if (refusal) throw new SignetError('Conflict', `The revocation list cannot be published. ${refusal}`);
    const published = await this.readPublished();
    if (!published) throw new SignetError('Unavailable', `The revocation list was signed but could not be read back from ${this.deps.inventory.store.file}.`);
    return published;
  }

  // Applies a list signed by the designated admin key, newer than any accepted here and dated no later than now; each entry can only strengthen a revocation.
  async importRevocations(text: string, host: HostKind): Promise<{ applied: string[] }> {
    let sequence = 0;
    let signerFingerprint = '';
    const result = await this.mutate(async (inventory) => {
      const lastSequence = Math.max(await this.sequences.lastAccepted(), (await this.readPublished())?.document.sequence ?? 0);
      const list = checkImportedList(text, { adminKeyId: inventory.adminKeyId, keys: inventory.keys, now: this.now(), lastSequence });
      sequence = list.document.sequence;
      signerFingerprint = list.document.signer.fingerprint;
      const applied: string[] = [];
      for (const entry of list.document.entries) {
        const key = inventory.keys.find((k) => k.fingerprint === entry.fingerprint);
        if (!key) continue;
        const incoming = { reason: entry.reason, invalidSince: entry.invalidSince, revokedAt: entry.revokedAt };
        if (key.status === 'revoked' && !strengthens(key.revocation, incoming)) continue;
        if (key.status !== 'destroyed') key.status = 'revoked';
        key.revocation = strongestRevocation(key.revocation, incoming);
        if (inventory.adminKeyId === key.id) inventory.adminKeyId = null;
        applied.push(key.id);
      }
      return { result: { applied }, audit: { host, action: 'key.importRevocations', subject: null, details: { signer: signerFingerprint, sequence, applied } } };
    });
    await this.sequences.accept(sequence, signerFingerprint, this.now());
    if (result.applied.length > 0) await this.publishRevocations(host);
    return result;
  }

  // Lists what a token holds, marking the keys the inventory already knows, so the rest can be adopted.
  async discover(selector: TokenSelector): Promise<{ objectId: string; label: string; algorithm: KeyRecord['algorithm'] | null; adoptedAs: string | null }[]> {
    const inventory = await this.load();
    const token = this.backends.token(selector);
    return (await token.signingKeys('List the keys on this token so they can be adopted.')).map((k) => ({
      objectId: k.objectId.toString('hex'),
      label: k.label,
      algorithm: k.algorithm,
      adoptedAs: inventory.keys.find((r) => token.holdsObject(r, k.objectId.toString('hex')))?.id ?? null,
    }));
  }

  // Takes a key made outside Signet into the inventory; the key itself is not touched.
  async adopt(selector: TokenSelector, objectId: string, label: string, host: HostKind): Promise<KeyRecord> {
    const token = this.backends.token(selector);
    const operation = `Adopt key ${objectId} as "${label}".`;
    await token.open(operation);
    return this.mutate(async (inventory) => {
      this.assertLabelFree(inventory, label);
      const { algorithm, spki, location } = await token.adoptable(objectId, operation);
      if (inventory.keys.some((k) => token.holdsObject(k, objectId))) {
        throw new SignetError('Conflict', 'This key is already in the inventory.');
      }
      const id = `k-${randomBytes(8).toString('hex')}`;
      const record = this.record(id, label, algorithm, spki, location, null);
      inventory.keys.push(record);
      return { result: record, audit: { host, action: 'key.adopt', subject: id, details: { label, fingerprint: record.fingerprint, uri: location.uri } } };
    });
  }

  // The cross-signed rotation statement, as the file other parties check.
  async rotationStatement(id: string): Promise<{ filename: string; mediaType: string; text: string }> {
    const key = await this.get(id);
    const [oldId, newId] = key.successor ? [key.id, key.successor] : key.predecessor ? [key.predecessor, key.id] : [null, null];
    if (!oldId || !newId) throw new SignetError('NotFound', `"${key.label}" was never rotated.`);
    const text = await readFileIfExists(join(this.deps.dataDir, 'keys', 'rotations', `${oldId}--${newId}.json`));
    if (text === null) throw new SignetError('NotFound', 'The rotation statement file is missing.');
    return { filename: `rotation-${oldId}-${newId}.json`, mediaType: 'application/json', text };
  }

  // Compares the inventory with what each token and the sealed store hold; it reports and never deletes.
  async reconcile(): Promise<Difference[]> {
    const inventory = await this.load();
    const differences: Difference[] = [];
    const held = new Map<KeyBackend, KeyRecord[]>([[this.backends.software, []]]);
    for (const key of inventory.keys) {
      if (key.status === 'destroyed') continue;
      const backend = this.backendOf(key);
      held.set(backend, [...(held.get(backend) ?? []), key]);
    }
    for (const [backend, keys] of held) differences.push(...(await backend.reconcile(keys)));
    return differences;
  }

  // A restore replaces the inventory in the store (in one transaction); every window is then told the restored list.
  async replaceInventory(write: () => Promise<void>): Promise<KeyRecord[]> {
    await write();
    const inventory = await this.load();
    for (const listener of this.listeners) listener(structuredClone(inventory.keys));
    return structuredClone(inventory.keys);
  }

  // Closes every token session; nothing is pending, since every change is committed before it returns.
  async close(): Promise<void> {
    await this.backends.close();
    await this.deps.audit.close();
  }

  private async makeKey(backend: KeyBackend, algorithm: KeyRecord['algorithm'], label: string, notAfter: string | null, wrappable: boolean): Promise<KeyRecord> {
    const id = `k-${randomBytes(8).toString('hex')}`;
    const { spki, location } = await backend.generate(id, algorithm, label, wrappable);
    return this.record(id, label, algorithm, spki, location, notAfter);
  }

  private record(id: string, label: string, algorithm: KeyRecord['algorithm'], spki: Buffer, location: KeyRecord['location'], notAfter: string | null): KeyRecord {
    return {
      id,
      label,
      fingerprint: fingerprintOf(spki),
      algorithm,
      location,
      publicKeyPem: spkiToPem(spki),
      createdAt: this.now().toISOString(),
      notAfter,
      status: 'active',
      retireAt: null,
      revocation: null,
      destroyedAt: null,
      predecessor: null,
      successor: null,
      signatureCount: 0,
    };
  }

  private async signWith(key: KeyRecord, input: SignInput, digest: Buffer | null): Promise<Buffer> {
    return this.backendOf(key).sign(key, input, digest);
  }

  // The backend for a recorded key, picked once per location.
  private backendOf(key: KeyRecord): KeyBackend {
    return this.backends.of(key.location);
  }

  // Backups wrap and unwrap on the same logged-in tokens signing uses, so the PIN is asked once; main-only, never over IPC.
  async openToken(selector: TokenSelector, operation: string): Promise<Pkcs11Token> {
    return this.backends.session(selector, operation);
  }

  // A backup holds a wrappable token key only encrypted under the backup key's public half, wrapped on the key's own token.
  async wrapForBackup(key: KeyRecord, backupKeyPem: string): Promise<WrappedPrivateKey> {
    return this.backendOf(key).wrap(key, createPublicKey(backupKeyPem).export({ type: 'spki', format: 'der' }));
  }

  // What the key's location can vouch for about it; none gives proof Signet checks yet.
  async attest(id: string): Promise<KeyAttestation> {
    const key = await this.get(id);
    return this.backendOf(key).attest(key);
  }

  // Restoring a wrapped key onto another token moves its record there; only the location changes, through the change queue.
  async relocate(id: string, location: TokenLocation, host: HostKind): Promise<KeyRecord> {
    return this.mutate(async (inventory) => {
      const key = findKey(inventory, id);
      if (!this.backendOf(key).offers.relocation) throw new SignetError('BadInput', `"${key.label}" is a software key; it has no token to move from.`);
      const from = describeLocation(key.location).audit;
      key.location = location;
      return { result: structuredClone(key), audit: { host, action: 'key.relocate', subject: id, details: { from, to: location.uri } } };
    });
  }

  // Every read goes to the store: another process may have changed the inventory since the last one.
  private load(): Promise<Inventory> {
    return this.deps.inventory.load();
  }

  // A token key's session is opened (and its PIN asked) before the write lock is taken, so no prompt holds other processes up.
  // Only for a key the operation would go ahead with: a refusal is said before any PIN is asked.
  private async openTokenOf(id: string, operation: string, proceeds: (key: KeyRecord) => boolean): Promise<void> {
    const key = findKey(await this.load(), id);
    if (proceeds(key)) await this.backendOf(key).open(`${operation} "${key.label}" on this token.`);
  }

  // A change is made on the inventory read inside its own write transaction and commits with its audit entry, or not at all.
  private async mutate<T>(
    change: (inventory: Inventory) => Promise<{ result: T; audit: { host: HostKind; action: string; subject: string | null; details: Record<string, unknown> } }>,
  ): Promise<T> {
    const { result, keys } = await this.deps.inventory.store.write(async (tx) => {
      const draft = this.deps.inventory.loadWithin(tx);
      const { result, audit } = await change(draft);
      this.deps.inventory.saveWithin(tx, draft);
      await this.deps.audit.appendWithin(tx, audit);
      return { result, keys: draft.keys };
    });
    for (const listener of this.listeners) listener(structuredClone(keys));
    return result;
  }

  // The count and the audit entry commit together, and only while the key is still allowed to sign: a key revoked meanwhile by another process gets no signature out.
  private async recordSignatures(id: string, count: number, audit: { host: HostKind; action: string; subject: string | null; details: Record<string, unknown> }): Promise<void> {
    await this.deps.inventory.store.write(async (tx) => {
      const inventory = this.deps.inventory.loadWithin(tx);
      const key = findKey(inventory, id);
      this.assertCanSign(key);
      key.signatureCount += count;
      this.deps.inventory.saveWithin(tx, inventory);
      await this.deps.audit.appendWithin(tx, audit);
    });
  }

  private assertCanSign(key: KeyRecord): void {
    const status = effectiveStatus(key, this.now());
    if (status !== 'active') throw new SignetError(status === 'expired' ? 'Expired' : 'Forbidden', `Key "${key.label}" is ${status} and cannot sign.`);
  }

  private assertLabelFree(inventory: Inventory, label: string): void {
    const taken = inventory.keys.find((k) => k.status !== 'destroyed' && k.label.toLowerCase() === label.toLowerCase());
    if (taken) throw new SignetError('Conflict', `A key labelled "${taken.label}" already exists (${taken.id}).`);
  }

  private successorLabel(inventory: Inventory, label: string): string {
    const base = label.replace(/ r\d+$/, '');
    for (let n = 2; ; n++) {
      const candidate = `${base} r${n}`.slice(0, 64);
      if (!inventory.keys.some((k) => k.label.toLowerCase() === candidate.toLowerCase())) return candidate;
    }
  }

  private shiftedExpiry(old: KeyRecord): string {
    const lifetime = Date.parse(old.notAfter!) - Date.parse(old.createdAt);
    return new Date(this.now().getTime() + Math.max(lifetime, 86_400_000)).toISOString();
  }

  private revocationEntries(inventory: Inventory): RevocationEntry[] {
    return inventory.keys.flatMap((k) => (k.revocation ? [{ keyId: k.id, label: k.label, fingerprint: k.fingerprint, ...k.revocation }] : []));
  }

  // The stored list is current when the admin key signed it and it lists exactly the revocations the inventory holds.
  private isCurrent(list: SignedRevocationList, inventory: Inventory, admin: KeyRecord): boolean {
    return list.document.signer.fingerprint === admin.fingerprint && canonicalJson(list.document.entries) === canonicalJson(this.revocationEntries(inventory));
  }

  // The list published last; one written before lists carried a sequence number counts as none, a damaged one stops publishing.
  private async readPublished(within?: Pick<StoreReader, 'text'>): Promise<SignedRevocationList | null> {
    const text = within ? within.text('revocations') : await this.deps.inventory.store.read((reader) => reader.text('revocations'), null);
    if (text === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SignetError('Conflict', `The published revocation list in ${this.deps.inventory.store.file} is damaged (not JSON); restore it from a backup.`);
    }
    const result = SignedRevocationListSchema.safeParse(parsed);
    return result.success ? result.data : null;
  }

  /**
   * Re-signed on every change by the designated admin key, with the next sequence number; without a usable admin key nothing
   * is published and the reason is returned. Signed outside the lock while the inventory and the list hold still; if they
   * keep changing, read, signed and written under the lock, so two processes never publish the same number.
   */
  private async publishRevocations(host: HostKind): Promise<string | null> {
    const sign = async (inventory: Inventory, lastPublished: number): Promise<{ list: SignedRevocationList } | { problem: string }> => {
      const { key: admin, problem } = usableAdmin(inventory.adminKeyId, inventory.keys, this.now());
      if (!admin) return { problem: problem ?? 'No admin key can sign the revocation list.' };
      const document: RevocationDocument = {
        type: REVOCATIONS_TYPE,
        sequence: Math.max(await this.sequences.lastAccepted(), lastPublished) + 1,
        issued: this.now().toISOString(),
        entries: this.revocationEntries(inventory),
        signer: { keyId: admin.id, fingerprint: admin.fingerprint, publicKeyPem: admin.publicKeyPem },
      };
      const message = Buffer.from(canonicalJson(document));
      const hash = HASH_FOR[admin.algorithm];
      return { list: { document, signature: (await this.signWith(admin, { payload: message }, hash ? createHash(hash).update(message).digest() : null)).toString('base64') } };
    };
    const publish = async (tx: StoreTransaction, list: SignedRevocationList) => {
      tx.put('revocations', list);
      await this.deps.audit.appendWithin(tx, { host, action: 'key.publishRevocations', subject: list.document.signer.keyId, details: { entries: list.document.entries.length, sequence: list.document.sequence, signed: true } });
    };
    const accepted = async (list: SignedRevocationList) => {
      // Kept beside the list too, so restoring an older list from a backup cannot send the numbering back.
      await this.sequences.accept(list.document.sequence, list.document.signer.fingerprint, this.now());
      return null;
    };
    const store = this.deps.inventory.store;
    for (let attempt = 0; attempt < 5; attempt++) {
      const [inventory, revisions] = await store.read((reader) => [this.deps.inventory.loadWithin(reader), [reader.revision('inventory'), reader.revision('revocations')]] as const, [{ version: 1 as const, adminKeyId: null, keys: [] }, [0, 0]] as const);
      const signed = await sign(inventory, (await this.readPublished())?.document.sequence ?? 0);
      if ('problem' in signed) return signed.problem;
      const published = await store.write(async (tx) => {
        if (tx.revision('inventory') !== revisions[0] || tx.revision('revocations') !== revisions[1]) return false;
        await publish(tx, signed.list);
        return true;
      });
      if (published) return accepted(signed.list);
    }
    const last = await store.write(async (tx) => {
      const signed = await sign(this.deps.inventory.loadWithin(tx), (await this.readPublished(tx))?.document.sequence ?? 0);
      if ('problem' in signed) return signed;
      await publish(tx, signed.list);
      return signed;
    });
    return 'problem' in last ? last.problem : accepted(last.list);
  }
}
