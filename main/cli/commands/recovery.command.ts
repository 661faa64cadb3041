import { describeLocation } from '../../keys/key-location.ts';
import { resolve } from 'node:path';
import type { BackupKey, BackupManifest, BackupResult, DrillResult, RestoreResult } from '../../../shared/model/recovery.model.ts';
import type { AppContext } from '../../app/app.context.ts';
import { readSecret } from '../prompt.ts';
import { SignetError } from '../../errors.ts';
import type { PassphraseOpen } from '../../recovery/recovery.service.ts';
import { arg, flag, listOf, many, string, UsageError } from './command.options.ts';
import type { CommandTable, Values } from './command.types.ts';

type Output = { text: string; json: unknown; code?: number };

/** How the CLI opens a backup: a passphrase read at the terminal (or from stdin), or recovery sheet files. */
export type CliUnlock = { passphrase: true } | { shareFiles: string[] };

// Asked twice without echo: a mistyped passphrase would make the backup unopenable.
export async function newPassphrase(): Promise<string> {
  if (!process.stdin.isTTY) throw new SignetError('Forbidden', 'A backup passphrase is typed at a terminal; run the command interactively.');
  const first = await readSecret('Passphrase for the backup (at least 12 characters): ');
  const again = await readSecret('The same passphrase again: ');
  if (first !== again) throw new SignetError('BadInput', 'The two passphrases differ; nothing was written.');
  return first;
}

// The same intent and confirmation as the app: the facts are printed and "backup" must be typed.
export async function createBackup(app: AppContext, input: { outputDir: string; passphrase: string | null; custodians: string | null; threshold: string | null }): Promise<Output> {
  const outputDir = resolve(input.outputDir);
  const intent =
    input.passphrase !== null
      ? await app.recovery.prepareBackup({ outputDir, passphrase: input.passphrase })
      : await app.recovery.prepareBackup({ outputDir, custodians: { names: (input.custodians ?? '').split(',').map((n) => n.trim()).filter((n) => n.length > 0), threshold: Number(input.threshold) } });
  const result = await app.recovery.confirmBackup(intent.intentId);
  return { text: formatBackupResult(result), json: result };
}

// Reads the manifest only; nothing is decrypted.
export async function inspectBackup(app: AppContext, file: string): Promise<Output> {
  const manifest = await app.recovery.inspect(resolve(file));
  return { text: formatManifest(manifest), json: manifest };
}

// Exit 0 only when every key in the backup restored, signed and verified against its published key.
export async function drillBackup(app: AppContext, file: string, unlock: CliUnlock): Promise<Output> {
  const result = await app.recovery.drill(await openInput(file, unlock), 'cli');
  return { text: formatDrill(result), json: result, code: result.passed ? 0 : 1 };
}

// The whole backup is opened and checked first; then the facts are printed and "restore" must be typed.
export async function restoreBackup(app: AppContext, file: string, unlock: CliUnlock): Promise<Output> {
  const intent = await app.recovery.prepareRestore(await openInput(file, unlock));
  const result = await app.recovery.confirmRestore(intent.intentId);
  return { text: formatRestore(result), json: result };
}

// A twin on another token for a key no backup can hold.
export async function twinKey(app: AppContext, keyId: string, token: { modulePath: string; tokenLabel: string }, label: string | undefined): Promise<Output> {
  const result = await app.recovery.twin(keyId, { modulePath: resolve(token.modulePath), tokenLabel: token.tokenLabel }, label, 'cli');
  const where = describeLocation(result.twin.location).audit;
  return { text: `Made the twin ${result.twin.id} "${result.twin.label}" of ${result.original.id} "${result.original.label}"\nfingerprint ${result.twin.fingerprint}\nheld at ${where}\nBoth keys signed the twin statement. Policies that name either key accept the other as the same signer (one vote for the pair).`, json: result };
}

// Made once on a second token; every backup after it holds the wrappable token keys.
export async function createBackupKey(app: AppContext, token: { modulePath: string; tokenLabel: string }): Promise<Output> {
  const key = await app.recovery.createBackupKey({ modulePath: resolve(token.modulePath), tokenLabel: token.tokenLabel }, 'cli');
  return { text: `Made the backup key\n${formatBackupKey(key)}\nToken keys generated with --wrappable now go into backups, wrapped under it.`, json: key };
}

// Prints where the backup key lives and its fingerprint, so custodians can check a backup names the right one.
export async function showBackupKey(app: AppContext): Promise<Output> {
  const key = await app.recovery.backupKey();
  return { text: key ? formatBackupKey(key) : 'No backup key yet: `signet backup key create --module PATH --token LABEL` makes one on a second token.', json: key };
}

function formatBackupKey(key: BackupKey): string {
  return [`token "${key.tokenLabel}" (serial ${key.tokenSerial}) in ${key.modulePath}`, `object id ${key.objectId}, RSA 3072, unwraps only`, `fingerprint ${key.fingerprint}`, `made ${key.createdAt}`].join('\n');
}

async function openInput(file: string, unlock: CliUnlock): Promise<PassphraseOpen | { backupFile: string; shareFiles: string[] }> {
  const backupFile = resolve(file);
  if ('shareFiles' in unlock) return { backupFile, shareFiles: unlock.shareFiles.map((f) => resolve(f)) };
  return { backupFile, passphrase: await readSecret('Passphrase of the backup: ') };
}

// `signet backup inspect`: what the backup holds, item by item, and what it cannot hold.
export function formatManifest(manifest: BackupManifest): string {
  const unlock = manifest.unlock.kind === 'shares' ? `any ${manifest.unlock.threshold} of ${manifest.unlock.custodians.length} custodians (${manifest.unlock.custodians.join(', ')}), share set ${manifest.unlock.shareSetId}` : `a passphrase (scrypt N=${manifest.unlock.N}, r=${manifest.unlock.r}, p=${manifest.unlock.p})`;
  const width = Math.max(...manifest.items.map((i) => i.name.length), 4);
  const items = manifest.items.map((i) => `  ${i.name.padEnd(width)}  ${i.kind.padEnd(12)}  ${String(i.bytes).padStart(9)} B  sha256:${i.sha256}`);
  const missing = manifest.notIncluded.map((n) => `  ${n.keyId} "${n.label}": ${n.reason}`);
  return [
    `${manifest.format}, made ${manifest.createdAt}`,
    `Opens with ${unlock}`,
    `Items (${manifest.items.length}):`,
    ...items,
    `Not included (${manifest.notIncluded.length}):`,
    ...(missing.length ? missing : ['  nothing']),
    'The manifest is authenticated with the contents: an edit is detected when the backup is opened.',
  ].join('\n');
}

function formatBackupResult(result: BackupResult): string {
  const sheets = result.sheets.length ? ['Recovery sheets (hand one to each custodian, then delete these files):', ...result.sheets.map((s) => `  ${s}`)] : [];
  return [`Wrote ${result.backupFile}`, ...sheets, formatManifest(result.manifest)].join('\n');
}

function formatDrill(result: DrillResult): string {
  const keys = result.keys.map((k) => `  ${k.passed ? 'pass' : 'FAIL'}  ${k.keyId} "${k.label}": ${k.reason}`);
  const missing = result.notIncluded.map((n) => `  not in the backup  ${n.keyId} "${n.label}": ${n.reason}`);
  return [`Drill of ${result.backupFile} at ${result.at}: ${result.passed ? 'passed' : 'FAILED'}`, ...keys, ...missing, result.freshToken].join('\n');
}

function formatRestore(result: RestoreResult): string {
  const missing = result.notIncluded.map((n) => `  ${n.keyId} "${n.label}": ${n.reason}`);
  return [
    `Restored ${result.restoredKeys.length} software key(s) and ${result.restoredItems.length} item(s).`,
    ...result.tokenKeys.map((k) => `  token key ${k.keyId} "${k.label}": ${k.outcome}`),
    ...result.restoredItems.map((i) => `  ${i}`),
    ...(missing.length ? ['Not in the backup:', ...missing] : []),
  ].join('\n');
}

// A backup opens with the passphrase (asked without echo) or with recovery sheets, never both.
function backupUnlock(v: Values): CliUnlock {
  const shareFiles = listOf(v, 'share');
  if ((v.passphrase === true) === shareFiles.length > 0) throw new UsageError('give --passphrase, or --share SHEET once per recovery sheet');
  return v.passphrase === true ? { passphrase: true } : { shareFiles };
}

const backupFile = arg('FILE', 'the .signet-backup file');
const unlockOptions = { passphrase: flag('open the backup with its passphrase, typed at the terminal'), share: many('SHEET', 'a recovery sheet file; repeat up to the threshold') } as const;
const secondToken = { module: string('PATH', 'the PKCS#11 module of the second token (required)'), token: string('LABEL', 'the label of the second token (required)') } as const;

/** `signet backup ...`: create, inspect, drill and restore backups; the backup key and key twins on a second token. */
export const backupCommands: CommandTable = {
  'backup create': {
    summary: 'encrypt the software keys, inventory, policies, revocations, settings and audit log, after a typed confirmation',
    options: {
      output: string('DIR', 'the folder the backup (and the recovery sheets) go into (required)'),
      passphrase: flag('encrypt under a passphrase, typed twice at the terminal'),
      custodians: string('NAME,NAME,...', 'split the key among custodians, one printable recovery sheet each'),
      threshold: string('M', 'how many custodians open the backup (required with --custodians)'),
    },
    positionals: [],
    notes: ['Give --passphrase, or --custodians with --threshold.'],
    run: async (session, v) => {
      if (typeof v.output !== 'string') throw new UsageError('--output DIR is required');
      if ((v.passphrase === true) === (typeof v.custodians === 'string')) throw new UsageError('give --passphrase, or --custodians NAME,NAME,... with --threshold M');
      if (typeof v.custodians === 'string' && typeof v.threshold !== 'string') throw new UsageError('--threshold M is required with --custodians');
      const passphrase = v.passphrase === true ? await newPassphrase() : null;
      return createBackup(await session.app(), { outputDir: v.output, passphrase, custodians: (v.custodians as string | undefined) ?? null, threshold: (v.threshold as string | undefined) ?? null });
    },
  },
  'backup inspect': {
    summary: "a backup's manifest: each item with its SHA-256, and the keys that stay on tokens",
    options: {},
    positionals: [backupFile],
    run: async (session, _v, [file]) => inspectBackup(await session.app(), file!),
  },
  'backup drill': {
    summary: 'restore into fresh stores, sign with every key and check the published public keys',
    options: unlockOptions,
    positionals: [backupFile],
    notes: ['Give --passphrase, or --share once per recovery sheet. Exit 0 when every key passes, 1 when one fails.'],
    run: async (session, v, [file]) => drillBackup(await session.app(), file!, backupUnlock(v)),
  },
  'backup restore': {
    summary: 'restore a backup, after a typed confirmation; nothing is written unless all of it opens',
    options: unlockOptions,
    positionals: [backupFile],
    notes: ['Give --passphrase, or --share once per recovery sheet.'],
    run: async (session, v, [file]) => restoreBackup(await session.app(), file!, backupUnlock(v)),
  },
  'backup key': {
    summary: 'make (create) or print (show) the backup key, RSA-3072 and unwrap only, on a second token',
    options: { module: string('PATH', 'the PKCS#11 module of the second token (required by create)'), token: string('LABEL', 'the label of the second token (required by create)') },
    positionals: [arg('create|show', 'make the backup key, or print where it lives and its fingerprint')],
    run: async (session, v, [verb]) => {
      if (verb === 'show') return showBackupKey(await session.app());
      if (verb !== 'create') throw new UsageError('backup key create|show');
      if (typeof v.module !== 'string' || typeof v.token !== 'string') throw new UsageError('--module PATH and --token LABEL name the second token');
      return createBackupKey(await session.app(), { modulePath: v.module, tokenLabel: v.token });
    },
  },
  'backup twin': {
    summary: 'a second key on another token, cross-signed with a token key no backup can hold',
    options: { ...secondToken, label: string('NAME', "the twin's name") },
    positionals: [arg('ID', 'the token key to twin')],
    run: async (session, v, [keyId]) => {
      if (typeof v.module !== 'string' || typeof v.token !== 'string') throw new UsageError('--module PATH and --token LABEL name the second token');
      return twinKey(await session.app(), keyId!, { modulePath: v.module, tokenLabel: v.token }, v.label as string | undefined);
    },
  },
};
