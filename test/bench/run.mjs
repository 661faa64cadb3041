// `npm run bench` runs every benchmark, `npm run bench -- NAME` one. Each compares Signet against a
// baseline measured in the same run and ends with the line `NAME ratio=X target=T`. Every run appends
// its figures to out/bench/history.jsonl; `--report` then writes out/bench/bench-report.html from that
// history, and `--report-only` writes the report without running anything.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HISTORY_FILE, REPORT_FILE, describeMachine, writeReport } from './bench-report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
// Several ratios can come from one measurement; each name says which file measures it.
const BENCHES = {
  'keys-sign': 'keys-sign.bench.ts',
  'keys-sign-parallel': 'keys-sign.bench.ts',
  'verify-bulk': 'verify.bench.ts',
  'verify-cli': 'verify.bench.ts',
  'verify-warm': 'verify.bench.ts',
  'verify-many': 'verify-many.bench.ts',
  'verify-many-memory': 'verify-many.bench.ts',
  'chain-draw': 'chain-draw.bench.ts',
  'chain-draw-scaling': 'chain-draw.bench.ts',
  'sign-push': 'sign-push.bench.ts',
  'scan-cold': 'scan.bench.ts',
  'scan-warm': 'scan.bench.ts',
};

const args = process.argv.slice(2);
const report = args.includes('--report') || args.includes('--report-only');
const wanted = args.filter((a) => !a.startsWith('--'));
for (const name of wanted) {
  if (!BENCHES[name]) {
    console.error(`bench: unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
}

// The commit measured, so a point in the history can be traced to the code it timed.
function commit() {
  const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

if (!args.includes('--report-only')) {
  const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
  const files = [...new Set(names.map((n) => BENCHES[n]))];
  const machine = describeMachine();
  mkdirSync(join(HISTORY_FILE, '..'), { recursive: true });
  for (const file of files) {
    const mine = names.filter((n) => BENCHES[n] === file);
    const resultFile = join(HISTORY_FILE, '..', `result-${process.pid}.json`);
    const result = spawnSync(process.execPath, [join(here, 'bench-one.ts'), join(here, file), ...mine], { stdio: 'inherit', env: { ...process.env, TSS2_LOG: 'all+none', SIGNET_BENCH_RESULT: resultFile } });
    if (result.status !== 0) process.exit(result.status ?? 1);
    if (existsSync(resultFile)) {
      const measured = JSON.parse(readFileSync(resultFile, 'utf8'));
      rmSync(resultFile);
      const at = new Date().toISOString();
      for (const name of mine) {
        const { ratio, target } = measured.ratios[name];
        appendFileSync(HISTORY_FILE, `${JSON.stringify({ at, name, ratio, target, raw: measured.raw, lines: measured.lines, commit: commit(), machine })}\n`);
      }
    }
  }
}
if (report) {
  writeReport(HISTORY_FILE, REPORT_FILE, describeMachine());
  console.log(`bench: wrote ${REPORT_FILE}`);
}
