import { join } from 'node:path';
import type { ChainReport, Verdict } from '../../../shared/model/chain.model.ts';
import type { AppError } from '../../../shared/errors.ts';
import { SignetError, toAppError } from '../../errors.ts';
import { resolveImageTarget, type ImageTarget, type SharedStores } from '../../images/image-target.ts';
import { settlePool } from '../../platform/task-pool.ts';
import type { VerifyContext } from '../../images/verify-context.types.ts';
import { VerifyEngine, type VerifyOptions } from '../../images/verify.engine.ts';
import { CONFIGURED_TRUST, describeTrust, loadTrust } from '../../trust/trust-sources.ts';
import { escapeControls } from '../../../shared/terminal-text.ts';
import { EXIT, exitCodeFor } from '../exit-code.table.ts';
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

/** The trust a verification runs with, and that trust in words for its report. */
export interface LoadedTrust {
  trust: Omit<VerifyOptions, 'reference'>;
  words: string[];
}

// Without trust flags, the trust the Images screen uses (`configured`); with them, only what they name. Loaded once however many images it checks.
export async function trustFor(context: VerifyContext, v: Values, configured?: () => Promise<Omit<VerifyOptions, 'reference'>>): Promise<LoadedTrust> {
  if (!narrowsTrust(v) && configured) {
    const trust = await configured();
    return { trust, words: describeTrust(trust, CONFIGURED_TRUST) };
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
  return { trust, words: describeTrust(trust, 'Only the trust the command line names') };
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
  const { trust, words } = await trustFor(context, v, configured);
  const report = await engine.chain(await graph, { reference: target.display, ...trust, now });
  return { ...namingSigners(report), trust: words };
}

/** How many images of one registry are read at once by `verify REF...`. */
export const PER_REGISTRY = 8;

/** What the summary of `verify REF...` reads of each report. */
export type ReportSummary = Pick<ChainReport, 'reference' | 'verdict' | 'reason' | 'trust'>;

/** One image of `verify REF...`: its report, or why no verdict could be reached. */
export type ManyOutcome<R extends ReportSummary = ChainReport> = { reference: string; report: R } | { reference: string; error: AppError };

// Many images under one trust load: each registry (or layout) is read with at most PER_REGISTRY images at once, the registries side by side; outcomes come back in the order given.
export async function verifyImages(context: VerifyContext, images: readonly string[], v: Values, configured?: () => Promise<Omit<VerifyOptions, 'reference'>>): Promise<ManyOutcome[]> {
  const settings = await context.settings.get();
  const { trust, words } = await trustFor(context, v, configured);
  const shared: SharedStores = new Map();
  const outcomes: ManyOutcome[] = images.map((reference) => ({ reference, error: { code: 'Internal', message: 'Not checked.' } }));
  const groups = new Map<ImageTarget['source'], { index: number; target: ImageTarget }[]>();
  images.forEach((image, index) => {
    try {
      const target = resolveImageTarget(image, settings, { insecure: v.insecure === true, cacheDir: join(context.dataDir, 'cache'), credentials: context.registryCredentials, shared });
      groups.set(target.source, [...(groups.get(target.source) ?? []), { index, target }]);
    } catch (error) {
      outcomes[index] = { reference: image, error: asAppError(error) };
    }
  });
  await Promise.all(
    [...groups].map(async ([source, items]) => {
      const engine = new VerifyEngine(source);
      const settled = await settlePool(
        items,
        async ({ target }) => {
          const graph = await engine.discover(target.repository, target.reference, { reference: target.display });
          return engine.chain(graph, { reference: target.display, ...trust, now: new Date() });
        },
        { concurrency: PER_REGISTRY },
      );
      settled.forEach((outcome, i) => {
        const { index } = items[i]!;
        const reference = images[index]!;
        if (outcome.status === 'done') outcomes[index] = { reference, report: { ...namingSigners(outcome.value), trust: words } };
        else if (outcome.status === 'failed') outcomes[index] = { reference, error: asAppError(outcome.error) };
      });
    }),
  );
  return outcomes;
}

// What stopped one image, in the words the CLI prints for a whole command that ended in that error.
function asAppError(error: unknown): AppError {
  if (error instanceof SignetError) return toAppError(error);
  return { code: 'Internal', message: error instanceof Error ? error.message : String(error) };
}

/** The classes `verify REF...` counts its images in. */
export interface ManyTally {
  verified: number;
  notVerified: number;
  couldNotCheck: number;
}

// Each image counted as verified, not verified (a verdict, or an error that is an answer), or could not be checked.
export function tallyOf(outcomes: readonly ManyOutcome<ReportSummary>[]): ManyTally {
  const tally = { verified: 0, notVerified: 0, couldNotCheck: 0 };
  for (const outcome of outcomes) {
    if ('report' in outcome) {
      if (outcome.report.verdict === 'verified') tally.verified++;
      else tally.notVerified++;
    } else if (exitCodeFor(outcome.error.code) === EXIT.notVerified) tally.notVerified++;
    else tally.couldNotCheck++;
  }
  return tally;
}

// 0 when every image is verified; 1 when any is not; 3 when some could not be checked and none was refused.
export function manyExitCode(tally: ManyTally): number {
  if (tally.notVerified > 0) return EXIT.notVerified;
  if (tally.couldNotCheck > 0) return EXIT.couldNotCheck;
  return EXIT.done;
}

// One line per image in the order given, the trust they were checked with, then the count of each class.
export function formatMany(outcomes: readonly ManyOutcome<ReportSummary>[]): string {
  const lines = outcomes.map((outcome) =>
    'report' in outcome ? line(`${verdictWord(outcome.report.verdict)} ${outcome.report.reference}: ${outcome.report.reason}`) : line(`? could not check ${outcome.reference}: ${outcome.error.code}: ${outcome.error.message}`),
  );
  const first = outcomes.find((outcome) => 'report' in outcome);
  const tally = tallyOf(outcomes);
  return [...lines, ...(first && 'report' in first ? trustLines(first.report) : []), `${tally.verified} verified, ${tally.notVerified} not verified, ${tally.couldNotCheck} could not be checked`].join('\n');
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

function trustLines(report: Pick<ChainReport, 'trust'>): string[] {
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
const imagesArgument = { ...arg('IMAGE...', 'one or more images: REGISTRY/REPOSITORY[:TAG|@DIGEST], or oci:LAYOUT[:TAG]'), repeats: true };

const verifyNotes = [
  'Without trust flags the configured trust is used (the same as the Images screen); any trust flag narrows it to what the flags name.',
  'Exit 0 only when the image is verified.',
];

const verifyManyNotes = [
  verifyNotes[0]!,
  `With several images the trust is loaded once and each registry is read ${PER_REGISTRY} images at a time; one line per image, then "N verified, M not verified, K could not be checked". --json prints a list: each image's report, or its reference and error.`,
  'Exit 0 only when every image is verified; 1 when any is not verified; 3 when some could not be checked and none was not verified.',
];

// The light verify context serves the flags' trust; the configured trust opens the app only when no flag narrows it.
async function verified(session: Session, image: string, v: Values): Promise<ChainReport> {
  return verifyImage(await session.verifyContext(), image, v, async () => (await session.app()).images.trustOptions('cli'));
}

/** `signet verify` and `signet tree`: one check, printed as a verdict or as the trust-chain tree; exit 0 only when verified. `verify` also takes many images at once. */
export const verifyCommands: CommandTable = {
  verify: {
    summary: 'verify every signature and attestation of an image',
    options: verifyOptions,
    positionals: [imagesArgument],
    notes: verifyManyNotes,
    run: async (session, v, images) => {
      if (images.length === 1) {
        const report = await verified(session, images[0]!, v);
        return { text: formatVerdict(report), json: report, code: report.verdict === 'verified' ? EXIT.done : EXIT.notVerified };
      }
      const outcomes = await verifyImages(await session.verifyContext(), images, v, async () => (await session.app()).images.trustOptions('cli'));
      return { text: formatMany(outcomes), json: outcomes.map((outcome) => ('report' in outcome ? outcome.report : outcome)), code: manyExitCode(tallyOf(outcomes)) };
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
