/**
 * Membership changes through the runtime (thesis §4): learners and promotion while writes flow,
 * removal (of the leader too), joint consensus for a larger change, and typed refusals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeConfig } from '../raft/membership.js';
import type { MembershipConfig, NodeId } from '../raft/types.js';
import { RequestRefusedError } from './errors.js';
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

/** configEntries lists the configuration entries in `id`'s in-memory log, oldest first. */
function configEntries(id: NodeId): { index: number; config: MembershipConfig }[] {
  const inspector = cluster!.node(id).inspect();
  const found: { index: number; config: MembershipConfig }[] = [];
  for (let index = inspector.status().firstIndex; index <= inspector.status().lastIndex; index++) {
    const entry = inspector.entry(index);
    if (entry?.type === 'config') found.push({ index, config: decodeConfig(entry.data) });
  }
  return found;
}

/**
 * Writer proposes `{add: n}` on the leader every 5 ms (n = 1, 2, ...) until stopped, and
 * remembers which were acknowledged.
 */
function startWriter(leader: NodeId): { acknowledged: number[]; failed: unknown[]; stop: () => Promise<void> } {
  const acknowledged: number[] = [];
  const failed: unknown[] = [];
  const pending: Promise<unknown>[] = [];
  let next = 1;
  let cancel = () => {};
  const schedule = () => {
    cancel = cluster!.clock.setTimeout(() => {
      const add = next++;
      pending.push(cluster!.node(leader).propose({ add }).then(
        () => acknowledged.push(add),
        (error: unknown) => failed.push(error),
      ));
      schedule();
    }, 5);
  };
  schedule();
  return {
    acknowledged,
    failed,
    stop: async () => {
      cancel();
      await cluster!.resolve(Promise.all(pending));
    },
  };
}

describe('changeMembership', () => {
  it('grows 3 → 4 → 5 by addLearner then promote while writes flow; every acknowledged write is readable on all 5', async () => {
    const { cluster, leader } = await startCluster();
    const writer = startWriter(leader);
    await cluster.run(20);
    for (const id of ['d', 'e']) {
      await cluster.startNode(id, undefined, { join: true });
      const learner = await cluster.resolve(cluster.node(leader).changeMembership({ type: 'addLearner', id }));
      expect(cluster.node(leader).status().config.learners).toEqual([id]);
      expect(cluster.node(leader).status().appliedIndex).toBeGreaterThanOrEqual(learner.index);
      await cluster.run(20);
      await cluster.resolve(cluster.node(leader).changeMembership({ type: 'promote', id }));
      await cluster.run(20);
    }
    await writer.stop();
    expect(writer.failed).toEqual([]);
    expect(writer.acknowledged.length).toBeGreaterThanOrEqual(20);
    const sum = writer.acknowledged.reduce((total, add) => total + add, 0);

    const all = ['a', 'b', 'c', 'd', 'e'];
    expect(cluster.node(leader).status().config).toEqual({ voters: all, outgoingVoters: [], learners: [] });
    for (const id of all) {
      // A linearizable read on every node, the new ones included, sees every acknowledged write.
      await expect(cluster.resolve(cluster.node(id).read('total'))).resolves.toBe(sum);
      expect(cluster.node(id).status()).toMatchObject({ role: id === leader ? 'leader' : 'follower', leader, config: { voters: all } });
    }
    // Each change was a single-server change: no joint configuration on the way.
    expect(configEntries(leader).map(({ config }) => [config.voters.length, config.outgoingVoters.length, config.learners.length])).toEqual([
      [3, 0, 0],
      [3, 0, 1],
      [4, 0, 0],
      [4, 0, 1],
      [5, 0, 0],
    ]);
    // Five voters need three: the leader commits with two of the four followers cut off.
    const [first, second] = all.filter((id) => id !== leader);
    cluster.network.partition(leader, first!);
    cluster.network.partition(leader, second!);
    await expect(cluster.resolve(cluster.node(leader).propose({ add: 1000 }))).resolves.toBe(sum + 1000);
  });

  it('shrinks by remove: the removed voter no longer counts toward commit', async () => {
    const { cluster, leader, followers } = await startCluster();
    const [removed, kept] = followers as [NodeId, NodeId];
    const { index } = await cluster.resolve(cluster.node(leader).changeMembership({ type: 'remove', id: removed }));
    expect(index).toBe(3);
    expect(cluster.node(leader).status().config).toEqual({ voters: [leader, kept].sort(), outgoingVoters: [], learners: [] });
    expect(cluster.node(leader).status().progress.map((peer) => peer.id)).toEqual([kept]);
    // Two voters need both: with the kept follower cut off, nothing commits, whatever the removed one does.
    await cluster.resolve(cluster.node(removed).stop());
    await expect(cluster.resolve(cluster.node(leader).propose({ add: 1 }))).resolves.toBe(1);
    cluster.network.partition(leader, kept);
    const stuck = settle(cluster.node(leader).propose({ add: 2 }));
    await cluster.run(50);
    expect(stuck.done).toBe(false);
    expect(cluster.node(leader).status().commit).toBe(4);
  });

  it('removing the leader resolves, a new leader emerges among the rest, and writes continue', async () => {
    const { cluster, leader, followers } = await startCluster();
    const term = cluster.node(leader).status().term;
    await cluster.resolve(cluster.node(leader).propose({ add: 1 }));
    const { index } = await cluster.resolve(cluster.node(leader).changeMembership({ type: 'remove', id: leader }));
    expect(index).toBe(4);
    // It stepped down once C_new committed and is no voter any more.
    expect(cluster.node(leader).status()).toMatchObject({ role: 'follower', config: { voters: followers, outgoingVoters: [], learners: [] } });
    const newLeader = await cluster.waitForLeader(followers);
    expect(cluster.node(newLeader).status().term).toBe(term + 1);
    await expect(cluster.resolve(cluster.node(newLeader).propose({ add: 2 }))).resolves.toBe(3);
    await cluster.waitFor(() => followers.every((id) => cluster.member(id).machine.total === 3), 'both remaining voters to apply');
    // The removed node never campaigns again.
    await cluster.run(1000);
    expect(cluster.node(leader).status().role).toBe('follower');
    expect(cluster.node(newLeader).status()).toMatchObject({ role: 'leader', term: term + 1 });
  });

  it('a replace of two voters goes through the joint configuration and resolves only once the leave entry is applied', async () => {
    const { cluster, leader, followers } = await startCluster();
    for (const id of ['d', 'e']) {
      await cluster.startNode(id, undefined, { join: true });
      await cluster.resolve(cluster.node(leader).changeMembership({ type: 'addLearner', id }));
    }
    // Replace both followers by d and e: two voters out, two in.
    const voters = [leader, 'd', 'e'];
    let atResolve: { appliedIndex: number; config: MembershipConfig } | undefined;
    const change = cluster.node(leader).changeMembership({ type: 'replace', voters }).then((result) => {
      const status = cluster.node(leader).status();
      atResolve = { appliedIndex: status.appliedIndex, config: status.config };
      return result;
    });
    const { index } = await cluster.resolve(change);
    const entries = configEntries(leader);
    const joint = entries.find((entry) => entry.index === index)!;
    expect(joint.config).toEqual({ voters, outgoingVoters: ['a', 'b', 'c'], learners: [] });
    const leave = entries.at(-1)!;
    expect(leave).toEqual({ index: index + 1, config: { voters, outgoingVoters: [], learners: [] } });
    expect(atResolve).toEqual({ appliedIndex: index + 1, config: { voters, outgoingVoters: [], learners: [] } });

    // The old followers are out: d and e with the leader form the quorum.
    for (const id of followers) await cluster.resolve(cluster.node(id).stop());
    await expect(cluster.resolve(cluster.node(leader).propose({ add: 4 }))).resolves.toBe(4);
    await cluster.waitFor(() => ['d', 'e'].every((id) => cluster.member(id).machine.total === 4), 'd and e to apply');
  });

  describe('refuses with RequestRefusedError', () => {
    it('uncommitted-membership-change when a second change races the first', async () => {
      const { cluster, leader } = await startCluster();
      await cluster.startNode('d', undefined, { join: true });
      await cluster.startNode('e', undefined, { join: true });
      const first = settle(cluster.node(leader).changeMembership({ type: 'addLearner', id: 'd' }));
      const second = settle(cluster.node(leader).changeMembership({ type: 'addLearner', id: 'e' }));
      await cluster.waitFor(() => first.done && second.done, 'both changes answered');
      expect(first.value).toEqual({ index: 3 });
      expect(second.error).toBeInstanceOf(RequestRefusedError);
      expect(second.error).toMatchObject({ code: 'REFUSED', reason: 'uncommitted-membership-change', leaderHint: leader });
      expect(cluster.node(leader).status().config.learners).toEqual(['d']);
    });

    it('not-member when removing or promoting a node that is not in the configuration', async () => {
      const { cluster, leader } = await startCluster();
      await expect(cluster.node(leader).changeMembership({ type: 'remove', id: 'zz' })).rejects.toMatchObject({ name: 'RequestRefusedError', reason: 'not-member' });
      await expect(cluster.node(leader).changeMembership({ type: 'promote', id: 'zz' })).rejects.toMatchObject({ name: 'RequestRefusedError', reason: 'not-member' });
      expect(cluster.node(leader).status().lastIndex).toBe(2);
    });

    it('already-member when adding a node that is already a voter', async () => {
      const { cluster, leader, followers } = await startCluster();
      const error = await cluster.node(leader).changeMembership({ type: 'addLearner', id: followers[0]! }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RequestRefusedError);
      expect(error).toMatchObject({ reason: 'already-member' });
      await expect(cluster.node(leader).changeMembership({ type: 'addVoter', id: followers[1]! })).rejects.toMatchObject({ reason: 'already-member' });
    });

    it('not-leader on a follower, naming the leader', async () => {
      const { cluster, leader, followers } = await startCluster();
      const error = await cluster.node(followers[0]!).changeMembership({ type: 'addLearner', id: 'd' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RequestRefusedError);
      expect(error).toMatchObject({ code: 'REFUSED', reason: 'not-leader', leaderHint: leader });
    });
  });
});
