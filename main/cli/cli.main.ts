import type { AppContext } from '../app/app.context.ts';
import { openAppSession } from '../app/app.session.ts';
import type { Client } from '../../shared/client.ts';
import type { AppError } from '../../shared/errors.ts';
import { escapeControls } from '../../shared/terminal-text.ts';
import { UsageError } from './commands/command.options.ts';
import type { CommandTable, Flag, Session, Values } from './commands/command.types.ts';
import { EXIT, exitCodeFor } from './exit-code.table.ts';

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

/** Each verb group's table by the first word of its verbs; only the group a command line names is loaded. */
const GROUPS: Record<string, () => Promise<CommandTable>> = {
  status: async () => (await import('./commands/system.command.ts')).systemCommands,
  registries: async () => (await import('./commands/system.command.ts')).systemCommands,
  tokens: async () => (await import('./commands/system.command.ts')).systemCommands,
  keys: async () => (await import('./commands/keys.command.ts')).keysCommands,
  compromise: async () => (await import('./commands/compromise.command.ts')).compromiseCommands,
  verify: async () => (await import('./commands/verify.command.ts')).verifyCommands,
  tree: async () => (await import('./commands/verify.command.ts')).verifyCommands,
  sign: async () => (await import('./commands/sign.command.ts')).signCommands,
  'sign-tags': async () => (await import('./commands/sign.command.ts')).signCommands,
  scan: async () => (await import('./commands/scan.command.ts')).scanCommands,
  authority: async () => (await import('./commands/authority.command.ts')).authorityCommands,
  audit: async () => (await import('./commands/audit.command.ts')).auditCommands,
  policy: async () => (await import('./commands/policy.command.ts')).policyCommands,
  backup: async () => (await import('./commands/recovery.command.ts')).backupCommands,
};

// The verbs of the group the first word names; none for a word that names no group.
async function tableFor(word: string | undefined): Promise<CommandTable> {
  const load = word !== undefined && Object.hasOwn(GROUPS, word) ? GROUPS[word] : undefined;
  return load ? load() : {};
}

// The services and the client are composed on the first command that asks for them, at most once.
function openSession(): Session & { close(): Promise<void> } {
  const opened = openAppSession({
    appOptions: async () => {
      const { TerminalConfirmation } = await import('./confirm.terminal.ts');
      const terminal = new TerminalConfirmation();
      return {
        host: 'cli',
        confirmations: terminal,
        hostConfirmations: terminal,
        askPin: async (token, operation) => (await import('./prompt.ts')).askPinAtTerminal(token, operation, 'This command will'),
      };
    },
    started: async (context: AppContext) => {
      const { reportStoreStart } = await import('../app/app.context.ts');
      await reportStoreStart(context, (line) => process.stderr.write(`signet: ${line}\n`));
    },
  });
  let client: Promise<Client> | undefined;
  return {
    app: opened.app,
    verifyContext: opened.verifyContext,
    client: () =>
      (client ??= (async () => {
        const [context, { createClient }] = await Promise.all([opened.app(), import('../../shared/client.ts')]);
        return createClient((channel, input) => context.dispatch(channel, input, { host: 'cli' }));
      })()),
    close: opened.close,
  };
}

/** The flags every command line may carry, whatever the verb. */
const GLOBAL_OPTIONS = {
  json: { type: 'boolean', default: false, help: 'machine-readable output' },
  help: { type: 'boolean', short: 'h', default: false, help: 'this help' },
  version: { type: 'boolean', default: false, help: 'the version' },
} as const;

/** A flag the verb does not have: its message names the verb's own help, so no second hint follows. */
class UnknownFlag extends UsageError {}

// What parseArgs refused, said in the verb's terms: an unknown flag with the nearest known one, a flag without its value.
async function describeParseError(error: unknown, argv: string[], name: string | undefined, options: Readonly<Record<string, Flag>>): Promise<UsageError> {
  const known: Readonly<Record<string, { type: 'string' | 'boolean' }>> = { ...GLOBAL_OPTIONS, ...options };
  const { tokens } = process.getBuiltinModule('node:util').parseArgs({ args: argv, allowPositionals: true, strict: false, tokens: true, options: { ...GLOBAL_OPTIONS, ...options } });
  const unknown = tokens.find((t) => t.kind === 'option' && !Object.hasOwn(known, t.name));
  if (unknown?.kind === 'option') {
    const { nearestFlag } = await import('./command-help.format.ts');
    const near = unknown.rawName.startsWith('--') ? nearestFlag(unknown.name, Object.keys(known)) : undefined;
    const guess = near ? `; did you mean --${near}?` : '.';
    return new UnknownFlag(name ? `${name} has no option ${unknown.rawName}${guess} Run signet ${name} --help for its options.` : `unknown option ${unknown.rawName}${guess} Run signet --help for usage.`);
  }
  const bare = tokens.find((t) => t.kind === 'option' && known[t.name]?.type === 'string' && t.value === undefined);
  if (bare?.kind === 'option') {
    const placeholder = options[bare.name]?.value;
    return new UsageError(`${bare.rawName} needs its value${placeholder ? ` (${placeholder})` : ''}`);
  }
  return new UsageError(error instanceof Error ? error.message : String(error));
}

// What to run next after a wrong command line: the verb's own help when a verb was named, else the overview.
function usageHint(error: UsageError, name: string | undefined): string {
  if (error instanceof UnknownFlag) return '';
  return name ? `Run signet ${name} --help for its options, or signet --help for every command.` : 'Run signet --help for usage.';
}

// The exit code is the command's own, or the class of the error it ended with (see exit-code.table.ts).
async function main(argv: string[], named: { name?: string }): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  // The conformance protocol has its own fixed command line, so it is handed over whole rather than parsed here.
  if (words[0] === 'conformance') {
    const { runConformance } = await import('./commands/conformance.command.ts');
    return (await runConformance(argv.slice(argv.indexOf('conformance') + 1))).code;
  }
  const table = await tableFor(words[0]);
  const name = [`${words[0]} ${words[1]}`, words[0]].find((n) => n !== undefined && Object.hasOwn(table, n));
  const command = name ? table[name] : undefined;
  named.name = name;
  let parsed;
  try {
    // Taken from the loaded module: importing node:util as ESM first builds its whole export list, a few milliseconds per run.
    parsed = process.getBuiltinModule('node:util').parseArgs({ args: argv, allowPositionals: true, options: { ...GLOBAL_OPTIONS, ...command?.options } });
  } catch (error) {
    throw await describeParseError(error, argv, name, command?.options ?? {});
  }
  const { values, positionals } = parsed;
  if (values.help) {
    const help = await import('./command-help.format.ts');
    const group = words[0] !== undefined && Object.keys(table).some((n) => n.startsWith(`${words[0]} `)) ? words[0] : undefined;
    process.stdout.write(command && name ? help.commandHelp(name, command) : group ? help.groupHelp(group, table) : HELP);
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
  const wanted = command.positionals;
  if (wanted.at(-1)?.repeats === true) {
    if (args.length < wanted.length) throw new UsageError(`${name} takes at least ${wanted.length === 1 ? 'one argument' : `${wanted.length} arguments`} (${wanted.map((a) => a.name).join(' ')})`);
  } else if (args.length !== wanted.length) {
    const takes = wanted.length === 0 ? 'no arguments' : `${wanted.length === 1 ? 'one argument' : `${wanted.length} arguments`} (${wanted.map((a) => a.name).join(' ')})`;
    throw new UsageError(`${name} takes ${takes}${args.length > wanted.length ? `, not ${args.at(-1)}` : ''}`);
  }
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
// The verb main resolved, so a usage error can point at that verb's own help.
const named: { name?: string } = {};
main(process.argv.slice(2), named).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    if (error instanceof UsageError) {
      const hint = usageHint(error, named.name);
      if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'Usage', message: hint ? `${error.message.replace(/\.$/, '')}. ${hint}` : error.message } }, null, 2)}\n`);
      else process.stderr.write(`signet: ${escapeControls(error.message)}\n${hint ? `${hint}\n` : ''}`);
      process.exit(EXIT.usage);
    }
    const appError = await describe(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: appError }, null, 2)}\n`);
    else process.stderr.write(`signet: ${appError.code}: ${escapeControls(appError.message)}\n${(appError.details ?? []).map((d) => `  ${escapeControls(d)}\n`).join('')}`);
    process.exit(exitCodeFor(appError.code));
  },
);
