import { flag, listOf, many, output, string, UsageError } from './command.options.ts';
import type { CommandTable } from './command.types.ts';

/** `signet scan ...`: signature coverage of a registry or layout, earlier scans, their differences and exports. */
export const scanCommands: CommandTable = {
  scan: {
    options: { registry: string, layout: string, repository: many, policy: string, tags: string, full: flag },
    positionals: 0,
    run: async (session, v) => {
      if ((typeof v.registry === 'string') === (typeof v.layout === 'string')) throw new UsageError('give --registry NAME or --layout NAME');
      const repositories = listOf(v, 'repository');
      if (typeof v.layout === 'string' && repositories.length) throw new UsageError('--repository applies to a registry; a layout holds one');
      const source = typeof v.layout === 'string' ? { kind: 'layout' as const, name: v.layout } : { kind: 'registry' as const, name: v.registry as string, repositories: repositories.length ? repositories : null };
      const summary = await (await session.client()).scan.start({ source, policyId: (v.policy as string | undefined) ?? null, tagPattern: (v.tags as string | undefined) ?? '*', incremental: v.full !== true });
      const { formatScanSummary } = await import('../../scan/scan-summary.format.ts');
      return { text: formatScanSummary(summary), json: summary };
    },
  },
  'scan history': {
    options: { limit: string },
    positionals: 0,
    run: async (session, v) => {
      const summaries = await (await session.client()).scan.history({ limit: v.limit === undefined ? 20 : Number(v.limit) });
      const { formatScanHistory } = await import('../../scan/scan-summary.format.ts');
      return { text: formatScanHistory(summaries), json: summaries };
    },
  },
  'scan diff': {
    options: {},
    positionals: 2,
    run: async (session, _v, [from, to]) => {
      const diff = await (await session.client()).scan.diff({ from: from!, to: to! });
      const { formatScanDiff } = await import('../../scan/scan-summary.format.ts');
      return { text: formatScanDiff(diff), json: diff };
    },
  },
  'scan export': {
    options: { format: string, output: string },
    positionals: 1,
    run: async (session, v, [scanId]) => {
      if (typeof v.format !== 'string') throw new UsageError('--format is required: csv, json or html');
      const file = await (await session.client()).scan.export({ scanId: scanId!, format: v.format as never });
      return { text: await output(v, file), json: file };
    },
  },
};
