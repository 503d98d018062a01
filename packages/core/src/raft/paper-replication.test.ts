/**
 * Log replication, Raft paper §5.3, in the style of etcd-raft's raft_paper_test.go: each test
 * quotes the sentence it checks and names the section.
 */
import { describe, expect, it } from 'vitest';
import { createRaft, type Raft } from './raft.js';
import { Network, bytes, entriesWithTerms, handMadeState, logOf } from './test-support/network.js';
import type { AppendEntriesMessage, AppendEntriesResponseMessage, Effect, NodeId, PersistEffect, SendEffect } from './types.js';
import { effectsDuring } from './test-support/drive.js';

const VOTERS = ['a', 'b', 'c'];

function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

/** appliedTexts is what `id`'s state machine received, ignoring the empty and config entries. */
function appliedTexts(net: Network, id: NodeId): string[] {
  return net
    .node(id)
    .applied.filter((entry) => entry.type === 'normal' && entry.data.byteLength > 0)
    .map((entry) => text(entry.data));
}

function lastPersistSeq(net: Network, id: NodeId): number {
  const persists = net.node(id).effects.filter((effect): effect is PersistEffect => effect.type === 'persist');
  return persists.at(-1)?.seq ?? 0;
}

function rejectionsFrom(net: Network, id: NodeId): AppendEntriesResponseMessage[] {
  return net.delivered.filter(
    (message): message is AppendEntriesResponseMessage => message.type === 'appendEntriesResponse' && message.from === id && !message.success,
  );
}

/** follower creates a lone follower core holding `terms`, in `term`, for unit-level checks. */
function follower(terms: readonly number[], term: number, commit = 0): Raft {
  const raft = createRaft({ config: { id: 'b' }, initial: handMadeState(VOTERS, terms, { term, commit }) });
  raft.takeEffects();
  return raft;
}

function appendEntries(prevLogIndex: number, prevLogTerm: number, entries: AppendEntriesMessage['entries'], term: number, leaderCommit = 0): AppendEntriesMessage {
  return { type: 'appendEntries', from: 'a', to: 'b', term, prevLogIndex, prevLogTerm, entries, leaderCommit };
}

function sendsOf(effects: readonly Effect[]): SendEffect[] {
  return effects.filter((effect): effect is SendEffect => effect.type === 'send');
}

describe('Raft paper §5.3 log replication', () => {
  // "Once a leader has been elected, it begins servicing client requests. [...] The leader
  // appends the command to its log as a new entry, then issues AppendEntries RPCs in parallel to
  // each of the other servers to replicate the entry." The leader's own disk write runs in
  // parallel with those sends (docs/architecture.md "Acks"), so they carry no afterPersist.
  // Reference: section 5.3
  it('leader appends a proposal to its log and sends AppendEntries with the exact prevLog fields', () => {
    const net = new Network(VOTERS);
    net.elect('a');
    const seq = lastPersistSeq(net, 'a') + 1;
    let result: ReturnType<Raft['propose']> | undefined;
    const effects = effectsDuring(net, 'a', () => {
      result = net.raft('a').propose(bytes('x'));
    });

    const entry = { index: 3, term: 2, type: 'normal', data: bytes('x') };
    expect(result).toEqual({ ok: true, index: 3, term: 2 });
    expect(net.raft('a').entry(3)).toEqual(entry);
    expect(effects).toEqual([
      { type: 'persist', seq, hardState: { term: 2, vote: 'a', commit: 2 }, entries: [entry] },
      ...['b', 'c'].map((to) => ({
        type: 'send',
        to,
        message: { type: 'appendEntries', from: 'a', to, term: 2, prevLogIndex: 2, prevLogTerm: 2, entries: [entry], leaderCommit: 2 },
      })),
    ]);
  });

  // "When the entry has been safely replicated [...], the leader applies the entry to its state
  // machine [...]. A log entry is committed once the leader that created the entry has
  // replicated it on a majority of the servers."
  // Reference: section 5.3
  it('an entry commits once a majority holds it, and only then does the leader apply it', () => {
    const net = new Network(VOTERS);
    net.elect('a');
    net.isolate('c');
    net.raft('a').propose(bytes('x'));
    net.process('a');
    expect(net.raft('a').status().commit).toBe(2);
    expect(appliedTexts(net, 'a')).toEqual([]);

    net.stabilize();
    expect(net.raft('a').status().commit).toBe(3);
    expect(net.node('a').applied.map((entry) => entry.index)).toEqual([1, 2, 3]);
    expect(appliedTexts(net, 'a')).toEqual(['x']);
    expect(net.raft('c').status().lastIndex).toBe(2);
    expect(appliedTexts(net, 'c')).toEqual([]);
  });

  // "The leader keeps track of the highest index it knows to be committed, and it includes that
  // index in future AppendEntries RPCs (including heartbeats) so that the other servers
  // eventually find out. Once a follower learns that a log entry is committed, it applies the
  // entry to its local state machine (in log order)."
  // Reference: section 5.3
  it('followers learn the commit index from the next AppendEntries and apply in log order', () => {
    const net = new Network(VOTERS);
    net.elect('a');
    net.propose('a', 'x');
    net.propose('a', 'y');
    for (const id of ['b', 'c']) {
      expect(net.raft(id).status().commit).toBe(4);
      expect(net.node(id).applied.map((entry) => entry.index)).toEqual([1, 2, 3, 4]);
      expect(appliedTexts(net, id)).toEqual(['x', 'y']);
    }
  });

  // Same sentence, heartbeat path: the AppendEntries announcing the commit are lost, and the
  // next heartbeat carries the commit index instead.
  // Reference: section 5.3
  it('followers learn the commit index from a heartbeat when the announcing AppendEntries are lost', () => {
    const net = new Network(VOTERS);
    net.elect('a');
    net.raft('a').propose(bytes('x'));
    net.process('a');
    net.deliver(); // b and c store index 3 and ack it
    net.drop('appendEntries');
    net.stabilize(); // the leader commits 3; its announcement is lost
    expect(net.raft('a').status().commit).toBe(3);
    expect(net.raft('b').status().commit).toBe(2);
    expect(appliedTexts(net, 'b')).toEqual([]);

    net.heal();
    net.tick(1, ['a']);
    const heartbeats = net.queue.filter((message) => message.type === 'heartbeat');
    expect(heartbeats).toEqual(['b', 'c'].map((to) => ({ type: 'heartbeat', from: 'a', to, term: 2, commit: 3, round: 1 })));
    net.stabilize();
    for (const id of ['b', 'c']) {
      expect(net.raft(id).status().commit).toBe(3);
      expect(appliedTexts(net, id)).toEqual(['x']);
    }
  });

  // docs/architecture.md "Acks": "The leader's appends go to followers while its own disk write runs; the
  // leader counts itself only after its own persisted(seq)." With three voters the two followers
  // are a majority without the leader, so the entry commits while the leader's disk is stalled,
  // but the leader applies it only once it is durable locally.
  // Reference: section 5.3
  it('with three voters, followers alone commit an entry while the leader disk is stalled', () => {
    const net = new Network(VOTERS);
    net.elect('a');
    net.node('a').stalled = true;
    net.raft('a').propose(bytes('x'));
    net.process('a');
    net.stabilize();

    expect(net.raft('a').status()).toMatchObject({ commit: 3, lastIndex: 3, persistedIndex: 2 });
    expect(appliedTexts(net, 'a')).toEqual([]);
    for (const id of ['b', 'c']) {
      expect(net.raft(id).status().commit).toBe(3);
      expect(appliedTexts(net, id)).toEqual(['x']);
    }

    net.flushDisk('a');
    expect(net.raft('a').status().persistedIndex).toBe(3);
    expect(appliedTexts(net, 'a')).toEqual(['x']);
  });

  // Same rule with two voters: the majority needs the leader itself, so nothing commits until
  // the leader's own persist is acknowledged.
  // Reference: section 5.3
  it('with two voters, the commit waits for the leader persisted(seq) even though the follower acked', () => {
    const net = new Network(['a', 'b']);
    net.elect('a');
    net.node('a').stalled = true;
    net.raft('a').propose(bytes('x'));
    net.process('a');
    net.stabilize();

    expect(net.raft('a').status().progress.find((peer) => peer.id === 'b')?.match).toBe(3);
    expect(net.raft('a').status().commit).toBe(2);
    expect(net.raft('b').status().commit).toBe(2);

    net.flushDisk('a');
    expect(net.raft('a').status().commit).toBe(3);
    net.stabilize();
    expect(net.raft('b').status().commit).toBe(3);
    expect(appliedTexts(net, 'a')).toEqual(['x']);
    expect(appliedTexts(net, 'b')).toEqual(['x']);
  });

  // docs/architecture.md "Acks": "A message that depends on durable state (a vote, a follower's append
  // response) names the seq it waits for and is sent only after it. No response acks an index
  // past the node's persisted last index." With two voters the follower's ack decides the commit,
  // so an early ack would show up as an early commit.
  // Reference: section 5.3
  it('a follower ack of new entries waits for its persist: afterPersist names the seq', () => {
    const net = new Network(['a', 'b']);
    net.elect('a');
    net.node('b').stalled = true;
    net.raft('a').propose(bytes('x'));
    net.process('a');
    const effects = effectsDuring(net, 'b', () => net.deliver());

    const persist = effects.find((effect): effect is PersistEffect => effect.type === 'persist');
    expect(persist?.entries.map((entry) => [entry.index, entry.term])).toEqual([[3, 2]]);
    expect(sendsOf(effects)).toEqual([
      {
        type: 'send',
        to: 'a',
        afterPersist: persist!.seq,
        message: { type: 'appendEntriesResponse', from: 'b', to: 'a', term: 2, success: true, matchIndex: 3, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 },
      },
    ]);
    expect(net.raft('b').status()).toMatchObject({ lastIndex: 3, persistedIndex: 2 });
    expect(net.queue).toEqual([]);
    net.stabilize();
    expect(net.raft('a').status().commit).toBe(2);

    net.flushDisk('b');
    expect(net.queue.map((message) => [message.type, message.from])).toEqual([['appendEntriesResponse', 'b']]);
    net.stabilize();
    expect(net.raft('a').status().commit).toBe(3);
    expect(net.raft('b').status().commit).toBe(3);
    expect(appliedTexts(net, 'b')).toEqual(['x']);
  });

  // "When sending an AppendEntries RPC, the leader includes the index and term of the entry in
  // its log that immediately precedes the new entries. If the follower does not find an entry in
  // its log with the same index and term, then it refuses the new entries." The refusal carries
  // the hint documented in types.ts: the largest index ≤ min(rejectedIndex, lastIndex) whose term
  // is ≤ the leader's prevLogTerm (conflictIndex, with its term as conflictTerm).
  // Reference: section 5.3
  it('follower accepts or rejects AppendEntries by (prevLogIndex, prevLogTerm), with the conflict hint', () => {
    // Follower log: index 1..5 with terms 1 1 2 2 2.
    const cases: { prevLogIndex: number; prevLogTerm: number; want: Partial<AppendEntriesResponseMessage> }[] = [
      // Matches: empty log prefix, an entry of term 1, the last entry.
      { prevLogIndex: 0, prevLogTerm: 0, want: { success: true, matchIndex: 0 } },
      { prevLogIndex: 2, prevLogTerm: 1, want: { success: true, matchIndex: 2 } },
      { prevLogIndex: 5, prevLogTerm: 2, want: { success: true, matchIndex: 5 } },
      // Beyond the end: hint at our last entry, whose term 2 ≤ 3.
      { prevLogIndex: 7, prevLogTerm: 3, want: { success: false, rejectedIndex: 7, conflictIndex: 5, conflictTerm: 2 } },
      // Same index, other term: every entry ≤ 5 has term ≤ 3, so the hint stays at 5.
      { prevLogIndex: 5, prevLogTerm: 3, want: { success: false, rejectedIndex: 5, conflictIndex: 5, conflictTerm: 2 } },
      // The leader's term 1 at index 4: skip our whole term-2 run back to index 2.
      { prevLogIndex: 4, prevLogTerm: 1, want: { success: false, rejectedIndex: 4, conflictIndex: 2, conflictTerm: 1 } },
      // Beyond the end and older than our whole tail: index 2 again.
      { prevLogIndex: 9, prevLogTerm: 1, want: { success: false, rejectedIndex: 9, conflictIndex: 2, conflictTerm: 1 } },
    ];
    for (const { prevLogIndex, prevLogTerm, want } of cases) {
      const raft = follower([1, 1, 2, 2, 2], 3);
      raft.receive(appendEntries(prevLogIndex, prevLogTerm, [], 3));
      const sends = sendsOf(raft.takeEffects());
      const base = { type: 'appendEntriesResponse', from: 'b', to: 'a', term: 3 };
      const expected = want.success
        ? { ...base, success: true, matchIndex: want.matchIndex, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 }
        : { ...base, success: false, matchIndex: 0, ...want };
      // Neither answer acks anything past the durable log, so neither waits for a persist.
      expect(sends, `prev (${prevLogIndex}, ${prevLogTerm})`).toEqual([{ type: 'send', to: 'a', message: expected }]);
      expect(logOf(raft)).toEqual(entriesWithTerms(1, [1, 1, 2, 2, 2]));
    }
  });

  // "If an existing entry conflicts with a new one (same index but different terms), delete the
  // existing entry and all that follow it (§5.3). Append any new entries not already in the log."
  // The deletion reaches storage as the persist's truncateFrom, in the same atomic write.
  // Reference: section 5.3
  it('follower deletes a conflicting tail and appends the leader entries in one persist with truncateFrom', () => {
    const raft = follower([1, 1, 2, 2, 2], 3);
    const incoming = entriesWithTerms(3, [3, 3]);
    raft.receive(appendEntries(2, 1, incoming, 3));
    const effects = raft.takeEffects();
    const persist = effects.find((effect): effect is PersistEffect => effect.type === 'persist');
    expect(persist).toEqual({ type: 'persist', seq: 1, hardState: { term: 3, vote: null, commit: 0 }, entries: incoming, truncateFrom: 3 });
    expect(logOf(raft)).toEqual([...entriesWithTerms(1, [1, 1]), ...incoming]);
    // The ack covers entries not yet on disk, so it waits for that persist.
    expect(sendsOf(effects)).toEqual([
      {
        type: 'send',
        to: 'a',
        afterPersist: 1,
        message: { type: 'appendEntriesResponse', from: 'b', to: 'a', term: 3, success: true, matchIndex: 4, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 },
      },
    ]);
    expect(raft.status().persistedIndex).toBe(2);
    raft.persisted(1);
    expect(raft.status().persistedIndex).toBe(4);
  });

  // "Append any new entries not already in the log": entries the follower already holds are not
  // rewritten, and a matching (e.g. delayed, reordered) AppendEntries never truncates the tail.
  // Reference: section 5.3
  it('follower keeps its tail when the AppendEntries entries are already in its log', () => {
    const raft = follower([1, 1, 2, 2, 2], 3);
    raft.receive(appendEntries(1, 1, entriesWithTerms(2, [1, 2]), 3));
    const effects = raft.takeEffects();
    expect(effects.filter((effect) => effect.type === 'persist')).toEqual([]);
    expect(logOf(raft)).toEqual(entriesWithTerms(1, [1, 1, 2, 2, 2]));
    expect(sendsOf(effects).map((send) => [send.afterPersist, (send.message as AppendEntriesResponseMessage).matchIndex])).toEqual([[undefined, 3]]);
  });

  // "After a rejection, the leader decrements nextIndex and retries the AppendEntries RPC.
  // Eventually nextIndex will reach a point where the leader and follower logs match." Here a
  // follower that missed entries while cut off catches up after the next heartbeat.
  // Reference: section 5.3
  it('leader brings a lagging follower log into agreement after it reconnects', () => {
    const net = new Network(VOTERS);
    net.elect('a');
    net.isolate('c');
    for (const value of ['x', 'y', 'z']) net.propose('a', value);
    expect(net.raft('c').status().lastIndex).toBe(2);

    net.heal();
    net.tick(1, ['a']);
    net.stabilize();
    // The leader optimistically sent c entries up to 5, so the heartbeat answer triggers an
    // AppendEntries after 5, which c refuses; the hint points at c's last entry of term ≤ 2.
    expect(rejectionsFrom(net, 'c').map((message) => [message.rejectedIndex, message.conflictIndex, message.conflictTerm])).toEqual([[5, 2, 2]]);
    expect(logOf(net.raft('c'))).toEqual(logOf(net.raft('a')));
    expect(net.raft('c').status().commit).toBe(5);
    expect(appliedTexts(net, 'c')).toEqual(['x', 'y', 'z']);

    net.propose('a', 'w');
    for (const id of VOTERS) expect(appliedTexts(net, id)).toEqual(['x', 'y', 'z', 'w']);
  });

  // "When this happens, AppendEntries will succeed, which removes any conflicting entries in the
  // follower's log and appends entries from the leader's log (if any)." The follower is a former
  // leader holding uncommitted entries of its old term.
  // Reference: section 5.3
  it('leader overwrites the uncommitted entries of a deposed leader', () => {
    // Without pre-vote and check-quorum, c votes for b at once although it heard from a.
    const net = new Network(VOTERS, { config: { preVote: false, checkQuorum: false } });
    net.elect('a');
    net.isolate('a');
    net.propose('a', 'lost-1');
    net.propose('a', 'lost-2');
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, lastIndex: 4, commit: 2 });

    net.elect('b');
    net.propose('b', 'kept');
    expect(net.raft('b').status()).toMatchObject({ role: 'leader', term: 3, lastIndex: 4, commit: 4 });

    net.heal();
    const effects = effectsDuring(net, 'a', () => {
      net.tick(1, ['b']);
      net.stabilize();
    });
    const truncating = effects.filter((effect): effect is PersistEffect => effect.type === 'persist' && effect.truncateFrom !== undefined);
    expect(truncating.map((persist) => [persist.truncateFrom, persist.entries.map((entry) => [entry.index, entry.term])])).toEqual([
      [3, [[3, 3], [4, 3]]],
    ]);
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 3, leader: 'b', commit: 4 });
    expect(logOf(net.raft('a'))).toEqual(logOf(net.raft('b')));
    expect(net.node('a').disk.entries).toEqual(logOf(net.raft('b')));
    for (const id of VOTERS) expect(appliedTexts(net, id)).toEqual(['kept']);
  });

  // "The leader can decrement nextIndex to bypass all of the conflicting entries in that term;
  // one AppendEntries RPC will be required for each term with conflicting entries, rather than
  // one RPC per entry." Cases from etcd-raft's TestFastLogRejection: the first rejection's hint
  // and the prevLog of the leader's next probe. The leader is elected in term 6 with the vote of
  // a third node that holds its log, and appends its empty entry after `leader`.
  // Reference: section 5.3
  it.each([
    { leader: [1, 2, 2, 4, 4, 4, 4], follower: [1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3], hint: [7, 3], next: [3, 2] },
    { leader: [1, 2, 2, 3, 4, 4, 4, 5], follower: [1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3], hint: [8, 3], next: [4, 3] },
    { leader: [1, 1, 1, 1], follower: [1, 2, 2, 4], hint: [1, 1], next: [1, 1] },
    { leader: [1, 1, 1, 1, 1, 1], follower: [1, 2, 2, 4], hint: [1, 1], next: [1, 1] },
    { leader: [1, 1, 1, 1], follower: [1, 2, 2, 4, 4, 4], hint: [1, 1], next: [1, 1] },
    { leader: [1, 1, 1, 4, 5], follower: [1, 1, 1, 4], hint: [4, 4], next: [4, 4] },
    { leader: [2, 5, 5, 5, 5, 5, 5, 5, 5], follower: [2, 4, 4, 4, 4, 4], hint: [6, 4], next: [1, 2] },
    { leader: [2, 2, 2, 2, 2], follower: [2, 4, 4, 4, 4, 4, 4, 4], hint: [1, 2], next: [1, 2] },
  ])('fast backtracking: leader $leader, follower $follower', ({ leader, follower: followerTerms, hint, next }) => {
    const net = backtrackingNetwork(leader, followerTerms, 5);
    net.elect('a');
    const rejected = rejectionsFrom(net, 'b');
    expect(rejected.map((message) => [message.rejectedIndex, message.conflictIndex, message.conflictTerm])).toEqual([[leader.length, ...hint]]);
    const afterRejection = net.delivered.slice(net.delivered.indexOf(rejected[0]!));
    const nextProbe = afterRejection.find((message): message is AppendEntriesMessage => message.type === 'appendEntries' && message.to === 'b');
    expect([nextProbe?.prevLogIndex, nextProbe?.prevLogTerm]).toEqual(next);
    expect(logOf(net.raft('a'))).toEqual([...entriesWithTerms(1, leader), { index: leader.length + 1, term: 6, type: 'normal', data: new Uint8Array(0) }]);
    expect(logOf(net.raft('b'))).toEqual(logOf(net.raft('a')));
  });

  // Same sentence at scale: 300 divergent entries in three old terms on the follower against
  // three other terms on the leader. Each rejection skips a whole term on both sides, so the
  // follower is repaired after three rejections, where entry-by-entry backtracking needs 300.
  // Reference: section 5.3
  it('fast backtracking repairs 300 divergent entries with one rejection per term, not per entry', () => {
    const run = (term: number) => new Array<number>(100).fill(term);
    const leader = [1, ...run(2), ...run(4), ...run(6)];
    const followerTerms = [1, ...run(3), ...run(5), ...run(7)];
    const net = backtrackingNetwork(leader, followerTerms, 7);
    net.elect('a');
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 8 });
    // [rejectedIndex, conflictIndex, conflictTerm]: the follower skips back to its last entry of
    // a term ≤ the leader's prevLogTerm; the leader then skips back to its own entry of a term ≤
    // the follower's conflictTerm and probes there.
    expect(rejectionsFrom(net, 'b').map((message) => [message.rejectedIndex, message.conflictIndex, message.conflictTerm])).toEqual([
      [301, 201, 5],
      [201, 101, 3],
      [101, 1, 1],
    ]);
    expect(logOf(net.raft('b'))).toEqual(logOf(net.raft('a')));
    expect(net.raft('b').status().commit).toBe(302);
  });
});

/**
 * backtrackingNetwork holds leader `a` with `leaderTerms`, follower `b` with `followerTerms`, and
 * a third voter `c` with a's log that votes for a whatever b decides; everyone is in `term` with
 * index 1 committed.
 */
function backtrackingNetwork(leaderTerms: readonly number[], followerTerms: readonly number[], term: number): Network {
  const net = new Network([]);
  const logs: Record<NodeId, readonly number[]> = { a: leaderTerms, b: followerTerms, c: leaderTerms };
  VOTERS.forEach((id, position) => {
    net.add(id, { config: { ...net.configFor(id, position), maxEntriesPerMessage: 1000 }, initial: handMadeState(VOTERS, logs[id]!, { term, commit: 1 }) });
  });
  return net;
}
