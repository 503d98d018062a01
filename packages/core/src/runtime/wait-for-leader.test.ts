/** RaftNode.waitForLeader: a read or proposal right after start() need not meet NotLeaderError. */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeStoppedError, NoLeaderError, NotLeaderError } from './errors.js';
import { settle, TestCluster } from './test-support/cluster.js';

const ABC = ['a', 'b', 'c'] as const;
let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('waitForLeader', () => {
  it('right after start() resolves with the leader once one is elected, and the read then succeeds', async () => {
    cluster = new TestCluster(ABC);
    await cluster.start();
    const node = cluster.node('b');
    // Without waiting, a read right after start() knows no leader.
    await expect(cluster.resolve(node.read('total'), 0)).rejects.toBeInstanceOf(NotLeaderError);
    const waited = settle(node.waitForLeader());
    await flushOnce();
    expect(waited.done).toBe(false);
    await cluster.waitFor(() => waited.done, 'waitForLeader to settle');
    expect(waited.value).toBe(cluster.leader());
    await expect(cluster.resolve(node.read('total'))).resolves.toBe(0);
  });

  it('resolves at once when a leader is known', async () => {
    cluster = new TestCluster(ABC);
    await cluster.start();
    const leader = await cluster.waitForLeader();
    await expect(cluster.resolve(cluster.node('a').waitForLeader(), 0)).resolves.toBe(leader);
  });

  it('rejects NoLeaderError with the signal reason when the signal aborts first (no quorum)', async () => {
    cluster = new TestCluster(ABC);
    await cluster.start();
    // Cut every link: nobody can win an election.
    cluster.dropWhen = () => true;
    const controller = new AbortController();
    const waited = settle(cluster.node('a').waitForLeader({ signal: controller.signal }));
    await cluster.run(2_000);
    expect(waited.done).toBe(false);
    controller.abort(new Error('deadline'));
    await cluster.waitFor(() => waited.done, 'the abort to reject', 0);
    expect(waited.error).toBeInstanceOf(NoLeaderError);
    expect(waited.error).toMatchObject({ code: 'NO_LEADER', reason: new Error('deadline') });
  });

  it('rejects at once for an aborted signal, and NodeStoppedError when the node stops while waiting', async () => {
    cluster = new TestCluster(ABC);
    await cluster.start();
    cluster.dropWhen = () => true;
    await expect(cluster.node('a').waitForLeader({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(NoLeaderError);
    const waited = settle(cluster.node('c').waitForLeader());
    await cluster.run(100);
    const stopping = cluster.node('c').stop();
    await cluster.waitFor(() => waited.done, 'the stop to reject the wait');
    await stopping;
    expect(waited.error).toBeInstanceOf(NodeStoppedError);
  });
});

function flushOnce(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
