import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './keys-sign.bench.ts';

// Runs one benchmark file in a fresh process and prints its figures, then one line per ratio asked for; with a result file named, also writes them there for the history.
const [file, ...names] = process.argv.slice(2);
const bench = (await import(pathToFileURL(file!).href)) as { measure(): Promise<BenchResult> };
const result = await bench.measure();
for (const line of result.lines) console.log(line);
for (const name of names) {
  const ratio = result.ratios[name];
  if (!ratio) throw new Error(`${file} does not measure ${name}`);
  console.log(`${name} ratio=${ratio.ratio.toFixed(2)} target=${ratio.target}`);
}
const resultFile = process.env.SIGNET_BENCH_RESULT;
if (resultFile) await writeFile(resultFile, JSON.stringify({ lines: result.lines, ratios: Object.fromEntries(names.map((name) => [name, result.ratios[name]])), raw: result.raw ?? {} }));
