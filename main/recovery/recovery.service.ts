import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { ALGORITHM_NAMES, type KeyRecord } from '../../shared/model/keys.model.ts';
import { CustodiansSchema, type BackupKey, type BackupManifest, type BackupResult, type Custodians, type DrillResult, type OpenBackup, type PrepareBackup, type RestoreResult } from '../../shared/model/recovery.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import type { ConfirmationFact } from '../confirm/confirmation.types.ts';
import { SignetError } from '../errors.ts';
import type { IntentService } from '../intents/intent.service.ts';
import { OsKeychain } from '../platform/keychain.adapter.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import type { KeyService, SignedStatement } from '../keys/keys.service.ts';
import { formatPkcs11Uri } from '../keys/pkcs11-uri.ts';
import type { TokenLocation } from '../keys/key-backend.types.ts';
import { describeLocation, tokenOf } from '../keys/key-location.ts';
import type { TokenSelector } from '../platform/pkcs11.types.ts';
import type { SoftwareKeyStore } from '../keys/software.backend.ts';
import type { Policy } from '../../shared/model/policy.model.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { readDataItem, readDataItemText, writeDataItem } from '../storage/data-items.ts';
import { checkContents, type BackupContents } from './backup.contents.ts';
import { describeItem, encodeBackup, newDataKey, newSalt, openBackup, parseBackup, passphraseKey, SCRYPT_PARAMS, sha256Hex, type BackupItems } from './backup.format.ts';
import { AUDIT_KEY, kindOf, parseInventory, planBackup, readBackupItems, SOFTWARE_KEY_PREFIX, type BackupPlan } from './backup.snapshot.ts';
import { BackupKeyStore } from './backup-key.store.ts';
import { drillSoftwareKeys, drillWrappedKeys, type DrillOutcome } from './drill.runner.ts';
import { drillOnFreshSoftHsm } from './fresh-token.drill.ts';
import { runAsChildProcess, type ScriptRunner } from '../platform/script-runner.ts';
import { installedSoftHsmModule } from '../platform/pkcs11-locations.ts';
import { wrappedPrivateKey } from './wrapped-key.ts';
import { DrillStatusStore } from './drill-status.store.ts';
import { combineShares, newShareSetId, recoverySheet, sharesIn, splitKey } from './share.format.ts';
import { TwinService, type Twin } from './twin.service.ts';
import type { IntentView } from '../../shared/model/intent.model.ts';

export interface RecoveryServiceDeps {
  dataDir: string;
  keys: KeyService;
  software: SoftwareKeyStore;
  settings: SettingsService;
  /** The saved policies, read to tell a drill which ones name a key; the policy service gives it. */
  policies: { list(): Promise<Policy[]> };
  audit: AuditLog;
  intents: IntentService;
  now?: () => Date;
  /** The keychain a drill restores software keys into, under a service name of its own; the OS keychain by default. */
  drillKeychain?: (service: string) => SecretStore;
  /** How a drill starts the process that makes its fresh token; a child of this Node by default. */
  runScript?: ScriptRunner;
}

/** A backup locked with a passphrase typed at the terminal (the CLI); it never crosses IPC. */
export interface PassphraseBackup {
  outputDir: string;
  passphrase: string;
}

/** Opening a passphrase backup at the terminal. */
export interface PassphraseOpen {
  backupFile: string;
  passphrase: string;
}

declare module '../intents/intent.service.ts' {
  interface IntentPayloads {
    backup: BackupOrder;
    restore: RestoreOrder;
  }
}

type BackupOrder = { outputDir: string; unlock: { kind: 'shares'; custodians: Custodians } | { kind: 'passphrase' } };
type RestoreOrder = { backupFile: string; shareFiles: string[] | null };

/** A backup opened and checked in memory, nothing written yet. */
interface OpenedBackup {
  file: string;
  fileSha256: string;
  manifest: BackupManifest;
  items: BackupItems;
  contents: BackupContents;
  openedWith: string;
}

const MIN_PASSPHRASE = 12;

/** Backups of everything a signing organisation cannot lose, proven by restore drills. */
export class RecoveryService {
  private readonly deps: RecoveryServiceDeps;
  private readonly now: () => Date;
  private readonly twinKeys: TwinService;
  private readonly drillStatus: DrillStatusStore;
  private readonly backupKeys: BackupKeyStore;
  /** Passphrases of pending CLI intents, by intent id; kept in main only, and dropped once the intent is used or gone. */
  private readonly passphrases = new Map<string, string>();

  constructor(deps: RecoveryServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
    this.twinKeys = new TwinService({ dataDir: deps.dataDir, keys: deps.keys, audit: deps.audit, now: this.now });
    this.drillStatus = new DrillStatusStore(deps.dataDir);
    this.backupKeys = new BackupKeyStore({ dataDir: deps.dataDir, keys: deps.keys, audit: deps.audit, now: this.now });
  }

  // The backup key token keys are wrapped under, or null before one is made.
  async backupKey(): Promise<BackupKey | null> {
    return this.backupKeys.current();
  }

  // Made once, on a second token: from then on backups hold every wrappable token key, wrapped under it.
  async createBackupKey(token: TokenSelector, host: HostKind): Promise<BackupKey> {
    return this.backupKeys.create(token, host);
  }

  // The person confirms exactly which keys and records go into the backup, and which stay on their tokens.
  async prepareBackup(input: PrepareBackup | PassphraseBackup): Promise<IntentView> {
    this.forgetStale();
    if (!isAbsolute(input.outputDir)) throw new SignetError('BadInput', 'The output folder must be an absolute path.');
    let order: BackupOrder;
    if ('passphrase' in input) {
      assertPassphrase(input.passphrase);
      order = { outputDir: input.outputDir, unlock: { kind: 'passphrase' } };
    } else {
      const custodians = CustodiansSchema.safeParse(input.custodians);
      if (!custodians.success) throw new SignetError('BadInput', `Custodians: ${custodians.error.issues[0]?.message ?? 'invalid'}.`);
      order = { outputDir: input.outputDir, unlock: { kind: 'shares', custodians: custodians.data } };
    }
    const facts = backupFacts(order, await this.plan());
    const intent = this.deps.intents.issue({ action: 'backup', title: 'Back up signing keys and records', facts, payload: order });
    if ('passphrase' in input) this.passphrases.set(intent.id, input.passphrase);
    return { intentId: intent.id, title: intent.title, facts: intent.facts, expiresAt: new Date(intent.expiresAt).toISOString() };
  }

  // Writes the encrypted backup and, for custodians, one recovery sheet each; the data key exists only in memory meanwhile.
  async confirmBackup(intentId: string): Promise<BackupResult> {
    try {
      const confirmed = await this.deps.intents.confirm(intentId, ['backup'], {
        doing: 'make backups',
        recheck: async ({ payload }) => {
          const plan = await this.plan();
          return { facts: backupFacts(payload, plan), state: plan };
        },
      });
      const { payload: order, state: plan } = confirmed;
      const passphrase = this.passphrases.get(intentId);
      if (order.unlock.kind === 'passphrase' && passphrase === undefined) throw new SignetError('Expired', 'The passphrase for this backup is no longer held; start again.');
      return await this.writeBackup(order, plan, passphrase ?? null, confirmed.host);
    } finally {
      this.passphrases.delete(intentId);
    }
  }

  // Reads only the manifest: what the backup claims to hold. It is authenticated when the backup is opened.
  async inspect(backupFile: string): Promise<BackupManifest> {
    return parseBackup(await readBackupFile(backupFile), backupFile).manifest;
  }

  // Restores every key into fresh stores, makes each sign, checks it against the live published key, and records the outcome; a live software key the backup lacks fails the drill.
  async drill(input: OpenBackup | PassphraseOpen, host: HostKind): Promise<DrillResult> {
    const opened = await this.open(input);
    const live = await this.deps.keys.list();
    const keys = (opened.contents.inventory?.keys ?? [])
      .filter((k) => k.status !== 'destroyed' && opened.contents.softwareKeys.has(k.id))
      .map((k) => {
        const published = live.find((l) => l.id === k.id && l.status !== 'destroyed');
        return { keyId: k.id, label: k.label, algorithm: k.algorithm, privateKey: opened.contents.softwareKeys.get(k.id)!.privateKey, publishedPem: published?.publicKeyPem ?? null };
      });
    const drilled = await drillSoftwareKeys(keys, this.deps.drillKeychain ?? ((service) => new OsKeychain(service)));
    const keychainService = drilled.keychainService;
    const onToken = await drillOnFreshSoftHsm(keys, await installedSoftHsmModule(), this.deps.runScript ?? runAsChildProcess);
    const wrapped = await this.drillWrapped(opened, live);
    const uncovered = live
      .filter((k) => describeLocation(k.location).backup === 'copy' && k.status !== 'destroyed' && k.status !== 'revoked' && !opened.contents.softwareKeys.has(k.id))
      .map((k) => ({ keyId: k.id, label: k.label, passed: false, reason: 'a live software key that this backup does not hold (made after it, or left out of it), so it could not be restored from it; make a new backup.' }));
    const outcomes = [...drilled.outcomes.map((o) => bothStores(o, onToken.outcomes.get(o.keyId))), ...wrapped, ...uncovered];
    const at = this.now().toISOString();
    const passed = outcomes.every((o) => o.passed);
    await this.drillStatus.record(at, outcomes);
    await this.deps.audit.append({
      host,
      action: 'backup.drill',
      subject: null,
      details: { backupFile: opened.file, backupSha256: opened.fileSha256, createdAt: opened.manifest.createdAt, passed, keys: outcomes, notIncluded: opened.manifest.notIncluded.map((n) => n.keyId), keychainService, freshToken: onToken.summary },
    });
    return { backupFile: opened.file, at, passed, keys: outcomes, notIncluded: opened.manifest.notIncluded, freshToken: onToken.summary };
  }

  // Every software key of the live inventory, and every key a drill has covered, with its last pass and failure.
  async drills(): Promise<{ keyId: string; lastPassed: string | null; lastFailed: string | null }[]> {
    const [status, keys] = await Promise.all([this.drillStatus.load(), this.deps.keys.list()]);
    return keys
      .filter((k) => k.status !== 'destroyed' && (describeLocation(k.location).backup !== 'twin' || status.keys[k.id] !== undefined))
      .map((k) => ({ keyId: k.id, lastPassed: status.keys[k.id]?.lastPassed ?? null, lastFailed: status.keys[k.id]?.lastFailed ?? null }));
  }

  // The backup is opened and checked in full before the person is asked, so a restore that would fail is never offered.
  async prepareRestore(input: OpenBackup | PassphraseOpen): Promise<IntentView> {
    this.forgetStale();
    const opened = await this.open(input);
    const order: RestoreOrder = { backupFile: input.backupFile, shareFiles: 'shareFiles' in input ? [...input.shareFiles] : null };
    const intent = this.deps.intents.issue({ action: 'restore', title: 'Restore from a backup', facts: await this.restoreFacts(opened), payload: order });
    if ('passphrase' in input) this.passphrases.set(intent.id, input.passphrase);
    return { intentId: intent.id, title: intent.title, facts: intent.facts, expiresAt: new Date(intent.expiresAt).toISOString() };
  }

  // Opens the backup again (the files may have changed since), then writes keys first, then the inventory, then the records.
  async confirmRestore(intentId: string): Promise<RestoreResult> {
    try {
      const confirmed = await this.deps.intents.confirm(intentId, ['restore'], {
        doing: 'restore backups',
        recheck: async ({ payload: order }) => {
          const passphrase = this.passphrases.get(intentId);
          if (order.shareFiles === null && passphrase === undefined) throw new SignetError('Expired', 'The passphrase for this restore is no longer held; start again.');
          const opened = await this.open(order.shareFiles ? { backupFile: order.backupFile, shareFiles: order.shareFiles } : { backupFile: order.backupFile, passphrase: passphrase! });
          return { facts: await this.restoreFacts(opened), state: opened };
        },
      });
      return await this.restore(confirmed.state, confirmed.host);
    } finally {
      this.passphrases.delete(intentId);
    }
  }

  // A second key on another token, cross-signed with a token key that no backup can hold.
  async twin(keyId: string, token: TokenSelector, label: string | undefined, host: HostKind): Promise<{ original: KeyRecord; twin: KeyRecord; statement: SignedStatement }> {
    return this.twinKeys.make(keyId, token, label, host);
  }

  // The recorded twin pairs, so policies and the backup manifest can name them.
  async twins(): Promise<Twin[]> {
    return this.twinKeys.list();
  }

  private async plan(): Promise<BackupPlan> {
    return planBackup(this.deps.dataDir, this.deps.software, await this.twinKeys.list(), await this.backupKeys.current());
  }

  // Wrapped token keys are drilled on the token that holds the backup key the backup names; if that token cannot be opened, each key fails with the reason.
  private async drillWrapped(opened: OpenedBackup, live: KeyRecord[]): Promise<DrillOutcome[]> {
    const items = [...opened.contents.wrappedKeys.values()];
    const backupKey = opened.contents.backupKey;
    if (items.length === 0 || backupKey === null) return [];
    let token;
    try {
      token = await this.deps.keys.openToken({ modulePath: backupKey.modulePath, tokenLabel: backupKey.tokenLabel }, 'Unwrap the backed-up token keys here for a restore drill.');
    } catch (error) {
      return items.map((item) => ({ keyId: item.keyId, label: item.label, passed: false, reason: `the token "${backupKey.tokenLabel}" holding the backup key could not be opened: ${(error as Error).message}` }));
    }
    const keys = items.map((item) => ({ item, publishedPem: live.find((l) => l.id === item.keyId && l.status !== 'destroyed')?.publicKeyPem ?? null }));
    return drillWrappedKeys(keys, token, backupKey);
  }

  // A wrapped key goes back only where it is missing: if its own token still holds it, it is left there; otherwise it is unwrapped onto the backup key's token.
  private async restoreWrapped(opened: OpenedBackup): Promise<{ outcomes: RestoreResult['tokenKeys']; moved: Map<string, TokenLocation> }> {
    const outcomes: RestoreResult['tokenKeys'] = [];
    const moved = new Map<string, TokenLocation>();
    const backupKey = opened.contents.backupKey;
    const records = opened.contents.inventory?.keys ?? [];
    for (const item of opened.contents.wrappedKeys.values()) {
      const record = records.find((k) => k.id === item.keyId);
      const home = record ? tokenOf(record.location) : null;
      if (!record || home === null || backupKey === null) continue;
      if (await this.tokenHolds({ modulePath: home.modulePath, tokenLabel: home.tokenLabel }, home.objectId)) {
        outcomes.push({ keyId: item.keyId, label: item.label, outcome: `still on its token "${home.tokenLabel}"; left as it is.` });
        continue;
      }
      const token = await this.deps.keys.openToken({ modulePath: backupKey.modulePath, tokenLabel: backupKey.tokenLabel }, `Restore key "${item.label}" onto this token from a backup.`);
      const objectId = Buffer.from(home.objectId, 'hex');
      if (!(await token.listKeys()).some((k) => k.objectId.equals(objectId) && k.hasPrivateKey)) {
        const spki = createPublicKey(record.publicKeyPem).export({ type: 'spki', format: 'der' });
        await token.unwrapPrivateKey(Buffer.from(backupKey.objectId, 'hex'), wrappedPrivateKey(item), { algorithm: item.algorithm, label: record.label, objectId, publicKeySpki: spki, persist: true });
      }
      const location = {
        kind: 'pkcs11' as const,
        uri: formatPkcs11Uri({ token: token.label, serial: token.serial, object: record.label, id: objectId, type: 'private', modulePath: backupKey.modulePath }),
        modulePath: backupKey.modulePath,
        tokenLabel: token.label,
        tokenSerial: token.serial,
        objectId: home.objectId,
        wrappable: true,
      };
      moved.set(item.keyId, location);
      outcomes.push({ keyId: item.keyId, label: item.label, outcome: `its token "${home.tokenLabel}" no longer holds it; unwrapped onto the backup key's token "${token.label}" (${location.uri}).` });
    }
    return { outcomes, moved };
  }

  // A token that cannot be opened (gone, removed) does not hold the key; a wrong PIN is an error, not a missing token.
  private async tokenHolds(selector: TokenSelector, objectIdHex: string): Promise<boolean> {
    let token;
    try {
      token = await this.deps.keys.openToken(selector, 'Check which keys this token still holds, before a restore.');
    } catch (error) {
      if (error instanceof SignetError && (error.code === 'NotFound' || error.code === 'Unavailable')) return false;
      throw error;
    }
    return (await token.listKeys()).some((k) => k.objectId.toString('hex') === objectIdHex && k.hasPrivateKey);
  }

  private async writeBackup(order: BackupOrder, plan: BackupPlan, passphrase: string | null, host: HostKind): Promise<BackupResult> {
    const items = await readBackupItems(this.deps.dataDir, this.deps.software, plan, (key, backupKey) => this.deps.keys.wrapForBackup(key, backupKey.publicKeyPem));
    const createdAt = this.now().toISOString();
    const salt = newSalt();
    const shareSetId = newShareSetId();
    const unlock: BackupManifest['unlock'] =
      order.unlock.kind === 'shares'
        ? { kind: 'shares', threshold: order.unlock.custodians.threshold, custodians: order.unlock.custodians.names, shareSetId }
        : { kind: 'passphrase', kdf: 'scrypt', ...SCRYPT_PARAMS };
    const manifest: BackupManifest = {
      format: 'signet-backup/v1',
      createdAt,
      items: [...items].map(([name, data]) => ({ name, kind: kindOf(name)!, ...describeItem(data) })),
      notIncluded: plan.notIncluded,
      unlock,
    };
    const key = passphrase === null ? newDataKey() : await passphraseKey(passphrase, salt, SCRYPT_PARAMS);
    const base = `signet-backup-${createdAt.replace(/[:.]/g, '-')}-${shareSetId.slice(0, 6)}`;
    const backupFile = join(order.outputDir, `${base}.signet-backup`);
    const sheets: string[] = [];
    try {
      const bytes = encodeBackup(manifest, items, key, salt);
      await writeFileAtomic(backupFile, bytes, 0o600);
      if (order.unlock.kind === 'shares') {
        const { names, threshold } = order.unlock.custodians;
        const shares = await splitKey(key, names.length, threshold, shareSetId);
        for (const share of shares) {
          const custodian = names[share.index - 1]!;
          const sheet = join(order.outputDir, `${base}.sheet-${share.index}-of-${names.length}-${custodian.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40)}.html`);
          await writeFileAtomic(sheet, recoverySheet(share, { custodian, custodians: names, backupFile: basename(backupFile), backupSha256: sha256Hex(bytes), createdAt }), 0o600);
          share.bytes.fill(0);
          sheets.push(sheet);
        }
      }
    } finally {
      key.fill(0);
      for (const [name, data] of items) if (name.startsWith(SOFTWARE_KEY_PREFIX)) data.fill(0);
    }
    await this.deps.audit.append({
      host,
      action: 'backup.create',
      subject: null,
      details: {
        backupFile,
        items: manifest.items.map((i) => `${i.name} sha256:${i.sha256}`),
        notIncluded: plan.notIncluded.map((n) => n.keyId),
        unlock: unlock.kind === 'shares' ? { kind: 'shares', threshold: unlock.threshold, custodians: unlock.custodians, shareSetId } : { kind: 'passphrase' },
        sheets,
      },
    });
    return { backupFile, sheets, manifest };
  }

  // Reads, authenticates, decrypts and checks the whole backup in memory; any failure leaves the live data as it was.
  private async open(input: OpenBackup | PassphraseOpen): Promise<OpenedBackup> {
    const file = input.backupFile;
    const bytes = await readBackupFile(file);
    const parsed = parseBackup(bytes, file);
    const { unlock } = parsed.manifest;
    let key: Buffer;
    let wrongKey: string;
    let openedWith: string;
    if ('passphrase' in input) {
      if (unlock.kind !== 'passphrase') throw new SignetError('BadInput', `${file} opens with its custodians' recovery sheets (${unlock.threshold} of ${unlock.custodians.length}), not a passphrase.`);
      key = await passphraseKey(input.passphrase, parsed.salt, unlock);
      wrongKey = `The passphrase does not open ${file} (or the file's key material was altered). Nothing was restored.`;
      openedWith = 'the passphrase typed at the terminal';
    } else {
      if (unlock.kind !== 'shares') throw new SignetError('BadInput', `${file} opens with a passphrase at a terminal (signet backup restore FILE --passphrase), not with recovery sheets.`);
      const shares = [];
      for (const shareFile of input.shareFiles) shares.push(...sharesIn(await readShareFile(shareFile), shareFile));
      key = await combineShares(shares, unlock);
      wrongKey = `The recovery sheets do not rebuild the key of ${file}: a share line was altered. Nothing was restored.`;
      const used = [...new Set(shares.filter((s) => s.shareSetId === unlock.shareSetId).map((s) => s.index))].sort((a, b) => a - b);
      openedWith = `${used.length} of ${unlock.custodians.length} recovery sheets (${used.map((i) => unlock.custodians[i - 1]).join(', ')})`;
    }
    try {
      const items = openBackup(parsed, key, wrongKey, file);
      return { file, fileSha256: sha256Hex(bytes), manifest: parsed.manifest, items, contents: checkContents(parsed.manifest, items, file), openedWith };
    } finally {
      key.fill(0);
    }
  }

  private async restoreFacts(opened: OpenedBackup): Promise<ConfirmationFact[]> {
    const restored = opened.contents.inventory?.keys.filter((k) => opened.contents.softwareKeys.has(k.id)) ?? [];
    const backupIds = new Set(opened.contents.inventory?.keys.map((k) => k.id) ?? []);
    const liveText = await readDataItemText(this.deps.dataDir, 'keys/inventory.json');
    let dropped: string;
    try {
      const live = liveText === null ? [] : parseInventory(liveText, 'The live key inventory').keys;
      const missing = live.filter((k) => k.status !== 'destroyed' && !backupIds.has(k.id));
      dropped = missing.length === 0 ? 'none' : missing.map((k) => `${k.label} (${k.id}); its key material stays where it is`).join('\n');
    } catch {
      dropped = 'the live inventory is damaged; it is replaced';
    }
    const files = opened.manifest.items.filter((i) => i.kind !== 'software-key').map((i) => i.name);
    return [
      { label: 'Backup file', value: opened.file },
      { label: 'Backup SHA-256', value: opened.fileSha256 },
      { label: 'Made', value: opened.manifest.createdAt },
      { label: 'Opened with', value: opened.openedWith },
      { label: `Software keys restored (${restored.length})`, value: restored.length === 0 ? 'none' : restored.map((k) => `${k.label} (${k.id}, ${ALGORITHM_NAMES[k.algorithm]}, ${k.fingerprint.slice(0, 16)}…)`).join('\n') },
      { label: `Token keys, wrapped (${opened.contents.wrappedKeys.size})`, value: wrappedFact(opened) },
      { label: 'Audit-log key restored', value: opened.contents.softwareKeys.has(AUDIT_KEY.id) ? 'yes' : 'no' },
      { label: `Keys not in this backup (${opened.manifest.notIncluded.length})`, value: opened.manifest.notIncluded.length === 0 ? 'none' : opened.manifest.notIncluded.map((n) => `${n.label} (${n.keyId}): ${n.reason}`).join('\n') },
      { label: 'Files replaced', value: files.join('\n') || 'none' },
      { label: 'Current keys the restored inventory will not list', value: dropped },
      { label: 'Current files', value: 'each replaced file, and each sealed key with the same id, is kept aside under recovery/replaced/ in the data folder' },
    ];
  }

  private async restore(opened: OpenedBackup, host: HostKind): Promise<RestoreResult> {
    const { dataDir, keys, software, settings, audit } = this.deps;
    const aside = join(dataDir, 'recovery', 'replaced', this.now().toISOString().replace(/[:.]/g, '-'));
    const fileItems = opened.manifest.items.filter((i) => i.kind !== 'software-key').map((i) => i.name);
    const sealedKeys = [...opened.contents.softwareKeys.keys()].map((keyId) => `keys/software/${keyId}.sealed.json`);
    for (const name of [...fileItems, ...sealedKeys]) {
      const current = await readDataItem(dataDir, name);
      if (current !== null) await writeFileAtomic(join(aside, name), current);
    }
    const wrapped = await this.restoreWrapped(opened);
    const restoredKeys: string[] = [];
    for (const [keyId, key] of opened.contents.softwareKeys) {
      await software.adopt(keyId, key.algorithm, key.privateKey);
      if (keyId !== AUDIT_KEY.id) restoredKeys.push(keyId);
    }
    const write = (name: string) => writeDataItem(dataDir, name, opened.items.get(name)!);
    const order = ['inventory', 'revocations', 'policies', 'authority'] as const;
    for (const kind of order) {
      for (const item of opened.manifest.items.filter((i) => i.kind === kind && i.name !== 'keys/inventory.json')) await write(item.name);
      if (kind === 'inventory' && opened.items.has('keys/inventory.json')) await keys.replaceInventory(() => write('keys/inventory.json'));
    }
    if (opened.contents.settings) {
      const { version: _version, ...patch } = opened.contents.settings;
      await settings.update(patch);
    }
    const auditItems = opened.manifest.items.filter((i) => i.kind === 'audit-log');
    // The restored log is the backup's on purpose: the checkpoint kept outside it follows, and the point it replaced is recorded below.
    let anchor: Awaited<ReturnType<AuditLog['resetAnchor']>> = null;
    if (auditItems.length > 0) {
      await audit.close();
      for (const item of auditItems) await write(item.name);
      await audit.close();
      anchor = await audit.resetAnchor();
    }
    // After the audit log is back, so each move is recorded in the chain that stays.
    for (const [keyId, location] of wrapped.moved) await keys.relocate(keyId, location, host);
    const restoredItems = opened.manifest.items.map((i) => i.name);
    await audit.append({
      host,
      action: 'backup.restore',
      subject: null,
      details: { backupFile: opened.file, backupSha256: opened.fileSha256, createdAt: opened.manifest.createdAt, restoredKeys, tokenKeys: wrapped.outcomes, restoredItems, notIncluded: opened.manifest.notIncluded.map((n) => n.keyId), keptAside: aside, auditAnchor: anchor && { where: anchor.where, before: anchor.previous, after: anchor.current, failed: anchor.failed } },
    });
    return { restoredKeys, tokenKeys: wrapped.outcomes, restoredItems, notIncluded: opened.manifest.notIncluded };
  }

  private forgetStale(): void {
    for (const id of this.passphrases.keys()) {
      if (!this.deps.intents.isLive(id)) this.passphrases.delete(id);
    }
  }
}

function backupFacts(order: BackupOrder, plan: BackupPlan): ConfirmationFact[] {
  const unlock =
    order.unlock.kind === 'shares'
      ? `any ${order.unlock.custodians.threshold} of ${order.unlock.custodians.names.length} custodians: ${order.unlock.custodians.names.join(', ')} (one recovery sheet each, written into the output folder)`
      : `a passphrase (scrypt N=2^${Math.log2(SCRYPT_PARAMS.N)}, r=${SCRYPT_PARAMS.r}, p=${SCRYPT_PARAMS.p})`;
  return [
    { label: 'Output folder', value: order.outputDir },
    { label: 'Opens with', value: unlock },
    { label: `Software keys (${plan.softwareKeys.length})`, value: plan.softwareKeys.length === 0 ? 'none' : plan.softwareKeys.map((k) => `${k.label} (${k.id}, ${k.fingerprint.slice(0, 16)}…)`).join('\n') },
    {
      label: `Token keys, wrapped (${plan.wrappedKeys.length})`,
      value:
        plan.wrappedKeys.length === 0 || !plan.backupKey
          ? 'none'
          : `${plan.wrappedKeys.map((k) => `${k.label} (${k.id}, token "${tokenOf(k.location)?.tokenLabel ?? ''}", ${k.fingerprint.slice(0, 16)}…)`).join('\n')}\nwrapped on their tokens under the backup key on token "${plan.backupKey.tokenLabel}" (${plan.backupKey.fingerprint.slice(0, 16)}…); only that token opens them`,
    },
    { label: 'Audit-log key', value: plan.includeAuditKey ? 'included' : 'none yet' },
    { label: `Keys not included (${plan.notIncluded.length})`, value: plan.notIncluded.length === 0 ? 'none' : plan.notIncluded.map((n) => `${n.label} (${n.keyId}): ${n.reason}`).join('\n') },
    { label: 'Records', value: plan.files.join('\n') || 'none yet' },
    { label: 'Encryption', value: 'AES-256-GCM; the manifest is authenticated with the contents' },
  ];
}

function wrappedFact(opened: OpenedBackup): string {
  const backupKey = opened.contents.backupKey;
  if (opened.contents.wrappedKeys.size === 0 || !backupKey) return 'none';
  const keys = [...opened.contents.wrappedKeys.values()].map((w) => `${w.label} (${w.keyId}, ${w.fingerprint.slice(0, 16)}…)`);
  return `${keys.join('\n')}\neach stays where its own token still holds it; otherwise it is unwrapped onto the backup key's token "${backupKey.tokenLabel}" and its record moves there`;
}

function assertPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE) throw new SignetError('BadInput', `Use a passphrase of at least ${MIN_PASSPHRASE} characters for a backup that holds private keys.`);
}

async function readBackupFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SignetError('NotFound', `No backup file at ${file}.`);
    throw new SignetError('Unavailable', `${file} could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
}

async function readShareFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SignetError('NotFound', `No recovery sheet at ${file}.`);
    throw new SignetError('Unavailable', `The recovery sheet ${file} could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
}

// A software key passes a drill only when it signed from the fresh keychain store and, where SoftHSM exists, from the fresh token too.
function bothStores(keychain: DrillOutcome, token: { passed: boolean; reason: string } | undefined): DrillOutcome {
  if (!token) return keychain;
  if (!keychain.passed) return token.passed ? keychain : { ...keychain, reason: `${keychain.reason} Also, ${token.reason}` };
  return token.passed ? { ...keychain, reason: `${keychain.reason} Then, ${token.reason}` } : { ...keychain, passed: false, reason: `It passed in the fresh keychain store, but ${token.reason}` };
}
