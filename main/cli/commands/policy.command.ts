import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { KeyRecord } from '../../../shared/model/keys.model.ts';
import { PolicyTargetSchema, type Policy, type PolicyEvaluation, type PolicyExport } from '../../../shared/model/policy.model.ts';
import { SignetError } from '../../errors.ts';
import type { VerifyContext } from '../../images/verify-context.types.ts';
import { PolicyEvaluator } from '../../policy/policy.evaluator.ts';
import { signerName } from '../../policy/policy-signers.ts';
import { readTwins } from '../../recovery/twin.service.ts';
import { exportForTarget, findPolicy, readPolicies } from '../../policy/policy.service.ts';
import type { SignetAuthority } from '../../policy/policy.types.ts';
import { arg, flag, string, UsageError } from './command.options.ts';
import type { CommandTable, Session } from './command.types.ts';

/** What the CLI's evaluate and export read: the same parts `verify` uses, and Signet's CA only when a policy trusts a CA. */
export interface PolicyCommandContext extends VerifyContext {
  authority?: SignetAuthority;
}

// The CLI evaluates without opening token drivers or the dispatcher, like `verify`; the verdict is the service's.
export async function evaluatePolicy(context: PolicyCommandContext, policyId: string, image: string, insecure: boolean): Promise<PolicyEvaluation> {
  const policy = findPolicy(await readPolicies(context.dataDir), policyId);
  const evaluator = new PolicyEvaluator({ cacheDir: join(context.dataDir, 'cache'), settings: context.settings, keys: context.keys, credentials: context.registryCredentials, authority: context.authority, twins: () => readTwins(context.dataDir) });
  return evaluator.evaluate(policy, image, insecure);
}

// The same export the app gives, for the target the user typed.
export async function exportPolicyFor(context: PolicyCommandContext, policyId: string, target: string): Promise<PolicyExport> {
  const parsed = PolicyTargetSchema.safeParse(target);
  if (!parsed.success) throw new SignetError('BadInput', `--target must be one of ${PolicyTargetSchema.options.join(', ')}.`);
  const policy = findPolicy(await readPolicies(context.dataDir), policyId);
  return exportForTarget(policy, parsed.data, { keys: context.keys, authority: context.authority, twins: () => readTwins(context.dataDir) });
}

// Exported files keep their relative paths (a Notation trust store has folders); nothing may land outside the folder asked for.
export async function writeExport(folder: string, exported: PolicyExport): Promise<string[]> {
  const root = resolve(folder);
  const written: string[] = [];
  for (const file of exported.files) {
    const path = resolve(root, file.filename);
    if (!path.startsWith(root + sep)) throw new SignetError('BadInput', `The exported file ${file.filename} would land outside ${root}.`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.text, { mode: 0o644 });
    written.push(path);
  }
  return written;
}

// A JSON file the user wrote is read here only as JSON; the contract checks it as a policy on the way in.
export function readPolicyJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SignetError('BadInput', `${file} is not JSON: ${(error as Error).message}`);
  }
}

// One line per policy for `signet policy list`.
export function formatPolicies(policies: Policy[]): string {
  if (policies.length === 0) return 'No policies yet; add one with `signet policy import FILE`.';
  return policies.map((p) => `${p.id.padEnd(24)} ${p.name} (${p.rules.length} rule${p.rules.length === 1 ? '' : 's'})`).join('\n');
}

// A policy as a reviewer reads it: each rule's scope, who must sign, in which formats, and what happens on failure.
export function formatPolicy(policy: Policy, inventory: KeyRecord[]): string {
  const lines = [`${policy.id}: ${policy.name}`, ...(policy.description ? [policy.description] : [])];
  for (const [index, rule] of policy.rules.entries()) {
    lines.push(`Rule ${index + 1}: ${rule.scope} (${rule.enforcement})`);
    lines.push(`  ${rule.threshold} of ${rule.signers.length} signers, formats ${rule.formats.join(', ')}`);
    for (const signer of rule.signers) lines.push(`  - ${signer.kind}: ${signerName(signer, inventory)}${signer.kind === 'identity' ? ` (issuer ${signer.issuer})` : ''}`);
    if (rule.attestations.length > 0) lines.push(`  attestations required: ${rule.attestations.join(', ')}`);
  }
  return lines.join('\n');
}

// The verdict first, then every reason on its own line.
export function formatEvaluation(evaluation: PolicyEvaluation): string {
  const outcome = evaluation.admitted ? 'admitted' : 'refused';
  const head = evaluation.verdict === 'no-rule' ? `no rule ${evaluation.reference} (${evaluation.digest}): ${outcome}` : `${evaluation.verdict} ${evaluation.reference} (${evaluation.digest}) under rule ${evaluation.rule} [${evaluation.enforcement}]: ${outcome}`;
  return [head, ...evaluation.reasons.map((r) => `  ${r}`)].join('\n');
}

// `signet policy show`: the policy as a reviewer reads it, or a plain NotFound.
export function showPolicy(policies: Policy[], policyId: string, inventory: KeyRecord[]): { policy: Policy; text: string } {
  const policy = findPolicy(policies, policyId);
  return { policy, text: formatPolicy(policy, inventory) };
}

// Signet's CA (and with it the app) is opened only when a policy trusts a CA root.
function policyAuthority(session: Session): SignetAuthority {
  return {
    rootPem: async () => (await (await session.app()).authority.view()).rootPem,
    trust: async () => (await session.app()).authority.trust('cli'),
  };
}

const policyId = arg('ID', 'the policy id from policy list');

/** `signet policy ...`: list, import, show, remove, evaluate against an image and export for admission controllers. */
export const policyCommands: CommandTable = {
  'policy list': {
    summary: 'every trust policy',
    options: {},
    positionals: [],
    run: async (session) => {
      const policies = await (await session.client()).policies.list({});
      return { text: formatPolicies(policies), json: policies };
    },
  },
  'policy import': {
    summary: 'add or replace a policy from a JSON file (checked against the policy schema)',
    options: {},
    positionals: [arg('FILE', 'the policy as JSON')],
    run: async (session, _v, [file]) => {
      const policy = readPolicyJson(await readFile(file!, 'utf8'), file!);
      const saved = await (await session.client()).policies.save(policy as never);
      return { text: `Saved policy ${saved.id} "${saved.name}" (${saved.rules.length} rule${saved.rules.length === 1 ? '' : 's'})`, json: saved };
    },
  },
  'policy show': {
    summary: "a policy's rules: scope, signers, threshold, formats, attestations, enforcement",
    options: {},
    positionals: [policyId],
    run: async (session, _v, [policyId]) => {
      const call = await session.client();
      const [policies, keys] = await Promise.all([call.policies.list({}), call.keys.list({})]);
      const { policy, text } = showPolicy(policies, policyId!, keys);
      return { text, json: policy };
    },
  },
  'policy remove': {
    summary: 'delete a policy',
    options: {},
    positionals: [policyId],
    notes: ['Exit 1 when there was no such policy.'],
    run: async (session, _v, [policyId]) => {
      const result = await (await session.client()).policies.remove({ policyId: policyId! });
      return { text: result.removed ? `Removed policy ${policyId}.` : `No policy ${policyId}; nothing was removed.`, json: result, code: result.removed ? 0 : 1 };
    },
  },
  'policy evaluate': {
    summary: "the policy's verdict on an image",
    options: { insecure: flag('talk to the registry over plain HTTP or with an unverified certificate') },
    positionals: [policyId, arg('IMAGE', 'REGISTRY/REPOSITORY[:TAG|@DIGEST], or oci:LAYOUT[:TAG]')],
    notes: ['Exit 0 when the policy admits the image, 1 when it refuses it, 3 when it could not be checked.'],
    run: async (session, v, [policyId, image]) => {
      const evaluation = await evaluatePolicy({ ...(await session.verifyContext()), authority: policyAuthority(session) }, policyId!, image!, v.insecure === true);
      return { text: formatEvaluation(evaluation), json: evaluation, code: evaluation.admitted ? 0 : 1 };
    },
  },
  'policy export': {
    summary: 'the policy for an admission controller; what it cannot express goes to stderr',
    options: { target: string('TARGET', 'kyverno, policy-controller, containers-policy or notation (required)'), output: string('DIR', 'write the files into DIR instead of printing them') },
    positionals: [policyId],
    run: async (session, v, [policyId]) => {
      if (typeof v.target !== 'string') throw new UsageError('--target is required: kyverno, policy-controller, containers-policy or notation');
      const exported = await exportPolicyFor({ ...(await session.verifyContext()), authority: policyAuthority(session) }, policyId!, v.target);
      for (const gap of exported.gaps) process.stderr.write(`gap: ${gap}\n`);
      if (typeof v.output !== 'string') return { text: exported.files.map((f) => `# ${f.filename}\n${f.text.trimEnd()}`).join('\n\n'), json: exported };
      const written = await writeExport(v.output, exported);
      return { text: `Wrote ${written.join(', ')}`, json: exported };
    },
  },
};
