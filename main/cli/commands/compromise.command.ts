import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../../shared/client.ts';
import type { CompromiseAssessment, CompromiseReport } from '../../../shared/model/compromise.model.ts';
import { PolicyTargetSchema } from '../../../shared/model/policy.model.ts';
import { SignetError } from '../../errors.ts';
import { arg, flag, listOf, many, string } from './command.options.ts';
import type { CommandTable, Values } from './command.types.ts';

export interface CompromiseArguments {
  key: string;
  since: unknown;
  registries: string[];
  resign: boolean;
  removeSignatures: boolean;
  exportTargets: string[];
  output: unknown;
}

// The CLI and the app answer the same question the same way: `signet compromise assess` prints what the assess step lists.
export async function assessCompromise(call: Client, args: CompromiseArguments): Promise<{ text: string; json: unknown }> {
  const assessment = await call.compromise.assess(await scopeOf(call, args));
  return { text: assessmentText(assessment), json: assessment };
}

// One intent, one confirmation typed at the terminal, then the report; its files are written only when --output names a folder.
export async function respondToCompromise(call: Client, args: CompromiseArguments): Promise<{ text: string; json: unknown }> {
  const exportTargets = args.exportTargets.map((t) => {
    const parsed = PolicyTargetSchema.safeParse(t);
    if (!parsed.success) throw new SignetError('BadInput', `--export ${t}: choose ${PolicyTargetSchema.options.join(', ')}`);
    return parsed.data;
  });
  const intent = await call.compromise.prepare({ ...(await scopeOf(call, args)), resign: args.resign, removeCompromisedSignatures: args.removeSignatures, exportTargets });
  const report = await call.compromise.confirm({ intentId: intent.intentId });
  const written = typeof args.output === 'string' ? await writeReportFiles(args.output, report) : [];
  return { text: `${reportText(report)}${written.length ? `\nWrote ${written.join(', ')}` : ''}`, json: report };
}

async function scopeOf(call: Client, args: CompromiseArguments) {
  if (typeof args.since !== 'string') throw new SignetError('BadInput', '--since DATE is required: the time from which the key is no longer trusted.');
  const since = new Date(args.since);
  if (Number.isNaN(since.getTime())) throw new SignetError('BadInput', `--since ${args.since} is not a date; write it like 2026-05-01T09:00:00Z.`);
  const key = (await call.keys.list({})).find((k) => k.id === args.key || k.label === args.key);
  if (!key) throw new SignetError('NotFound', `No key ${args.key} in the inventory.`);
  return { keyId: key.id, invalidSince: since.toISOString(), registries: args.registries.map((name) => ({ name, repositories: null })) };
}

function assessmentText(a: CompromiseAssessment): string {
  const lines = [`Key "${a.label}" (${a.fingerprint}), invalid since ${a.invalidSince}: ${a.affected.length} affected image(s)`];
  for (const image of a.affected) lines.push(`  ${image.reference}\n      ${image.format ?? 'unknown format'}, signed ${image.signedAt ?? 'at an unknown time'}, found in ${image.foundIn.join(' and ')}`);
  for (const note of a.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

function reportText(r: CompromiseReport): string {
  const lines = [`Compromise of ${r.keyId}, invalid since ${r.invalidSince}; successor ${r.successorId ?? 'none'}`, 'Timeline:'];
  for (const t of r.timeline) lines.push(`  ${t.time}  ${t.what}`);
  if (r.resigned.length) lines.push('Re-signed:', ...r.resigned.map((s) => `  ${s.verdict.padEnd(11)} ${s.digest}\n              ${s.reason}`));
  if (r.removed.length) lines.push('Removed:', ...r.removed.map((s) => `  ${s.reference}: ${s.what}`));
  for (const e of r.exports) lines.push(`Export ${e.policyId} for ${e.target}: ${e.files.map((f) => f.filename).join(', ') || 'no files'}`, ...e.gaps.map((g) => `  gap: ${g}`));
  return lines.join('\n');
}

async function writeReportFiles(folder: string, report: CompromiseReport): Promise<string[]> {
  const files: { name: string; text: string }[] = [
    { name: report.revocationList.filename, text: report.revocationList.text },
    { name: 'compromise-report.json', text: `${JSON.stringify(report, null, 2)}\n` },
    ...report.exports.flatMap((e) => e.files.map((f) => ({ name: `${e.policyId}-${e.target}-${f.filename}`, text: f.text }))),
  ];
  const written: string[] = [];
  for (const file of files) {
    const path = join(folder, file.name.replace(/[^A-Za-z0-9._-]+/g, '-'));
    await writeFile(path, file.text, { mode: 0o644 });
    written.push(path);
  }
  return written;
}

const compromiseOptions = {
  since: string('DATE', 'from when the key is no longer trusted, such as 2026-05-01T09:00:00Z (required)'),
  registry: many('NAME', 'a configured registry to scan for what the key signed; repeat for more'),
} as const;

const compromisedKey = arg('KEY', 'the key id or label');

// The flags of both compromise verbs, as the functions above read them.
function compromiseArguments(key: string, v: Values): CompromiseArguments {
  return { key, since: v.since, registries: listOf(v, 'registry'), resign: v['no-resign'] !== true, removeSignatures: v['remove-signatures'] === true, exportTargets: listOf(v, 'export'), output: v.output };
}

/** `signet compromise assess` and `signet compromise respond`. */
export const compromiseCommands: CommandTable = {
  'compromise assess': {
    summary: 'the images the key signed after DATE, from the audit log and registry scans',
    options: compromiseOptions,
    positionals: [compromisedKey],
    run: async (session, v, [key]) => assessCompromise(await session.client(), compromiseArguments(key!, v)),
  },
  'compromise respond': {
    summary: 'rotate, revoke for keyCompromise and re-sign every affected image with the successor, after one typed confirmation',
    options: {
      ...compromiseOptions,
      'no-resign': flag('do not re-sign the affected images'),
      'remove-signatures': flag("remove the compromised key's signatures from the registry"),
      export: many('TARGET', 'export the updated policies: kyverno, policy-controller, containers-policy or notation; repeat for more'),
      output: string('DIR', 'write the revocation list, the report and the exports into DIR'),
    },
    positionals: [compromisedKey],
    run: async (session, v, [key]) => respondToCompromise(await session.client(), compromiseArguments(key!, v)),
  },
};
