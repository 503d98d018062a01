/**
 * Restart after log compaction, against real processes: with snapshots every 50 entries (10 kept
 * behind), 300 acknowledged writes, then SIGKILL of every node at once. Restarted from disk,
 * each node loads its snapshot plus the log after it, and every acknowledged write is there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { putRetrying, status, TestCluster, waitFor } from './support/cluster.js';
import { unreadWrites } from './support/operations.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

describe('restart after compaction', () => {
  it('keeps every acknowledged write when all three nodes are SIGKILLed after snapshots and restarted', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: { 'snapshot-entries': '50', 'snapshot-trailing': '10' } });
    const nodes = cluster.nodes;
    const acknowledged = new Map<string, string>();
    // Ten writers at once through every node (followers forward), 30 keys each.
    await Promise.all(
      Array.from({ length: 10 }, async (_, lane) => {
        for (let n = 0; n < 30; n++) {
          const key = `compacted-${lane}-${n}`;
          const value = `value ${lane}/${n}`;
          await putRetrying(nodes[(lane + n) % 3]!, key, value);
          acknowledged.set(key, value);
        }
      }),
    );
    expect(acknowledged.size).toBe(300);
    const { leader } = await cluster.waitForLeader();
    const before = await status(leader);
    // The leader compacted its log: 300 writes are six snapshot thresholds.
    expect(before.snapshotIndex).toBeGreaterThan(0);
    expect(before.lastLogIndex).toBeGreaterThanOrEqual(301);

    await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
    await Promise.all(nodes.map((node) => node.start()));

    // Each node came back from a snapshot: the HTTP port opens only after the load and replay.
    for (const node of nodes) {
      const restarted = await status(node);
      expect({ node: node.id, fromSnapshot: restarted.snapshotIndex > 0 }).toEqual({ node: node.id, fromSnapshot: true });
      expect(restarted.appliedIndex).toBeGreaterThanOrEqual(restarted.snapshotIndex);
    }
    const { leader: next } = await cluster.waitForLeader();
    // The commit index is persisted with the next append, so a restarted node may load one below
    // the one reported before the kill; the new leader reaches it once its own entry commits.
    await waitFor(`the new leader to commit at least ${before.commitIndex}`, async () => ((await status(next)).commitIndex >= before.commitIndex ? true : undefined));

    for (const node of nodes) expect({ node: node.id, wrong: await unreadWrites(node, acknowledged) }).toEqual({ node: node.id, wrong: [] });
    // And each node's own state holds them once it applied what the leader committed.
    const commit = (await status(next)).commitIndex;
    for (const node of nodes) {
      await waitFor(`${node.id} to apply ${commit}`, async () => ((await status(node)).appliedIndex >= commit ? true : undefined));
      expect({ node: node.id, wrong: await unreadWrites(node, acknowledged, { stale: true }) }).toEqual({ node: node.id, wrong: [] });
    }
  });
});
