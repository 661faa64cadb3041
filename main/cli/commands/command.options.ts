import { writeFile } from 'node:fs/promises';
import type { KeyBackendSpec } from '../../../shared/model/keys.model.ts';
import type { Argument, Flag, Values } from './command.types.ts';

/** A mistake on the command line: reported with a hint and exit code 2. */
export class UsageError extends Error {}

/** A string flag: the placeholder of its value and its line in the verb's --help. */
export const string = (value: string, help: string): Flag => ({ type: 'string', value, help });

/** A repeatable string flag, given once per value. */
export const many = (value: string, help: string): Flag => ({ type: 'string', multiple: true, value, help });

/** A boolean flag that defaults to false. */
export const flag = (help: string): Flag => ({ type: 'boolean', default: false, help });

/** A positional argument: its placeholder and what it names. */
export const arg = (name: string, help: string): Argument => ({ name, help });

// A repeatable flag's values; none when it was not given.
export function listOf(values: Values, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

// A file the user asked for: written to --output when given, else printed.
export async function output(values: Values, file: { filename: string; text: string }): Promise<string> {
  if (typeof values.output !== 'string') return file.text.trimEnd();
  await writeFile(values.output, file.text, { mode: 0o644 });
  return `Wrote ${values.output}`;
}

// --backend, --module and --token as the contract's key location: a token when a module is named, software otherwise.
export function backendOf(values: Values): KeyBackendSpec {
  const kind = values.backend ?? (values.module ? 'pkcs11' : 'software');
  if (kind === 'pkcs11') return { kind: 'pkcs11', modulePath: String(values.module ?? ''), tokenLabel: String(values.token ?? '') };
  if (kind === 'software') return { kind: 'software' };
  throw new UsageError(`--backend is software or pkcs11, not ${String(kind)}`);
}
