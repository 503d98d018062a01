import { describe, expect, it } from 'vitest';
import { ConfigError } from '../raft/errors.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { forceNewConfiguration } from './recover.js';
import { TestCluster } from './test-support/cluster.js';

describe('forceNewConfiguration (UNSAFE forced recovery from a lost majority)', () => {
  it('lets the one survivor of a 3-node cluster lead alone with every write it held, then grow again', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    await cluster.start();
    const leader = await cluster.waitForLeader();
    for (let i = 1; i <= 5; i++) await cluster.resolve(cluster.node(leader).propose({ add: i }));
    await cluster.waitFor(() => cluster.member('a').machine.total === 15, 'a applies every write');
    await cluster.stop();

    // b and c are lost with their disks. Without recovery, a alone can never elect a leader.
    const survivor = cluster.member('a').storage;
    const recovered = await forceNewConfiguration(survivor, 'a', { voters: ['a'], outgoingVoters: [], learners: [] });
    expect(recovered.config.voters).toEqual(['a']);

    const after = new TestCluster(['a']);
    const { node, machine } = await after.startNode('a', survivor);
    await after.waitForLeader(['a']);
    expect(machine.total).toBe(15);
    expect(await after.resolve(node.propose({ add: 100 }))).toBe(115);
    expect(node.status().config.voters).toEqual(['a']);

    // The others come back empty and are added by ordinary membership changes.
    await after.startNode('b', createMemoryStorage(), { join: true });
    // Straight to voter would make an unresponsive b half of the quorum: refused.
    await expect(after.resolve(node.changeMembership({ type: 'addVoter', id: 'b' }))).rejects.toMatchObject({ reason: 'will-break-quorum' });
    await after.resolve(node.changeMembership({ type: 'addLearner', id: 'b' }));
    await after.waitFor(() => after.member('b').machine.total === 115, 'b catches up');
    await after.resolve(node.changeMembership({ type: 'promote', id: 'b' }));
    expect(node.status().config.voters).toEqual(['a', 'b']);
    await after.stop();
  });

  it('refuses a configuration that leaves out the node it runs on, and a node with no state', async () => {
    const empty = createMemoryStorage();
    await expect(forceNewConfiguration(empty, 'a', { voters: ['b'], outgoingVoters: [], learners: [] })).rejects.toMatchObject({ code: 'MISSING_SELF' });
    await expect(forceNewConfiguration(empty, 'a', { voters: ['a'], outgoingVoters: [], learners: [] })).rejects.toBeInstanceOf(ConfigError);
  });
});
