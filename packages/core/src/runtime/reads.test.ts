/**
 * Linearizable reads through the runtime (thesis §6.4): ReadIndex on the leader and forwarded
 * from followers, batching of reads into heartbeat rounds, refusal without a quorum, and lease
 * reads (§6.4.1) with their limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../raft/errors.js';
import type { Message, NodeId } from '../raft/types.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createMemoryNetwork } from '../testing/memory-transport.js';
import { createVirtualClock } from './clock.js';
import { NotLeaderError, ReadTimeoutError } from './errors.js';
import { createRaftNode } from './raft-node.js';
import { CounterMachine, settle, TestCluster, type ClusterOptions } from './test-support/cluster.js';

const ABC = ['a', 'b', 'c'] as const;
let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function startCluster(options: ClusterOptions = {}): Promise<{ cluster: TestCluster; leader: NodeId; followers: NodeId[] }> {
  cluster = new TestCluster(ABC, options);
  await cluster.start();
  const leader = await cluster.waitForLeader();
  // The new leader's empty entry (index 2) is committed and applied everywhere.
  await cluster.waitFor(() => ABC.every((id) => cluster!.node(id).status().appliedIndex === 2), 'the no-op applied everywhere');
  return { cluster, leader, followers: ABC.filter((id) => id !== leader) };
}

describe('read (ReadIndex)', () => {
  it('on the leader reflects a write acknowledged before it, after one heartbeat round', async () => {
    const { cluster, leader } = await startCluster();
    await cluster.resolve(cluster.node(leader).propose({ add: 5 }));
    const before = cluster.sent.length;
    await expect(cluster.resolve(cluster.node(leader).read('total'), 0)).resolves.toBe(5);
    // Answered without advancing time: a heartbeat round to both followers, confirmed at once.
    expect(cluster.countSent('heartbeat', before, leader)).toBe(2);
    expect(cluster.countSent('heartbeatResponse', before)).toBeGreaterThanOrEqual(1);
  });

  it('on a follower that has not received the write yet waits for the read index to be applied, then reflects it', async () => {
    const { cluster, leader, followers } = await startCluster();
    const follower = followers[0]!;
    // The follower misses the append carrying the write; the other follower makes it commit.
    cluster.dropWhen = ({ from, to, message }) => from === leader && to === follower && message.type === 'appendEntries';
    await cluster.resolve(cluster.node(leader).propose({ add: 5 }));
    expect(cluster.node(leader).status().commit).toBe(3);
    cluster.dropWhen = undefined;
    expect(cluster.node(follower).status()).toMatchObject({ lastIndex: 2, appliedIndex: 2 });
    expect(cluster.member(follower).machine.total).toBe(0);

    const before = cluster.sent.length;
    const read = settle(cluster.node(follower).read('total'));
    await cluster.waitFor(() => read.done, 'the follower read to be answered', 200);
    expect(read).toMatchObject({ done: true, value: 5 });
    // The read index came from the leader (3), and the follower applied up to it before answering.
    expect(cluster.sent.slice(before).find((sent) => sent.message.type === 'readIndexResponse')?.message).toMatchObject({ from: leader, to: follower, index: 3 });
    expect(cluster.node(follower).status().appliedIndex).toBe(3);
  });

  it('on a follower answers 0 before any write and 5 after writes of 2 and 3 were acknowledged on the leader', async () => {
    const { cluster, leader, followers } = await startCluster();
    await expect(cluster.resolve(cluster.node(followers[1]!).read('total'))).resolves.toBe(0);
    await cluster.resolve(cluster.node(leader).propose({ add: 2 }));
    await cluster.resolve(cluster.node(leader).propose({ add: 3 }));
    await expect(cluster.resolve(cluster.node(followers[1]!).read('total'))).resolves.toBe(5);
  });

  it('many reads called in the same turn on the leader share one heartbeat round', async () => {
    const { cluster, leader } = await startCluster();
    await cluster.resolve(cluster.node(leader).propose({ add: 7 }));
    const before = cluster.sent.length;
    const reads = Array.from({ length: 10 }, () => cluster.node(leader).read('total'));
    await expect(cluster.resolve(Promise.all(reads), 0)).resolves.toEqual(Array(10).fill(7));
    // One round = one heartbeat to each of the two followers.
    expect(cluster.countSent('heartbeat', before, leader)).toBe(2);
  });

  it('many reads called in the same turn on a follower are forwarded as one read index request', async () => {
    const { cluster, leader, followers } = await startCluster();
    await cluster.resolve(cluster.node(leader).propose({ add: 7 }));
    const before = cluster.sent.length;
    const reads = Array.from({ length: 10 }, () => cluster.node(followers[0]!).read('total'));
    await expect(cluster.resolve(Promise.all(reads), 0)).resolves.toEqual(Array(10).fill(7));
    expect(cluster.countSent('readIndex', before)).toBe(1);
    expect(cluster.countSent('heartbeat', before, leader)).toBe(2);
  });

  it('on a leader isolated from the quorum never answers with data: it rejects NotLeaderError once check-quorum deposes it', async () => {
    const { cluster, leader, followers } = await startCluster();
    await cluster.resolve(cluster.node(leader).propose({ add: 1 }));
    cluster.network.isolate(leader);
    const read = settle(cluster.node(leader).read('total'));
    // The majority side elects a new leader and acknowledges a write the old leader never sees.
    const newLeader = await cluster.waitForLeader(followers);
    await cluster.resolve(cluster.node(newLeader).propose({ add: 100 }));
    await cluster.waitFor(() => read.done, 'the isolated read to be answered', 1000);
    expect(read.value).toBeUndefined();
    expect(read.error).toBeInstanceOf(NotLeaderError);
    expect(cluster.node(leader).status().role).toBe('follower');
    expect(cluster.member(leader).machine.total).toBe(1);
  });

  it('on a leader isolated without check-quorum rejects ReadTimeoutError after readTimeoutMs, never with data', async () => {
    const { cluster, leader } = await startCluster({ config: { checkQuorum: false }, readTimeoutMs: 300 });
    cluster.network.isolate(leader);
    const read = settle(cluster.node(leader).read('total'));
    await cluster.run(299);
    expect(read.done).toBe(false);
    await cluster.run(1);
    expect(read.error).toBeInstanceOf(ReadTimeoutError);
    expect(read.error).toMatchObject({ code: 'READ_TIMEOUT', timeoutMs: 300 });
    // It still believes it leads: only the missing quorum kept it from answering.
    expect(cluster.node(leader).status().role).toBe('leader');
  });

  it('rejects NotLeaderError with no leader hint when no leader is known', async () => {
    cluster = new TestCluster(ABC);
    await cluster.start();
    // No tick has run yet: nobody has campaigned.
    expect(cluster.node('a').status()).toMatchObject({ role: 'follower', leader: null });
    const error = await cluster.node('a').read('total').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotLeaderError);
    expect(error).toMatchObject({ code: 'NOT_LEADER', leaderHint: null });
  });

  it('on a follower whose leader stepped down rejects NotLeaderError instead of hanging', async () => {
    const { cluster, leader, followers } = await startCluster();
    // The follower's read reaches the leader, but the leader cannot confirm a round: only the
    // asking follower still talks to it, and the leader's check-quorum deposes it.
    const asker = followers[0]!;
    cluster.network.partition(leader, followers[1]!);
    cluster.network.partition(asker, followers[1]!);
    cluster.dropWhen = ({ from, message }) => from === asker && message.type === 'heartbeatResponse';
    const read = settle(cluster.node(asker).read('total'));
    await cluster.waitFor(() => read.done, 'the forwarded read to be answered', 1000);
    expect(read.error).toBeInstanceOf(NotLeaderError);
  });
});

describe('read (lease)', () => {
  const lease: ClusterOptions = { leaseReads: true };

  it('with a valid lease is served locally: no heartbeat, no read index message, and the acknowledged write is visible', async () => {
    const { cluster, leader } = await startCluster(lease);
    await cluster.resolve(cluster.node(leader).propose({ add: 9 }));
    await cluster.run(10);
    // (electionTicks - 1) × tickMs = 90 ms, minus a quarter for drift; the round sent at this tick was confirmed now.
    expect(cluster.node(leader).status().leaseRemainingMs).toBe(67.5);
    const before = cluster.sent.length;
    const clockBefore = cluster.clock.now();
    const reads = [cluster.node(leader).read('total'), cluster.node(leader).read('total')];
    await expect(cluster.resolve(Promise.all(reads), 0)).resolves.toEqual([9, 9]);
    expect(cluster.clock.now()).toBe(clockBefore);
    expect(cluster.sent.length).toBe(before);
  });

  it('a configured drift margin is taken off the lease: driftMs 30 leaves 90 - 30 = 60 ms', async () => {
    const { cluster, leader } = await startCluster({ leaseReads: { driftMs: 30 } });
    await cluster.run(10);
    expect(cluster.node(leader).status().leaseRemainingMs).toBe(60);
  });

  it('after the isolated leader passes its lease, a read is not answered locally: it falls back to ReadIndex and rejects', async () => {
    const { cluster, leader, followers } = await startCluster(lease);
    await cluster.resolve(cluster.node(leader).propose({ add: 1 }));
    cluster.network.isolate(leader);
    const node = cluster.node(leader);
    await cluster.waitFor(() => node.status().leaseRemainingMs === 0, 'the lease to run out', 200);
    // Still leader (check-quorum has not deposed it yet), but the lease no longer holds.
    expect(node.status().role).toBe('leader');
    const before = cluster.sent.length;
    const read = settle(node.read('total'));
    await cluster.run(0);
    expect(read.done).toBe(false);
    // The read went into a heartbeat round, which nobody answers.
    expect(cluster.countSent('heartbeat', before, leader)).toBe(2);
    expect(cluster.countSent('heartbeatResponse', before)).toBe(0);

    const newLeader = await cluster.waitForLeader(followers);
    await cluster.resolve(cluster.node(newLeader).propose({ add: 100 }));
    await cluster.waitFor(() => read.done, 'the isolated read to be answered', 1000);
    expect(read.value).toBeUndefined();
    expect(read.error).toBeInstanceOf(NotLeaderError);
  });

  it('leaseReads without checkQuorum throws ConfigError LEASE_WITHOUT_CHECK_QUORUM when the node is created', () => {
    const options = { storage: createMemoryStorage(), transport: createMemoryNetwork().transport('a'), stateMachine: new CounterMachine(), clock: createVirtualClock() };
    const viaRuntime = () => createRaftNode({ ...options, config: { id: 'a', checkQuorum: false }, leaseReads: true });
    expect(viaRuntime).toThrow(ConfigError);
    expect(viaRuntime).toThrow(expect.objectContaining({ code: 'LEASE_WITHOUT_CHECK_QUORUM' }));
    const viaCore = () => createRaftNode({ ...options, config: { id: 'a', checkQuorum: false, leaseReads: true } });
    expect(viaCore).toThrow(expect.objectContaining({ code: 'LEASE_WITHOUT_CHECK_QUORUM' }));
  });

  it('a leadership transfer revokes the lease at once', async () => {
    const { cluster, leader, followers } = await startCluster(lease);
    await cluster.run(10);
    expect(cluster.node(leader).status().leaseRemainingMs).toBe(67.5);
    const transfer = settle(cluster.node(leader).transferLeadership(followers[0]!));
    expect(cluster.node(leader).status().leaseRemainingMs).toBe(0);
    await cluster.waitFor(() => transfer.done, 'the transfer to finish');
    expect(transfer.value).toEqual({ leader: followers[0], term: 3 });
  });

  it('the lease stays revoked while a transfer is in progress, even as heartbeat rounds are confirmed', async () => {
    const { cluster, leader, followers } = await startCluster(lease);
    await cluster.run(10);
    const [target, other] = followers as [NodeId, NodeId];
    // The target stops answering, so the transfer cannot finish; the other follower keeps
    // confirming the leader's heartbeat rounds.
    cluster.network.partition(leader, target);
    const transfer = settle(cluster.node(leader).transferLeadership(target));
    const before = cluster.sent.length;
    await cluster.run(50);
    expect(cluster.countSent('heartbeatResponse', before, other)).toBeGreaterThanOrEqual(4);
    expect(cluster.node(leader).status()).toMatchObject({ role: 'leader', transferee: target, leaseRemainingMs: 0 });
    // A read during the transfer is not served from the lease: it costs a heartbeat round.
    const beforeRead = cluster.sent.length;
    const read = settle(cluster.node(leader).read('total'));
    await cluster.run(0);
    expect(read).toMatchObject({ done: true, value: 0 });
    expect(cluster.countSent('heartbeat', beforeRead, leader)).toBe(2);
    cluster.network.heal();
    await cluster.waitFor(() => transfer.done, 'the transfer to be answered');
  });

  // The issue this guards against: a TimeoutNow held back by the network past the abandoned
  // transfer let its target win a new term while the old leader, cut off, answered from a lease
  // it had regained: 1 instead of 101. Lease safety must rest on clock drift alone, never on how
  // long a message is delayed.
  it('after an abandoned transfer whose TimeoutNow arrives late, the old leader answers no stale read from its lease', async () => {
    const { cluster, leader, followers } = await startCluster(lease);
    const [target] = followers as [NodeId, NodeId];
    await cluster.resolve(cluster.node(leader).propose({ add: 1 }));
    const held: Message[] = [];
    cluster.dropWhen = ({ message }) => message.type === 'timeoutNow' && held.push(message) > 0;

    const transfer = settle(cluster.node(leader).transferLeadership(target));
    await cluster.waitFor(() => transfer.done, 'the transfer to be given up');
    expect(held).toHaveLength(1);
    await cluster.run(30);
    expect(cluster.node(leader).status()).toMatchObject({ role: 'leader', transferee: null, leaseRemainingMs: 0 });

    // Cut the old leader off; only the held TimeoutNow gets through, late (sent on the network
    // directly, past the cut made at the sender).
    cluster.dropWhen = ({ from, to }) => from === leader || to === leader;
    const sentAt = cluster.clock.now();
    cluster.network.transport(leader).send(target, held[0]!);
    await cluster.waitFor(() => cluster.node(target).status().role === 'leader', 'the target to win');
    await expect(cluster.resolve(cluster.node(target).propose({ add: 100 }))).resolves.toBe(101);
    // All within the old leader's lease (67.5 ms) had it come back: the scenario is real.
    expect(cluster.clock.now() - sentAt).toBeLessThan(60);
    expect(cluster.node(leader).status().role).toBe('leader');

    const read = settle(cluster.node(leader).read('total'));
    await cluster.waitFor(() => read.done, 'the old leader to answer the read');
    expect(read.value).toBeUndefined();
    expect(read.error).toBeInstanceOf(Error);
  });
});

describe('read (forwarded) when the follower loses its leader', () => {
  it('rejects with NotLeaderError as soon as the follower campaigns, long before the read timeout', async () => {
    const { cluster, leader, followers } = await startCluster({ readTimeoutMs: 5_000 });
    const [follower] = followers as [NodeId, NodeId];
    // The leader never sees the request; then the follower stops hearing it and campaigns.
    cluster.dropWhen = ({ from, to }) => (from === leader && to === follower) || (from === follower && to === leader);
    const startedAt = cluster.clock.now();
    const read = settle(cluster.node(follower).read('total'));
    await cluster.waitFor(() => read.done, 'the forwarded read to be answered');
    expect(read.error).toBeInstanceOf(NotLeaderError);
    // Two election timeouts at most (10 ticks of 10 ms, randomized up to twice that), not 5 s.
    expect(cluster.clock.now() - startedAt).toBeLessThan(400);
  });
});
