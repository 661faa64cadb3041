import { arg, string, UsageError } from './command.options.ts';
import type { CommandTable } from './command.types.ts';

/** `signet status`, `registries login`, `tokens create` and `tokens remember-pin`: this machine and the secrets kept in its keychain. */
export const systemCommands: CommandTable = {
  status: {
    summary: 'key backends, keychain, registries and tools on this machine',
    options: {},
    positionals: [],
    run: async (session) => {
      const call = await session.client();
      const status = await call.system.status({ refresh: true });
      const { formatStatus } = await import('../status.format.ts');
      return { text: formatStatus(status), json: status };
    },
  },
  'registries login': {
    summary: 'keep a registry password in the OS keychain (read from the terminal or stdin)',
    options: { username: string('NAME', 'the user name at the registry (required)') },
    positionals: [arg('HOST', 'the registry host, such as ghcr.io or registry.example:5000')],
    run: async (session, v, [host]) => {
      if (typeof v.username !== 'string') throw new UsageError('--username is required');
      const { readSecret } = await import('../prompt.ts');
      const password = await readSecret(`Password for ${v.username} at ${host}: `);
      if (password.length === 0) throw new UsageError('no password was given');
      const app = await session.app();
      await app.registryCredentials.remember(host!, { username: v.username, password });
      return { text: `The credentials for ${host} are now kept in the OS keychain.`, json: { remembered: true } };
    },
  },
  'tokens create': {
    summary: "make a SoftHSM token in Signet's own SoftHSM store (its SO PIN and user PIN are asked at the terminal)",
    options: { label: string('LABEL', 'the new token label, up to 32 characters (required)') },
    positionals: [],
    run: async (session, v) => {
      if (typeof v.label !== 'string') throw new UsageError('--label is required');
      const call = await session.client();
      const made = await call.tokens.create({ label: v.label });
      return { text: `Token "${made.tokenLabel}" is ready on ${made.modulePath}; generate a key on it with \`signet keys generate --label NAME --module ${made.modulePath} --token "${made.tokenLabel}"\`.`, json: made };
    },
  },
  'tokens remember-pin': {
    summary: 'keep the token PIN in the OS keychain (read from the terminal or stdin)',
    options: { module: string('PATH', 'the PKCS#11 module (required)'), token: string('LABEL', 'the token label (required)') },
    positionals: [],
    run: async (session, v) => {
      if (typeof v.module !== 'string' || typeof v.token !== 'string') throw new UsageError('--module and --token are required');
      const { readSecret } = await import('../prompt.ts');
      const pin = await readSecret(`PIN for token "${v.token}": `);
      if (pin.length === 0) throw new UsageError('no PIN was given');
      const app = await session.app();
      await app.pins.remember({ modulePath: v.module, tokenLabel: v.token }, pin);
      return { text: `The PIN for token "${v.token}" is now kept in the OS keychain.`, json: { remembered: true } };
    },
  },
};
