import { COVERAGE_WORDS, CoverageClassSchema, type ScanDiff, type ScanSummary } from '../../shared/model/scan.model.ts';

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

// The terminal's account of one scan: what was found per class, how long it took, what was not read.
export function formatScanSummary(summary: ScanSummary): string {
  const seconds = (Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000;
  const width = Math.max(...CoverageClassSchema.options.map((c) => COVERAGE_WORDS[c].length));
  const lines = [
    `Scan ${summary.scanId} of ${summary.source}${summary.policyId ? ` under policy ${summary.policyId}` : ''}`,
    `${summary.total} image(s) in ${seconds.toFixed(1)} s, ${summary.requests} registry requests; ${percent(summary.coverage)} signed and verified`,
    ...CoverageClassSchema.options.map((c) => `  ${COVERAGE_WORDS[c].padEnd(width)}  ${String(summary.counts[c] ?? 0).padStart(6)}`),
  ];
  if (summary.cancelled) lines.push('Cancelled: this is a partial result.');
  if (summary.missing.length) lines.push('Not read:', ...summary.missing.map((m) => `  ${m}`));
  return lines.join('\n');
}

// One line per scan, newest first.
export function formatScanHistory(summaries: ScanSummary[]): string {
  if (summaries.length === 0) return 'No scans yet; run `signet scan --registry NAME`.';
  return summaries
    .map((s) => `${s.scanId}  ${s.startedAt}  ${String(s.total).padStart(6)} images  ${percent(s.coverage).padStart(6)} verified  ${s.source}${s.cancelled ? ' (cancelled)' : s.missing.length ? ' (partial)' : ''}`)
    .join('\n');
}

// What changed, section by section; an empty section is left out.
export function formatScanDiff(diff: ScanDiff): string {
  const name = (i: { repository: string; tag: string; platform: string | null }) => `${i.repository}:${i.tag}${i.platform ? ` (${i.platform})` : ''}`;
  const sections: [string, string[]][] = [
    ['Became unsigned', diff.becameUnsigned.map(name)],
    ['Signer changed', diff.signerChanged.map((c) => `${name(c)}: ${c.before.join(', ')} -> ${c.after.join(', ')}`)],
    ['Coverage changed', diff.coverageChanged.map((c) => `${name(c)}: ${c.before} -> ${c.after}`)],
    ['Added', diff.added.map(name)],
    ['Removed', diff.removed.map(name)],
  ];
  const shown = sections.filter(([, items]) => items.length > 0);
  if (shown.length === 0) return `No changes between ${diff.from} and ${diff.to}.`;
  return [`From ${diff.from} to ${diff.to}:`, ...shown.flatMap(([title, items]) => [`${title} (${items.length}):`, ...items.map((i) => `  ${i}`)])].join('\n');
}
