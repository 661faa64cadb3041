import { arg, flag, listOf, many, output, string, UsageError } from './command.options.ts';
import type { CommandTable } from './command.types.ts';

/** `signet scan ...`: signature coverage of a registry or layout, earlier scans, their differences and exports. */
export const scanCommands: CommandTable = {
  scan: {
    summary: 'signature coverage of every tag of a registry or an OCI layout',
    options: {
      registry: string('NAME', 'a configured registry to scan'),
      layout: string('NAME', 'a configured OCI layout to scan'),
      repository: many('R', 'a repository of the registry to scan (default: the catalog); repeat for more'),
      policy: string('ID', 'judge each image by this trust policy'),
      tags: string('PATTERN', 'only the tags matching PATTERN, with * and ? (default: *)'),
      full: flag('re-check the images that did not move since the last scan too'),
    },
    positionals: [],
    notes: ['Give --registry or --layout, not both.'],
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
    summary: 'earlier scans, newest first',
    options: { limit: string('N', 'how many (default 20)') },
    positionals: [],
    run: async (session, v) => {
      const summaries = await (await session.client()).scan.history({ limit: v.limit === undefined ? 20 : Number(v.limit) });
      const { formatScanHistory } = await import('../../scan/scan-summary.format.ts');
      return { text: formatScanHistory(summaries), json: summaries };
    },
  },
  'scan diff': {
    summary: 'what became unsigned, whose signer changed, what came and went between two scans',
    options: {},
    positionals: [arg('FROM', 'the earlier scan id'), arg('TO', 'the later scan id')],
    run: async (session, _v, [from, to]) => {
      const diff = await (await session.client()).scan.diff({ from: from!, to: to! });
      const { formatScanDiff } = await import('../../scan/scan-summary.format.ts');
      return { text: formatScanDiff(diff), json: diff };
    },
  },
  'scan export': {
    summary: 'a scan as CSV, JSON or an HTML compliance report',
    options: { format: string('FORMAT', 'csv, json or html (required)'), output: string('FILE', 'write the export to FILE instead of printing it') },
    positionals: [arg('ID', 'the scan id from scan history')],
    run: async (session, v, [scanId]) => {
      if (typeof v.format !== 'string') throw new UsageError('--format is required: csv, json or html');
      const file = await (await session.client()).scan.export({ scanId: scanId!, format: v.format as never });
      return { text: await output(v, file), json: file };
    },
  },
};
