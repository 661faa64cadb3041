import { COVERAGE_WORDS, CoverageClassSchema, type ScanImage, type ScanRecord } from '../../shared/model/scan.model.ts';

export interface ExportedScan {
  filename: string;
  mediaType: string;
  text: string;
}

const COLUMNS = ['repository', 'tag', 'platform', 'digest', 'coverage', 'policy_verdict', 'admitted', 'signers', 'formats', 'reused', 'reason'] as const;

// Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula; a leading quote keeps it text.
export function csvCell(value: string): string {
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

// RFC 4180: CRLF line ends, a header line, quoted fields where needed.
export function scanCsv(record: ScanRecord): string {
  const row = (image: ScanImage): string[] => [
    image.repository,
    image.tag,
    image.platform ?? '',
    image.digest ?? '',
    image.coverage,
    image.policyVerdict ?? '',
    image.admitted === null ? '' : String(image.admitted),
    image.signers.join('; '),
    image.formats.join('; '),
    String(image.reused),
    image.reason,
  ];
  return [[...COLUMNS], ...record.images.map(row)].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// Everything in the report comes from registries and key labels, so all of it is escaped.
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// A self-contained compliance report: no scripts, no outside resources, a policy that forbids both.
export function scanHtml(record: ScanRecord): string {
  const { summary } = record;
  const e = escapeHtml;
  const failures = record.images.filter((i) => i.coverage !== 'verified' || i.policyVerdict === 'fail');
  const percent = `${(summary.coverage * 100).toFixed(1)}%`;
  const counts = CoverageClassSchema.options.map((c) => `<tr><th scope="row">${e(COVERAGE_WORDS[c])}</th><td class="n">${summary.counts[c] ?? 0}</td></tr>`).join('\n');
  const facts: [string, string][] = [
    ['Scan', summary.scanId],
    ['Source', summary.source],
    ['Policy', summary.policyId ?? 'none (configured trust only)'],
    ['Started', summary.startedAt],
    ['Finished', summary.finishedAt],
    ['Images', String(summary.total)],
    ['Signed and verified', percent],
    ['Registry requests', String(summary.requests)],
    ['Complete', summary.cancelled ? 'no: cancelled' : summary.missing.length ? 'no: parts could not be read' : 'yes'],
  ];
  const failureRows = failures
    .map(
      (i) =>
        `<tr class="${e(i.coverage)}"><td>${e(i.repository)}</td><td>${e(i.tag)}</td><td>${e(i.platform ?? '')}</td><td><code>${e(i.digest ?? '')}</code></td><td>${e(COVERAGE_WORDS[i.coverage])}</td><td>${e(i.policyVerdict ?? '')}${i.admitted === false ? ' (not admitted)' : ''}</td><td>${e(i.signers.join(', '))}</td><td>${e(i.reason)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Signature coverage: ${e(summary.source)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
td.n { text-align: right; }
code { font-size: 12px; word-break: break-all; }
tr.failing td, tr.revoked-or-expired td { background: #fde8e8; }
tr.unsigned td, tr.untrusted td { background: #fff6db; }
tr.unreadable td { background: #eee; }
</style>
</head>
<body>
<h1>Signature coverage report</h1>
<table>
${facts.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${e(v)}</td></tr>`).join('\n')}
</table>
<h2>Images by class</h2>
<table>
${counts}
</table>
${summary.missing.length ? `<h2>Not read</h2>\n<ul>\n${summary.missing.map((m) => `<li>${e(m)}</li>`).join('\n')}\n</ul>` : ''}
<h2>Images not verified or refused by the policy (${failures.length})</h2>
${failures.length ? `<table>\n<tr><th>Repository</th><th>Tag</th><th>Platform</th><th>Digest</th><th>Class</th><th>Policy</th><th>Signers</th><th>Reason</th></tr>\n${failureRows}\n</table>` : '<p>None.</p>'}
</body>
</html>
`;
}

// The three forms a scan leaves the app in; the file name is the scan's id.
export function exportScan(record: ScanRecord, format: 'csv' | 'json' | 'html'): ExportedScan {
  const id = record.summary.scanId;
  if (format === 'csv') return { filename: `${id}.csv`, mediaType: 'text/csv; charset=utf-8', text: scanCsv(record) };
  if (format === 'html') return { filename: `${id}.html`, mediaType: 'text/html; charset=utf-8', text: scanHtml(record) };
  return { filename: `${id}.json`, mediaType: 'application/json', text: `${JSON.stringify(record, null, 2)}\n` };
}
