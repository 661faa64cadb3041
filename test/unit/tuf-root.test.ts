import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tufCanonical, verifyRootChain, type TufRoot } from '../../main/trust/tuf-root.ts';

const history = resolve(fileURLToPath(new URL('../../', import.meta.url)), process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'sigstore-root-signing', 'metadata', 'root_history');
const missing = existsSync(history) ? false : `the sigstore root history is not at ${history} (set SIGNET_ACCEPTANCE_DIR)`;
if (missing) console.log(`TUF chain tests skipped: ${missing}`);

test('TUF canonical JSON escapes only backslash and quote, as securesystemslib signs it', () => {
  assert.equal(tufCanonical({ b: 'line\nnext "q" \\', a: [1, true, null] }), '{"a":[1,true,null],"b":"line\nnext \\"q\\" \\\\"}');
});

test('an edited root, a skipped version and a forged signature each break the chain at that root', { skip: missing }, async () => {
  const roots: TufRoot[] = [];
  for (let n = 1; n <= 8; n++) roots.push(JSON.parse(await readFile(join(history, `${n}.root.json`), 'utf8')) as TufRoot);
  assert.ok(verifyRootChain(roots).every((s) => s.ok));
  const edited = structuredClone(roots);
  edited[5]!.signed.expires = '2099-01-01T00:00:00Z';
  assert.deepEqual(verifyRootChain(edited).filter((s) => !s.ok).map((s) => s.version), [6]);
  assert.equal(verifyRootChain([roots[0]!, roots[2]!]).at(-1)?.ok, false);
  const forged = structuredClone(roots);
  for (const signature of forged[3]!.signatures) signature.sig = signature.sig.replace(/^..../, '3044');
  assert.equal(verifyRootChain(forged)[3]?.ok, false);
});
