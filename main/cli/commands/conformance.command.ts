// `signet conformance verify-bundle ...`: the sigstore-conformance CLI protocol (docs/cli_protocol.md), so the
// conformance suite and Signet's own acceptance cases drive the same offline bundle verification.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { bundleKeyFromPem, verifySigstoreBundle, type BundleArtifact, type BundlePolicy, type BundleVerification, type DigestAlgorithm } from '../../signatures/sigstore-bundle.verifier.ts';
import { publicGoodTrustedRoot } from '../../trust/public-good.ts';
import { escapeControls } from '../../../shared/terminal-text.ts';

export const CONFORMANCE_USAGE = `Usage: signet conformance verify-bundle [--staging] --bundle FILE
         (--certificate-identity ID | --certificate-identity-regexp RE) (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE)
         | --key FILE [--key-valid-for START..END] | --skip-identity
         [--trusted-root FILE] [--at TIME] [--image-digest sha256:HEX] [FILE_OR_DIGEST]
FILE_OR_DIGEST is the artifact's path, or its digest as sha256:HEX (also sha384:, sha512:) when no such file exists.
Without it a DSSE bundle is checked in full and reported unbound, never verified. Regexps must match the whole value.
Exit 0 when verified; otherwise 1 (2 for a wrong command line) with a one-line reason on stderr.`;

export interface ConformanceOutput {
  write(text: string): unknown;
}

export interface ConformanceResult {
  /** 0 verified, 1 not verified, 2 the command line was wrong. */
  code: number;
  /** The one line written: the reason, on stdout when verified and on stderr otherwise. */
  line: string;
  /** The verifier's answer, when verification ran; for an image digest, the first of the two answers that failed. */
  verification: BundleVerification | null;
}

const OPTIONS = {
  bundle: { type: 'string' },
  'certificate-identity': { type: 'string' },
  'certificate-identity-regexp': { type: 'string' },
  'certificate-oidc-issuer': { type: 'string' },
  'certificate-oidc-issuer-regexp': { type: 'string' },
  'trusted-root': { type: 'string' },
  key: { type: 'string' },
  'key-valid-for': { type: 'string' },
  'skip-identity': { type: 'boolean', default: false },
  staging: { type: 'boolean', default: false },
  at: { type: 'string' },
  'image-digest': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const DIGEST_HEX: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

class Refusal extends Error {
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

const usage = (message: string) => new Refusal(message, 2);
const refuse = (message: string) => new Refusal(message, 1);

// The protocol's rule: a digest is `sha256:` plus the right number of hex digits and not a path on disk; anything else is a path.
export function parseDigestArgument(text: string): { algorithm: DigestAlgorithm; value: Buffer } | null {
  const match = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/.exec(text);
  if (!match || existsSync(text)) return null;
  const algorithm = match[1] as DigestAlgorithm;
  return match[2]!.length === DIGEST_HEX[algorithm] ? { algorithm, value: Buffer.from(match[2]!, 'hex') } : null;
}

function time(text: string, flag: string): Date {
  if (!RFC3339.test(text) || Number.isNaN(Date.parse(text))) throw usage(`${flag} ${text} is not an RFC 3339 time`);
  return new Date(text);
}

function pattern(text: string, flag: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw usage(`${flag} ${text} is not a regular expression: ${(error as Error).message}`);
  }
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw refuse(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function json(path: string, what: string): Promise<unknown> {
  const bytes = await readInput(path, what);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw refuse(`the ${what} ${path} is not JSON: ${(error as Error).message}`);
  }
}

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

async function policyOf(v: Values): Promise<BundlePolicy> {
  const policy: BundlePolicy = {};
  if (v.at !== undefined) policy.now = time(v.at, '--at');
  const identity = v['certificate-identity'] ?? (v['certificate-identity-regexp'] !== undefined ? pattern(v['certificate-identity-regexp'], '--certificate-identity-regexp') : undefined);
  const issuer = v['certificate-oidc-issuer'] ?? (v['certificate-oidc-issuer-regexp'] !== undefined ? pattern(v['certificate-oidc-issuer-regexp'], '--certificate-oidc-issuer-regexp') : undefined);
  if (v['certificate-identity'] !== undefined && v['certificate-identity-regexp'] !== undefined) throw usage('give --certificate-identity or --certificate-identity-regexp, not both');
  if (v['certificate-oidc-issuer'] !== undefined && v['certificate-oidc-issuer-regexp'] !== undefined) throw usage('give --certificate-oidc-issuer or --certificate-oidc-issuer-regexp, not both');
  if (v['key-valid-for'] !== undefined && v.key === undefined) throw usage('--key-valid-for needs --key');
  if (v.key !== undefined) {
    let publicKey;
    try {
      publicKey = bundleKeyFromPem((await readInput(v.key, 'key')).toString('utf8'));
    } catch (error) {
      throw error instanceof Refusal ? error : refuse(`the key ${v.key} is not a PEM public key: ${(error as Error).message}`);
    }
    policy.key = { publicKey };
    if (v['key-valid-for'] !== undefined) {
      const [start, end, extra] = v['key-valid-for'].split('..');
      if (start === undefined || end === undefined || extra !== undefined) throw usage(`--key-valid-for ${v['key-valid-for']} is not START..END`);
      policy.key.validFor = { start: time(start, '--key-valid-for start'), end: time(end, '--key-valid-for end') };
    }
  }
  if (v['skip-identity']) policy.skipIdentity = true;
  if (identity !== undefined || issuer !== undefined) {
    if (identity === undefined || issuer === undefined) throw usage('a certificate identity needs its OIDC issuer, and an issuer its identity');
    if (policy.skipIdentity) throw usage('--skip-identity cannot be combined with a certificate identity');
    policy.identity = identity;
    policy.issuer = issuer;
  }
  if (!policy.key && !policy.skipIdentity && policy.identity === undefined) throw usage('no signer is named: give --certificate-identity and --certificate-oidc-issuer, --key, or --skip-identity');
  return policy;
}

async function artifactOf(argument: string | undefined): Promise<BundleArtifact> {
  if (argument === undefined) return {};
  const digest = parseDigestArgument(argument);
  return digest ? { digest } : { bytes: await readInput(argument, 'artifact') };
}

async function verifyBundle(argv: string[]): Promise<{ verification: BundleVerification }> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const v = parsed.values as Values;
  if (parsed.positionals.length > 1) throw usage(`verify-bundle takes one FILE_OR_DIGEST, not ${parsed.positionals.length}`);
  if (v.bundle === undefined) throw usage('--bundle is required');
  const policy = await policyOf(v);
  if (v.staging && v['trusted-root'] === undefined) throw refuse('--staging needs --trusted-root: no staging trusted root is built in, and nothing is fetched');
  const trustedRoot = v['trusted-root'] !== undefined ? await json(v['trusted-root'], 'trusted root') : await publicGoodTrustedRoot();
  const imageDigest = v['image-digest'] !== undefined ? parseDigestArgument(v['image-digest']) : null;
  if (v['image-digest'] !== undefined && (!imageDigest || imageDigest.algorithm !== 'sha256')) throw usage(`--image-digest ${v['image-digest']} is not sha256:HEX`);
  const bundleBytes = await readInput(v.bundle, 'bundle');
  let bundle: unknown;
  try {
    bundle = JSON.parse(bundleBytes.toString('utf8')) as unknown;
  } catch (error) {
    throw refuse(`the bundle ${v.bundle} is not JSON: ${(error as Error).message}`);
  }
  const argument = parsed.positionals[0];
  // An image attestation must be about the image: its statement's subject carries the image digest, checked besides any artifact given.
  if (imageDigest) {
    const image = verifySigstoreBundle(bundle, { digest: imageDigest }, trustedRoot, policy);
    if (image.verdict !== 'verified') return { verification: { ...image, reason: `As an attestation of the image ${v['image-digest']}: ${image.reason}` } };
    if (argument === undefined) return { verification: image };
  }
  return { verification: verifySigstoreBundle(bundle, await artifactOf(argument), trustedRoot, policy) };
}

// What `signet conformance ARGS` runs, given its arguments after `conformance`: writes one line and returns the exit code and the verifier's answer.
export async function runConformance(argv: string[], out: ConformanceOutput = process.stdout, err: ConformanceOutput = process.stderr): Promise<ConformanceResult> {
  const finish = (code: number, line: string, verification: BundleVerification | null): ConformanceResult => {
    const text = escapeControls(line.replace(/\s*\n\s*/g, ' '));
    (code === 0 ? out : err).write(`${text}\n`);
    return { code, line: text, verification };
  };
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || rest.includes('--help') || rest.includes('-h')) {
    out.write(`${CONFORMANCE_USAGE}\n`);
    return { code: subcommand === undefined ? 2 : 0, line: '', verification: null };
  }
  if (subcommand !== 'verify-bundle') {
    const why = subcommand === 'sign-bundle' ? 'signing with public-good infrastructure needs the network, and Signet never sends a signature to a public log' : 'the protocol subcommands Signet supports are verify-bundle';
    return finish(2, `conformance ${subcommand} is not supported: ${why}`, null);
  }
  try {
    const { verification } = await verifyBundle(rest);
    return verification.verdict === 'verified' ? finish(0, `verified: ${verification.reason}`, verification) : finish(1, `not verified (${verification.verdict}): ${verification.reason}`, verification);
  } catch (error) {
    if (error instanceof Refusal) return finish(error.code, error.code === 2 ? `usage: ${error.message}` : `not verified: ${error.message}`, null);
    return finish(1, `not verified: ${(error as Error).message}`, null);
  }
}
