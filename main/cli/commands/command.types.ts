import type { ParseArgsConfig } from 'node:util';
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

/** One verb: its flags, how many positional arguments it takes, and what it does. */
export interface Command {
  options: NonNullable<ParseArgsConfig['options']>;
  positionals: number;
  run(session: Session, values: Values, args: string[]): Promise<CommandResult>;
}

/** A verb group's verbs by their full name ("keys list", "verify"). */
export type CommandTable = Record<string, Command>;
