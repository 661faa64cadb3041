import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  ALGORITHM_NAMES,
  effectiveStatus,
  TPM_ALGORITHMS,
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
import { algorithmOf, ecdsaRawToDer, fingerprintOf, HASH_FOR, rsaDigestInfo, spkiToPem } from '../encoding/key-encoding.ts';
import { openCosignKey, sealCosignKey } from './cosign-key.ts';
import type { PinSource } from './pin.source.ts';
import { formatPkcs11Uri } from './pkcs11-uri.ts';
import type { Pkcs11Driver, Pkcs11Token, TokenSelector } from '../platform/pkcs11.types.ts';
import type { SoftwareKeyStore } from './software.backend.ts';
import { signOnToken } from './token-signing.ts';
import { moduleKind } from '../platform/pkcs11-locations.ts';
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

export type SignInput = { payload: Buffer } | { digest: Buffer };

export interface SignedStatement {
  statement: Record<string, unknown>;
  signatures: { keyFingerprint: string; algorithm: string; signature: string }[];
}

export interface Difference {
  keyId: string | null;
  kind: 'missing-on-token' | 'not-in-inventory' | 'sealed-key-missing' | 'token-unavailable';
  message: string;
}

const ROTATION_TYPE = 'https://signet.dev/rotation/v1';

/**
 * Key lifecycle: generate, sign, rotate, revoke, destroy, over HSM, TPM and sealed software keys.
 * Every change is written to the inventory (crash-safe) after the key material exists, and to the
 * audit log; nothing here ever deletes a key to make the inventory agree with a token.
 */
export class KeyService {
  private readonly deps: KeyServiceDeps;
  private readonly now: () => Date;
  private readonly tokens = new Map<string, Promise<Pkcs11Token>>();
  private readonly listeners = new Set<(keys: KeyRecord[]) => void>();
  private readonly sequences: RevocationSequenceStore;

  constructor(deps: KeyServiceDeps) {
    this.deps = deps;
    this.sequences = new RevocationSequenceStore(deps.dataDir);
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
    if (input.backend.kind === 'pkcs11' && moduleKind(input.backend.modulePath) === 'tpm2' && !TPM_ALGORITHMS.includes(input.algorithm)) {
      throw new SignetError('BadInput', `A TPM signs with ${TPM_ALGORITHMS.map((a) => ALGORITHM_NAMES[a]).join(', ')}; it has no ${ALGORITHM_NAMES[input.algorithm]}.`);
    }
    if (input.wrappable && input.backend.kind !== 'pkcs11') throw new SignetError('BadInput', 'Only a token key is made wrappable; backups already hold software keys.');
    if (input.wrappable && input.backend.kind === 'pkcs11' && moduleKind(input.backend.modulePath) === 'tpm2') {
      throw new SignetError('BadInput', 'A TPM key never leaves the TPM, not even wrapped; make a twin on another token for redundancy.');
    }
    if (input.backend.kind === 'pkcs11') {
      // Checked again under the write lock; here so a taken label is said before any PIN is asked.
      this.assertLabelFree(await this.load(), label);
      await this.token(input.backend, `Generate ${ALGORITHM_NAMES[input.algorithm]} key "${label}" on this token.`);
    }
    return this.mutate(async (inventory) => {
      this.assertLabelFree(inventory, label);
      const record = await this.makeKey(input.backend, input.algorithm, label, input.notAfter ?? null, input.wrappable === true);
      inventory.keys.push(record);
      return {
        result: record,
        audit: { host, action: 'key.generate', subject: record.id, details: { label, algorithm: record.algorithm, fingerprint: record.fingerprint, location: record.location.kind === 'pkcs11' ? record.location.uri : 'software', wrappable: input.wrappable === true } },
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
      const spki = await this.deps.software.adopt(id, algorithm, privateKey);
      const record = this.record(id, label, algorithm, spki, { kind: 'software' }, null);
      if (inventory.keys.some((k) => k.fingerprint === record.fingerprint && k.status !== 'destroyed')) {
        await this.deps.software.destroy(id);
        throw new SignetError('Conflict', 'This key is already in the inventory.');
      }
      inventory.keys.push(record);
      return { result: record, audit: { host, action: 'key.import', subject: id, details: { label, algorithm, fingerprint: record.fingerprint, format: 'cosign.key' } } };
    });
  }

  // Only software keys can leave as cosign.key; keys on a token stay there by design.
  async exportCosignKey(id: string, password: string, host: HostKind): Promise<string> {
    const key = await this.get(id);
    if (key.location.kind !== 'software') throw new SignetError('Forbidden', `"${key.label}" lives on a token and cannot be exported; export its public key instead.`);
    if (key.status === 'destroyed') throw new SignetError('Conflict', `"${key.label}" is destroyed.`);
    if (password.length < 8) throw new SignetError('BadInput', 'Use a password of at least 8 characters for an exported private key.');
    const pem = await sealCosignKey(await this.deps.software.unsealForExport(id, key.algorithm), password);
    await this.deps.audit.append({ host, action: 'key.exportPrivate', subject: id, details: { fingerprint: key.fingerprint, format: 'cosign.key' } });
    return pem;
  }

  // Bulk signing of digests with one audit entry listing them all: how a release signs many manifests.
  async signDigests(id: string, digests: Buffer[], host: HostKind): Promise<Buffer[]> {
    const key = findKey(await this.load(), id);
    this.assertCanSign(key);
    const hash = HASH_FOR[key.algorithm];
    const length = hash === 'sha384' ? 48 : 32;
    if (!hash || key.location.kind !== 'pkcs11') throw new SignetError('BadInput', 'Bulk digest signing needs an ECDSA or RSA key on a token.');
    if (digests.length === 0 || digests.length > 10_000) throw new SignetError('BadInput', 'Sign between 1 and 10,000 digests at a time.');
    if (digests.some((d) => d.length !== length)) throw new SignetError('BadInput', `Every ${hash.toUpperCase()} digest is ${length} bytes.`);
    const token = await this.token({ modulePath: key.location.modulePath, tokenLabel: key.location.tokenLabel }, `Sign ${digests.length} digest${digests.length === 1 ? '' : 's'} with key "${key.label}".`);
    const objectId = Buffer.from(key.location.objectId, 'hex');
    const signatures = key.algorithm.startsWith('ecdsa')
      ? (await token.signMany(objectId, 'ecdsa', digests)).map(ecdsaRawToDer)
      : await token.signMany(objectId, 'rsa-pkcs1', digests.map((d) => rsaDigestInfo(hash, d)));
    await this.recordSignatures(id, signatures.length, { host, action: 'key.signBatch', subject: key.id, details: { fingerprint: key.fingerprint, count: digests.length, digests: digests.map((d) => `${hash}:${d.toString('hex')}`) } });
    return signatures;
  }

  // Many messages with one key: on a token they are hashed here and signed as one batch (one audit entry); elsewhere one by one.
  async signPayloads(id: string, payloads: Buffer[], host: HostKind): Promise<Buffer[]> {
    const key = findKey(await this.load(), id);
    this.assertCanSign(key);
    const hash = HASH_FOR[key.algorithm];
    if (key.location.kind === 'pkcs11' && hash && payloads.length > 1) {
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
      const backend = old.location.kind === 'pkcs11' ? { kind: 'pkcs11' as const, modulePath: old.location.modulePath, tokenLabel: old.location.tokenLabel } : { kind: 'software' as const };
      const successor = await this.makeKey(backend, old.algorithm, label, old.notAfter ? this.shiftedExpiry(old) : null, old.location.kind === 'pkcs11' && old.location.wrappable === true);
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
      let removed: number;
      if (key.location.kind === 'pkcs11') {
        const token = await this.token({ modulePath: key.location.modulePath, tokenLabel: key.location.tokenLabel }, `Destroy key "${key.label}" on this token.`);
        removed = await token.destroy(Buffer.from(key.location.objectId, 'hex'));
      } else {
        removed = (await this.deps.software.destroy(key.id)) ? 1 : 0;
      }
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
    const onToken = await (await this.token(selector, 'List the keys on this token so they can be adopted.')).listKeys();
    return onToken
      .filter((k) => k.hasPrivateKey && k.canSign)
      .map((k) => ({
        objectId: k.objectId.toString('hex'),
        label: k.label,
        algorithm: k.algorithm,
        adoptedAs: inventory.keys.find((r) => r.location.kind === 'pkcs11' && r.location.modulePath === selector.modulePath && r.location.objectId === k.objectId.toString('hex'))?.id ?? null,
      }));
  }

  // Takes a key made outside Signet into the inventory; the key itself is not touched.
  async adopt(selector: TokenSelector, objectId: string, label: string, host: HostKind): Promise<KeyRecord> {
    await this.token(selector, `Adopt key ${objectId} as "${label}".`);
    return this.mutate(async (inventory) => {
      this.assertLabelFree(inventory, label);
      const token = await this.token(selector, `Adopt key ${objectId} as "${label}".`);
      const found = (await token.listKeys()).find((k) => k.objectId.toString('hex') === objectId && k.hasPrivateKey && k.canSign);
      if (!found) throw new SignetError('NotFound', `Token "${selector.tokenLabel}" has no private key with id ${objectId}.`);
      if (!found.publicKeySpki || !found.algorithm) throw new SignetError('BadInput', `Key ${objectId} has no public key on the token, or an algorithm Signet does not sign with.`);
      if (inventory.keys.some((k) => k.location.kind === 'pkcs11' && k.location.modulePath === selector.modulePath && k.location.objectId === objectId)) {
        throw new SignetError('Conflict', 'This key is already in the inventory.');
      }
      const id = `k-${randomBytes(8).toString('hex')}`;
      const location: KeyRecord['location'] = {
        kind: 'pkcs11',
        uri: formatPkcs11Uri({ token: token.label, serial: token.serial, object: found.label || undefined, id: found.objectId, type: 'private', modulePath: selector.modulePath }),
        modulePath: selector.modulePath,
        tokenLabel: token.label,
        tokenSerial: token.serial,
        objectId,
        ...(found.extractable ? { wrappable: true } : {}),
      };
      const record = this.record(id, label, found.algorithm, found.publicKeySpki, location, null);
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
    const byToken = new Map<string, KeyRecord[]>();
    for (const key of inventory.keys) {
      if (key.status === 'destroyed') continue;
      if (key.location.kind === 'software') {
        if (!(await this.deps.software.exists(key.id))) differences.push({ keyId: key.id, kind: 'sealed-key-missing', message: `The sealed private key of "${key.label}" is missing.` });
        continue;
      }
      const name = `${key.location.modulePath}\n${key.location.tokenLabel}`;
      byToken.set(name, [...(byToken.get(name) ?? []), key]);
    }
    for (const [name, keys] of byToken) {
      const [modulePath, tokenLabel] = name.split('\n') as [string, string];
      let onToken;
      try {
        onToken = await (await this.token({ modulePath, tokenLabel }, 'Compare the inventory with the keys on this token.')).listKeys();
      } catch (error) {
        differences.push({ keyId: null, kind: 'token-unavailable', message: `Token "${tokenLabel}" could not be read: ${(error as Error).message}` });
        continue;
      }
      const present = new Set(onToken.filter((k) => k.hasPrivateKey).map((k) => k.objectId.toString('hex')));
      for (const key of keys) {
        if (key.location.kind === 'pkcs11' && !present.has(key.location.objectId)) {
          differences.push({ keyId: key.id, kind: 'missing-on-token', message: `"${key.label}" is in the inventory but not on token "${tokenLabel}".` });
        }
      }
      const known = new Set(keys.map((k) => (k.location.kind === 'pkcs11' ? k.location.objectId : '')));
      for (const key of onToken) {
        if (key.hasPrivateKey && key.canSign && !known.has(key.objectId.toString('hex'))) {
          differences.push({ keyId: null, kind: 'not-in-inventory', message: `Token "${tokenLabel}" holds key "${key.label}" (id ${key.objectId.toString('hex')}) that is not in the inventory.` });
        }
      }
    }
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
    for (const pending of this.tokens.values()) await (await pending.catch(() => null))?.close();
    this.tokens.clear();
    await this.deps.audit.close();
  }

  private async makeKey(backend: GenerateKeyInput['backend'], algorithm: KeyRecord['algorithm'], label: string, notAfter: string | null, wrappable: boolean): Promise<KeyRecord> {
    const id = `k-${randomBytes(8).toString('hex')}`;
    let spki: Buffer;
    let location: KeyRecord['location'];
    if (backend.kind === 'software') {
      spki = await this.deps.software.generate(id, algorithm);
      location = { kind: 'software' };
    } else {
      const token = await this.token(backend, `Generate ${ALGORITHM_NAMES[algorithm]} key "${label}" on this token.`);
      const objectId = randomBytes(16);
      spki = await token.generateKeyPair(algorithm, label, objectId, { wrappable });
      const refusal = wrappable ? await token.wrapRefusal(objectId).catch((error: unknown) => (error as Error).message) : null;
      if (refusal !== null) {
        await token.destroy(objectId);
        throw new SignetError(
          'BadInput',
          `Token "${token.label}" makes ${ALGORITHM_NAMES[algorithm]} keys but cannot wrap them (${refusal}), so a wrappable one could never be backed up; the key was removed again. Make it without "wrappable" and give it a twin on a second token, or choose another algorithm.`,
        );
      }
      location = {
        kind: 'pkcs11',
        uri: formatPkcs11Uri({ token: token.label, serial: token.serial, object: label, id: objectId, type: 'private', modulePath: backend.modulePath }),
        modulePath: backend.modulePath,
        tokenLabel: token.label,
        tokenSerial: token.serial,
        objectId: objectId.toString('hex'),
        ...(wrappable ? { wrappable } : {}),
      };
    }
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
    if (key.location.kind === 'software') {
      if (!('payload' in input)) throw new SignetError('BadInput', 'Software keys sign the payload, not a bare digest.');
      return this.deps.software.sign(key.id, key.algorithm, input.payload);
    }
    const token = await this.token({ modulePath: key.location.modulePath, tokenLabel: key.location.tokenLabel }, `Sign with key "${key.label}".`);
    return signOnToken(token, Buffer.from(key.location.objectId, 'hex'), key.algorithm, 'payload' in input ? input.payload : null, digest);
  }

  // Backups wrap and unwrap on the same logged-in tokens signing uses, so the PIN is asked once; main-only, never over IPC.
  async openToken(selector: TokenSelector, operation: string): Promise<Pkcs11Token> {
    return this.token(selector, operation);
  }

  // Restoring a wrapped key onto another token moves its record there; only the location changes, through the change queue.
  async relocate(id: string, location: Extract<KeyRecord['location'], { kind: 'pkcs11' }>, host: HostKind): Promise<KeyRecord> {
    return this.mutate(async (inventory) => {
      const key = findKey(inventory, id);
      if (key.location.kind !== 'pkcs11') throw new SignetError('BadInput', `"${key.label}" is a software key; it has no token to move from.`);
      const from = key.location.uri;
      key.location = location;
      return { result: structuredClone(key), audit: { host, action: 'key.relocate', subject: id, details: { from, to: location.uri } } };
    });
  }

  // One logged-in token per module and label; a refused PIN is reported and never retried by itself.
  // The token stays logged in, so `operation` names only the first use, the one the PIN is asked for.
  private token(selector: TokenSelector, operation: string): Promise<Pkcs11Token> {
    const name = `${selector.modulePath}\n${selector.tokenLabel}`;
    let pending = this.tokens.get(name);
    if (!pending) {
      pending = (async () => {
        const pin = await this.deps.pins.pinFor(selector, operation);
        try {
          return await this.deps.pkcs11.openToken(selector, pin, this.deps.sessionsPerToken ?? 4);
        } catch (error) {
          if (error instanceof SignetError && error.code === 'Unauthorized') this.deps.pins.rejected(selector, pin);
          throw error;
        }
      })();
      this.tokens.set(name, pending);
      pending.catch(() => this.tokens.delete(name));
    }
    return pending;
  }

  // Every read goes to the store: another process may have changed the inventory since the last one.
  private load(): Promise<Inventory> {
    return this.deps.inventory.load();
  }

  // A token key's session is opened (and its PIN asked) before the write lock is taken, so no prompt holds other processes up.
  // Only for a key the operation would go ahead with: a refusal is said before any PIN is asked.
  private async openTokenOf(id: string, operation: string, proceeds: (key: KeyRecord) => boolean): Promise<void> {
    const key = findKey(await this.load(), id);
    if (key.location.kind === 'pkcs11' && proceeds(key)) await this.token({ modulePath: key.location.modulePath, tokenLabel: key.location.tokenLabel }, `${operation} "${key.label}" on this token.`);
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
