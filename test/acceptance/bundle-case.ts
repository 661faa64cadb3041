// sigstore-bundle and oci-image-attestation cases, run through `signet conformance verify-bundle`: the function the
// CLI runs, called in-process with the argument list the conformance protocol would pass.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance, type ConformanceResult } from '../../main/cli/commands/conformance.command.ts';
import { BUNDLE_POLICY_FIELDS, CaseError, checkObject, KINDS, optionalText, textList, verificationTime, type Case } from './case-format.ts';

export interface CaseOutcome {
  result: 'pass' | 'fail';
  detail: string;
  /** The pass is for a DSSE bundle checked in full with nothing binding it to an artifact. */
  unbound?: boolean;
}

const DIGEST = /^(sha256|sha384|sha512):([0-9a-f]+)$/;
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const MODES = ['path', 'sha256-digest'];
const quiet = { write: () => true };

// A command line the command refuses (exit 2) is the case's fault, never a "fail" that an expected failure would accept.
async function conformance(argv: string[]): Promise<ConformanceResult> {
  const result = await runConformance(argv, quiet, quiet);
  if (result.code === 2) throw new CaseError(`the conformance command refused the case's arguments: ${result.line}`);
  return result;
}

function policyArguments(policyValue: unknown, data: (path: string) => string): string[] {
  const policy = checkObject(policyValue, 'policy', BUNDLE_POLICY_FIELDS);
  const args: string[] = [];
  const text = (field: string) => optionalText(policy[field], `policy.${field}`);
  for (const [field, flag] of [
    ['certificate_identity', '--certificate-identity'],
    ['certificate_identity_regexp', '--certificate-identity-regexp'],
    ['certificate_oidc_issuer', '--certificate-oidc-issuer'],
    ['certificate_oidc_issuer_regexp', '--certificate-oidc-issuer-regexp'],
  ] as const) {
    const value = text(field);
    if (value !== undefined) args.push(flag, value);
  }
  const key = text('key');
  if (key !== undefined) args.push('--key', data(key));
  const window = text('key_valid_for');
  if (window !== undefined) {
    if (key === undefined) throw new CaseError('policy.key_valid_for needs policy.key');
    args.push('--key-valid-for', window);
  }
  if (policy.skip_identity !== undefined && typeof policy.skip_identity !== 'boolean') throw new CaseError(`policy.skip_identity is ${JSON.stringify(policy.skip_identity)}, not true or false`);
  if (policy.skip_identity === true) args.push('--skip-identity');
  if (args.length === 0) throw new CaseError('policy names no identity, key or skip_identity');
  return args;
}

function checkedDigest(text: string, where: string, algorithms = Object.keys(HEX_LENGTH)): string {
  const match = DIGEST.exec(text);
  if (!match || !algorithms.includes(match[1]!) || match[2]!.length !== HEX_LENGTH[match[1]!]) throw new CaseError(`${where} ${JSON.stringify(text)} is not ${algorithms.join('/')}:HEX of the right length`);
  return text;
}

// The command answers a file it cannot read with "not verified"; for a case that is a broken case, not an expected failure.
function present(data: (path: string) => string, where: string): (path: string) => string {
  return (path) => {
    if (!existsSync(data(path))) throw new CaseError(`${where} ${path} does not exist`);
    return data(path);
  };
}

// Runs every presentation the case asks for; all must agree, and the case's result is theirs.
export async function bundleCase(c: Case, files: (path: string) => string): Promise<CaseOutcome> {
  const data = present(files, 'the file');
  const policy = policyArguments(c.policy, data);
  const bundle = optionalText(c.bundle, 'bundle');
  if (bundle === undefined) throw new CaseError('bundle is missing');
  const base = ['verify-bundle', '--bundle', data(bundle)];
  const trustedRoot = optionalText(c.trusted_root, 'trusted_root');
  if (trustedRoot !== undefined) base.push('--trusted-root', data(trustedRoot));
  base.push(...policy);
  const at = verificationTime(c);
  if (at) base.push('--at', at.toISOString());
  if (c.kind === KINDS.ociAttestation) {
    const image = optionalText(c.image_digest, 'image_digest');
    if (image === undefined) throw new CaseError('image_digest is missing');
    base.push('--image-digest', checkedDigest(image, 'image_digest', ['sha256']));
  }

  const path = optionalText(c.artifact, 'artifact');
  const text = c.artifact_text === undefined || c.artifact_text === null ? undefined : c.artifact_text;
  if (text !== undefined && typeof text !== 'string') throw new CaseError('artifact_text is not a string');
  const digest = optionalText(c.artifact_digest, 'artifact_digest');
  const given = [path, text, digest].filter((v) => v !== undefined).length;
  if (given > 1) throw new CaseError('the case gives the artifact more than one way (artifact, artifact_text, artifact_digest)');
  const modes = c.artifact_modes === undefined || c.artifact_modes === null ? ['path'] : textList(c.artifact_modes, 'artifact_modes');
  for (const mode of modes) if (!MODES.includes(mode)) throw new CaseError(`unknown artifact mode ${JSON.stringify(mode)}`);

  // No artifact at all (an image digest binds an image attestation): the bundle can only be answered as unbound.
  if (given === 0) {
    const modesGiven = c.artifact_modes !== undefined && c.artifact_modes !== null;
    // The image digest is the one presentation an attestation without an artifact has: only its digest.
    if (modesGiven && (c.kind !== KINDS.ociAttestation || modes.some((m) => m !== 'sha256-digest'))) throw new CaseError(`artifact_modes lists ${modes.join(', ')}, but the case gives no artifact to present`);
    const result = await conformance(base);
    if (c.kind === KINDS.ociAttestation) return { result: result.code === 0 ? 'pass' : 'fail', detail: result.line };
    const v = result.verification;
    const unbound = result.code !== 0 && v?.unbound === true && v.verdict === 'failed';
    return unbound ? { result: 'pass', unbound: true, detail: result.line } : { result: 'fail', detail: result.line };
  }

  const presentations: { mode: string; argument: string }[] = [];
  let scratch: string | null = null;
  try {
    if (digest !== undefined) {
      checkedDigest(digest, 'artifact_digest');
      for (const mode of modes) {
        if (mode === 'path') {
          if (c.artifact_modes !== undefined && c.artifact_modes !== null) throw new CaseError('artifact_modes lists path, but only artifact_digest is given');
        } else if (!digest.startsWith('sha256:')) throw new CaseError(`artifact_modes lists sha256-digest, but artifact_digest is ${digest.split(':')[0]}`);
      }
      presentations.push({ mode: 'digest', argument: digest });
    } else {
      let file: string;
      if (text !== undefined) {
        scratch = await mkdtemp(join(tmpdir(), 'signet-acceptance-'));
        file = join(scratch, 'artifact');
        await writeFile(file, text);
      } else file = data(path!);
      const bytes = await readFile(file);
      for (const mode of modes) presentations.push({ mode, argument: mode === 'path' ? file : `sha256:${createHash('sha256').update(bytes).digest('hex')}` });
    }
    const results: { mode: string; result: ConformanceResult }[] = [];
    for (const p of presentations) results.push({ mode: p.mode, result: await conformance([...base, p.argument]) });
    const detail = results.map((r) => `${r.mode}: ${r.result.line}`).join('; ');
    const verdicts = new Set(results.map((r) => r.result.code === 0));
    if (verdicts.size > 1) return { result: 'fail', detail: `the artifact modes disagree: ${detail}` };
    return { result: results[0]!.result.code === 0 ? 'pass' : 'fail', detail };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}
