import { arg, flag, string } from './command.options.ts';
import type { CommandTable } from './command.types.ts';

/** `signet audit ...`: check the audit chain (also against a published checkpoint), publish a checkpoint, list entries. */
export const auditCommands: CommandTable = {
  'audit verify': {
    summary: 'check the audit chain, its signed checkpoints and the last checkpoint kept in the OS keychain',
    options: {
      against: string('REF', 'also hold the log against the checkpoint published at REF, REGISTRY/REPO[:TAG|@DIGEST]'),
      insecure: flag('talk to the registry over plain HTTP or with an unverified certificate'),
    },
    positionals: [],
    notes: ['Exit 1 when the log is broken, shortened, rewritten or not checked, or the published checkpoint is not held.'],
    run: async (session, v) => {
      const call = await session.client();
      const result = await call.audit.verify({});
      const { formatAuditVerification } = await import('../keys.format.ts');
      if (typeof v.against !== 'string') return { text: formatAuditVerification(result), json: result, code: result.ok ? 0 : 1 };
      const [{ verifyAgainst }, app] = await Promise.all([import('./audit-publish.command.ts'), session.app()]);
      const against = await verifyAgainst(app, v.against, { insecure: v.insecure === true });
      const text = `${formatAuditVerification(result)}\nPublished checkpoint ${against.held ? 'held' : 'NOT HELD'} (${against.digest}): ${against.reason}.`;
      return { text, json: { ...result, against }, code: result.ok && against.held ? 0 : 1 };
    },
  },
  'audit publish': {
    summary: 'push the latest signed checkpoint and the audit public key as an OCI artifact a third party can hold',
    options: { insecure: flag('talk to the registry over plain HTTP or with an unverified certificate') },
    positionals: [arg('REGISTRY/REPO[:TAG]', 'where to publish (default tag: latest)')],
    run: async (session, v, [reference]) => {
      const [{ publishCheckpoint }, app] = await Promise.all([import('./audit-publish.command.ts'), session.app()]);
      const published = await publishCheckpoint(app, reference!, { insecure: v.insecure === true });
      return { text: `Published the checkpoint at entry ${published.seq} (${published.hash}) to ${published.reference} as ${published.digest}.`, json: published };
    },
  },
  'audit list': {
    summary: 'the newest audit entries',
    options: { action: string('PREFIX', 'only actions starting with PREFIX, such as keys.'), limit: string('N', 'how many (default 50)') },
    positionals: [],
    run: async (session, v) => {
      const call = await session.client();
      const entries = await call.audit.list({ action: v.action as string | undefined, limit: v.limit === undefined ? 50 : Number(v.limit) });
      const { formatAudit } = await import('../keys.format.ts');
      return { text: entries.length === 0 ? 'The audit log is empty.' : formatAudit(entries), json: entries };
    },
  },
};
