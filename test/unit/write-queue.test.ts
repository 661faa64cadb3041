import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedWriteQueue, WriteQueue } from '../../main/storage/write-queue.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('writes run one at a time, in the order they were started, each returning its own result', async () => {
  const queue = new WriteQueue();
  const log: string[] = [];
  let running = 0;
  const write = (name: string, delay: number) =>
    queue.run(async () => {
      running++;
      assert.equal(running, 1, 'no two writes overlap');
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      log.push(`end ${name}`);
      running--;
      return name;
    });
  const results = await Promise.all([write('a', 15), write('b', 1), write('c', 5)]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test('a failed write fails only its caller and does not block the next write', async () => {
  const queue = new WriteQueue();
  const failed = queue.run(async () => {
    throw new Error('disk full');
  });
  const thrownSync = queue.run(() => {
    throw new Error('thrown before any await');
  });
  const next = queue.run(async () => 'written');
  await assert.rejects(failed, /disk full/);
  await assert.rejects(thrownSync, /thrown before any await/);
  assert.equal(await next, 'written');
  await queue.idle();
});

test('idle settles after every write started so far, and never rejects', async () => {
  const queue = new WriteQueue();
  let finished = false;
  void queue.run(async () => {
    await tick();
    finished = true;
  });
  queue.run(async () => {
    throw new Error('ignored by idle');
  }).catch(() => undefined);
  await queue.idle();
  assert.equal(finished, true);
});

test('a keyed queue serialises writes under one key, runs different keys side by side, and forgets settled keys', async () => {
  const queue = new KeyedWriteQueue();
  const log: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const first = queue.run('a', async () => {
    log.push('a1 start');
    await gate;
    log.push('a1 end');
  });
  const second = queue.run('a', async () => {
    log.push('a2');
  });
  const other = queue.run('b', async () => {
    log.push('b1');
  });
  await other;
  assert.deepEqual(log, ['a1 start', 'b1'], 'b does not wait for a');
  release();
  await Promise.all([first, second]);
  assert.deepEqual(log, ['a1 start', 'b1', 'a1 end', 'a2']);
  await tick();
  assert.equal(queue.size, 0);
});

test('under a key, a failed write does not block the next one', async () => {
  const queue = new KeyedWriteQueue();
  const failed = queue.run('tag', async () => {
    throw new Error('conflict');
  });
  const next = queue.run('tag', async () => 'kept');
  await assert.rejects(failed, /conflict/);
  assert.equal(await next, 'kept');
  await tick();
  assert.equal(queue.size, 0);
});
