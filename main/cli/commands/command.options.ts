import { writeFile } from 'node:fs/promises';
import type { Values } from './command.types.ts';

/** A mistake on the command line: reported with a hint and exit code 2. */
export class UsageError extends Error {}

/** parseArgs shorthands: a string flag, a repeatable string flag, a boolean flag that defaults to false. */
export const string = { type: 'string' } as const;
export const many = { type: 'string', multiple: true } as const;
export const flag = { type: 'boolean', default: false } as const;

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
