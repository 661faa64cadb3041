// The benchmark history and the one-page report drawn from it. The history is per machine (figures
// from different machines do not compare), so it lives in the git-ignored out/ folder.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release, arch } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** One JSON line per benchmark name per run: when, ratio, target, raw timings, figures, commit and machine. */
export const HISTORY_FILE = join(root, 'out', 'bench', 'history.jsonl');
/** The self-contained HTML report. */
export const REPORT_FILE = join(root, 'out', 'bench', 'bench-report.html');

// What the figures were measured on: CPU model, cores, memory, Node and OS.
export function describeMachine() {
  const list = cpus();
  return { cpu: list[0]?.model?.trim() ?? 'unknown', cores: list.length, memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version, os: `${osType()} ${release()} ${arch()}` };
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

// Every entry of the history that parses; a torn last line is skipped.
function readHistory(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((text) => {
      try {
        const entry = JSON.parse(text);
        return typeof entry.name === 'string' && typeof entry.ratio === 'number' ? [entry] : [];
      } catch {
        return [];
      }
    });
}

// One benchmark's ratio over its runs, the target as a dashed line; a point above the target line meets it.
function chart(entries) {
  const width = 640;
  const height = 200;
  const pad = { left: 48, right: 16, top: 16, bottom: 28 };
  const target = entries.at(-1).target;
  const top = Math.max(target, ...entries.map((e) => e.ratio)) * 1.15 || 1;
  const x = (i) => pad.left + (entries.length === 1 ? (width - pad.left - pad.right) / 2 : (i * (width - pad.left - pad.right)) / (entries.length - 1));
  const y = (value) => pad.top + (1 - value / top) * (height - pad.top - pad.bottom);
  const ticks = [0, top / 2, top].map((v) => `<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(v < 10 ? 2 : 0)}</text><line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e3e3"/>`).join('');
  const path = entries.map((e, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(e.ratio).toFixed(1)}`).join(' ');
  const points = entries
    .map((e, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(e.ratio).toFixed(1)}" r="4" fill="${e.ratio >= e.target ? '#2e7d32' : '#c62828'}"><title>${escape(`${e.at} ratio ${e.ratio.toFixed(2)} (target ${e.target})${e.commit ? ` at ${e.commit}` : ''}`)}</title></circle>`)
    .join('');
  const first = entries[0].at.slice(0, 10);
  const last = entries.at(-1).at.slice(0, 10);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-size="11" font-family="sans-serif" role="img" aria-label="ratio over runs">${ticks}<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(target)}" y2="${y(target)}" stroke="#555" stroke-dasharray="6 4"/><text x="${width - pad.right}" y="${y(target) - 4}" text-anchor="end">target ${escape(target)}</text><path d="${path}" fill="none" stroke="#1565c0" stroke-width="2"/>${points}<text x="${pad.left}" y="${height - 8}">${escape(first)}</text><text x="${width - pad.right}" y="${height - 8}" text-anchor="end">${escape(last)} (${entries.length} run${entries.length === 1 ? '' : 's'})</text></svg>`;
}

// Writes the report: the machine, then per benchmark its chart, latest ratio, raw timings and figures.
export function writeReport(historyFile, reportFile, machine) {
  const history = readHistory(historyFile);
  const byName = new Map();
  for (const entry of history) byName.set(entry.name, [...(byName.get(entry.name) ?? []), entry]);
  const sections = [...byName]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, entries]) => {
      const latest = entries.at(-1);
      const raw = Object.entries(latest.raw ?? {})
        .map(([key, values]) => `<li><code>${escape(key)}</code>: ${escape(values.map((v) => (Number.isInteger(v) ? v : v.toFixed(1))).join(', '))}</li>`)
        .join('');
      const other = latest.machine && JSON.stringify(latest.machine) !== JSON.stringify(machine) ? `<p class="note">Latest run measured on ${escape(`${latest.machine.cpu}, ${latest.machine.cores} cores, ${latest.machine.memoryGb} GB, Node ${latest.machine.node}, ${latest.machine.os}`)}.</p>` : '';
      return `<section><h2>${escape(name)}</h2><p><strong class="${latest.ratio >= latest.target ? 'met' : 'missed'}">ratio ${latest.ratio.toFixed(2)}</strong>, target ${escape(latest.target)}, ${escape(latest.at)}${latest.commit ? `, commit ${escape(latest.commit)}` : ''}</p>${chart(entries)}${other}${raw ? `<ul>${raw}</ul>` : ''}<pre>${escape((latest.lines ?? []).join('\n'))}</pre></section>`;
    });
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signet benchmarks</title>
<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}h2{margin-top:2em;font-size:1.1em}pre{background:#f5f5f5;padding:.6em;overflow-x:auto;font-size:12px}.met{color:#2e7d32}.missed{color:#c62828}.note{color:#666;font-size:.9em}</style></head>
<body><h1>Signet benchmarks</h1>
<p>Machine: ${escape(machine.cpu)}, ${escape(machine.cores)} cores, ${escape(machine.memoryGb)} GB memory, Node ${escape(machine.node)}, ${escape(machine.os)}.</p>
<p>Each ratio is the baseline's time over Signet's (higher is better, green meets the target). ${history.length} measurements from ${escape(historyFile)}.</p>
${sections.join('\n') || '<p>No benchmark has run yet: run <code>npm run bench -- NAME</code>.</p>'}
</body></html>
`;
  writeFileSync(reportFile, html);
}
