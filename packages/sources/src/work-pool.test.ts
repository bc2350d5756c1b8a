import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'vitest';
import { forEachPooled, type PoolTask, runPool } from './work-pool.js';

/** Records how many tasks run at once, and the most at any time. */
function gauge(): { enter(): void; leave(): void; readonly max: number } {
  let now = 0;
  let max = 0;
  return {
    enter() {
      now++;
      max = Math.max(max, now);
    },
    leave() {
      now--;
    },
    get max() {
      return max;
    },
  };
}

describe('forEachPooled', () => {
  it('starts items in order and runs every one', async () => {
    const started: number[] = [];
    const done: number[] = [];
    await forEachPooled([30, 5, 20, 1, 10], 2, async (ms, i) => {
      started.push(i);
      await sleep(ms);
      done.push(i);
    });
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.deepEqual([...done].sort(), [0, 1, 2, 3, 4]);
    assert.notDeepEqual(done, [0, 1, 2, 3, 4], 'short tasks finish before long ones');
  });

  it('never runs more than its concurrency at once, and reaches it', async () => {
    const g = gauge();
    await forEachPooled(
      Array.from({ length: 12 }, (_, i) => i),
      3,
      async (i) => {
        g.enter();
        await sleep(2 + (i % 3));
        g.leave();
      },
    );
    assert.equal(g.max, 3);
  });

  it('runs nothing and resolves for no items', async () => {
    let ran = 0;
    await forEachPooled([], 4, async () => {
      ran++;
    });
    assert.equal(ran, 0);
  });

  it('rejects with the first failure, aborts the others and starts no more', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const abortedReasons: unknown[] = [];
    const first = new Error('first');
    const items = Array.from({ length: 20 }, (_, i) => i);
    const run = forEachPooled(items, 3, async (i, _index, signal) => {
      started.push(i);
      try {
        if (i === 1) {
          await sleep(5);
          throw first;
        }
        // The others fail on the abort, with their own errors: those are not the cause.
        await sleep(1000, undefined, { signal });
      } catch (err) {
        if (signal.aborted) abortedReasons.push(signal.reason);
        throw err === first ? err : new Error(`follow-up ${i}`);
      } finally {
        settled.push(i);
      }
    });
    await assert.rejects(run, (err) => err === first);
    assert.deepEqual(started, [0, 1, 2], 'no task starts after the failure');
    assert.deepEqual([...settled].sort(), [0, 1, 2], 'every started task settled before the call returned');
    assert.ok(abortedReasons.every((r) => r === first));
  });

  it('waits for a slow task that ignores the abort before rejecting', async () => {
    let slowDone = false;
    const run = forEachPooled([0, 1], 2, async (i) => {
      if (i === 0) throw new Error('boom');
      await sleep(40);
      slowDone = true;
    });
    await assert.rejects(run, /boom/);
    assert.equal(slowDone, true);
  });

  it('passes the caller signal to the tasks', async () => {
    const caller = new AbortController();
    const run = forEachPooled(
      [0, 1, 2],
      2,
      async (_i, _index, signal) => {
        await sleep(1000, undefined, { signal });
      },
      { signal: caller.signal },
    );
    setTimeout(() => caller.abort(new Error('canceled by the caller')), 5);
    await assert.rejects(run, /operation was aborted|canceled by the caller/);
  });

  it('leaves no unhandled rejection when several tasks fail', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown): void => {
      unhandled.push(r);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(
        forEachPooled([0, 1, 2, 3], 4, async (i) => {
          await sleep(i);
          throw new Error(`fail ${i}`);
        }),
        /fail 0/,
      );
      await sleep(20);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('runPool', () => {
  it('gives each task its worker, and an idle worker waits for tasks that running ones add', async () => {
    const queue: PoolTask<string>[] = [];
    const log: string[] = [];
    const usedBy = new Map<string, string>();
    // One long task that, when done, adds three quick ones: the second worker must not leave meanwhile.
    queue.push(async (w) => {
      usedBy.set('load', w);
      await sleep(20);
      log.push('load');
      for (const n of ['i1', 'i2', 'i3'])
        queue.push(async (w2) => {
          usedBy.set(n, w2);
          await sleep(5);
          log.push(n);
        });
    });
    await runPool(['a', 'b'], () => queue.shift());
    assert.deepEqual(log.slice(0, 1), ['load']);
    assert.deepEqual([...log].sort(), ['i1', 'i2', 'i3', 'load']);
    assert.equal(new Set(usedBy.values()).size, 2, 'the added tasks ran on both workers');
  });

  it('treats a throwing take as the first failure', async () => {
    let calls = 0;
    await assert.rejects(
      runPool([1, 2], () => {
        calls++;
        if (calls === 3) throw new Error('take failed');
        return calls < 3 ? async () => sleep(5) : undefined;
      }),
      /take failed/,
    );
  });
});
