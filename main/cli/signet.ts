#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createApp, packageVersion } from '../app/app.context.ts';
import { createClient, RequestFailed } from '../../shared/client.ts';
import type { AppError } from '../../shared/errors.ts';
import { formatStatus } from './status.format.ts';
import { TerminalConfirmation } from './confirm.terminal.ts';

const HELP = `signet: manage signing keys and container-image signatures

Usage: signet [--json] COMMAND

Commands:
  status        what key backends, keychain, registries and tools this machine has

Options:
  --json        print machine-readable JSON instead of text
  --help, -h    show this help
  --version     print the version

Environment:
  SIGNET_HOME           data folder (default: the platform's config folder)
  SIGNET_TOOLS_DIR      extra folders searched for cosign, skopeo, oras, ...
  SIGNET_PKCS11_MODULES extra PKCS#11 module paths to probe
`;

class UsageError extends Error {}

// Exit codes: 0 done, 1 the operation failed, 2 the command line was wrong.
async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (!command) throw new UsageError('no command given');
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  const app = createApp({ host: 'cli', confirmations: new TerminalConfirmation() });
  const call = createClient((channel, input) => app.dispatch(channel, input, { host: 'cli' }));
  switch (command) {
    case 'status': {
      const status = await call.system.status({ refresh: true });
      process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

const json = process.argv.includes('--json');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`signet: ${error.message}\nRun signet --help for usage.\n`);
      process.exit(2);
    }
    const appError: AppError =
      error instanceof RequestFailed ? error.error : { code: 'Internal', message: error instanceof Error ? error.message : String(error) };
    if (json) process.stdout.write(`${JSON.stringify({ error: appError }, null, 2)}\n`);
    else process.stderr.write(`signet: ${appError.code}: ${appError.message}\n${(appError.details ?? []).map((d) => `  ${d}\n`).join('')}`);
    process.exit(1);
  },
);
