import { readFile, writeFile } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import type { AppContext } from '../app/app.context.ts';
import type { Client } from '../../shared/client.ts';
import type { CredentialSource } from '../registry/registry.client.ts';
import type { AppError } from '../../shared/errors.ts';
import type { KeyRecord, PrepareKeyAction } from '../../shared/model/keys.model.ts';
import type { SignResult } from '../../shared/model/signing.model.ts';
import { escapeControls } from '../../shared/terminal-text.ts';

const HELP = `signet: manage signing keys and container-image signatures

Usage: signet [--json] COMMAND [ARGS]

Commands:
  status                          key backends, keychain, registries and tools on this machine
  keys list                       every key with its status, expiry and use
  keys generate --label NAME      make a key: [--backend software|pkcs11] [--module PATH --token LABEL]
                                  [--algorithm ecdsa-p256|ecdsa-p384|ed25519|rsa-3072|rsa-4096] [--expires DATE]
                                  [--wrappable] (a token key backups may hold, wrapped under the backup key)
  keys export ID                  public key: [--format pem|cosign-pub|jwk] [--output FILE]
  keys rotate ID                  successor key and cross-signed statement: [--overlap-days N] [--label NAME]
  keys revoke ID --reason REASON  RFC 5280 reason; [--invalid-since DATE] (default now)
  keys destroy ID                 erase the private key (asks for the label to be typed)
  keys import-cosign FILE --label NAME
                                  a cosign.key becomes a sealed software key (password: COSIGN_PASSWORD or prompt)
  keys export-cosign ID --output FILE
                                  a software key as cosign.key, encrypted with a password you choose
  keys discover --module PATH --token LABEL
                                  the keys on a token, and which the inventory knows
  keys adopt OBJECT_ID --module PATH --token LABEL --label NAME
                                  take a key made elsewhere on a token into the inventory
  keys rotation-statement ID      the cross-signed rotation statement: [--output FILE]
  keys import-revocations FILE    apply a newer revocation list signed by the admin key
  keys set-admin ID               the key that signs the revocation list
  keys reconcile                  compare the inventory with the tokens; changes nothing
  keys revocations                the signed revocation list: [--output FILE]
  compromise assess KEY --since DATE
                                  images the key signed after DATE, from the audit log and [--registry NAME]... scans
  compromise respond KEY --since DATE
                                  rotate, revoke for keyCompromise, re-sign every affected image with the successor,
                                  after one typed confirmation: [--registry NAME]... [--no-resign] [--remove-signatures]
                                  [--export kyverno|policy-controller|containers-policy|notation]... [--output DIR]
  registries login HOST --username NAME
                                  keep a registry password in the OS keychain (read from the terminal or stdin)
  tokens remember-pin --module PATH --token LABEL
                                  keep the token PIN in the OS keychain (read from the terminal or stdin)
  verify IMAGE                    verify every signature and attestation; exit 0 only when the image is verified
                                  [--key FILE]... [--keyref ID]... [--trusted-root FILE]
                                  [--identity SAN | --identity-regexp RE] with [--issuer URL | --issuer-regexp RE]:
                                  a keyless signer's certificate name (email, URI such as a GitHub workflow or a
                                  SPIFFE ID, DNS name, username), exactly or as a pattern the WHOLE name must match,
                                  and the OIDC issuer that vouched for it (required with a keyless identity)
                                  [--rekor-key FILE] [--ca FILE] [--tsa FILE] [--notation-store [ca:|signingAuthority:|tsa:]DIR] [--crl FILE] [--insecure]
                                  [--require-tlog] [--no-public-good] (sigstore's public-good root ships built in)
  tree IMAGE                      the same check, printed as the trust-chain tree
  conformance verify-bundle --bundle FILE ... FILE_OR_DIGEST
                                  the sigstore-conformance CLI protocol, offline: --certificate-identity ID
                                  --certificate-oidc-issuer URL (or the -regexp forms) | --key FILE; [--trusted-root FILE]
                                  [--staging]; FILE_OR_DIGEST a path or sha256:HEX. \`signet conformance --help\` for more
  sign IMAGE --key ID|LABEL       sign the image (an index and each platform manifest) after a typed confirmation
                                  [--format cosign|sigstore-bundle|notation] [--index-only] [--annotation K=V]...
                                  [--timestamp] [--insecure]; nothing goes to a public transparency log
  sign-tags REPOSITORY --tags PATTERN --key ID|LABEL
                                  sign every tag matching PATTERN (* and ?) after one confirmation listing every digest
                                  [--format ...] [--index-only] [--annotation K=V]... [--timestamp] [--insecure]
  scan --registry NAME|--layout NAME
                                  signature coverage of every tag: [--repository R]... (default: the catalog)
                                  [--policy ID] [--tags PATTERN] [--full] (re-check what did not move too)
  scan history                    earlier scans, newest first: [--limit N]
  scan diff FROM TO               what became unsigned, whose signer changed, what came and went
  scan export ID --format csv|json|html
                                  a scan as CSV, JSON or an HTML compliance report: [--output FILE]
  authority create --name NAME    Signet's CA for Notation: [--backend software|pkcs11] [--module PATH --token LABEL]
  authority show                  the root and intermediate certificates and the issued leaves
  authority crl                   the current CRL of the intermediate: [--output FILE]
  audit verify                    check the audit chain, its signed checkpoints and the last checkpoint kept in the
                                  OS keychain; exit 1 if it is broken, shortened, rewritten or not checked
                                  [--against REGISTRY/REPO[:TAG|@DIGEST] [--insecure]]: also hold it against a
                                  published checkpoint
  audit publish REGISTRY/REPO[:TAG]
                                  push the latest signed checkpoint and the audit public key as an OCI artifact
                                  (application/vnd.signet.audit.checkpoint.v1+json), so a third party can hold it [--insecure]
  audit list                      newest entries: [--action PREFIX] [--limit N]
  policy list                     every trust policy
  policy import FILE              add or replace a policy from a JSON file (checked against the policy schema)
  policy show ID                  a policy's rules: scope, signers, threshold, formats, attestations, enforcement
  policy remove ID                delete a policy
  policy evaluate ID IMAGE        the policy's verdict on an image; exit 0 when admitted: [--insecure]
  policy export ID --target kyverno|policy-controller|containers-policy|notation
                                  the policy for an admission controller: [--output DIR]; what it cannot express on stderr
  backup create --output DIR      encrypt the software keys, inventory, policies, revocations, settings and audit log
                                  --passphrase (typed twice, not echoed) | --custodians NAME,NAME,... --threshold M
                                  (one printable recovery sheet per custodian, written into DIR)
  backup inspect FILE             a backup's manifest: each item with its SHA-256, and the keys that stay on tokens
  backup drill FILE               restore into fresh stores, sign with every key, check the published public keys;
                                  exit 0 when all pass: --passphrase | --share SHEET...
  backup restore FILE             restore a backup; nothing is written unless all of it opens: --passphrase | --share SHEET...
  backup key create --module PATH --token LABEL
                                  the backup key (RSA-3072, unwrap only) on a second token; wrappable token keys go
                                  into backups wrapped under it. \`backup key show\` prints it
  backup twin ID --module PATH --token LABEL
                                  a second key on another token, cross-signed with a token key no backup can hold [--label NAME]

Options:
  --json        machine-readable output
  --help, -h    this help
  --version     the version

Signing, rotate, revoke, destroy, compromise respond, backup and restore show what will happen and ask for confirmation at the terminal.

Environment:
  SIGNET_HOME           data folder (default: the platform's config folder)
  SIGNET_TOOLS_DIR      extra folders searched for cosign, skopeo, oras, ...
  SIGNET_PKCS11_MODULES extra PKCS#11 module paths to probe
`;

class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

/** The part of the app that verify and tree read: settings, the inventory and registry credentials. */
interface VerifyContext {
  dataDir: string;
  settings: Pick<AppContext['settings'], 'get'>;
  keys: Pick<AppContext['keys'], 'list'>;
  registryCredentials: CredentialSource;
}

/** What a command may use; each part is loaded on first use, so a command pays only for what it touches. */
interface Session {
  app(): Promise<AppContext>;
  client(): Promise<Client>;
  verifyContext(): Promise<VerifyContext>;
}

interface Command {
  options: NonNullable<ParseArgsConfig['options']>;
  positionals: number;
  run(session: Session, values: Values, args: string[]): Promise<{ text: string; json: unknown; code?: number }>;
}

const string = { type: 'string' } as const;
const many = { type: 'string', multiple: true } as const;
const verifyOptions = {
  key: many,
  keyref: many,
  'trusted-root': string,
  identity: string,
  'identity-regexp': string,
  issuer: string,
  'issuer-regexp': string,
  'rekor-key': many,
  ca: many,
  'notation-store': many,
  crl: many,
  tsa: many,
  'require-tlog': { type: 'boolean', default: false },
  'no-public-good': { type: 'boolean', default: false },
  insecure: { type: 'boolean', default: false },
} as const;

async function confirmAction(session: Session, request: PrepareKeyAction): Promise<KeyRecord> {
  const call = await session.client();
  const intent = await call.keys.prepare(request);
  let typed: string | undefined;
  if (intent.typeToConfirm !== null) {
    const { ask } = await import('./prompt.ts');
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
  const { readSecret } = await import('./prompt.ts');
  return readSecret(question);
}

// verifyImage's parameter is typed as the whole AppContext, but it reads only what VerifyContext holds; the configured trust opens the app only when no flag narrows it.
async function verified(session: Session, image: string, v: Values) {
  const [command, context] = await Promise.all([import('./commands/verify.command.ts'), session.verifyContext()]);
  return { command, report: await command.verifyImage(context as AppContext, image, v, async () => (await session.app()).images.trustOptions('cli')) };
}

const signOptions = { key: string, format: string, 'index-only': { type: 'boolean', default: false }, annotation: many, timestamp: { type: 'boolean', default: false }, insecure: { type: 'boolean', default: false } } as const;

// --annotation K=V, repeatable; the contract checks the characters.
function annotations(values: Values): Record<string, string> {
  const list = (values.annotation as unknown as string[] | undefined) ?? [];
  return Object.fromEntries(
    list.map((item) => {
      const at = item.indexOf('=');
      if (at <= 0) throw new UsageError(`--annotation ${item}: write KEY=VALUE`);
      return [item.slice(0, at), item.slice(at + 1)];
    }),
  );
}

async function keyIdOf(call: Client, wanted: unknown): Promise<string> {
  if (typeof wanted !== 'string') throw new UsageError('--key is required (a key id or label)');
  const key = (await call.keys.list({})).find((k) => k.id === wanted || k.label === wanted);
  if (!key) throw new UsageError(`no key ${wanted} in the inventory`);
  return key.id;
}

const compromiseOptions = { since: string, registry: many } as const;

// The flags of both compromise verbs, as the command module reads them.
function compromiseArguments(key: string, v: Values) {
  const list = (name: string) => (v[name] as unknown as string[] | undefined) ?? [];
  return { key, since: v.since, registries: list('registry'), resign: v['no-resign'] !== true, removeSignatures: v['remove-signatures'] === true, exportTargets: list('export'), output: v.output };
}

function signedText(result: SignResult): string {
  const lines = result.signed.map((s) => `${s.verdict.padEnd(11)} ${s.digest}${s.platform ? ` ${s.platform}` : s.tag ? ` ${s.tag}` : ''}
            ${s.reason}
            wrote ${s.written.join(', ') || 'nothing new'}`);
  return `${result.cancelled ? 'Cancelled after' : 'Signed'} ${result.signed.length} manifest(s) as ${result.format} with ${result.fingerprint} (${result.requests} registry requests)\n${lines.join('\n')}`;
}

async function output(values: Values, file: { filename: string; text: string }): Promise<string> {
  if (typeof values.output !== 'string') return file.text.trimEnd();
  await writeFile(values.output, file.text, { mode: 0o644 });
  return `Wrote ${values.output}`;
}

const COMMANDS: Record<string, Command> = {
  status: {
    options: {},
    positionals: 0,
    run: async (session) => {
      const call = await session.client();
      const status = await call.system.status({ refresh: true });
      const { formatStatus } = await import('./status.format.ts');
      return { text: formatStatus(status), json: status };
    },
  },
  'keys list': {
    options: {},
    positionals: 0,
    run: async (session) => {
      const call = await session.client();
      const keys = await call.keys.list({});
      const { formatKeys } = await import('./keys.format.ts');
      return { text: formatKeys(keys, new Date()), json: keys };
    },
  },
  'keys generate': {
    options: { label: string, backend: string, module: string, token: string, algorithm: string, expires: string, wrappable: { type: 'boolean', default: false } },
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
  'compromise assess': {
    options: compromiseOptions,
    positionals: 1,
    run: async (session, v, [key]) => (await import('./commands/compromise.command.ts')).assessCompromise(await session.client(), compromiseArguments(key!, v)),
  },
  'compromise respond': {
    options: { ...compromiseOptions, 'no-resign': { type: 'boolean', default: false }, 'remove-signatures': { type: 'boolean', default: false }, export: many, output: string },
    positionals: 1,
    run: async (session, v, [key]) => (await import('./commands/compromise.command.ts')).respondToCompromise(await session.client(), compromiseArguments(key!, v)),
  },
  'registries login': {
    options: { username: string },
    positionals: 1,
    run: async (session, v, [host]) => {
      if (typeof v.username !== 'string') throw new UsageError('--username is required');
      const { readSecret } = await import('./prompt.ts');
      const password = await readSecret(`Password for ${v.username} at ${host}: `);
      if (password.length === 0) throw new UsageError('no password was given');
      const app = await session.app();
      await app.registryCredentials.remember(host!, { username: v.username, password });
      return { text: `The credentials for ${host} are now kept in the OS keychain.`, json: { remembered: true } };
    },
  },
  'tokens remember-pin': {
    options: { module: string, token: string },
    positionals: 0,
    run: async (session, v) => {
      if (typeof v.module !== 'string' || typeof v.token !== 'string') throw new UsageError('--module and --token are required');
      const { readSecret } = await import('./prompt.ts');
      const pin = await readSecret(`PIN for token "${v.token}": `);
      if (pin.length === 0) throw new UsageError('no PIN was given');
      const app = await session.app();
      await app.pins.remember({ modulePath: v.module, tokenLabel: v.token }, pin);
      return { text: `The PIN for token "${v.token}" is now kept in the OS keychain.`, json: { remembered: true } };
    },
  },
  verify: {
    options: verifyOptions,
    positionals: 1,
    run: async (session, v, [image]) => {
      const { command, report } = await verified(session, image!, v);
      return { text: command.formatVerdict(report), json: report, code: report.verdict === 'verified' ? 0 : 1 };
    },
  },
  tree: {
    options: verifyOptions,
    positionals: 1,
    run: async (session, v, [image]) => {
      const { command, report } = await verified(session, image!, v);
      return { text: command.formatTree(report), json: report, code: report.verdict === 'verified' ? 0 : 1 };
    },
  },
  sign: {
    options: signOptions,
    positionals: 1,
    run: async (session, v, [image]) => {
      const call = await session.client();
      const keyId = await keyIdOf(call, v.key);
      const plan = await call.signing.plan({ reference: image!, insecure: v.insecure === true });
      const manifests = v['index-only'] === true ? [plan.digest] : plan.manifests.map((m) => m.digest);
      const intent = await call.signing.prepare({ reference: image!, digest: plan.digest, manifests, keyId, format: v.format as never, annotations: annotations(v), timestamp: v.timestamp === true, insecure: v.insecure === true });
      const result = await call.signing.confirm({ intentId: intent.intentId });
      return { text: signedText(result), json: result, exitCode: result.signed.every((s) => s.verdict === 'verified') ? 0 : 1 };
    },
  },
  'sign-tags': {
    options: { ...signOptions, tags: string },
    positionals: 1,
    run: async (session, v, [repository]) => {
      if (typeof v.tags !== 'string') throw new UsageError('--tags PATTERN is required');
      const call = await session.client();
      const keyId = await keyIdOf(call, v.key);
      const intent = await call.signing.prepareBulk({ repository: repository!, tagPattern: v.tags, platforms: v['index-only'] !== true, keyId, format: v.format as never, annotations: annotations(v), timestamp: v.timestamp === true, insecure: v.insecure === true });
      const result = await call.signing.confirm({ intentId: intent.intentId });
      return { text: signedText(result), json: result, exitCode: result.signed.every((s) => s.verdict === 'verified') ? 0 : 1 };
    },
  },
  scan: {
    options: { registry: string, layout: string, repository: many, policy: string, tags: string, full: { type: 'boolean', default: false } },
    positionals: 0,
    run: async (session, v) => {
      if ((typeof v.registry === 'string') === (typeof v.layout === 'string')) throw new UsageError('give --registry NAME or --layout NAME');
      const repositories = (v.repository as unknown as string[] | undefined) ?? [];
      if (typeof v.layout === 'string' && repositories.length) throw new UsageError('--repository applies to a registry; a layout holds one');
      const source = typeof v.layout === 'string' ? { kind: 'layout' as const, name: v.layout } : { kind: 'registry' as const, name: v.registry as string, repositories: repositories.length ? repositories : null };
      const summary = await (await session.client()).scan.start({ source, policyId: (v.policy as string | undefined) ?? null, tagPattern: (v.tags as string | undefined) ?? '*', incremental: v.full !== true });
      const { formatScanSummary } = await import('../scan/scan-summary.format.ts');
      return { text: formatScanSummary(summary), json: summary };
    },
  },
  'scan history': {
    options: { limit: string },
    positionals: 0,
    run: async (session, v) => {
      const summaries = await (await session.client()).scan.history({ limit: v.limit === undefined ? 20 : Number(v.limit) });
      const { formatScanHistory } = await import('../scan/scan-summary.format.ts');
      return { text: formatScanHistory(summaries), json: summaries };
    },
  },
  'scan diff': {
    options: {},
    positionals: 2,
    run: async (session, _v, [from, to]) => {
      const diff = await (await session.client()).scan.diff({ from: from!, to: to! });
      const { formatScanDiff } = await import('../scan/scan-summary.format.ts');
      return { text: formatScanDiff(diff), json: diff };
    },
  },
  'scan export': {
    options: { format: string, output: string },
    positionals: 1,
    run: async (session, v, [scanId]) => {
      if (typeof v.format !== 'string') throw new UsageError('--format is required: csv, json or html');
      const file = await (await session.client()).scan.export({ scanId: scanId!, format: v.format as never });
      return { text: await output(v, file), json: file };
    },
  },
  'authority create': {
    options: { name: string, backend: string, module: string, token: string },
    positionals: 0,
    run: async (session, v) => {
      if (typeof v.name !== 'string') throw new UsageError('--name is required');
      const call = await session.client();
      const kind = v.backend ?? (v.module ? 'pkcs11' : 'software');
      const backend = kind === 'pkcs11' ? { kind: 'pkcs11' as const, modulePath: String(v.module ?? ''), tokenLabel: String(v.token ?? '') } : { kind: kind as 'software' };
      const view = await call.authority.create({ name: v.name, backend });
      return { text: `Created the certificate authority "${v.name}"\n${view.rootPem ?? ''}${view.intermediatePem ?? ''}`.trimEnd(), json: view };
    },
  },
  'authority show': {
    options: {},
    positionals: 0,
    run: async (session) => {
      const view = await (await session.client()).authority.get({});
      if (!view.exists) return { text: 'No certificate authority yet; create one with `signet authority create --name NAME`.', json: view };
      const leaves = view.leaves.map((l) => `  ${l.serial} ${l.subject} until ${l.notAfter}${l.revoked ? ' (revoked)' : ''}`);
      return { text: `${view.rootPem}${view.intermediatePem}Issued leaves:\n${leaves.join('\n') || '  none'}`, json: view };
    },
  },
  'authority crl': {
    options: { output: string },
    positionals: 0,
    run: async (session, v) => {
      const file = await (await session.client()).authority.crl({});
      return { text: await output(v, file), json: file };
    },
  },
  'audit verify': {
    options: { against: string, insecure: { type: 'boolean', default: false } },
    positionals: 0,
    run: async (session, v) => {
      const call = await session.client();
      const result = await call.audit.verify({});
      const { formatAuditVerification } = await import('./keys.format.ts');
      if (typeof v.against !== 'string') return { text: formatAuditVerification(result), json: result, code: result.ok ? 0 : 1 };
      const [{ verifyAgainst }, app] = await Promise.all([import('./commands/audit-publish.command.ts'), session.app()]);
      const against = await verifyAgainst(app, v.against, { insecure: v.insecure === true });
      const text = `${formatAuditVerification(result)}\nPublished checkpoint ${against.held ? 'held' : 'NOT HELD'} (${against.digest}): ${against.reason}.`;
      return { text, json: { ...result, against }, code: result.ok && against.held ? 0 : 1 };
    },
  },
  'audit publish': {
    options: { insecure: { type: 'boolean', default: false } },
    positionals: 1,
    run: async (session, v, [reference]) => {
      const [{ publishCheckpoint }, app] = await Promise.all([import('./commands/audit-publish.command.ts'), session.app()]);
      const published = await publishCheckpoint(app, reference!, { insecure: v.insecure === true });
      return { text: `Published the checkpoint at entry ${published.seq} (${published.hash}) to ${published.reference} as ${published.digest}.`, json: published };
    },
  },
  'audit list': {
    options: { action: string, limit: string },
    positionals: 0,
    run: async (session, v) => {
      const call = await session.client();
      const entries = await call.audit.list({ action: v.action as string | undefined, limit: v.limit === undefined ? 50 : Number(v.limit) });
      const { formatAudit } = await import('./keys.format.ts');
      return { text: entries.length === 0 ? 'The audit log is empty.' : formatAudit(entries), json: entries };
    },
  },
  'policy list': {
    options: {},
    positionals: 0,
    run: async (session) => {
      const policies = await (await session.client()).policies.list({});
      const { formatPolicies } = await import('./commands/policy.command.ts');
      return { text: formatPolicies(policies), json: policies };
    },
  },
  'policy import': {
    options: {},
    positionals: 1,
    run: async (session, _v, [file]) => {
      const { readPolicyJson } = await import('./commands/policy.command.ts');
      const policy = readPolicyJson(await readFile(file!, 'utf8'), file!);
      const saved = await (await session.client()).policies.save(policy as never);
      return { text: `Saved policy ${saved.id} "${saved.name}" (${saved.rules.length} rule${saved.rules.length === 1 ? '' : 's'})`, json: saved };
    },
  },
  'policy show': {
    options: {},
    positionals: 1,
    run: async (session, _v, [policyId]) => {
      const call = await session.client();
      const [policies, keys, { showPolicy }] = await Promise.all([call.policies.list({}), call.keys.list({}), import('./commands/policy.command.ts')]);
      const { policy, text } = showPolicy(policies, policyId!, keys);
      return { text, json: policy };
    },
  },
  'policy remove': {
    options: {},
    positionals: 1,
    run: async (session, _v, [policyId]) => {
      const result = await (await session.client()).policies.remove({ policyId: policyId! });
      return { text: result.removed ? `Removed policy ${policyId}.` : `No policy ${policyId}; nothing was removed.`, json: result, code: result.removed ? 0 : 1 };
    },
  },
  'policy evaluate': {
    options: { insecure: { type: 'boolean', default: false } },
    positionals: 2,
    run: async (session, v, [policyId, image]) => {
      const [{ evaluatePolicy, formatEvaluation }, context] = await Promise.all([import('./commands/policy.command.ts'), session.verifyContext()]);
      const evaluation = await evaluatePolicy({ ...context, authority: policyAuthority(session) }, policyId!, image!, v.insecure === true);
      return { text: formatEvaluation(evaluation), json: evaluation, code: evaluation.admitted ? 0 : 1 };
    },
  },
  'policy export': {
    options: { target: string, output: string },
    positionals: 1,
    run: async (session, v, [policyId]) => {
      if (typeof v.target !== 'string') throw new UsageError('--target is required: kyverno, policy-controller, containers-policy or notation');
      const [{ exportPolicyFor, writeExport }, context] = await Promise.all([import('./commands/policy.command.ts'), session.verifyContext()]);
      const exported = await exportPolicyFor({ ...context, authority: policyAuthority(session) }, policyId!, v.target);
      for (const gap of exported.gaps) process.stderr.write(`gap: ${gap}\n`);
      if (typeof v.output !== 'string') return { text: exported.files.map((f) => `# ${f.filename}\n${f.text.trimEnd()}`).join('\n\n'), json: exported };
      const written = await writeExport(v.output, exported);
      return { text: `Wrote ${written.join(', ')}`, json: exported };
    },
  },
  'backup create': {
    options: { output: string, passphrase: { type: 'boolean', default: false }, custodians: string, threshold: string },
    positionals: 0,
    run: async (session, v) => {
      if (typeof v.output !== 'string') throw new UsageError('--output DIR is required');
      if ((v.passphrase === true) === (typeof v.custodians === 'string')) throw new UsageError('give --passphrase, or --custodians NAME,NAME,... with --threshold M');
      if (typeof v.custodians === 'string' && typeof v.threshold !== 'string') throw new UsageError('--threshold M is required with --custodians');
      const command = await import('./commands/recovery.command.ts');
      const passphrase = v.passphrase === true ? await command.newPassphrase() : null;
      return command.createBackup(await session.app(), { outputDir: v.output, passphrase, custodians: (v.custodians as string | undefined) ?? null, threshold: (v.threshold as string | undefined) ?? null });
    },
  },
  'backup inspect': {
    options: {},
    positionals: 1,
    run: async (session, _v, [file]) => (await import('./commands/recovery.command.ts')).inspectBackup(await session.app(), file!),
  },
  'backup drill': {
    options: { passphrase: { type: 'boolean', default: false }, share: many },
    positionals: 1,
    run: async (session, v, [file]) => (await import('./commands/recovery.command.ts')).drillBackup(await session.app(), file!, backupUnlock(v)),
  },
  'backup restore': {
    options: { passphrase: { type: 'boolean', default: false }, share: many },
    positionals: 1,
    run: async (session, v, [file]) => (await import('./commands/recovery.command.ts')).restoreBackup(await session.app(), file!, backupUnlock(v)),
  },
  'backup key': {
    options: { module: string, token: string },
    positionals: 1,
    run: async (session, v, [verb]) => {
      const command = await import('./commands/recovery.command.ts');
      if (verb === 'show') return command.showBackupKey(await session.app());
      if (verb !== 'create') throw new UsageError('backup key create|show');
      if (typeof v.module !== 'string' || typeof v.token !== 'string') throw new UsageError('--module PATH and --token LABEL name the second token');
      return command.createBackupKey(await session.app(), { modulePath: v.module, tokenLabel: v.token });
    },
  },
  'backup twin': {
    options: { module: string, token: string, label: string },
    positionals: 1,
    run: async (session, v, [keyId]) => {
      if (typeof v.module !== 'string' || typeof v.token !== 'string') throw new UsageError('--module PATH and --token LABEL name the second token');
      return (await import('./commands/recovery.command.ts')).twinKey(await session.app(), keyId!, { modulePath: v.module, tokenLabel: v.token }, v.label as string | undefined);
    },
  },
};

// A backup opens with the passphrase (asked without echo) or with recovery sheets, never both.
function backupUnlock(v: Values): { passphrase: true } | { shareFiles: string[] } {
  const shareFiles = (v.share as unknown as string[] | undefined) ?? [];
  if ((v.passphrase === true) === shareFiles.length > 0) throw new UsageError('give --passphrase, or --share SHEET once per recovery sheet');
  return v.passphrase === true ? { passphrase: true } : { shareFiles };
}

// Signet's CA (and with it the app) is opened only when a policy trusts a CA root.
function policyAuthority(session: Session) {
  return {
    rootPem: async () => (await (await session.app()).authority.view()).rootPem,
    trust: async () => (await session.app()).authority.trust('cli'),
  };
}

// Verifying needs no token driver, dispatcher or contract; the OS keychain is opened only when a registry asks for credentials.
async function openVerifyContext(env: NodeJS.ProcessEnv = process.env): Promise<VerifyContext> {
  const [{ dataDirectory }, { SettingsService }] = await Promise.all([import('../app/paths.ts'), import('../settings/settings.service.ts')]);
  const dataDir = dataDirectory(env);
  // The inventory's schemas are loaded only when the inventory is asked for; a data folder without a store reads as empty and gets no files.
  const inventoryKeys = async () => {
    const { InventoryStore } = await import('../keys/inventory.store.ts');
    return (await new InventoryStore(dataDir).load()).keys;
  };
  let credentials: Promise<CredentialSource> | undefined;
  const openCredentials = async (): Promise<CredentialSource> => {
    // A keychain module that cannot load means no keychain here: Docker's credentials are still tried.
    const [keychain, { DockerCredentials, KeychainRegistryCredentials }] = await Promise.all([import('../platform/keychain.adapter.ts').then(({ OsKeychain }) => new OsKeychain(), () => null), import('../registry/docker-credentials.ts')]);
    const docker = new DockerCredentials(env);
    return keychain ? new KeychainRegistryCredentials(keychain, docker) : docker;
  };
  return {
    dataDir,
    settings: new SettingsService(dataDir),
    keys: { list: inventoryKeys },
    registryCredentials: { credentialsFor: async (host) => (await (credentials ??= openCredentials())).credentialsFor(host) },
  };
}

// The services and the client are composed on the first command that asks for them, at most once.
function openSession(): Session & { close(): Promise<void> } {
  let app: Promise<AppContext> | undefined;
  let client: Promise<Client> | undefined;
  const session = {
    app: () =>
      (app ??= (async () => {
        const [{ createApp, reportStoreStart }, { TerminalConfirmation }] = await Promise.all([import('../app/app.context.ts'), import('./confirm.terminal.ts')]);
        const terminal = new TerminalConfirmation();
        const context = createApp({
          host: 'cli',
          confirmations: terminal,
          hostConfirmations: terminal,
          askPin: async (token, operation) => (await import('./prompt.ts')).askPinAtTerminal(token, operation, 'This command will'),
        });
        await reportStoreStart(context, (line) => process.stderr.write(`signet: ${line}\n`));
        return context;
      })()),
    client: () =>
      (client ??= (async () => {
        const [context, { createClient }] = await Promise.all([session.app(), import('../../shared/client.ts')]);
        return createClient((channel, input) => context.dispatch(channel, input, { host: 'cli' }));
      })()),
    verifyContext: () => openVerifyContext(),
    close: async () => {
      const opened = await app?.catch(() => undefined);
      await opened?.close();
    },
  };
  return session;
}

// Exit codes: 0 done, 1 the operation failed or was refused, 2 the command line was wrong.
async function main(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  // The conformance protocol has its own fixed command line, so it is handed over whole rather than parsed here.
  if (words[0] === 'conformance') {
    const { runConformance } = await import('./commands/conformance.command.ts');
    return (await runConformance(argv.slice(argv.indexOf('conformance') + 1))).code;
  }
  const name = [`${words[0]} ${words[1]}`, words[0]].find((n) => n !== undefined && COMMANDS[n] !== undefined);
  const command = name ? COMMANDS[name] : undefined;
  let parsed;
  try {
    // Taken from the loaded module: importing node:util as ESM first builds its whole export list, a few milliseconds per run.
    parsed = process.getBuiltinModule('node:util').parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false }, version: { type: 'boolean', default: false }, ...command?.options },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    const { packageVersion } = await import('../app/version.ts');
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('no command given');
  if (!command || !name) throw new UsageError(`unknown command ${positionals.slice(0, 2).join(' ')}`);
  const args = positionals.slice(name.split(' ').length);
  if (args.length !== command.positionals) throw new UsageError(`${name} takes ${command.positionals === 0 ? 'no arguments' : 'one argument'}${args.length > command.positionals ? `, not ${args.at(-1)}` : ''}`);
  const session = openSession();
  try {
    const result = await command.run(session, values as Values, args);
    process.stdout.write(values.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${escapeControls(result.text, { keepNewlines: true })}\n`);
    return result.code ?? 0;
  } finally {
    await session.close();
  }
}

// The contract is loaded only for an error that could have come through the client.
async function describe(error: unknown): Promise<AppError> {
  const { SignetError, toAppError } = await import('../errors.ts');
  if (error instanceof SignetError) return toAppError(error);
  const { RequestFailed } = await import('../../shared/client.ts');
  if (error instanceof RequestFailed) return error.error;
  return { code: 'Internal', message: error instanceof Error ? error.message : String(error) };
}

const json = process.argv.includes('--json');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`signet: ${escapeControls(error.message)}\nRun signet --help for usage.\n`);
      process.exit(2);
    }
    const appError = await describe(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: appError }, null, 2)}\n`);
    else process.stderr.write(`signet: ${appError.code}: ${escapeControls(appError.message)}\n${(appError.details ?? []).map((d) => `  ${escapeControls(d)}\n`).join('')}`);
    process.exit(1);
  },
);
