import { backendOf, output, string, UsageError } from './command.options.ts';
import type { CommandTable } from './command.types.ts';

/** `signet authority ...`: Signet's certificate authority for Notation. */
export const authorityCommands: CommandTable = {
  'authority create': {
    summary: "make Signet's certificate authority for Notation: a root and an intermediate",
    options: {
      name: string('NAME', "the authority's name (required)"),
      backend: string('KIND', 'software or pkcs11 (default: pkcs11 with --module, else software)'),
      module: string('PATH', 'the PKCS#11 module, for keys on a token'),
      token: string('LABEL', 'the token label, for keys on a token'),
    },
    positionals: [],
    run: async (session, v) => {
      if (typeof v.name !== 'string') throw new UsageError('--name is required');
      const call = await session.client();
      const backend = backendOf(v);
      const view = await call.authority.create({ name: v.name, backend });
      return { text: `Created the certificate authority "${v.name}"\n${view.rootPem ?? ''}${view.intermediatePem ?? ''}`.trimEnd(), json: view };
    },
  },
  'authority show': {
    summary: 'the root and intermediate certificates and the issued leaves',
    options: {},
    positionals: [],
    run: async (session) => {
      const view = await (await session.client()).authority.get({});
      if (!view.exists) return { text: 'No certificate authority yet; create one with `signet authority create --name NAME`.', json: view };
      const leaves = view.leaves.map((l) => `  ${l.serial} ${l.subject} until ${l.notAfter}${l.revoked ? ' (revoked)' : ''}`);
      return { text: `${view.rootPem}${view.intermediatePem}Issued leaves:\n${leaves.join('\n') || '  none'}`, json: view };
    },
  },
  'authority crl': {
    summary: 'the current CRL of the intermediate',
    options: { output: string('FILE', 'write the CRL to FILE instead of printing it') },
    positionals: [],
    run: async (session, v) => {
      const file = await (await session.client()).authority.crl({});
      return { text: await output(v, file), json: file };
    },
  },
};
