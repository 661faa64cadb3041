import type { Command, CommandTable } from './commands/command.types.ts';
import { EXIT_CODE_LINES } from './exit-code.table.ts';

/** The flags every verb takes besides its own, with their help lines. */
const COMMON_FLAGS: readonly (readonly [string, string])[] = [
  ['--json', 'machine-readable output'],
  ['--help, -h', 'this help'],
];

// Two columns, the second aligned; long left entries push their text one space past them.
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(Math.max(...rows.map(([left]) => left.length)), 30) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width - 1)} ${right}`);
}

// `signet VERB --help`: read from the verb's own table entry, so it lists exactly what the parser accepts.
export function commandHelp(name: string, command: Command): string {
  const args = command.positionals.map((a) => a.name);
  const flags = Object.entries(command.options).map(([flag, option]): [string, string] => [`--${flag}${option.value ? ` ${option.value}` : ''}`, option.help]);
  const usage = ['signet [--json]', name, ...args, ...(flags.length > 0 ? ['[OPTIONS]'] : [])].join(' ');
  const lines = [`signet ${name}: ${command.summary}`, '', `Usage: ${usage}`];
  if (args.length > 0) lines.push('', 'Arguments:', ...columns(command.positionals.map((a) => [a.name, a.help])));
  lines.push('', 'Options:', ...columns([...flags, ...COMMON_FLAGS]));
  if (command.notes?.length) lines.push('', ...command.notes);
  lines.push('', 'Exit codes:', ...EXIT_CODE_LINES);
  return `${lines.join('\n')}\n`;
}

// `signet GROUP --help` for a first word with several verbs: each verb and what it does.
export function groupHelp(group: string, table: CommandTable): string {
  const verbs = Object.entries(table).filter(([name]) => name === group || name.startsWith(`${group} `));
  return `${[`signet ${group}:`, ...columns(verbs.map(([name, command]) => [name, command.summary])), '', `Run signet ${group} VERB --help for a verb's options, signet --help for every command.`].join('\n')}\n`;
}

// Levenshtein distance, small strings only: flag names.
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
}

// The known flag nearest to a mistyped one, when it is close enough to be what was meant.
export function nearestFlag(typed: string, known: readonly string[]): string | undefined {
  const limit = typed.length <= 4 ? 1 : 2;
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(typed, name);
    if (d <= limit && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}
