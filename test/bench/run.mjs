// `npm run bench` runs every benchmark, `npm run bench -- NAME` one. Each compares Signet against a
// baseline measured in the same run and ends with the line `NAME ratio=X target=T`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
// Several ratios can come from one measurement; each name says which file measures it.
const BENCHES = {
  'keys-sign': 'keys-sign.bench.ts',
  'keys-sign-parallel': 'keys-sign.bench.ts',
  'verify-bulk': 'verify.bench.ts',
  'verify-cli': 'verify.bench.ts',
  'verify-warm': 'verify.bench.ts',
  'chain-draw': 'chain-draw.bench.ts',
  'chain-draw-scaling': 'chain-draw.bench.ts',
  'sign-push': 'sign-push.bench.ts',
  'scan-cold': 'scan.bench.ts',
  'scan-warm': 'scan.bench.ts',
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!BENCHES[name]) {
    console.error(`bench: unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
}
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
const files = [...new Set(names.map((n) => BENCHES[n]))];
for (const file of files) {
  const mine = names.filter((n) => BENCHES[n] === file);
  const result = spawnSync(process.execPath, [join(here, 'bench-one.ts'), join(here, file), ...mine], { stdio: 'inherit', env: { ...process.env, TSS2_LOG: 'all+none' } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
