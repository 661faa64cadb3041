import type { AppContext } from '../../app/app.context.ts';
import type { VerifyContext } from '../../images/verify-context.types.ts';
import type { Client } from '../../../shared/client.ts';

/** The parsed flags of one command line, as node:util's parseArgs gives them. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command may use; each part is loaded on first use, so a command pays only for what it touches. */
export interface Session {
  app(): Promise<AppContext>;
  client(): Promise<Client>;
  verifyContext(): Promise<VerifyContext>;
}

/** What a verb prints: text for people, JSON with --json, and its exit code (0 when left out). */
export interface CommandResult {
  text: string;
  json: unknown;
  code?: number;
}

/** One flag: what parseArgs reads (type, multiple, default) and the line the verb's --help prints for it. */
export interface Flag {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly default?: boolean;
  /** The placeholder for the flag's value in the help (FILE, NAME); none for a boolean flag. */
  readonly value?: string;
  readonly help: string;
}

/** One positional argument: its placeholder and what it names, for the verb's --help. */
export interface Argument {
  readonly name: string;
  readonly help: string;
  /** The last argument may be given once or more (IMAGE...). */
  readonly repeats?: boolean;
}

/** One verb: what it does in a line, its flags, its positional arguments and what it does when run. */
export interface Command {
  summary: string;
  options: Readonly<Record<string, Flag>>;
  positionals: readonly Argument[];
  /** Lines printed after the flags in the verb's --help: how flags combine, what the exit code means here. */
  notes?: readonly string[];
  run(session: Session, values: Values, args: string[]): Promise<CommandResult>;
}

/** A verb group's verbs by their full name ("keys list", "verify"). */
export type CommandTable = Record<string, Command>;
