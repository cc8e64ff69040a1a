import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapLimit } from '../../src/lib/concurrency.js';

/** A promise and the functions that settle it, for steering when each call ends. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('mapLimit', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30]);
    assert.equal(most, 2);
  });

  it('after a failure starts nothing more and settles only when the calls in flight have', async () => {
    const slow = deferred<string>();
    const started: number[] = [];
    let settled = false;
    const run = mapLimit([0, 1, 2, 3], 2, async (i) => {
      started.push(i);
      if (i === 0) return slow.promise;
      throw new Error(`item ${i} failed`);
    }).finally(() => {
      settled = true;
    });
    run.catch(() => undefined);
    // Item 1 has failed; item 0 is still in flight.
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'must wait for item 0');
    slow.resolve('done');
    await assert.rejects(run, /item 1 failed/);
    assert.deepEqual(started, [0, 1], 'items 2 and 3 are never started');
  });
});
