import { readFile, writeFile } from 'node:fs/promises';
import type { KeyRecord, PrepareKeyAction } from '../../../shared/model/keys.model.ts';
import { flag, output, string, UsageError } from './command.options.ts';
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
    options: {},
    positionals: 0,
    run: async (session) => {
      const call = await session.client();
      const keys = await call.keys.list({});
      const { formatKeys } = await import('../keys.format.ts');
      return { text: formatKeys(keys, new Date()), json: keys };
    },
  },
  'keys generate': {
    options: { label: string, backend: string, module: string, token: string, algorithm: string, expires: string, wrappable: flag },
    positionals: 0,
    run: async (session, v) => {
      if (typeof v.label !== 'string') throw new UsageError('--label is required');
      const call = await session.client();
      const kind = v.backend ?? (v.module ? 'pkcs11' : 'software');
      const backend = kind === 'pkcs11' ? { kind: 'pkcs11' as const, modulePath: String(v.module ?? ''), tokenLabel: String(v.token ?? '') } : { kind: kind as 'software' };
      const notAfter = typeof v.expires === 'string' ? new Date(v.expires).toISOString() : undefined;
      const key = await call.keys.generate({ backend, label: v.label, algorithm: v.algorithm as never, notAfter, ...(v.wrappable === true ? { wrappable: true } : {}) });
      return { text: `Generated ${key.id} "${key.label}"\nfingerprint ${key.fingerprint}\n${key.publicKeyPem.trimEnd()}`, json: key };
    },
  },
  'keys export': {
    options: { format: string, output: string },
    positionals: 1,
    run: async (session, v, [keyId]) => {
      const call = await session.client();
      const file = await call.keys.exportPublic({ keyId: keyId!, format: (v.format ?? 'pem') as never });
      return { text: await output(v, file), json: file };
    },
  },
  'keys rotate': {
    options: { 'overlap-days': string, label: string },
    positionals: 1,
    run: async (session, v, [keyId]) => {
      const overlapDays = v['overlap-days'] === undefined ? undefined : Number(v['overlap-days']);
      const key = await confirmAction(session, { action: 'rotate', keyId: keyId!, overlapDays: overlapDays as number, label: v.label as string | undefined });
      return { text: `Rotated: the successor is ${key.id} "${key.label}" (${key.fingerprint})`, json: key };
    },
  },
  'keys revoke': {
    options: { reason: string, 'invalid-since': string },
    positionals: 1,
    run: async (session, v, [keyId]) => {
      if (typeof v.reason !== 'string') throw new UsageError('--reason is required (keyCompromise, superseded, cessationOfOperation, ...)');
      const invalidSince = new Date(typeof v['invalid-since'] === 'string' ? v['invalid-since'] : Date.now()).toISOString();
      const key = await confirmAction(session, { action: 'revoke', keyId: keyId!, reason: v.reason as never, invalidSince });
      return { text: `Revoked ${key.id} "${key.label}" (${v.reason}, invalid since ${invalidSince})`, json: key };
    },
  },
  'keys destroy': {
    options: {},
    positionals: 1,
    run: async (session, _v, [keyId]) => {
      const key = await confirmAction(session, { action: 'destroy', keyId: keyId! });
      return { text: `Destroyed the private key of ${key.id} "${key.label}"; its record stays.`, json: key };
    },
  },
  'keys import-cosign': {
    options: { label: string },
    positionals: 1,
    run: async (session, v, [file]) => {
      if (typeof v.label !== 'string') throw new UsageError('--label is required');
      const pem = await readFile(file!, 'utf8');
      const app = await session.app();
      const key = await app.keys.importCosignKey(pem, await password('Password of the cosign.key: '), v.label, 'cli');
      return { text: `Imported ${key.id} "${key.label}" (${key.fingerprint}) as a sealed software key.`, json: key };
    },
  },
  'keys export-cosign': {
    options: { output: string },
    positionals: 1,
    run: async (session, v, [keyId]) => {
      if (typeof v.output !== 'string') throw new UsageError('--output is required: the private key is never printed');
      const app = await session.app();
      const pem = await app.keys.exportCosignKey(keyId!, await password('Password for the exported cosign.key: '), 'cli');
      await writeFile(v.output, pem, { mode: 0o600, flag: 'wx' });
      return { text: `Wrote ${v.output} (encrypted; keep it like the key itself).`, json: { written: v.output } };
    },
  },
  'keys discover': {
    options: { module: string, token: string },
    positionals: 0,
    run: async (session, v) => {
      const call = await session.client();
      const keys = await call.keys.discover({ modulePath: String(v.module ?? ''), tokenLabel: String(v.token ?? '') });
      const text = keys.map((k) => `${k.objectId}  ${(k.algorithm ?? 'unsupported').padEnd(11)} ${k.adoptedAs ? `in inventory as ${k.adoptedAs}` : 'not in inventory'}  ${k.label}`).join('\n');
      return { text: text || 'The token holds no private keys.', json: keys };
    },
  },
  'keys adopt': {
    options: { module: string, token: string, label: string },
    positionals: 1,
    run: async (session, v, [objectId]) => {
      const call = await session.client();
      const key = await call.keys.adopt({ modulePath: String(v.module ?? ''), tokenLabel: String(v.token ?? ''), objectId: objectId!, label: String(v.label ?? '') });
      return { text: `Adopted ${key.id} "${key.label}" (${key.fingerprint})`, json: key };
    },
  },
  'keys rotation-statement': {
    options: { output: string },
    positionals: 1,
    run: async (session, v, [keyId]) => {
      const call = await session.client();
      const file = await call.keys.rotationStatement({ keyId: keyId! });
      return { text: await output(v, file), json: JSON.parse(file.text) as unknown };
    },
  },
  'keys import-revocations': {
    options: {},
    positionals: 1,
    run: async (session, _v, [file]) => {
      const call = await session.client();
      const result = await call.keys.importRevocations({ text: await readFile(file!, 'utf8') });
      return { text: result.applied.length === 0 ? 'Nothing new: every entry was already applied.' : `Revoked ${result.applied.join(', ')}`, json: result };
    },
  },
  'keys set-admin': {
    options: {},
    positionals: 1,
    run: async (session, _v, [keyId]) => {
      const key = await confirmAction(session, { action: 'set-admin', keyId: keyId! });
      return { text: `${key.id} "${key.label}" now signs the revocation list.`, json: key };
    },
  },
  'keys reconcile': {
    options: {},
    positionals: 0,
    run: async (session) => {
      const call = await session.client();
      const differences = await call.keys.reconcile({});
      return { text: differences.length === 0 ? 'The inventory matches the tokens and the sealed store.' : differences.map((d) => `${d.kind}: ${d.message}`).join('\n'), json: differences };
    },
  },
  'keys revocations': {
    options: { output: string },
    positionals: 0,
    run: async (session, v) => {
      const call = await session.client();
      const file = await call.keys.revocations({});
      return { text: await output(v, file), json: JSON.parse(file.text) as unknown };
    },
  },
};
