/**
 * Leadership transfer through the runtime (thesis §3.10): to a named voter, to the most
 * up-to-date voter, refusals, and what happens to proposals made while it runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../raft/types.js';
import { NotLeaderError, ProposalDroppedError, RequestRefusedError } from './errors.js';
import { settle, TestCluster } from './test-support/cluster.js';

const ABC = ['a', 'b', 'c'] as const;
let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function startCluster(): Promise<{ cluster: TestCluster; leader: NodeId; followers: NodeId[] }> {
  cluster = new TestCluster(ABC);
  await cluster.start();
  const leader = await cluster.waitForLeader();
  return { cluster, leader, followers: ABC.filter((id) => id !== leader) };
}

describe('transferLeadership', () => {
  it('to a named voter resolves with that leader and a higher term, and every node follows it', async () => {
    const { cluster, leader, followers } = await startCluster();
    const term = cluster.node(leader).status().term;
    const target = followers[1]!;
    await expect(cluster.resolve(cluster.node(leader).transferLeadership(target))).resolves.toEqual({ leader: target, term: term + 1 });
    expect(await cluster.waitForLeader()).toBe(target);
    for (const id of ABC) expect(cluster.node(id).status()).toMatchObject({ term: term + 1, leader: target });
    expect(cluster.node(leader).status().role).toBe('follower');
    await expect(cluster.resolve(cluster.node(target).propose({ add: 3 }))).resolves.toBe(3);
  });

  it('without a target picks the caught-up voter, not the one lagging behind', async () => {
    const { cluster, leader, followers } = await startCluster();
    const [lagging, caughtUp] = followers as [NodeId, NodeId];
    // The lagging follower misses three writes (it still answers heartbeats, so it stays responsive).
    cluster.dropWhen = ({ from, to, message }) => from === leader && to === lagging && message.type === 'appendEntries';
    for (const add of [1, 2, 3]) await cluster.resolve(cluster.node(leader).propose({ add }));
    const progress = cluster.node(leader).status().progress;
    expect(progress.find((peer) => peer.id === lagging)!.match).toBe(2);
    expect(progress.find((peer) => peer.id === caughtUp)!.match).toBe(5);
    const term = cluster.node(leader).status().term;
    await expect(cluster.resolve(cluster.node(leader).transferLeadership())).resolves.toEqual({ leader: caughtUp, term: term + 1 });
    cluster.dropWhen = undefined;
    await cluster.waitFor(() => cluster.member(lagging).machine.total === 6, 'the lagging follower to catch up from the new leader');
  });

  it('to a node that is not a member is refused with not-member, and leadership stays', async () => {
    const { cluster, leader } = await startCluster();
    const term = cluster.node(leader).status().term;
    const error = await cluster.node(leader).transferLeadership('zz').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error).toMatchObject({ code: 'REFUSED', reason: 'not-member', leaderHint: leader });
    expect(cluster.node(leader).status()).toMatchObject({ role: 'leader', term, transferee: null });
    await expect(cluster.resolve(cluster.node(leader).propose({ add: 1 }))).resolves.toBe(1);
  });

  it('to the leader itself resolves at once with this node and its term', async () => {
    const { cluster, leader } = await startCluster();
    const term = cluster.node(leader).status().term;
    const transfer = settle(cluster.node(leader).transferLeadership(leader));
    await cluster.run(0);
    expect(transfer).toMatchObject({ done: true, value: { leader, term } });
  });

  it('back to the leader cancels a transfer in progress: proposals are taken again and leadership stays', async () => {
    const { cluster, leader, followers } = await startCluster();
    const target = followers[0]!;
    // The target misses a write, so the transfer waits for it to catch up.
    cluster.dropWhen = ({ from, to, message }) => from === leader && to === target && message.type === 'appendEntries';
    await cluster.resolve(cluster.node(leader).propose({ add: 1 }));
    const transfer = settle(cluster.node(leader).transferLeadership(target));
    await cluster.run(10);
    expect(cluster.node(leader).status().transferee).toBe(target);

    const back = settle(cluster.node(leader).transferLeadership(leader));
    await cluster.run(0);
    expect(back).toMatchObject({ done: true, value: { leader } });
    expect(cluster.node(leader).status().transferee).toBeNull();
    cluster.dropWhen = undefined;
    await expect(cluster.resolve(cluster.node(leader).propose({ add: 2 }))).resolves.toBe(3);
    await cluster.waitFor(() => transfer.done, 'the cancelled transfer to be answered');
    expect(transfer.error).toBeInstanceOf(RequestRefusedError);
    expect(cluster.node(leader).status().role).toBe('leader');
  });

  it('on a follower is refused with not-leader', async () => {
    const { cluster, leader, followers } = await startCluster();
    await expect(cluster.node(followers[0]!).transferLeadership(leader)).rejects.toMatchObject({ name: 'RequestRefusedError', reason: 'not-leader', leaderHint: leader });
  });

  it('proposals made while the transfer runs reject ProposalDroppedError(transfer-in-progress), then NotLeaderError; none hangs or applies', async () => {
    const { cluster, leader, followers } = await startCluster();
    const target = followers[0]!;
    // The target misses a write, so the leader must bring it up to date before TimeoutNow.
    cluster.dropWhen = ({ from, to, message }) => from === leader && to === target && message.type === 'appendEntries';
    await cluster.resolve(cluster.node(leader).propose({ add: 1 }));
    // A proposal made in the same turn as the transfer is flushed after it started.
    const sameTurn = settle(cluster.node(leader).propose({ add: 10 }));
    const transfer = settle(cluster.node(leader).transferLeadership(target));
    const during: ReturnType<typeof settle<number>>[] = [sameTurn];
    for (let step = 0; step < 5; step++) {
      await cluster.run(10);
      during.push(settle(cluster.node(leader).propose({ add: 10 })));
    }
    await cluster.run(0);
    expect(cluster.node(leader).status().transferee).toBe(target);
    cluster.dropWhen = undefined;
    await cluster.waitFor(() => transfer.done, 'the transfer to finish');
    during.push(settle(cluster.node(leader).propose({ add: 10 })));
    await cluster.waitFor(() => during.every((outcome) => outcome.done), 'every proposal to be answered', 100);

    expect(transfer.value).toEqual({ leader: target, term: 3 });
    for (const outcome of during.slice(0, -1)) {
      expect(outcome.error).toBeInstanceOf(ProposalDroppedError);
      expect(outcome.error).toMatchObject({ reason: 'transfer-in-progress', leaderHint: leader });
    }
    expect(during.at(-1)!.error).toBeInstanceOf(NotLeaderError);
    expect(during.at(-1)!.error).toMatchObject({ leaderHint: target });
    await cluster.run(100);
    for (const id of ABC) expect(cluster.member(id).machine.total).toBe(1);
  });

  it('to a target that never answers rejects target-unresponsive after two election timeouts, and the leader takes proposals again', async () => {
    const { cluster, leader, followers } = await startCluster();
    const target = followers[0]!;
    cluster.network.partition(leader, target);
    const transfer = settle(cluster.node(leader).transferLeadership(target));
    const started = cluster.clock.now();
    await cluster.waitFor(() => transfer.done, 'the transfer to be answered', 1000);
    // 2 × electionTicks × tickMs.
    expect(cluster.clock.now() - started).toBe(200);
    expect(transfer.error).toBeInstanceOf(RequestRefusedError);
    expect(transfer.error).toMatchObject({ reason: 'target-unresponsive', leaderHint: leader });
    // The core abandoned the transfer after one election timeout.
    expect(cluster.node(leader).status()).toMatchObject({ role: 'leader', transferee: null });
    await expect(cluster.resolve(cluster.node(leader).propose({ add: 2 }))).resolves.toBe(2);
  });
});
