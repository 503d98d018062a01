/**
 * One `describe` per rule of docs/architecture.md "Rules that MUST hold" that the pure core covers: Acks,
 * Commit, Restart, Configuration, Determinism. Each test names the rule it checks.
 */
import { describe, expect, it } from 'vitest';
import { createRaft } from './raft.js';
import { encodeConfig } from './membership.js';
import { createSeededRng } from './rng.js';
import { Network, bytes, type TestNode } from './test-support/network.js';
import type { Effect, Entry, InitialState, MembershipConfig, Message, NodeId, PersistEffect, SendEffect } from './types.js';
import { effectsDuring } from './test-support/drive.js';

const decoder = new TextDecoder();
const NO_DATA = new Uint8Array(0);

function membership(voters: readonly NodeId[], learners: readonly NodeId[] = []): MembershipConfig {
  return { voters, outgoingVoters: [], learners };
}

function configEntry(index: number, term: number, config: MembershipConfig): Entry {
  return { index, term, type: 'config', data: encodeConfig(config) };
}

function normalEntry(index: number, term: number, text = ''): Entry {
  return { index, term, type: 'normal', data: text === '' ? NO_DATA : bytes(text) };
}

/** handMade starts nodes from hand-made storage contents on an otherwise empty network. */
function handMade(initial: Record<NodeId, InitialState>, seed = 5, config: { maxEntriesPerMessage?: number } = {}): Network {
  const net = new Network([], { seed, config });
  Object.entries(initial).forEach(([id, state], position) => net.add(id, { config: net.configFor(id, position), initial: state }));
  return net;
}

function persistsOf(effects: readonly Effect[]): PersistEffect[] {
  return effects.filter((e): e is PersistEffect => e.type === 'persist');
}

function sendsOf(effects: readonly Effect[]): SendEffect[] {
  return effects.filter((e): e is SendEffect => e.type === 'send');
}

/** electByVotesOnly campaigns `id` and delivers only vote traffic until it leads. */
function electByVotesOnly(net: Network, id: NodeId): void {
  net.raft(id).campaign();
  net.process(id);
  for (let i = 0; i < 10 && net.raft(id).status().role !== 'leader'; i++) {
    net.deliver((m) => m.type === 'requestVote' || m.type === 'requestVoteResponse');
  }
  expect(net.raft(id).status().role).toBe('leader');
}

function indexes(entries: readonly Entry[]): number[] {
  return entries.map((e) => e.index);
}

// ---------------------------------------------------------------------------------------------
// A seeded random run with stalled disks, lost and reordered messages, partitions and crashes.
// ---------------------------------------------------------------------------------------------

interface ChaosResult {
  net: Network;
  /** Every node instance that ran, including those replaced by a restart. */
  instances: TestNode[];
  violations: string[];
  stats: {
    acksReleased: number;
    acksHeldByDisk: number;
    votesReleased: number;
    proposals: number;
    restarts: number;
    maxCommit: number;
    snapshotsTaken: number;
    snapshotAcks: number;
    snapshotAcksHeldByDisk: number;
  };
}

interface ChaosOptions {
  /** Take snapshots with compaction and send them to lagging followers. */
  readonly snapshots?: boolean;
}

const VOTERS = ['a', 'b', 'c', 'd', 'e'];

/** isPreVoteTraffic: pre-votes carry a term nobody has stored yet (thesis §9.6). */
function isPreVoteTraffic(message: Message): boolean {
  return (message.type === 'requestVote' || message.type === 'requestVoteResponse') && message.preVote;
}

function chaos(seed: number, steps: number, options: ChaosOptions = {}): ChaosResult {
  const net = new Network(VOTERS, { seed, snapshots: options.snapshots === true });
  const random = createSeededRng(seed * 7919 + 17);
  const instances = [...net.nodes.values()];
  const violations: string[] = [];
  const stats = { acksReleased: 0, acksHeldByDisk: 0, votesReleased: 0, proposals: 0, restarts: 0, maxCommit: 0, snapshotsTaken: 0, snapshotAcks: 0, snapshotAcksHeldByDisk: 0 };
  let step = 0;

  // Checked at the moment each message leaves its node, against what that node has on disk.
  net.onRelease = (node, send) => {
    const message = send.message;
    const where = `step ${step}, ${message.from}→${message.to} ${message.type}`;
    if (send.afterPersist !== undefined && send.afterPersist > node.durableSeq) {
      violations.push(`${where}: released before persist ${send.afterPersist} (durable ${node.durableSeq})`);
    }
    if (!isPreVoteTraffic(message) && message.term > node.disk.hardState.term) {
      violations.push(`${where}: term ${message.term} is not yet on disk (${node.disk.hardState.term})`);
    }
    if (message.type === 'appendEntriesResponse' && message.success) {
      stats.acksReleased++;
      if (send.afterPersist !== undefined) stats.acksHeldByDisk++;
      const persistedIndex = node.raft.status().persistedIndex;
      const onDisk = node.disk.entries.find((e) => e.index === message.matchIndex);
      const inMemory = node.raft.entry(message.matchIndex);
      if (message.matchIndex > persistedIndex) {
        violations.push(`${where}: acks ${message.matchIndex} past persistedIndex ${persistedIndex}`);
      }
      const inSnapshot = (node.disk.snapshot?.index ?? 0) >= message.matchIndex;
      if (message.matchIndex > 0 && !inSnapshot && (onDisk === undefined || onDisk.term !== inMemory?.term)) {
        violations.push(`${where}: acks ${message.matchIndex}, which is not on disk as in memory`);
      }
    }
    if (message.type === 'installSnapshotResponse' && message.success) {
      // An InstallSnapshot answer raises the leader's match like an append ack: it may only
      // claim what the sender holds on disk, in its snapshot or its log.
      stats.snapshotAcks++;
      if (send.afterPersist !== undefined) stats.snapshotAcksHeldByDisk++;
      const persistedIndex = node.raft.status().persistedIndex;
      const inSnapshot = (node.disk.snapshot?.index ?? 0) >= message.index;
      const inLog = node.disk.entries.some((e) => e.index === message.index && e.term === node.raft.entry(message.index)?.term);
      if (message.index > persistedIndex) violations.push(`${where}: snapshot answer acks ${message.index} past persistedIndex ${persistedIndex}`);
      if (!inSnapshot && !inLog) violations.push(`${where}: snapshot answer acks ${message.index}, which is not on disk`);
    }
    if (message.type === 'requestVoteResponse' && message.granted && !message.preVote) {
      stats.votesReleased++;
      const disk = node.disk.hardState;
      if (disk.term !== message.term || disk.vote !== message.to) {
        violations.push(`${where}: vote for ${message.to} in ${message.term} released with disk ${JSON.stringify(disk)}`);
      }
    }
  };

  /** A committed index MUST be on the disk of a majority of voters, with the same term. */
  const checkCommitDurable = () => {
    for (const [id, node] of net.nodes) {
      const commit = node.raft.status().commit;
      stats.maxCommit = Math.max(stats.maxCommit, commit);
      const term = node.raft.entry(commit)?.term;
      // A snapshot holds every committed entry up to its index.
      // Once this node compacted past its commit the term is gone from memory; its snapshot's
      // own check ran when the entry was committed, so any copy of the index counts then.
      const holds = (disk: TestNode['disk']) =>
        (disk.snapshot?.index ?? 0) >= commit || disk.entries.some((e) => e.index === commit && (term === undefined || e.term === term));
      const holders = VOTERS.filter((voter) => holds(net.node(voter).disk));
      if (holders.length < 3) violations.push(`step ${step}: ${id} has commit ${commit} but only ${holders.join(',')} hold it on disk`);
    }
  };

  for (step = 0; step < steps; step++) {
    const id = VOTERS[Math.floor(random() * VOTERS.length)]!;
    const roll = random();
    if (roll < 0.3) {
      net.tick(1, [id]);
    } else if (roll < 0.55) {
      net.deliver(() => random() < 0.6);
    } else if (roll < 0.58) {
      net.queue = net.queue.filter(() => random() < 0.7);
    } else if (roll < 0.68) {
      const node = net.node(id);
      node.stalled = !node.stalled;
      if (!node.stalled) net.flushDisk(id);
    } else if (roll < 0.74) {
      net.flushDisk(id);
    } else if (roll < 0.88) {
      const leader = net.leader();
      if (leader !== undefined) {
        const result = net.raft(leader).propose(bytes(`v${step}`));
        if (result.ok) stats.proposals++;
        net.process(leader);
      }
    } else if (roll < 0.9) {
      // A crash loses whatever the stalled disk had not written yet.
      stats.restarts++;
      instances.push(net.restart(id));
    } else if (roll < 0.93) {
      net.isolate(id);
    } else if (roll < 0.97) {
      net.heal();
    } else if (options.snapshots === true) {
      // Snapshot at the applied index, keeping a short tail, so lagging followers need snapshots.
      const status = net.raft(id).status();
      if (status.applied > status.snapshotIndex) {
        net.snapshot(id, status.applied, Math.floor(random() * 3));
        stats.snapshotsTaken++;
      }
    }
    checkCommitDurable();
  }
  return { net, instances, violations, stats };
}

// ---------------------------------------------------------------------------------------------

describe('Rule: Acks', () => {
  it('every persist of a node carries a strictly increasing seq, starting at 1', () => {
    const { instances } = chaos(11, 1500);
    let checked = 0;
    for (const node of instances) {
      // A node restarted near the end may not have persisted anything yet.
      const seqs = persistsOf(node.effects).map((p) => p.seq);
      if (seqs.length > 0) expect(seqs[0]).toBe(1);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
      checked += seqs.length;
    }
    expect(checked).toBeGreaterThan(100);
  });

  for (const seed of [1, 2, 3]) {
    it(`seeded random run ${seed} with stalled disks: no message claims state that is not on the sender's disk`, () => {
      const { violations, stats } = chaos(seed, 3000);
      expect(violations).toEqual([]);
      // The run must have exercised what it checks.
      expect(stats.acksHeldByDisk).toBeGreaterThan(20);
      expect(stats.votesReleased).toBeGreaterThan(3);
      expect(stats.restarts).toBeGreaterThan(10);
      expect(stats.maxCommit).toBeGreaterThan(20);
    });
  }

  // With snapshots and compaction on, followers behind the compaction point get InstallSnapshot,
  // whose answer raises the leader's match too: it must not claim more than the follower's disk.
  for (const seed of [21, 22, 23, 24, 25, 26]) {
    it(`seeded random run ${seed} with snapshots and stalled disks: no answer, append or snapshot, claims what is not on disk`, () => {
      const { violations, stats } = chaos(seed, 3000, { snapshots: true });
      expect(violations.slice(0, 8), `seed ${seed}`).toEqual([]);
      expect(stats.snapshotsTaken, `seed ${seed}`).toBeGreaterThan(10);
      expect(stats.snapshotAcks, `seed ${seed}`).toBeGreaterThan(0);
      expect(stats.acksHeldByDisk, `seed ${seed}`).toBeGreaterThan(20);
      expect(stats.maxCommit, `seed ${seed}`).toBeGreaterThan(20);
    });
  }

  it('the snapshot runs exercise the rule: some InstallSnapshot answers had to wait for a persist', () => {
    let held = 0;
    for (const seed of [21, 22, 23, 24, 25, 26]) held += chaos(seed, 3000, { snapshots: true }).stats.snapshotAcksHeldByDisk;
    expect(held).toBeGreaterThan(0);
  });

  it("a follower's append response names the seq of the persist holding the entries and waits for it", () => {
    const net = new Network(['a', 'b', 'c'], { seed: 3 });
    net.elect('a');
    net.node('b').stalled = true;
    net.raft('a').propose(bytes('x'));
    net.process('a');
    const effects = effectsDuring(net, 'b', () => net.deliver((m) => m.type === 'appendEntries' && m.to === 'b'));
    const [persist] = persistsOf(effects);
    expect(persist).toMatchObject({ seq: expect.any(Number), entries: [{ index: 3, term: 2 }] });
    const [response] = sendsOf(effects);
    expect(response).toMatchObject({ to: 'a', afterPersist: persist!.seq, message: { type: 'appendEntriesResponse', success: true, matchIndex: 3 } });
    expect(net.raft('b').status().persistedIndex).toBe(2);
    expect(net.queue.filter((m) => m.from === 'b')).toEqual([]);
    net.flushDisk('b');
    expect(net.queue.filter((m) => m.from === 'b')).toMatchObject([{ type: 'appendEntriesResponse', matchIndex: 3 }]);
  });

  it('a granted vote names the seq of the persist holding the vote and waits for it', () => {
    const net = new Network(['a', 'b', 'c'], { seed: 3 });
    net.raft('a').campaign();
    net.process('a');
    net.deliver(); // pre-votes: they bind nothing and need no disk write
    net.deliver(); // pre-vote answers: a becomes candidate in term 2
    net.node('b').stalled = true;
    const effects = effectsDuring(net, 'b', () => net.deliver((m) => m.type === 'requestVote' && m.to === 'b'));
    const [persist] = persistsOf(effects);
    expect(persist).toMatchObject({ hardState: { term: 2, vote: 'a', commit: 1 }, entries: [] });
    const [grant] = sendsOf(effects);
    expect(grant).toMatchObject({ to: 'a', afterPersist: persist!.seq, message: { type: 'requestVoteResponse', term: 2, granted: true, preVote: false } });
    expect(net.queue.filter((m) => m.from === 'b')).toEqual([]);
    net.flushDisk('b');
    expect(net.node('b').disk.hardState).toEqual({ term: 2, vote: 'a', commit: 1 });
    expect(net.queue.filter((m) => m.from === 'b')).toMatchObject([{ type: 'requestVoteResponse', granted: true }]);
  });

  it('a vote granted in the current term (no term change) still waits for a persist holding it', () => {
    const raft = createRaft({
      config: { id: 'b' },
      initial: { hardState: { term: 2, vote: null, commit: 1 }, entries: [configEntry(1, 1, membership(['a', 'b', 'c']))] },
    });
    raft.takeEffects();
    raft.receive({ type: 'requestVote', from: 'a', to: 'b', term: 2, preVote: false, lastLogIndex: 1, lastLogTerm: 1 });
    const effects = raft.takeEffects();
    expect(effects).toEqual([
      { type: 'persist', seq: 1, hardState: { term: 2, vote: 'a', commit: 1 }, entries: [] },
      { type: 'send', to: 'a', afterPersist: 1, message: { type: 'requestVoteResponse', from: 'b', to: 'a', term: 2, preVote: false, granted: true } },
    ]);
  });

  it('an acknowledgement not yet taken is withdrawn when the same open persist truncates the entry it names', () => {
    const raft = createRaft({
      config: { id: 'b' },
      initial: { hardState: { term: 2, vote: 'a', commit: 1 }, entries: [configEntry(1, 1, membership(['a', 'b', 'c']))] },
    });
    raft.takeEffects();
    const entry = (index: number, term: number, text: string): Entry => ({ index, term, type: 'normal', data: bytes(text) });
    // Leader a (term 2) sends 2@2; before the effects are taken, leader c of term 3 overwrites it.
    raft.receive({ type: 'appendEntries', from: 'a', to: 'b', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 2, 'old')], leaderCommit: 1 });
    raft.receive({ type: 'appendEntries', from: 'c', to: 'b', term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 3, 'new')], leaderCommit: 1 });
    const acks = sendsOf(raft.takeEffects()).filter((send) => send.message.type === 'appendEntriesResponse');
    // Only the answer to c remains: the disk will never hold 2@2, so a must not hear that it does.
    expect(acks.map((send) => [send.to, send.message.term])).toEqual([['c', 3]]);
  });

  it('the leader sends appends while its own persist runs, and counts itself only after persisted(seq)', () => {
    const net = new Network(['a', 'b', 'c'], { seed: 3 });
    net.elect('a');
    net.isolate('c');
    net.node('a').stalled = true;
    const effects = effectsDuring(net, 'a', () => net.raft('a').propose(bytes('x')));
    const [persist] = persistsOf(effects);
    expect(persist!.entries.map((e) => e.index)).toEqual([3]);
    for (const send of sendsOf(effects)) expect(send.afterPersist).toBeUndefined();
    expect(net.queue.filter((m) => m.type === 'appendEntries').map((m) => m.to)).toEqual(['b', 'c']);
    net.stabilize();
    // b holds 3 durably, but a's own write is outstanding: 1 of 3 voters, nothing commits.
    expect(net.raft('a').status().progress.find((p) => p.id === 'b')?.match).toBe(3);
    expect(net.raft('a').status()).toMatchObject({ commit: 2, persistedIndex: 2 });
    net.flushDisk('a');
    expect(net.raft('a').status()).toMatchObject({ commit: 3, persistedIndex: 3 });
  });
});

describe('Rule: Commit', () => {
  it('an entry of an earlier term held by a majority is not committed by counting (Figure 8)', () => {
    const cluster = membership(['a', 'b', 'c']);
    const behind: InitialState = { hardState: { term: 2, vote: null, commit: 1 }, entries: [configEntry(1, 1, cluster)] };
    const net = handMade(
      {
        a: { hardState: { term: 2, vote: null, commit: 1 }, entries: [configEntry(1, 1, cluster), normalEntry(2, 2, 'old')] },
        b: behind,
        c: behind,
      },
      5,
      { maxEntriesPerMessage: 1 },
    );
    net.isolate('c');
    electByVotesOnly(net, 'a');
    expect(net.raft('a').status()).toMatchObject({ term: 3, lastIndex: 3, commit: 1 });
    for (let i = 0; i < 10 && (net.raft('a').status().progress.find((p) => p.id === 'b')?.match ?? 0) < 2; i++) net.deliver();
    // a and b hold index 2 (term 2), a majority; it MUST NOT commit until an entry of term 3 does.
    expect(net.raft('a').status().progress.find((p) => p.id === 'b')?.match).toBe(2);
    expect(net.raft('a').status().commit).toBe(1);
    net.stabilize();
    expect(net.raft('a').status().commit).toBe(3);
    expect(net.node('a').applied.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    // Reference: Raft paper §5.4.2, Figure 8.
  });

  it('a new leader appends an empty entry of its term at once and sends it to every follower', () => {
    const net = new Network(['a', 'b', 'c'], { seed: 3 });
    net.raft('a').campaign();
    net.process('a');
    net.deliver();
    net.deliver(); // pre-vote answers
    net.deliver(); // vote requests
    const effects = effectsDuring(net, 'a', () => net.deliver((m) => m.type === 'requestVoteResponse' && m.to === 'a'));
    const roleAt = effects.findIndex((e) => e.type === 'roleChanged' && e.role === 'leader');
    expect(effects[roleAt]).toEqual({ type: 'roleChanged', role: 'leader', term: 2, leader: 'a' });
    const persists = persistsOf(effects);
    expect(persists).toHaveLength(1);
    expect(persists[0]!.entries).toEqual([{ index: 2, term: 2, type: 'normal', data: NO_DATA }]);
    expect(effects.indexOf(persists[0]!)).toBeGreaterThan(roleAt);
    const appends = sendsOf(effects).filter((s) => s.message.type === 'appendEntries');
    expect(appends.map((s) => [s.to, s.message.type === 'appendEntries' ? indexes(s.message.entries) : []])).toEqual([
      ['b', [2]],
      ['c', [2]],
    ]);
  });

  it('a commit advance without new entries emits no persist; the commit rides in the next persist', () => {
    const net = new Network(['a', 'b', 'c'], { seed: 3 });
    net.elect('a');
    net.raft('a').propose(bytes('x'));
    net.process('a');
    const followerAppend = effectsDuring(net, 'b', () => net.deliver((m) => m.type === 'appendEntries'));
    expect(persistsOf(followerAppend)).toMatchObject([{ hardState: { term: 2, commit: 2 }, entries: [{ index: 3 }] }]);

    // The acks commit index 3 on the leader: no persist.
    const leaderCommit = effectsDuring(net, 'a', () => net.deliver((m) => m.type === 'appendEntriesResponse'));
    expect(net.raft('a').status().commit).toBe(3);
    expect(persistsOf(leaderCommit)).toEqual([]);
    expect(leaderCommit.filter((e) => e.type === 'apply')).toMatchObject([{ entries: [{ index: 3 }] }]);

    // The leader tells b with an empty append: b commits and applies, still no persist.
    const followerCommit = effectsDuring(net, 'b', () => net.deliver((m) => m.type === 'appendEntries' && m.to === 'b'));
    expect(net.raft('b').status().commit).toBe(3);
    expect(persistsOf(followerCommit)).toEqual([]);
    expect(followerCommit.filter((e) => e.type === 'apply')).toMatchObject([{ entries: [{ index: 3 }] }]);
    expect(net.node('b').disk.hardState.commit).toBe(2);
    net.stabilize();

    // The next append carries commit 3 in its hard state, on both sides.
    const leaderNext = effectsDuring(net, 'a', () => net.raft('a').propose(bytes('y')));
    expect(persistsOf(leaderNext)).toMatchObject([{ hardState: { term: 2, vote: 'a', commit: 3 }, entries: [{ index: 4 }] }]);
    const followerNext = effectsDuring(net, 'b', () => net.deliver((m) => m.type === 'appendEntries' && m.to === 'b'));
    expect(persistsOf(followerNext)).toMatchObject([{ hardState: { term: 2, commit: 3 }, entries: [{ index: 4 }] }]);
    expect(net.node('b').disk.hardState.commit).toBe(3);
  });
});

describe('Rule: Restart', () => {
  it('a restarted node applies again, in order, every entry up to the commit on its disk', () => {
    const net = new Network(['a', 'b', 'c'], { seed: 3 });
    net.elect('a');
    for (const text of ['x', 'y', 'z']) net.propose('a', text);
    expect(net.raft('b').status().commit).toBe(5);
    // The commit of 5 reached b without new entries, so b's disk still says 4.
    expect(net.node('b').disk.hardState.commit).toBe(4);
    const before = net.node('b').applied.map((e) => [e.index, e.term, decoder.decode(e.data)]);

    const restarted = net.restart('b');
    expect(restarted.effects.filter((e) => e.type === 'apply')).toHaveLength(1);
    expect(restarted.applied.map((e) => [e.index, e.term, decoder.decode(e.data)])).toEqual(before.slice(0, 4));
    expect(restarted.raft.status()).toMatchObject({ commit: 4, applied: 4, lastIndex: 5, term: 2 });

    net.tick(1, ['a']);
    net.stabilize();
    expect(restarted.applied.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a node restarted from a snapshot at N restores it, then applies only (N, commit]', () => {
    const snapshot = { index: 5, term: 2, config: membership(['a', 'b', 'c']) };
    const raft = createRaft({
      config: { id: 'a' },
      initial: {
        hardState: { term: 2, vote: 'a', commit: 7 },
        snapshot,
        // Storage may still hold entries the snapshot covers; they are not applied again.
        entries: [4, 5, 6, 7, 8].map((index) => normalEntry(index, 2, `e${index}`)),
      },
    });
    expect(raft.status()).toMatchObject({ applied: 5, snapshotIndex: 5, commit: 7, lastIndex: 8 });
    const effects = raft.takeEffects();
    expect(effects).toEqual([
      { type: 'roleChanged', role: 'follower', term: 2, leader: null },
      { type: 'restoreSnapshot', meta: snapshot },
      { type: 'apply', entries: [normalEntry(6, 2, 'e6'), normalEntry(7, 2, 'e7')] },
    ]);
    raft.applied(7);
    expect(raft.status().applied).toBe(7);
  });
});

describe('Rule: Configuration', () => {
  const abc = membership(['a', 'b', 'c']);
  const abcd = membership(['a', 'b', 'c', 'd']);

  it('a config entry takes effect when appended, before it commits, and is reverted when truncated', () => {
    const raft = createRaft({ config: { id: 'b' }, initial: { hardState: { term: 1, vote: null, commit: 1 }, entries: [configEntry(1, 1, abc)] } });
    raft.receive({ type: 'appendEntries', from: 'a', to: 'b', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [configEntry(2, 2, abcd)], leaderCommit: 1 });
    expect(raft.status()).toMatchObject({ config: abcd, commit: 1, lastIndex: 2 });
    raft.takeEffects();
    // A leader of term 3 never had entry 2: it overwrites it.
    raft.receive({ type: 'appendEntries', from: 'c', to: 'b', term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [normalEntry(2, 3)], leaderCommit: 1 });
    expect(raft.status()).toMatchObject({ config: abc, commit: 1, lastIndex: 2, leader: 'c' });
    expect(persistsOf(raft.takeEffects())).toMatchObject([{ truncateFrom: 2, entries: [{ index: 2, term: 3, type: 'normal' }] }]);
  });

  it('truncating the only config entry reverts to the configuration the snapshot carries', () => {
    const raft = createRaft({
      config: { id: 'b' },
      initial: { hardState: { term: 1, vote: null, commit: 0 }, snapshot: { index: 0, term: 0, config: abc }, entries: [] },
    });
    raft.receive({ type: 'appendEntries', from: 'a', to: 'b', term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [configEntry(1, 2, abcd)], leaderCommit: 0 });
    expect(raft.status().config).toEqual(abcd);
    raft.receive({ type: 'appendEntries', from: 'c', to: 'b', term: 3, prevLogIndex: 0, prevLogTerm: 0, entries: [normalEntry(1, 3)], leaderCommit: 0 });
    expect(raft.status().config).toEqual(abc);
  });

  it('a node restarted with an uncommitted config entry uses it, and reverts when the new leader truncates it', () => {
    const base: InitialState = { hardState: { term: 2, vote: null, commit: 1 }, entries: [configEntry(1, 1, abc)] };
    const net = handMade({
      a: base,
      b: base,
      c: { hardState: { term: 2, vote: null, commit: 1 }, entries: [configEntry(1, 1, abc), configEntry(2, 2, abcd)] },
    });
    expect(net.raft('c').status()).toMatchObject({ config: abcd, commit: 1 });
    net.elect('a');
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 3, commit: 2 });
    expect(net.raft('c').status()).toMatchObject({ config: abc, lastIndex: 2, term: 3 });
    net.tick(1, ['a']);
    net.stabilize();
    expect(net.raft('c').status()).toMatchObject({ config: abc, commit: 2 });
    expect(net.node('c').disk.entries.map((e) => [e.index, e.term, e.type])).toEqual([
      [1, 1, 'config'],
      [2, 3, 'normal'],
    ]);
  });

  describe('learners', () => {
    const withLearners = membership(['a', 'b', 'c'], ['l1', 'l2']);
    function learnerCluster(): Network {
      const state: InitialState = { hardState: { term: 1, vote: null, commit: 1 }, entries: [configEntry(1, 1, withLearners)] };
      return handMade({ a: state, b: state, c: state, l1: state, l2: state });
    }

    it('never campaign, on timeout or when asked', () => {
      const net = learnerCluster();
      net.raft('l1').campaign();
      net.tick(100, ['l1']);
      expect(net.raft('l1').status()).toMatchObject({ role: 'follower', term: 1, vote: null });
      expect(sendsOf(net.node('l1').effects)).toEqual([]);
      expect(net.queue).toEqual([]);
    });

    it('never count toward commit: the leader and two learners are not a quorum of three voters', () => {
      const net = learnerCluster();
      net.elect('a');
      expect(net.raft('a').status().commit).toBe(2);
      net.cut('a', 'b');
      net.cut('a', 'c');
      net.propose('a', 'x');
      expect(net.raft('l1').status().lastIndex).toBe(3);
      expect(net.raft('l2').status().lastIndex).toBe(3);
      expect(net.raft('a').status().commit).toBe(2);
      net.heal();
      net.tick(1, ['a']);
      net.stabilize();
      expect(net.raft('a').status().commit).toBe(3);
    });

    it('never count toward check-quorum: a leader hearing only from learners steps down', () => {
      const net = learnerCluster();
      net.elect('a');
      net.cut('a', 'b');
      net.cut('a', 'c');
      for (let tick = 1; tick <= 19; tick++) {
        net.tick(1, ['a']);
        net.stabilize();
      }
      expect(net.raft('a').status().role).toBe('leader');
      expect(net.raft('a').status().progress.find((p) => p.id === 'l1')?.ticksSinceHeard).toBe(0);
      net.tick(1, ['a']);
      expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 2, leader: null });
    });
  });

  it('a node with the empty configuration never campaigns', () => {
    const raft = createRaft({ config: { id: 'z' } });
    raft.campaign();
    for (let i = 0; i < 100; i++) raft.tick();
    expect(raft.status()).toMatchObject({ role: 'follower', term: 0, vote: null, config: membership([]) });
    expect(raft.takeEffects()).toEqual([{ type: 'roleChanged', role: 'follower', term: 0, leader: null }]);
  });
});

describe('Rule: Determinism', () => {
  /** trace serializes every effect of every node instance, in order, Uint8Arrays as arrays. */
  function trace(seed: number): string {
    const { instances } = chaos(seed, 1500);
    return JSON.stringify(
      instances.map((node) => node.effects),
      (_key, value: unknown) => (value instanceof Uint8Array ? Array.from(value) : value),
    );
  }

  it('the same seed and inputs give byte-identical effects', () => {
    const first = trace(21);
    expect(first.length).toBeGreaterThan(10_000);
    expect(trace(21)).toBe(first);
  });

  it('a different seed gives different effects', () => {
    expect(trace(22)).not.toBe(trace(21));
  });

  /** ticksToLead counts ticks until a single-voter node, seeded with `seed`, elects itself. */
  function ticksToLead(seed: number): number {
    const raft = createRaft({ config: { id: 'a', random: createSeededRng(seed) }, bootstrap: membership(['a']) });
    for (let tick = 1; tick <= 100; tick++) {
      raft.tick();
      if (raft.status().role === 'leader') return tick;
    }
    throw new Error('no election in 100 ticks');
  }

  it('a different seed gives different election timing, within [electionTicks, 2×electionTicks)', () => {
    const timings = [1, 2, 3, 4].map(ticksToLead);
    expect(timings).toEqual([1, 2, 3, 4].map(ticksToLead));
    for (const ticks of timings) {
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
    }
    expect(new Set(timings).size).toBeGreaterThan(1);
    expect(ticksToLead(1)).not.toBe(ticksToLead(2));
  });
});
