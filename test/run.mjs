// `npm test`: build (type-check included), lint, then every suite under node's test runner.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);

// A step that outlives its bound is stopped and fails in words, so a process that never exits cannot hold the run forever.
function step(title, command, args, env = process.env, timeoutMinutes = 20) {
  console.log(`\n== ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, timeout: timeoutMinutes * 60_000, killSignal: 'SIGKILL' });
  if (result.error?.code === 'ETIMEDOUT') console.log(`== ${title}: stopped after ${timeoutMinutes} minutes; a test process did not exit`);
  console.log(`== ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const suites = process.argv.slice(2);
const patterns = (suites.length > 0 ? suites : ['unit', 'contract', 'integration', 'e2e']).map((s) => `test/${s}/**/*.test.ts`);

step('build and type-check', process.execPath, [join(root, 'build', 'build.mjs'), '--if-stale']);
step('lint', bin('eslint'), ['-c', join(root, 'build', 'eslint.config.js'), '.']);
// The TPM module probes for a TPM on every load; keep its store and its log noise inside the test run.
const env = { ...process.env, TSS2_LOG: 'all+none', TPM2_PKCS11_STORE: mkdtempSync(join(tmpdir(), 'signet-tpm2-store-')) };
const acceptance = resolve(root, process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance');
if (suites.length === 0 && !existsSync(join(acceptance, 'cases.json'))) {
  console.log(`\n== acceptance skipped: no cases.json at ${acceptance} (set SIGNET_ACCEPTANCE_DIR to the fixture folder)`);
} else if (suites.length === 0) {
  // Every third-party verification fixture, read in place, must give its expected verdict.
  step('acceptance', process.execPath, [join(root, 'test', 'acceptance', 'acceptance.ts')], env);
}
if (suites.length === 0) {
  // Mutated signatures on a loopback registry, each verified by Signet and by the peers that read its format.
  step('adversarial corpus', process.execPath, [join(root, 'test', 'adversarial', 'adversarial.ts')], env);
}
step('tests', process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=180000', ...patterns], env);
