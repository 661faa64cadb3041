import { readFile, writeFile } from 'node:fs/promises';
import type { KeyRecord, PrepareKeyAction } from '../../../shared/model/keys.model.ts';
import { arg, backendOf, flag, output, string, UsageError } from './command.options.ts';
import type { CommandTable, Session } from './command.types.ts';

// Rotate, revoke, destroy and set-admin go through one intent; destroying also asks for the key's label to be typed.
async function confirmAction(session: Session, request: PrepareKeyAction): Promise<KeyRecord> {
  const call = await session.client();
  const intent = await call.keys.prepare(request);
  let typed: string | undefined;
  if (intent.typeToConfirm !== null) {
    const { ask } = await import('../prompt.ts');
    typed = (await ask(`Type the key's label (${intent.typeToConfirm}) to destroy it: `)) ?? undefined;
    if (typed === undefined) throw new UsageError('destroying a key needs a terminal to type its label at');
  }
  return call.keys.confirm({ intentId: intent.intentId, typedConfirmation: typed });
}

const keyId = arg('ID', 'the key id (k-...) from keys list');
const outputFlag = (what: string) => string('FILE', `write ${what} to FILE instead of printing it`);
const moduleFlag = string('PATH', 'the PKCS#11 module (required)');
const tokenFlag = string('LABEL', 'the token label (required)');

// The cosign convention: COSIGN_PASSWORD when set, otherwise asked at the terminal without echo.
async function password(question: string): Promise<string> {
  const fromEnv = process.env.COSIGN_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) throw new UsageError('set COSIGN_PASSWORD or run at a terminal to give the password');
  const { readSecret } = await import('../prompt.ts');
  return readSecret(question);
}

/** `signet keys ...`: the inventory, its keys' life cycle, cosign keys and the revocation list. */
export const keysCommands: CommandTable = {
  'keys list': {
    summary: 'every key with its status, expiry and use',
    options: {},
    positionals: [],
    run: async (session) => {
      const call = await session.client();
      const keys = await call.keys.list({});
      const { formatKeys } = await import('../keys.format.ts');
      return { text: formatKeys(keys, new Date()), json: keys };
    },
  },
  'keys generate': {
    summary: 'make a key in the software store or on a PKCS#11 token',
    options: {
      label: string('NAME', "the key's name in the inventory (required)"),
      backend: string('KIND', 'software or pkcs11 (default: pkcs11 with --module, else software)'),
      module: string('PATH', 'the PKCS#11 module, for a token key'),
      token: string('LABEL', 'the token label, for a token key'),
      algorithm: string('ALG', 'ecdsa-p256, ecdsa-p384, ed25519, rsa-3072 or rsa-4096'),
      expires: string('DATE', 'when the key stops signing, such as 2027-01-01'),
      wrappable: flag('a token key backups may hold, wrapped under the backup key'),
    },
    positionals: [],
    run: async (session, v) => {
      if (typeof v.label !== 'string') throw new UsageError('--label is required');
      const call = await session.client();
      const backend = backendOf(v);
      const notAfter = typeof v.expires === 'string' ? new Date(v.expires).toISOString() : undefined;
      const key = await call.keys.generate({ backend, label: v.label, algorithm: v.algorithm as never, notAfter, ...(v.wrappable === true ? { wrappable: true } : {}) });
      return { text: `Generated ${key.id} "${key.label}"\nfingerprint ${key.fingerprint}\n${key.publicKeyPem.trimEnd()}`, json: key };
    },
  },
  'keys export': {
    summary: 'print or write the public key',
    options: { format: string('FORMAT', 'pem (default), cosign-pub or jwk'), output: outputFlag('the public key') },
    positionals: [keyId],
    run: async (session, v, [keyId]) => {
      const call = await session.client();
      const file = await call.keys.exportPublic({ keyId: keyId!, format: (v.format ?? 'pem') as never });
      return { text: await output(v, file), json: file };
    },
  },
  'keys rotate': {
    summary: 'make a successor key and a statement cross-signed by both, after a typed confirmation',
    options: { 'overlap-days': string('N', 'days the old key may still sign (default 7)'), label: string('NAME', "the successor's name") },
    positionals: [keyId],
    run: async (session, v, [keyId]) => {
      const overlapDays = v['overlap-days'] === undefined ? undefined : Number(v['overlap-days']);
      const key = await confirmAction(session, { action: 'rotate', keyId: keyId!, overlapDays: overlapDays as number, label: v.label as string | undefined });
      return { text: `Rotated: the successor is ${key.id} "${key.label}" (${key.fingerprint})`, json: key };
    },
  },
  'keys revoke': {
    summary: 'revoke a key, after a typed confirmation',
    options: { reason: string('REASON', 'the RFC 5280 reason: keyCompromise, superseded, cessationOfOperation, ... (required)'), 'invalid-since': string('DATE', 'from when its signatures no longer count (default: now)') },
    positionals: [keyId],
    run: async (session, v, [keyId]) => {
      if (typeof v.reason !== 'string') throw new UsageError('--reason is required (keyCompromise, superseded, cessationOfOperation, ...)');
      const invalidSince = new Date(typeof v['invalid-since'] === 'string' ? v['invalid-since'] : Date.now()).toISOString();
      const key = await confirmAction(session, { action: 'revoke', keyId: keyId!, reason: v.reason as never, invalidSince });
      return { text: `Revoked ${key.id} "${key.label}" (${v.reason}, invalid since ${invalidSince})`, json: key };
    },
  },
  'keys destroy': {
    summary: "erase the private key; its record stays (asks for the key's label to be typed)",
    options: {},
    positionals: [keyId],
    run: async (session, _v, [keyId]) => {
      const key = await confirmAction(session, { action: 'destroy', keyId: keyId! });
      return { text: `Destroyed the private key of ${key.id} "${key.label}"; its record stays.`, json: key };
    },
  },
  'keys import-cosign': {
    summary: 'a cosign.key becomes a sealed software key (password: COSIGN_PASSWORD or asked at the terminal)',
    options: { label: string('NAME', "the key's name in the inventory (required)") },
    positionals: [arg('FILE', 'the cosign.key')],
    run: async (session, v, [file]) => {
      if (typeof v.label !== 'string') throw new UsageError('--label is required');
      const pem = await readFile(file!, 'utf8');
      const app = await session.app();
      const key = await app.keys.importCosignKey(pem, await password('Password of the cosign.key: '), v.label, 'cli');
      return { text: `Imported ${key.id} "${key.label}" (${key.fingerprint}) as a sealed software key.`, json: key };
    },
  },
  'keys export-cosign': {
    summary: 'a software key as cosign.key, encrypted with a password you choose (COSIGN_PASSWORD or asked)',
    options: { output: string('FILE', 'the cosign.key to write; it must not exist (required)') },
    positionals: [keyId],
    run: async (session, v, [keyId]) => {
      if (typeof v.output !== 'string') throw new UsageError('--output is required: the private key is never printed');
      const app = await session.app();
      const pem = await app.keys.exportCosignKey(keyId!, await password('Password for the exported cosign.key: '), 'cli');
      await writeFile(v.output, pem, { mode: 0o600, flag: 'wx' });
      return { text: `Wrote ${v.output} (encrypted; keep it like the key itself).`, json: { written: v.output } };
    },
  },
  'keys discover': {
    summary: 'the keys on a token, and which the inventory knows',
    options: { module: moduleFlag, token: tokenFlag },
    positionals: [],
    run: async (session, v) => {
      const call = await session.client();
      const keys = await call.keys.discover({ modulePath: String(v.module ?? ''), tokenLabel: String(v.token ?? '') });
      const text = keys.map((k) => `${k.objectId}  ${(k.algorithm ?? 'unsupported').padEnd(11)} ${k.adoptedAs ? `in inventory as ${k.adoptedAs}` : 'not in inventory'}  ${k.label}`).join('\n');
      return { text: text || 'The token holds no private keys.', json: keys };
    },
  },
  'keys adopt': {
    summary: 'take a key made elsewhere on a token into the inventory',
    options: { module: moduleFlag, token: tokenFlag, label: string('NAME', "the key's name in the inventory (required)") },
    positionals: [arg('OBJECT_ID', 'the object id keys discover printed')],
    run: async (session, v, [objectId]) => {
      const call = await session.client();
      const key = await call.keys.adopt({ modulePath: String(v.module ?? ''), tokenLabel: String(v.token ?? ''), objectId: objectId!, label: String(v.label ?? '') });
      return { text: `Adopted ${key.id} "${key.label}" (${key.fingerprint})`, json: key };
    },
  },
  'keys rotation-statement': {
    summary: 'the cross-signed rotation statement of a rotated key',
    options: { output: outputFlag('the statement') },
    positionals: [keyId],
    run: async (session, v, [keyId]) => {
      const call = await session.client();
      const file = await call.keys.rotationStatement({ keyId: keyId! });
      return { text: await output(v, file), json: JSON.parse(file.text) as unknown };
    },
  },
  'keys import-revocations': {
    summary: 'apply a newer revocation list signed by the admin key',
    options: {},
    positionals: [arg('FILE', 'the signed revocation list')],
    run: async (session, _v, [file]) => {
      const call = await session.client();
      const result = await call.keys.importRevocations({ text: await readFile(file!, 'utf8') });
      return { text: result.applied.length === 0 ? 'Nothing new: every entry was already applied.' : `Revoked ${result.applied.join(', ')}`, json: result };
    },
  },
  'keys set-admin': {
    summary: 'the key that signs the revocation list, after a typed confirmation',
    options: {},
    positionals: [keyId],
    run: async (session, _v, [keyId]) => {
      const key = await confirmAction(session, { action: 'set-admin', keyId: keyId! });
      return { text: `${key.id} "${key.label}" now signs the revocation list.`, json: key };
    },
  },
  'keys reconcile': {
    summary: 'compare the inventory with the tokens and the sealed store; changes nothing',
    options: {},
    positionals: [],
    run: async (session) => {
      const call = await session.client();
      const differences = await call.keys.reconcile({});
      return { text: differences.length === 0 ? 'The inventory matches the tokens and the sealed store.' : differences.map((d) => `${d.kind}: ${d.message}`).join('\n'), json: differences };
    },
  },
  'keys revocations': {
    summary: 'the signed revocation list',
    options: { output: outputFlag('the list') },
    positionals: [],
    run: async (session, v) => {
      const call = await session.client();
      const file = await call.keys.revocations({});
      return { text: await output(v, file), json: JSON.parse(file.text) as unknown };
    },
  },
};
