import { describe, expect, it } from 'vitest';
import type { Entry } from '../raft/types.js';
import type { AppendOptions } from '../storage/storage.js';
import { TestCluster } from './test-support/cluster.js';

describe('group commit in the runtime', () => {
  it('folds the persists that queue behind a slow write into one storage append, losing nothing', async () => {
    const appends = new Map<string, number>();
    const cluster = new TestCluster(['a', 'b', 'c'], {
      persistDelayMs: 20,
      wrapStorage: (id, storage) => {
        const append = storage.append.bind(storage);
        storage.append = (entries: readonly Entry[], options: AppendOptions) => {
          appends.set(id, (appends.get(id) ?? 0) + 1);
          return append(entries, options);
        };
        return storage;
      },
    });
    await cluster.start();
    const leader = await cluster.waitForLeader();
    const before = appends.get(leader) ?? 0;
    // 40 proposals in 40 separate turns while each write takes 20 virtual ms.
    const results: Promise<number>[] = [];
    for (let i = 1; i <= 40; i++) {
      results.push(cluster.node(leader).propose({ add: 1 }));
      await cluster.run(1);
    }
    const totals = await cluster.resolve(Promise.all(results));
    expect(totals.at(-1)).toBe(40);
    // Without merging every proposal would be its own append: 40 of them.
    expect((appends.get(leader) ?? 0) - before).toBeLessThan(10);
    await cluster.waitFor(() => ['a', 'b', 'c'].every((id) => cluster.member(id).machine.total === 40), 'every node applies all 40');
    for (const id of ['a', 'b', 'c']) {
      const durable = cluster.member(id).storage.durable();
      expect(durable.entries.map((entry) => entry.index)).toEqual(durable.entries.map((_, i) => durable.entries[0]!.index + i));
    }
    await cluster.stop();
  });

  // Each client request reaches the node in its own socket callback, with the microtasks between
  // them: batching per microtask made every proposal its own AppendEntries (1.8 messages per
  // write to each follower under 64 clients); batching per turn sends one for all of them.
  it.each([
    { by: 'the default (one event-loop turn)', schedule: undefined, appendsPerFollower: 1 },
    { by: 'a microtask', schedule: (flush: () => void) => queueMicrotask(flush), appendsPerFollower: 5 },
  ])('gathers proposals made in separate callbacks by $by', async ({ schedule, appendsPerFollower }) => {
    const cluster = new TestCluster(['a', 'b', 'c'], schedule === undefined ? {} : { schedule });
    await cluster.start();
    const leader = await cluster.waitForLeader();
    const sentBefore = cluster.sent.length;
    const results: Promise<number>[] = [];
    for (let i = 1; i <= 5; i++) {
      results.push(cluster.node(leader).propose({ add: 1 }));
      await Promise.resolve();
    }
    const totals = await cluster.resolve(Promise.all(results));
    expect(totals).toEqual([1, 2, 3, 4, 5]);
    const appends = cluster.sent.slice(sentBefore).filter(({ from, message }) => from === leader && message.type === 'appendEntries' && message.entries.length > 0);
    for (const follower of ['a', 'b', 'c'].filter((id) => id !== leader)) {
      expect(appends.filter(({ to }) => to === follower)).toHaveLength(appendsPerFollower);
    }
    await cluster.stop();
  });
});

