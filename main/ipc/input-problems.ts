import type { z } from 'zod';
import { describeIssues } from '../errors.ts';

type Issue = z.core.$ZodIssue;

// Whole paths first (numbers written as N), so a field inside a list gets the list's own name.
const FIELD_BY_PATH: ReadonlyMap<string, string> = new Map([
  ['registries.N.url', 'The registry address'],
  ['registries.N.name', 'The registry name'],
  ['registries', 'The list of registries'],
  ['layouts.N.path', 'The layout folder'],
  ['layouts.N.name', 'The layout name'],
  ['pkcs11Modules.N.path', 'The PKCS#11 module path'],
  ['pkcs11Modules.N.label', 'The PKCS#11 module label'],
  ['toolDirs.N', 'The tool folder'],
  ['cleartextCredentialHosts.N', 'The registry host'],
  ['signing.tsaUrl', 'The timestamp authority address'],
  ['signing.rules.N.scope', 'The repository scope of a signing rule'],
  ['signing.rules.N.keyIds.N', 'A key id of a signing rule'],
  ['trust.identity', 'The signer identity'],
  ['trust.issuer', 'The identity issuer'],
  ['trust.trustedRootFile', 'The trusted root file'],
  ['trust.notationStores.N', 'The Notation trust store'],
  ['schedules.N.everyMinutes', 'The interval between re-scans'],
]);

// Then the last named part of the path, for fields that mean the same wherever they appear.
const FIELD_BY_NAME: ReadonlyMap<string, string> = new Map([
  ['url', 'The address'],
  ['name', 'The name'],
  ['label', 'The label'],
  ['labels', 'The labels'],
  ['reference', 'The image reference'],
  ['references', 'The image references'],
  ['repository', 'The repository'],
  ['tag', 'The tag'],
  ['digest', 'The digest'],
  ['keyId', 'The key id'],
  ['keyIds', 'The key ids'],
  ['policyId', 'The policy id'],
  ['scanId', 'The scan id'],
  ['intentId', 'The confirmation id'],
  ['lessonId', 'The lesson'],
  ['stepId', 'The lesson step'],
  ['objectId', 'The token object id'],
  ['algorithm', 'The algorithm'],
  ['format', 'The format'],
  ['path', 'The path'],
  ['outputDir', 'The output folder'],
  ['backupFile', 'The backup file'],
  ['threshold', 'The number of custodians needed'],
  ['custodians', 'The custodians'],
  ['invalidSince', 'The "invalid since" time'],
  ['everyMinutes', 'The interval in minutes'],
  ['limit', 'The number of entries asked for'],
  ['text', 'The text'],
]);

// Values of these fields are never repeated back, not even in the details.
const SECRET_NAMES = /pin|pass|secret|token(?!label|serial)|password|share/i;

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'The request';
  const pattern = path.map((part) => (typeof part === 'number' ? 'N' : String(part))).join('.');
  const whole = FIELD_BY_PATH.get(pattern);
  if (whole) return whole;
  const last = [...path].reverse().find((part): part is string => typeof part === 'string');
  if (last === undefined) return 'An entry';
  const named = FIELD_BY_NAME.get(last);
  if (named) return named;
  return `The field "${last.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}"`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let here: unknown = input;
  for (const part of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<PropertyKey, unknown>)[part];
  }
  return here;
}

// A short string the person typed is quoted back so they can see which entry is meant.
function quoted(input: unknown, path: readonly PropertyKey[]): string {
  if (path.some((part) => typeof part === 'string' && SECRET_NAMES.test(part))) return '';
  const value = valueAt(input, path);
  if (typeof value !== 'string' || value.length === 0) return '';
  const shown = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return ` "${[...shown].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? '?' : c)).join('')}"`;
}

// Zod's own wording for a check without a message of its own starts like this; it is not for people.
const ZOD_DEFAULT = /^(invalid|too (small|big)|expected|unrecognized)/i;

function own(message: string): string | null {
  return ZOD_DEFAULT.test(message) ? null : message;
}

function sizeWords(origin: string, amount: number | bigint): string {
  const count = Number(amount);
  if (origin === 'string') return `${count} character${count === 1 ? '' : 's'}`;
  if (origin === 'array' || origin === 'set') return `${count} entr${count === 1 ? 'y' : 'ies'}`;
  return String(amount);
}

function sentence(issue: Issue, input: unknown): string {
  const field = fieldName(issue.path);
  const value = quoted(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined ? `${field} is missing; fill it in.` : `${field}${value} is not the right kind of value (${issue.expected} expected).`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) <= 1) return `${field} is empty; fill it in.`;
      if (issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set') return `${field} is too short: give at least ${sizeWords(issue.origin, issue.minimum)}.`;
      return `${field}${value} is too small: give at least ${String(issue.minimum)}.`;
    case 'too_big':
      if (issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set') return `${field} is too long: give at most ${sizeWords(issue.origin, issue.maximum)}.`;
      return `${field}${value} is too large: give at most ${String(issue.maximum)}.`;
    case 'invalid_format': {
      if (issue.format === 'url') return `${field}${value} is not a web address; write it like https://registry.example.com or 127.0.0.1:5000.`;
      const rule = own(issue.message);
      return rule ? `${field}${value} is not in the expected form: ${rule}.` : `${field}${value} is not in the expected form.`;
    }
    case 'invalid_value':
      return `${field}${value} is not one of the accepted values (${issue.values.map((v) => JSON.stringify(v)).join(', ')}).`;
    case 'unrecognized_keys':
      return `${field} has fields Signet does not take (${issue.keys.join(', ')}); leave them out.`;
    case 'invalid_union':
      return `${field}${value} matches none of the accepted forms.`;
    case 'not_multiple_of':
      return `${field}${value} must be a multiple of ${String(issue.divisor)}.`;
    default: {
      const rule = own(issue.message);
      return rule ? `${field}${value} was not accepted: ${rule}.` : `${field}${value} was not accepted.`;
    }
  }
}

/** Turns a refused request into one sentence a person can act on, with zod's own list kept as the details. */
export function describeInvalidInput(error: z.ZodError, input: unknown): { message: string; details: string[] } {
  const [first, ...rest] = error.issues;
  const details = describeIssues(error);
  if (!first) return { message: 'The request was not accepted; nothing was done.', details };
  const more = rest.length === 0 ? '' : ` ${rest.length === 1 ? 'One more problem is' : `${rest.length} more problems are`} listed under Details.`;
  return { message: `${sentence(first, input)}${more} Nothing was done; correct it and try again.`.slice(0, 2000), details };
}
