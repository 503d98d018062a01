import { describe, expect, it } from 'vitest';
import { SnapshotSaveOrder } from './snapshot-save-order.js';

/** gate returns a promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('SnapshotSaveOrder', () => {
  it('queues commits in call order even when a later save finishes reading first, and a failed read releases the order', async () => {
    const order = new SnapshotSaveOrder();
    const commits: string[] = [];
    const slow = gate();
    const first = order.save(
      () => slow.opened.then(() => 'first'),
      async (read) => void commits.push(read),
    );
    const failing = order.save(
      () => Promise.reject(new Error('the stream failed')),
      async () => void commits.push('never'),
    );
    const third = order.save(
      async () => 'third',
      async (read) => void commits.push(read),
    );
    let idle = false;
    const waiting = order.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    // The third save's chunks are read, but the first has not queued its commit yet.
    expect([commits, idle]).toEqual([[], false]);
    slow.open();
    await first;
    await expect(failing).rejects.toThrow('the stream failed');
    await third;
    await waiting;
    expect([commits, idle]).toEqual([['first', 'third'], true]);
  });
});
