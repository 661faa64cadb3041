import { join } from 'node:path';
import type { ChainReport, Verdict } from '../../../shared/model/chain.model.ts';
import { resolveImageTarget } from '../../images/image-target.ts';
import type { VerifyContext } from '../../images/verify-context.types.ts';
import { VerifyEngine, type VerifyOptions } from '../../images/verify.engine.ts';
import { CONFIGURED_TRUST, describeTrust, loadTrust } from '../../trust/trust-sources.ts';
import { escapeControls } from '../../../shared/terminal-text.ts';
import { EXIT } from '../exit-code.table.ts';
import { arg, flag, many, string } from './command.options.ts';
import type { CommandTable, Session, Values } from './command.types.ts';

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** The flags that name trust; any one of them narrows verification to what the flags name. */
export const TRUST_FLAGS = ['key', 'keyref', 'rekor-key', 'ca', 'tsa', 'notation-store', 'crl', 'identity', 'identity-regexp', 'issuer', 'issuer-regexp', 'trusted-root', 'no-public-good'] as const;

// True when the command line names its own trust instead of the configured trust every host shares.
export function narrowsTrust(v: Values): boolean {
  return TRUST_FLAGS.some((name) => {
    const value = v[name];
    return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
  });
}

// Without trust flags, the trust the Images screen uses over the same data folder (`configured`); with them, only what they name.
export async function verifyImage(context: VerifyContext, image: string, v: Values, configured?: () => Promise<Omit<VerifyOptions, 'reference'>>): Promise<ChainReport> {
  const settings = await context.settings.get();
  const target = resolveImageTarget(image, settings, { insecure: v.insecure === true, cacheDir: join(context.dataDir, 'cache'), credentials: context.registryCredentials });
  const now = new Date();
  const engine = new VerifyEngine(target.source);
  // The registry is read while the inventory and the trust load; their errors still come first, as when they were read first.
  const graph = engine.discover(target.repository, target.reference, { reference: target.display });
  graph.catch(() => undefined);
  if (!narrowsTrust(v) && configured) {
    const trust = await configured();
    const report = await engine.chain(await graph, { reference: target.display, ...trust, now });
    return { ...namingSigners(report), trust: describeTrust(trust, CONFIGURED_TRUST) };
  }
  const inventory = await context.keys.list();
  const trust = await loadTrust(
    {
      keyFiles: list(v.key),
      keyRefs: list(v.keyref),
      rekorKeyFiles: list(v['rekor-key']),
      caFiles: list(v.ca),
      tsaFiles: list(v.tsa),
      notationStores: list(v['notation-store']),
      crlFiles: list(v.crl),
      identity: text(v.identity),
      identityRegexp: text(v['identity-regexp']),
      issuer: text(v.issuer),
      issuerRegexp: text(v['issuer-regexp']),
      trustedRootFile: text(v['trusted-root']),
      requireTlog: v['require-tlog'] === true,
      publicGood: v['no-public-good'] !== true,
    },
    inventory,
  );
  const report = await engine.chain(await graph, { reference: target.display, ...trust, now });
  return { ...namingSigners(report), trust: describeTrust(trust, 'Only the trust the command line names') };
}

// Who each verified signature comes from, in words: the key's label and fingerprint, the keyless identity and its OIDC issuer, or the certificate subject.
export function signersOf(report: ChainReport): string[] {
  const found = new Set<string>();
  for (const node of report.nodes) {
    if (node.kind !== 'signer' || node.verdict !== 'verified') continue;
    const d = node.details;
    const oidcIssuer = d.kind === 'certificate' ? d.oidcIssuer : 'keyHint' in d ? d.issuer : undefined;
    if (d.fingerprint && d.kind !== 'certificate') found.add(`${node.label}, fingerprint SHA256:${d.fingerprint}`);
    else if (oidcIssuer && oidcIssuer !== 'null') found.add(`${d.san || node.label} (OIDC issuer ${oidcIssuer})`);
    else found.add(`the certificate "${d.subject || node.label}"`);
  }
  return [...found];
}

// A verified image says who signed it, so the answer is never just "yes".
function namingSigners(report: ChainReport): ChainReport {
  const signers = signersOf(report);
  if (report.verdict !== 'verified' || signers.length === 0) return report;
  const reason = `${report.reason} Signed by ${signers.join('; ')}.`;
  return { ...report, reason, nodes: report.nodes.map((n) => (n.kind === 'policy' ? { ...n, reason } : n)) };
}

const MARKS: Record<Verdict, string> = { verified: '✓ verified', failed: '✗ failed', untrusted: '✗ untrusted', revoked: '✗ revoked', expired: '✗ expired', unsigned: '! unsigned', 'not-checked': '- not checked' };

export function verdictWord(verdict: Verdict): string {
  return MARKS[verdict];
}

// One line per field: what the registry wrote cannot add a line, move the cursor or colour a fake verdict.
const line = (text: string): string => escapeControls(text);

// The verdict in one line, then every problem met on the chain, each on its own line.
export function formatVerdict(report: ChainReport): string {
  return [line(`${verdictWord(report.verdict)} ${report.reference}: ${report.reason}`), ...trustLines(report), ...problemLines(report)].join('\n');
}

function trustLines(report: ChainReport): string[] {
  const [origin, ...parts] = report.trust ?? [];
  return origin ? [`  trust: ${line(origin)}${parts.length ? `: ${parts.map(line).join('; ')}` : ''}`] : [];
}

function problemLines(report: ChainReport): string[] {
  return report.graph.problems.map((problem) => `  problem: ${line(problem)}`);
}

// The chain as an indented tree, every node with its verdict and reason, then every problem met.
export function formatTree(report: ChainReport): string {
  const children = new Map<string, { to: string; label: string }[]>();
  for (const edge of report.edges) children.set(edge.from, [...(children.get(edge.from) ?? []), { to: edge.to, label: edge.label }]);
  const byId = new Map(report.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  const walk = (id: string, prefix: string, label: string | null, last: boolean, depth: number) => {
    const node = byId.get(id);
    if (!node) return;
    const branch = depth === 0 ? '' : `${prefix}${last ? '└─' : '├─'} `;
    lines.push(`${branch}${label ? `${line(label)}: ` : ''}${line(node.label)} [${verdictWord(node.verdict)}]${node.kind === 'reference' ? '' : ` ${line(node.reason)}`}`);
    const next = children.get(id) ?? [];
    next.forEach((child, index) => walk(child.to, depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`, child.label, index === next.length - 1, depth + 1));
  };
  walk('reference', '', null, true, 0);
  return [...lines, ...problemLines(report)].join('\n');
}

const verifyOptions = {
  key: many('FILE', 'a public key (PEM or cosign.pub) to trust; repeat for more'),
  keyref: many('ID', 'an inventory key (id or label) to trust; repeat for more'),
  'trusted-root': string('FILE', 'a sigstore trusted_root.json to trust instead of the built-in public-good root'),
  identity: string('SAN', "a keyless signer's certificate name, exactly (email, URI, SPIFFE ID, DNS name)"),
  'identity-regexp': string('RE', 'the same as a pattern the whole name must match'),
  issuer: string('URL', 'the OIDC issuer that vouched for the keyless signer (required with an identity)'),
  'issuer-regexp': string('RE', 'the same as a pattern the whole issuer must match'),
  'rekor-key': many('FILE', 'a transparency log public key to trust'),
  ca: many('FILE', 'a CA certificate (PEM) to trust for certificate signatures'),
  'notation-store': many('DIR', 'a Notation trust store folder, optionally prefixed ca:, signingAuthority: or tsa:'),
  crl: many('FILE', 'a CRL to check certificates against'),
  tsa: many('FILE', 'a timestamp authority certificate to trust'),
  'require-tlog': flag('refuse a signature without a transparency log entry'),
  'no-public-good': flag("do not trust sigstore's public-good root"),
  insecure: flag('talk to the registry over plain HTTP or with an unverified certificate'),
} as const;

const imageArgument = arg('IMAGE', 'REGISTRY/REPOSITORY[:TAG|@DIGEST], or oci:LAYOUT[:TAG]');

const verifyNotes = [
  'Without trust flags the configured trust is used (the same as the Images screen); any trust flag narrows it to what the flags name.',
  'Exit 0 only when the image is verified.',
];

// The light verify context serves the flags' trust; the configured trust opens the app only when no flag narrows it.
async function verified(session: Session, image: string, v: Values): Promise<ChainReport> {
  return verifyImage(await session.verifyContext(), image, v, async () => (await session.app()).images.trustOptions('cli'));
}

/** `signet verify` and `signet tree`: one check, printed as a verdict or as the trust-chain tree; exit 0 only when verified. */
export const verifyCommands: CommandTable = {
  verify: {
    summary: 'verify every signature and attestation of an image',
    options: verifyOptions,
    positionals: [imageArgument],
    notes: verifyNotes,
    run: async (session, v, [image]) => {
      const report = await verified(session, image!, v);
      return { text: formatVerdict(report), json: report, code: report.verdict === 'verified' ? EXIT.done : EXIT.notVerified };
    },
  },
  tree: {
    summary: 'the same check as verify, printed as the trust-chain tree',
    options: verifyOptions,
    positionals: [imageArgument],
    notes: verifyNotes,
    run: async (session, v, [image]) => {
      const report = await verified(session, image!, v);
      return { text: formatTree(report), json: report, code: report.verdict === 'verified' ? EXIT.done : EXIT.notVerified };
    },
  },
};
