import { afterEach, describe, expect, it } from 'vitest';
import { createSeededRng } from '../raft/rng.js';
import type { Message, NodeId } from '../raft/types.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createMemoryNetwork } from '../testing/memory-transport.js';
import { createVirtualClock } from '../runtime/clock.js';
import { NotLeaderError, OutcomeUnknownError } from '../runtime/errors.js';
import { createRaftNode, type RaftNode } from '../runtime/raft-node.js';
import { flush, settle } from '../runtime/test-support/cluster.js';
import { createSessionIds } from './session-ids.js';
import { createSessionStateMachine, type SessionStateMachine } from './session-state-machine.js';
import { CountingMachine, type CountingCommand } from './test-support/counting-machine.js';
import type { SessionCommand, SessionResult } from './types.js';

type Result = number | undefined;
type SessionNode = RaftNode<SessionCommand<CountingCommand>, 'total', SessionResult<Result>>;

const IDS = ['a', 'b', 'c'] as const;
/** A wall-clock origin for entry timestamps, so they look like Date.now() readings. */
const EPOCH_MS = 1_700_000_000_000;

/**
 * SessionCluster: three RaftNodes running session-wrapped CountingMachines on a virtual clock,
 * with a message filter to make one-way partitions (the memory network only cuts both ways).
 */
class SessionCluster {
  readonly clock = createVirtualClock();
  readonly network = createMemoryNetwork();
  readonly nodes = new Map<NodeId, SessionNode>();
  readonly machines = new Map<NodeId, SessionStateMachine<CountingCommand, 'total', Result>>();
  /** Messages for which this returns true are dropped at the sender. */
  drop: (from: NodeId, to: NodeId, message: Message) => boolean = () => false;

  async start(): Promise<void> {
    for (const [position, id] of IDS.entries()) {
      const machine = createSessionStateMachine(new CountingMachine());
      const transport = this.network.transport(id);
      const node = createRaftNode({
        config: { id, tickMs: 10, electionTicks: 10, random: createSeededRng(7 + position) },
        storage: createMemoryStorage(),
        transport: {
          start: (onMessage) => transport.start(onMessage),
          send: (to, message) => {
            if (!this.drop(id, to, message)) transport.send(to, message);
          },
          close: () => transport.close(),
        },
        stateMachine: machine,
        clock: this.clock,
        bootstrap: { voters: [...IDS], outgoingVoters: [], learners: [] },
      });
      this.nodes.set(id, node);
      this.machines.set(id, machine);
      await node.start();
    }
  }

  node(id: NodeId): SessionNode {
    return this.nodes.get(id)!;
  }

  inner(id: NodeId): CountingMachine {
    return this.machines.get(id)!.inner as CountingMachine;
  }

  /** now is the wall clock a leader would stamp entries with. */
  now(): number {
    return EPOCH_MS + this.clock.now();
  }

  /** waitFor advances virtual time timer by timer until `condition` holds. */
  async waitFor(condition: () => boolean, description: string, maxMs = 10_000): Promise<void> {
    const deadline = this.clock.now() + maxMs;
    for (;;) {
      await flush();
      if (condition()) return;
      if (this.clock.now() >= deadline) throw new Error(`timed out after ${maxMs} virtual ms waiting for ${description}`);
      const next = this.clock.nextTimerAt() ?? deadline;
      this.clock.advance(Math.min(next, deadline) - this.clock.now());
    }
  }

  /** waitForLeader waits until one of `among` leads and the others follow it. */
  async waitForLeader(among: readonly NodeId[] = IDS): Promise<NodeId> {
    let leader: NodeId | undefined;
    await this.waitFor(() => {
      leader = among.find((id) => this.node(id).status().role === 'leader');
      return leader !== undefined && among.every((id) => this.node(id).status().leader === leader);
    }, `a leader among ${among.join(', ')}`);
    return leader!;
  }

  async stop(): Promise<void> {
    const stopped = settle(Promise.all([...this.nodes.values()].map((node) => node.stop())));
    await this.waitFor(() => stopped.done, 'every node to stop');
  }
}

let cluster: SessionCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('client sessions on a RaftNode cluster', () => {
  it('applies exactly once a command whose leader was deposed before answering (OutcomeUnknownError) and that the client retried on the new leader', async () => {
    cluster = new SessionCluster();
    const c = cluster;
    await c.start();
    const oldLeader = await c.waitForLeader();
    const followers = IDS.filter((id) => id !== oldLeader);
    expect(c.node(oldLeader).status().term).toBe(2);

    // The followers receive and store the entry, but nothing they say reaches the leader: it
    // cannot learn the entry committed, and check-quorum deposes it.
    c.drop = (from, to) => to === oldLeader && from !== oldLeader;
    const ids = createSessionIds('client-1');
    const entry = ids.command<CountingCommand>({ add: 5 }, c.now());
    const first = settle(c.node(oldLeader).propose(entry));
    await c.waitFor(() => first.done, 'the first attempt to be answered', 1000);
    expect(first.error).toBeInstanceOf(OutcomeUnknownError);
    expect(first.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 3, term: 2 });
    expect(c.node(oldLeader).status().role).not.toBe('leader');

    // The followers elect one of themselves, whose no-op commits the entry they hold: it WAS
    // applied, though its proposer could not say so.
    const newLeader = await c.waitForLeader(followers);
    expect(c.node(newLeader).status().term).toBe(3);
    await c.waitFor(() => followers.every((id) => c.inner(id).applications === 1), 'the entry applied on the new majority');
    for (const id of followers) expect(c.inner(id).calls).toEqual(['apply 3 {"add":5}']);

    // The client cannot tell, so it retries the same (clientId, sequence) on the new leader.
    c.drop = () => false;
    const retry = await c.node(newLeader).propose({ ...entry, timestampMs: c.now() });
    expect(retry).toEqual({ status: 'applied', result: 5, duplicate: true });

    await c.waitFor(() => IDS.every((id) => c.node(id).status().appliedIndex === 5), 'every node to apply the retry (index 5)');
    for (const id of IDS) {
      expect(c.inner(id).calls).toEqual(['apply 3 {"add":5}']);
      expect(c.inner(id).total).toBe(5);
    }
    // The session goes on: the next sequence is a new command.
    await expect(c.node(newLeader).propose(ids.command<CountingCommand>({ add: 1 }, c.now()))).resolves.toEqual({ status: 'applied', result: 6, duplicate: false });
  });

  it('applies exactly once a command that never left its isolated leader and was retried on the new leader', async () => {
    cluster = new SessionCluster();
    const c = cluster;
    await c.start();
    const oldLeader = await c.waitForLeader();
    const followers = IDS.filter((id) => id !== oldLeader);

    c.network.isolate(oldLeader);
    const ids = createSessionIds('client-2');
    const entry = ids.command<CountingCommand>({ add: 7 }, c.now());
    const first = settle(c.node(oldLeader).propose(entry));
    await c.waitFor(() => first.done, 'the first attempt to be answered', 1000);
    expect(first.error).toBeInstanceOf(OutcomeUnknownError);
    expect(first.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 3, term: 2 });

    const newLeader = await c.waitForLeader(followers);
    // A retry sent to the deposed node is certainly not appended: NotLeaderError.
    await expect(c.node(oldLeader).propose(entry)).rejects.toBeInstanceOf(NotLeaderError);
    c.network.heal();
    const retry = await c.node(newLeader).propose({ ...entry, timestampMs: c.now() });
    expect(retry).toEqual({ status: 'applied', result: 7, duplicate: false });

    const term = c.node(newLeader).status().term;
    await c.waitFor(() => IDS.every((id) => c.inner(id).applications === 1), 'every node to apply the retry');
    // The old leader's entry 3 of term 2 was overwritten; only the retry (index 4) was applied.
    for (const id of IDS) expect(c.inner(id).calls).toEqual(['apply 4 {"add":7}']);
    expect(term).toBeGreaterThan(2);
  });
});
