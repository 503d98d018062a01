/**
 * Leader forwarding over the memory network's PeerRequests: any node takes any proposal, and a
 * failure keeps its meaning (applied and threw; certainly not appended). Real timers, short ticks;
 * every wait is on a condition with a generous deadline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createMemoryNetwork } from '../testing/memory-transport.js';
import { NotLeaderError } from './errors.js';
import { createLeaderForwarding, ForwardedApplyError, type LeaderForwarding } from './leader-forwarding.js';
import { supportsPeerRequests } from './peer-requests.js';
import { createRaftNode, type RaftNode } from './raft-node.js';
import { CounterMachine, type CounterCommand } from './test-support/cluster.js';

const IDS = ['a', 'b', 'c'];
type Node = RaftNode<CounterCommand, 'total', number>;
let nodes: Node[] = [];

afterEach(async () => {
  await Promise.allSettled(nodes.map((node) => node.stop()));
  nodes = [];
});

function startCluster(): { nodes: Node[]; machines: CounterMachine[]; fronts: LeaderForwarding<CounterCommand, 'total', number, number>[] } {
  const network = createMemoryNetwork();
  const machines: CounterMachine[] = [];
  const fronts: LeaderForwarding<CounterCommand, 'total', number, number>[] = [];
  nodes = IDS.map((id) => {
    const transport = network.transport(id);
    const machine = new CounterMachine();
    machines.push(machine);
    const node = createRaftNode<CounterCommand, 'total', number>({
      config: { id, tickMs: 10 },
      storage: createMemoryStorage(),
      transport,
      stateMachine: machine,
      bootstrap: { voters: IDS, outgoingVoters: [], learners: [] },
    });
    expect(supportsPeerRequests(transport)).toBe(true);
    fronts.push(createLeaderForwarding({ node, transport }));
    return node;
  });
  return { nodes, machines, fronts };
}

async function waitUntil(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createLeaderForwarding', () => {
  it('takes a proposal on every node right after start (waiting for the leader) and applies each once', async () => {
    const { nodes, machines, fronts } = startCluster();
    await Promise.all(nodes.map((node) => node.start()));
    // Called before any leader exists: each waits, and followers forward to the leader.
    const results = await Promise.all(fronts.map((front, position) => front.propose({ add: position + 1 })));
    // Each answer is the total after that add, in some order of the three: distinct, the last 6.
    expect(new Set(results).size).toBe(3);
    expect(Math.max(...results)).toBe(6);
    await waitUntil(() => machines.every((machine) => machine.total === 6), 'every machine to apply all three');
    const leader = nodes.find((node) => node.status().role === 'leader')!;
    const follower = fronts[nodes.findIndex((node) => node !== leader)]!;
    await expect(follower.propose({ add: 10 })).resolves.toBe(16);
    await expect(follower.read('total')).resolves.toBe(16);
  });

  it("brings the leader's apply error back to a follower: applied, and the throw is the answer", async () => {
    const { nodes, fronts } = startCluster();
    await Promise.all(nodes.map((node) => node.start()));
    const leaderId = await nodes[0]!.waitForLeader();
    const position = nodes.findIndex((node) => node.id !== leaderId);
    const error = await fronts[position]!.propose({ fail: 'refused by the machine' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ForwardedApplyError);
    expect(error).toMatchObject({ code: 'APPLY_FAILED', leader: leaderId, message: 'refused by the machine' });
  });

  it('answers NotLeaderError (certainly not appended) when the leader takes no forwarded requests', async () => {
    const { nodes, machines, fronts } = startCluster();
    await Promise.all(nodes.map((node) => node.start()));
    const leaderId = await nodes[0]!.waitForLeader();
    await waitUntil(() => nodes.every((node) => node.status().leader === leaderId), 'every node to follow the leader');
    const leaderPosition = nodes.findIndex((node) => node.id === leaderId);
    fronts[leaderPosition]!.close();
    const position = nodes.findIndex((node) => node.id !== leaderId);
    const error = await fronts[position]!.propose({ add: 5 }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NotLeaderError);
    expect(error).toMatchObject({ leaderHint: leaderId });
    // Nothing was appended: a later write through the leader finds the total untouched.
    await expect(nodes[leaderPosition]!.propose({ add: 1 })).resolves.toBe(1);
    expect(machines.every((machine) => machine.total <= 1)).toBe(true);
  });
});
