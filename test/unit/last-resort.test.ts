import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const helper = fileURLToPath(new URL('../../main/app/last-resort.ts', import.meta.url));

test('a host with the last-resort handlers logs an error that escaped every handler and a stray rejection, and keeps running', () => {
  const script = `
    const { keepServingOnUnexpectedErrors } = await import(${JSON.stringify(helper)});
    keepServingOnUnexpectedErrors('the test host', (message, error) => console.error(message + ': ' + error.message));
    setTimeout(() => { throw new Error('escaped a handler'); }, 1);
    setTimeout(() => { void Promise.reject(new Error('nobody caught this')); }, 5);
    setTimeout(() => console.log('still serving'), 50);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /still serving/);
  assert.match(child.stderr, /the test host kept running after an uncaught exception: escaped a handler/);
  assert.match(child.stderr, /the test host kept running after an unhandled rejection: nobody caught this/);
});
