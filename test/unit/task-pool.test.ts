import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPool, settlePool } from '../../main/platform/task-pool.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Work that records how many tasks run at once.
function measured() {
  let running = 0;
  let peak = 0;
  const work = async (item: number) => {
    running++;
    peak = Math.max(peak, running);
    await sleep(item);
    running--;
    return item * 10;
  };
  return { work, peak: () => peak };
}

test('results come back in item order, whatever order the tasks finish in', async () => {
  const { work } = measured();
  assert.deepEqual(await runPool([9, 1, 5, 3], work, { concurrency: 4 }), [90, 10, 50, 30]);
  assert.deepEqual(await runPool([], work, { concurrency: 4 }), []);
});

test('no more than `concurrency` tasks run at once, and below one counts as one', async () => {
  const bounded = measured();
  await runPool([3, 3, 3, 3, 3, 3, 3], bounded.work, { concurrency: 3 });
  assert.equal(bounded.peak(), 3);
  const single = measured();
  await runPool([2, 2, 2], single.work, { concurrency: 0 });
  assert.equal(single.peak(), 1);
});

test('runPool stops early: after the first failure no task starts, the running ones finish, then the first error is thrown', async () => {
  const started: number[] = [];
  const finished: number[] = [];
  const work = async (item: number) => {
    started.push(item);
    if (item === 1) throw new Error('first');
    if (item === 2) {
      await sleep(5);
      throw new Error('second');
    }
    await sleep(10);
    finished.push(item);
    return item;
  };
  await assert.rejects(runPool([0, 1, 2, 3, 4, 5], work, { concurrency: 3 }), /first/);
  assert.deepEqual(started, [0, 1, 2], 'nothing started after the failure');
  assert.deepEqual(finished, [0], 'the task already running was let finish before the error was thrown');
});

test('settlePool runs every task and reports each outcome in item order; it never throws', async () => {
  const outcomes = await settlePool(
    ['a', 'bad', 'c'],
    async (item) => {
      if (item === 'bad') throw new Error('unreadable');
      return item.toUpperCase();
    },
    { concurrency: 2 },
  );
  assert.deepEqual(outcomes.map((o) => o.status), ['done', 'failed', 'done']);
  assert.deepEqual(outcomes[0], { status: 'done', value: 'A' });
  const failed = outcomes[1];
  assert.ok(failed?.status === 'failed' && failed.error instanceof Error && failed.error.message === 'unreadable');
});

test('a stop predicate ends the run: no task starts once it says so, the running ones finish, the rest are skipped', async () => {
  const control = { cancelled: false };
  const started: number[] = [];
  const work = async (item: number) => {
    started.push(item);
    if (item === 1) control.cancelled = true;
    await sleep(5);
    return item;
  };
  const results = await runPool([0, 1, 2, 3, 4], work, { concurrency: 2, stop: () => control.cancelled });
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual(results, [0, 1, undefined, undefined, undefined]);
  control.cancelled = false;
  const outcomes = await settlePool([0, 1, 2], work, { concurrency: 1, stop: () => control.cancelled });
  assert.deepEqual(outcomes.map((o) => o.status), ['done', 'done', 'skipped']);
});
