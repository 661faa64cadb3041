// `npm run acceptance`: every case in the fixture folder's cases.json, one line each, then `N passed, N failed`;
// exit 1 on any failure. The folder comes from SIGNET_ACCEPTANCE_DIR (default ../shared/acceptance from the repo root).
// Importing this file runs nothing: the case evaluation lives in case-runner.ts.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaseFolder } from './case-runner.ts';

export { evaluateCase, runCaseFolder } from './case-runner.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

// The fixture folder: SIGNET_ACCEPTANCE_DIR, relative to the repository root when not absolute.
export function acceptanceFolder(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(root, env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = acceptanceFolder();
  if (!existsSync(join(folder, 'cases.json'))) {
    console.error(`acceptance: no cases.json in ${folder}; set SIGNET_ACCEPTANCE_DIR to the fixture folder`);
    process.exit(1);
  }
  const { failed } = await runCaseFolder(folder);
  process.exit(failed === 0 ? 0 : 1);
}
