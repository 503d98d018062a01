import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../raft/errors.js';
import type { Message, NodeId } from '../raft/types.js';
import { createMemoryStorage, type MemoryStorage } from '../storage/memory-storage.js';
import { createMemoryNetwork } from '../testing/memory-transport.js';
import { createVirtualClock } from './clock.js';
import { NodeStoppedError, NotLeaderError, OutcomeUnknownError, ProposalDroppedError, TimeoutError } from './errors.js';
import { createRaftNode, type RoleChangedEvent } from './raft-node.js';
import { CounterMachine, settle, TestCluster } from './test-support/cluster.js';

const ABC = ['a', 'b', 'c'] as const;
const othersThan = (leader: NodeId): NodeId[] => ABC.filter((id) => id !== leader);
let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function startCluster(options: ConstructorParameters<typeof TestCluster>[1] = {}): Promise<{ cluster: TestCluster; leader: NodeId; followers: NodeId[] }> {
  cluster = new TestCluster(ABC, options);
  await cluster.start();
  const leader = await cluster.waitForLeader();
  return { cluster, leader, followers: ABC.filter((id) => id !== leader) };
}

describe('RaftNode', () => {
  it('elects one leader in term 2, then resolves a proposal with the state machine result on the leader and applies it on every node', async () => {
    cluster = new TestCluster(ABC);
    const roles: RoleChangedEvent[] = [];
    await cluster.start();
    for (const id of ABC) cluster.node(id).on('roleChanged', (event) => roles.push(event));
    const leader = await cluster.waitForLeader();
    const status = cluster.node(leader).status();
    expect(status.role).toBe('leader');
    // Bootstrap writes term 1; the first (pre-vote guarded) election is term 2.
    expect(status.term).toBe(2);
    for (const id of ABC) if (id !== leader) expect(cluster.node(id).status()).toMatchObject({ role: 'follower', term: 2, leader });
    expect(roles).toContainEqual({ role: 'leader', term: 2, leader });

    // Index 1 is the bootstrap configuration, index 2 the new leader's no-op.
    await expect(cluster.node(leader).propose({ add: 5 })).resolves.toBe(5);
    await expect(cluster.node(leader).propose({ add: 2 })).resolves.toBe(7);
    await cluster.waitFor(() => ABC.every((id) => cluster!.member(id).machine.calls.length === 2), 'both commands applied everywhere');
    for (const id of ABC) {
      expect(cluster.member(id).machine.calls).toEqual(['apply 3@2 {"add":5}', 'apply 4@2 {"add":2}']);
      expect(cluster.member(id).machine.total).toBe(7);
    }
    expect(cluster.node(leader).status()).toMatchObject({ commit: 4, appliedIndex: 4, lastIndex: 4 });
    // inspect() reads the core's in-memory log and status directly.
    const inspector = cluster.node(othersThan(leader)[0]!).inspect();
    expect(inspector.status()).toMatchObject({ role: 'follower', term: 2, leader, commit: 4, lastIndex: 4 });
    expect(inspector.entry(3)).toEqual({ index: 3, term: 2, type: 'normal', data: new TextEncoder().encode('{"add":5}') });
    expect(inspector.entry(5)).toBeUndefined();
  });

  it('inspect() throws NodeStoppedError before start()', () => {
    const node = createRaftNode({ config: { id: 'a' }, storage: createMemoryStorage(), transport: createMemoryNetwork().transport('a'), stateMachine: new CounterMachine() });
    expect(() => node.inspect()).toThrow(NodeStoppedError);
  });

  it('rejects a proposal on a follower with NotLeaderError naming the leader, and appends nothing', async () => {
    const { cluster, leader, followers } = await startCluster();
    const follower = cluster.node(followers[0]!);
    const error = await follower.propose({ add: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotLeaderError);
    expect(error).toMatchObject({ code: 'NOT_LEADER', leaderHint: leader });
    await cluster.run(100);
    for (const id of ABC) expect(cluster.node(id).status().lastIndex).toBe(2);
  });

  it('rejects with OutcomeUnknownError, not NotLeaderError, when the leader is partitioned away and deposed while waiting', async () => {
    const { cluster, leader, followers } = await startCluster();
    cluster.network.isolate(leader);
    const outcome = settle(cluster.node(leader).propose({ add: 1 }));
    await cluster.run(0);
    // The entry was appended on the old leader.
    expect(cluster.node(leader).status().lastIndex).toBe(3);
    expect(outcome.done).toBe(false);

    // Check-quorum deposes the isolated leader after an election timeout.
    await cluster.waitFor(() => outcome.done, 'the proposal to be answered', 1000);
    expect(cluster.node(leader).status().role).toBe('follower');
    expect(outcome.error).toBeInstanceOf(OutcomeUnknownError);
    expect(outcome.error).not.toBeInstanceOf(NotLeaderError);
    expect(outcome.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 3, term: 2 });

    // The majority moves on; after healing, the old leader's entry 3 is overwritten everywhere.
    const newLeader = await cluster.waitForLeader(followers);
    cluster.network.heal();
    await expect(cluster.node(newLeader).propose({ add: 10 })).resolves.toBe(10);
    await cluster.waitFor(() => ABC.every((id) => cluster.member(id).machine.total === 10), 'every node to apply the new command');
    for (const id of ABC) expect(cluster.member(id).machine.calls).toEqual([`apply 4@${cluster.node(newLeader).status().term} {"add":10}`]);
  });

  it('rejects with TimeoutError (an OutcomeUnknownError) exactly proposalTimeoutMs after proposing', async () => {
    // Without check-quorum the isolated leader keeps leading, so only the timeout can answer.
    const { cluster, leader } = await startCluster({ config: { checkQuorum: false }, proposalTimeoutMs: 1000 });
    cluster.network.isolate(leader);
    const outcome = settle(cluster.node(leader).propose({ add: 1 }));
    await cluster.run(999);
    expect(outcome.done).toBe(false);
    await cluster.run(1);
    expect(outcome.error).toBeInstanceOf(TimeoutError);
    expect(outcome.error).toBeInstanceOf(OutcomeUnknownError);
    expect(outcome.error).toMatchObject({ code: 'PROPOSAL_TIMEOUT', index: 3, term: 2 });
    expect(cluster.node(leader).status().role).toBe('leader');
  });

  it('rejects with ProposalDroppedError once the uncommitted-bytes limit is reached, and never applies the dropped command', async () => {
    const { cluster, leader } = await startCluster({ config: { maxUncommittedBytes: 8 } });
    // Both encode to 9 bytes: an empty pipeline takes the first, the second would exceed 8.
    const first = settle(cluster.node(leader).propose({ add: 1 }));
    const second = settle(cluster.node(leader).propose({ add: 2 }));
    await cluster.waitFor(() => first.done && second.done, 'both proposals answered');
    expect(first.value).toBe(1);
    expect(second.error).toBeInstanceOf(ProposalDroppedError);
    expect(second.error).toMatchObject({ code: 'PROPOSAL_DROPPED', reason: 'uncommitted-limit', leaderHint: leader });
    await cluster.run(100);
    for (const id of ABC) expect(cluster.member(id).machine.calls).toEqual(['apply 3@2 {"add":1}']);
  });

  it('batches proposals made in one event-loop turn into a single storage append', async () => {
    const { cluster, leader } = await startCluster();
    const append = vi.spyOn(cluster.member(leader).storage, 'append');
    const results = Promise.all([1, 2, 3].map((add) => cluster.node(leader).propose({ add })));
    await cluster.run(0);
    expect(append).toHaveBeenCalledTimes(1);
    expect(append.mock.calls[0]![0].map((entry) => [entry.index, entry.term])).toEqual([
      [3, 2],
      [4, 2],
      [5, 2],
    ]);
    await expect(results).resolves.toEqual([1, 3, 6]);
  });

  it('answers with the error apply threw, and keeps applying later commands', async () => {
    const { cluster, leader } = await startCluster();
    const failing = cluster.node(leader).propose({ fail: 'no such account' });
    await expect(failing).rejects.toThrow('no such account');
    await expect(cluster.node(leader).propose({ add: 4 })).resolves.toBe(4);
  });

  it('stop() rejects appended proposals with OutcomeUnknownError and never-appended ones with NodeStoppedError', async () => {
    const { cluster, leader } = await startCluster({ config: { checkQuorum: false } });
    cluster.network.isolate(leader);
    const node = cluster.node(leader);
    const appended = settle(node.propose({ add: 1 }));
    await cluster.run(0);
    const batched = settle(node.propose({ add: 2 }));
    await node.stop();
    await cluster.run(0);
    expect(appended.error).toBeInstanceOf(OutcomeUnknownError);
    expect(appended.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 3, term: 2 });
    expect(batched.error).toBeInstanceOf(NodeStoppedError);
    expect(batched.error).toMatchObject({ code: 'STOPPED' });
    await expect(node.propose({ add: 3 })).rejects.toBeInstanceOf(NodeStoppedError);
    expect(cluster.member(leader).storage.durable().entries.map((entry) => entry.index)).toEqual([1, 2, 3]);
  });

  it('with slow storage commits everything and never sends a message before the state it depends on is durable', async () => {
    const storages = new Map<NodeId, MemoryStorage>();
    const checked = { acks: 0, votes: 0 };
    const violations: string[] = [];
    const check = (from: NodeId, message: Message): void => {
      const disk = storages.get(from)!.durable();
      const lastIndex = disk.entries.at(-1)?.index ?? disk.snapshot?.index ?? 0;
      const isPreVote = (message.type === 'requestVote' || message.type === 'requestVoteResponse') && message.preVote;
      if (!isPreVote && disk.hardState.term < message.term) violations.push(`${from} sent ${message.type} in term ${message.term} with term ${disk.hardState.term} on disk`);
      if (message.type === 'appendEntriesResponse' && message.success) {
        checked.acks++;
        if (lastIndex < message.matchIndex) violations.push(`${from} acked ${message.matchIndex} with ${lastIndex} on disk`);
      }
      if (message.type === 'requestVoteResponse' && !message.preVote && message.granted) {
        checked.votes++;
        if (disk.hardState.vote !== message.to || disk.hardState.term !== message.term) violations.push(`${from} granted a vote to ${message.to} in term ${message.term} before it was durable`);
      }
    };
    cluster = new TestCluster(ABC, {
      persistDelayMs: 7,
      wrapStorage: (id, storage) => {
        storages.set(id, storage);
        return storage;
      },
      wrapTransport: (id, transport) => ({
        start: (onMessage) => transport.start(onMessage),
        send: (to, message) => {
          check(id, message);
          transport.send(to, message);
        },
        close: () => transport.close(),
      }),
    });
    await cluster.start();
    const leader = await cluster.waitForLeader();
    let expected = 0;
    for (let round = 0; round < 3; round++) {
      const adds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => n + round * 10);
      const results = await cluster.resolve(
        Promise.all(
          adds.map((add) => {
            expected += add;
            return cluster!.node(leader).propose({ add });
          }),
        ),
      );
      expect(results.at(-1)).toBe(expected);
    }
    await cluster.waitFor(() => ABC.every((id) => cluster!.member(id).machine.total === expected), 'every node to apply all 30 commands');
    for (const id of ABC) expect(cluster.member(id).machine.calls).toHaveLength(30);
    expect(violations).toEqual([]);
    expect(checked.votes).toBeGreaterThanOrEqual(1);
    expect(checked.acks).toBeGreaterThanOrEqual(6);
  });

  it('stays correct when the transport delivers synchronously inside send (re-entrant input during a drain)', async () => {
    // Every send runs the receiver's handler at once; a reply to a node that is still carrying
    // out effects re-enters its drain, which must queue the input, not interleave it.
    const handlers = new Map<NodeId, (from: NodeId, message: Message) => void>();
    const delivered: string[] = [];
    cluster = new TestCluster(ABC, {
      wrapTransport: (id) => ({
        start: async (onMessage) => {
          handlers.set(id, onMessage);
        },
        send: (to, message) => {
          delivered.push(message.type);
          handlers.get(to)?.(id, message);
        },
        close: async () => {
          handlers.delete(id);
        },
      }),
    });
    await cluster.start();
    const leader = await cluster.waitForLeader();
    const results = await Promise.all([1, 2, 3].map((add) => cluster!.node(leader).propose({ add })));
    expect(results).toEqual([1, 3, 6]);
    await cluster.waitFor(() => ABC.every((id) => cluster!.member(id).machine.total === 6), 'every node to apply the commands');
    for (const id of ABC) expect(cluster.member(id).machine.calls).toEqual(['apply 3@2 {"add":1}', 'apply 4@2 {"add":2}', 'apply 5@2 {"add":3}']);
    expect(delivered).toContain('appendEntriesResponse');
  });

  it('stops and reports an error event when a storage write fails; the waiting proposal rejects OutcomeUnknownError', async () => {
    let failWrites = false;
    cluster = new TestCluster(['solo'], {
      wrapStorage: (_id, storage) => ({
        load: () => storage.load(),
        append: (entries, options) => (failWrites ? Promise.reject(new Error('disk full')) : storage.append(entries, options)),
        saveSnapshot: (meta, chunks) => storage.saveSnapshot(meta, chunks),
        readSnapshot: () => storage.readSnapshot(),
        compact: (upTo) => storage.compact(upTo),
        close: () => storage.close(),
      }),
    });
    await cluster.start();
    await cluster.waitForLeader();
    const node = cluster.node('solo');
    const errors: unknown[] = [];
    node.on('error', (error) => errors.push(error));
    failWrites = true;
    const outcome = settle(node.propose({ add: 1 }));
    await cluster.run(0);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).cause).toEqual(new Error('disk full'));
    expect(outcome.error).toBeInstanceOf(OutcomeUnknownError);
    await expect(node.propose({ add: 2 })).rejects.toBeInstanceOf(NodeStoppedError);
  });
});

describe('RaftNode effect loop', () => {
  it('carries out effects in order when a peer answers inside send and re-enters the drain', async () => {
    // The test plays peer b of cluster {a, b} and answers synchronously, from inside send().
    const clock = createVirtualClock();
    const machine = new CounterMachine();
    let deliver: (from: NodeId, message: Message) => void = () => {};
    let ackAppends = true;
    const answer = (message: Message): Message | undefined => {
      const base = { from: 'b', to: 'a', term: message.term } as const;
      switch (message.type) {
        case 'requestVote':
          return { ...base, type: 'requestVoteResponse', preVote: message.preVote, granted: true };
        case 'heartbeat':
          return { ...base, type: 'heartbeatResponse', round: message.round };
        case 'appendEntries':
          if (!ackAppends) return undefined;
          return { ...base, type: 'appendEntriesResponse', success: true, matchIndex: message.prevLogIndex + message.entries.length, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 };
        default:
          return undefined;
      }
    };
    const node = createRaftNode({
      config: { id: 'a', tickMs: 10, checkQuorum: false },
      storage: createMemoryStorage(),
      transport: {
        start: async (onMessage) => {
          deliver = onMessage;
        },
        send: (_to, message) => {
          const reply = answer(message);
          if (reply !== undefined) deliver('b', reply);
        },
        close: async () => {},
      },
      stateMachine: machine,
      clock,
      bootstrap: { voters: ['a', 'b'], outgoingVoters: [], learners: [] },
    });
    await node.start();
    for (let ms = 0; ms < 1000 && node.status().role !== 'leader'; ms += 10) {
      clock.advance(10);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(node.status()).toMatchObject({ role: 'leader', term: 2, commit: 2 });

    // b goes quiet while a appends 3..5, then 6..7; a's own writes complete.
    ackAppends = false;
    const first = Promise.all([1, 2, 3].map((add) => node.propose({ add })));
    await new Promise<void>((resolve) => setImmediate(resolve));
    const second = Promise.all([4, 5].map((add) => node.propose({ add })));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(node.status()).toMatchObject({ lastIndex: 7, persistedIndex: 7, commit: 2 });

    // b acks 5: a commits 3..5 and, while carrying out [send commit-5 append to b, apply 3..5],
    // b's synchronous ack of 7 re-enters; its apply of 6..7 must wait for 3..5.
    ackAppends = true;
    deliver('b', { type: 'appendEntriesResponse', from: 'b', to: 'a', term: 2, success: true, matchIndex: 5, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 });
    await expect(first).resolves.toEqual([1, 3, 6]);
    await expect(second).resolves.toEqual([10, 15]);
    expect(machine.calls.map((call) => call.split(' ')[1])).toEqual(['3@2', '4@2', '5@2', '6@2', '7@2']);
    await node.stop();
  });
});

describe('RaftNode restart', () => {
  it('restores the stored snapshot, then re-applies entries (snapshot, commit] in order before serving', async () => {
    const storage = createMemoryStorage();
    const config = { voters: ['a'], outgoingVoters: [], learners: [] };
    await storage.saveSnapshot({ index: 3, term: 1, config }, (async function* () {
      yield new TextEncoder().encode('{"total":10}');
    })());
    const encode = (command: object) => new TextEncoder().encode(JSON.stringify(command));
    await storage.append(
      [
        { index: 4, term: 1, type: 'normal', data: encode({ add: 1 }) },
        { index: 5, term: 1, type: 'normal', data: encode({ add: 2 }) },
        { index: 6, term: 1, type: 'normal', data: encode({ add: 4 }) },
      ],
      { hardState: { term: 1, vote: 'a', commit: 5 } },
    );
    cluster = new TestCluster(['a']);
    const { node, machine } = await cluster.startNode('a', storage);
    // Right after start: restored, then 4 and 5 (committed) re-applied; 6 is not known committed.
    expect(machine.calls).toEqual(['restore 10', 'apply 4@1 {"add":1}', 'apply 5@1 {"add":2}']);
    expect(node.status()).toMatchObject({ snapshotIndex: 3, commit: 5, appliedIndex: 5, lastIndex: 6 });
    expect(machine.total).toBe(13);

    // As the only voter it elects itself (term 2); its no-op at 7 commits 6 with it.
    await cluster.waitFor(() => node.status().appliedIndex === 7, 'the new leader to apply its no-op');
    expect(node.status()).toMatchObject({ role: 'leader', term: 2, commit: 7 });
    expect(machine.calls).toEqual(['restore 10', 'apply 4@1 {"add":1}', 'apply 5@1 {"add":2}', 'apply 6@1 {"add":4}']);
  });

  it('a follower restarted from its MemoryStorage with a fresh state machine re-applies its committed log in order, then catches up', async () => {
    const { cluster, leader, followers } = await startCluster();
    for (const add of [1, 2, 3]) await cluster.node(leader).propose({ add });
    const restarted = followers[0]!;
    await cluster.waitFor(() => cluster.member(restarted).machine.total === 6, 'the follower to apply 3 commands');
    const { storage, machine: before } = cluster.member(restarted);
    await cluster.node(restarted).stop();
    for (const add of [4, 5]) await cluster.node(leader).propose({ add });

    const durableCommit = storage.durable().hardState.commit;
    const { node, machine } = await cluster.startNode(restarted, storage);
    // (snapshot = 0, commit] is re-applied at start, in order, exactly as the first time.
    expect(node.status().appliedIndex).toBe(durableCommit);
    expect(machine.calls).toEqual(before.calls.filter((call) => Number(/apply (\d+)@/.exec(call)![1]) <= durableCommit));
    await cluster.waitFor(() => machine.total === 15, 'the restarted follower to catch up');
    expect(machine.calls).toEqual(['apply 3@2 {"add":1}', 'apply 4@2 {"add":2}', 'apply 5@2 {"add":3}', 'apply 6@2 {"add":4}', 'apply 7@2 {"add":5}']);
  });
});

describe('createRaftNode config validation', () => {
  const base = () => ({
    storage: createMemoryStorage(),
    transport: createMemoryNetwork().transport('a'),
    stateMachine: new CounterMachine(),
    clock: createVirtualClock(),
  });

  it.each([0, 0.5, -10, Number.NaN])('throws ConfigError TICK_TOO_SMALL for tickMs %s', (tickMs) => {
    const create = () => createRaftNode({ ...base(), config: { id: 'a', tickMs } });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(expect.objectContaining({ code: 'TICK_TOO_SMALL' }));
  });

  it('accepts tickMs 1', () => {
    expect(createRaftNode({ ...base(), config: { id: 'a', tickMs: 1 } }).id).toBe('a');
  });

  // Each runtime limit fails at creation with INVALID_LIMIT and a message naming the option.
  it.each([
    ['proposalTimeoutMs 0', { proposalTimeoutMs: 0 }, /proposalTimeoutMs/],
    ['proposalTimeoutMs NaN', { proposalTimeoutMs: Number.NaN }, /proposalTimeoutMs/],
    ['leaseReads.driftMs below 0', { leaseReads: { driftMs: -1 } }, /driftMs/],
    // tickMs 100 and electionTicks 10: the lease is at most 900 ms, so a 900 ms margin leaves none.
    ['leaseReads.driftMs as long as the lease', { leaseReads: { driftMs: 900 } }, /driftMs/],
    ['snapshot.entries 0', { snapshot: { entries: 0 } }, /snapshot\.entries/],
    ['snapshot.trailing -1', { snapshot: { entries: 10, trailing: -1 } }, /snapshot\.trailing/],
    ['snapshot.entries 1.5', { snapshot: { entries: 1.5 } }, /snapshot\.entries/],
  ] as const)('throws ConfigError INVALID_LIMIT for %s', (_name, options, message) => {
    const create = () => createRaftNode({ ...base(), ...options, config: { id: 'a', tickMs: 100, electionTicks: 10 } });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(expect.objectContaining({ code: 'INVALID_LIMIT', message: expect.stringMatching(message) }));
  });

  it('accepts a lease drift margin just under the lease', () => {
    expect(createRaftNode({ ...base(), leaseReads: { driftMs: 899 }, config: { id: 'a', tickMs: 100, electionTicks: 10 } }).id).toBe('a');
  });

  it("validates the core's config at creation (INVALID_ELECTION_TICKS)", () => {
    expect(() => createRaftNode({ ...base(), config: { id: 'a', electionTicks: 0 } })).toThrow(expect.objectContaining({ code: 'INVALID_ELECTION_TICKS' }));
  });
});
