/**
 * Safety, Raft paper §5.4, in the style of etcd-raft's raft_paper_test.go: each test quotes the
 * sentence it checks and names the section.
 */
import { describe, expect, it } from 'vitest';
import { createRaft, type Raft } from './raft.js';
import { Network, bytes, entriesWithTerms, handMadeState, logOf } from './test-support/network.js';
import type { Entry, Message, NodeId, PersistEffect, SendEffect } from './types.js';

const NO_OP = new Uint8Array(0);

/** drain carries out `raft`'s effects by hand: persists are acknowledged at once; sends returned. */
function drain(raft: Raft): Message[] {
  const sent: Message[] = [];
  while (raft.hasEffects()) {
    const effects = raft.takeEffects();
    for (const effect of effects) if (effect.type === 'send') sent.push(effect.message);
    for (const effect of effects) if (effect.type === 'persist') raft.persisted(effect.seq);
  }
  return sent;
}

function matchOf(net: Network, leader: NodeId, peer: NodeId): number | undefined {
  return net.raft(leader).status().progress.find((progress) => progress.id === peer)?.match;
}

function commits(net: Network): Record<NodeId, number> {
  const result: Record<NodeId, number> = {};
  for (const id of net.nodes.keys()) result[id] = net.raft(id).status().commit;
  return result;
}

function termsOf(raft: Raft): number[] {
  return logOf(raft).map((entry) => entry.term);
}

describe('Raft paper §5.4.1 election restriction', () => {
  // "The RequestVote RPC implements this restriction: the RPC includes information about the
  // candidate's log".
  // Reference: section 5.4.1
  it('a RequestVote carries the candidate last log index and term to every other voter', () => {
    const raft = createRaft({ config: { id: 'a', preVote: false }, initial: handMadeState(['a', 'b', 'c'], [1, 2], { term: 2 }) });
    drain(raft);
    raft.campaign();
    const sent = drain(raft);
    expect(sent).toEqual(
      ['b', 'c'].map((to) => ({ type: 'requestVote', from: 'a', to, term: 3, preVote: false, lastLogIndex: 2, lastLogTerm: 2 })),
    );
  });

  // "and the voter denies its vote if its own log is more up-to-date than that of the candidate.
  // Raft determines which of two logs is more up-to-date by comparing the index and term of the
  // last entries in the logs. If the logs have last entries with different terms, then the log
  // with the later term is more up-to-date. If the logs end with the same term, then whichever
  // log is longer is more up-to-date." The same restriction holds for pre-votes.
  // Reference: section 5.4.1
  it.each([
    // Same last term: the longer log wins; equal length is enough.
    { voter: [1], lastLogTerm: 1, lastLogIndex: 1, granted: true },
    { voter: [1], lastLogTerm: 1, lastLogIndex: 2, granted: true },
    { voter: [1, 1], lastLogTerm: 1, lastLogIndex: 1, granted: false },
    // Candidate's last term is later: granted whatever the lengths.
    { voter: [1], lastLogTerm: 2, lastLogIndex: 1, granted: true },
    { voter: [1], lastLogTerm: 2, lastLogIndex: 2, granted: true },
    { voter: [1, 1], lastLogTerm: 2, lastLogIndex: 1, granted: true },
    // Voter's last term is later: denied whatever the lengths.
    { voter: [2], lastLogTerm: 1, lastLogIndex: 1, granted: false },
    { voter: [2], lastLogTerm: 1, lastLogIndex: 2, granted: false },
    { voter: [2, 2], lastLogTerm: 1, lastLogIndex: 1, granted: false },
    { voter: [1, 2], lastLogTerm: 1, lastLogIndex: 5, granted: false },
  ])('voter with log $voter answers a candidate at ($lastLogIndex, $lastLogTerm): granted $granted', ({ voter, lastLogTerm, lastLogIndex, granted }) => {
    for (const preVote of [false, true]) {
      const raft = createRaft({ config: { id: 'a' }, initial: handMadeState(['a', 'b'], voter, { term: 2 }) });
      drain(raft);
      raft.receive({ type: 'requestVote', from: 'b', to: 'a', term: 3, preVote, lastLogIndex, lastLogTerm });
      const effects = raft.takeEffects();
      const responses = effects.filter((effect): effect is SendEffect => effect.type === 'send').map((send) => send.message);
      // A real vote moves the voter to term 3 either way; a pre-vote changes nothing durable.
      const term = preVote && !granted ? 2 : 3;
      expect(responses, `preVote ${preVote}`).toEqual([{ type: 'requestVoteResponse', from: 'a', to: 'b', term, preVote, granted }]);
      expect(raft.status().vote).toBe(granted && !preVote ? 'b' : null);
    }
  });
});

describe('Raft paper §5.4.2 committing entries from previous terms', () => {
  // "Raft never commits log entries from previous terms by counting replicas. Only log entries
  // from the leader's current term are committed by counting replicas; once an entry from the
  // current term has been committed in this way, then all prior entries are committed
  // indirectly because of the Log Matching Property." (etcd-raft's
  // TestLeaderOnlyCommitsLogFromCurrentTerm.) Two voters, so the follower's ack decides.
  // Reference: section 5.4.2
  it.each([
    { acked: 1, commit: 0 },
    { acked: 2, commit: 0 },
    { acked: 3, commit: 3 },
  ])('a leader in term 3 whose follower acks index $acked commits $commit', ({ acked, commit }) => {
    const raft = createRaft({ config: { id: 'a', preVote: false }, initial: handMadeState(['a', 'b'], [1, 2], { term: 2 }) });
    drain(raft);
    raft.campaign();
    drain(raft);
    raft.receive({ type: 'requestVoteResponse', from: 'b', to: 'a', term: 3, preVote: false, granted: true });
    drain(raft);
    expect(raft.status()).toMatchObject({ role: 'leader', term: 3, lastIndex: 3, persistedIndex: 3, commit: 0 });

    raft.receive({ type: 'appendEntriesResponse', from: 'b', to: 'a', term: 3, success: true, matchIndex: acked, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 });
    const effects = raft.takeEffects();
    expect(raft.status().commit).toBe(commit);
    const applied = effects.flatMap((effect) => (effect.type === 'apply' ? effect.entries.map((entry) => [entry.index, entry.term]) : []));
    expect(applied).toEqual(commit === 0 ? [] : [[1, 1], [2, 2], [3, 3]]);
  });

  // Figure 8, played out on five servers s1..s5. Index 1 is the bootstrap entry; the paper's
  // index 1 is our index 2. Each new leader appends its empty entry at once, and
  // maxEntriesPerMessage 1 lets index 2 reach s3 in a message of its own.
  //   (a) s1 leads term 2; its entry 2 reaches s2 only.
  //   (b) s1 crashes; s5 is elected in term 3 with votes of s3, s4 and itself, and writes its own
  //       entry 2 (term 3), which reaches nobody.
  //   (c) s5 crashes; s1 restarts, leads term 4 (its empty entry 3), and brings its entry 2
  //       (term 2) to s3; s2, which already held it, also takes entry 3. s1, s2 and s3 hold
  //       entry 2, a majority, but it is NOT committed: it is not from term 4, and entry 3 is
  //       only on s1 and s2.
  // Reference: section 5.4.2, figure 8
  function figure8StateC(): Network {
    const net = new Network(['s1', 's2', 's3', 's4', 's5'], { config: { preVote: false, checkQuorum: false, maxEntriesPerMessage: 1 } });
    const all = (commit: number) => ({ s1: commit, s2: commit, s3: commit, s4: commit, s5: commit });

    // (a)
    net.drop('appendEntries');
    net.elect('s1');
    net.heal();
    for (const id of ['s3', 's4', 's5']) net.cut('s1', id);
    net.tick(1, ['s1']); // a heartbeat round: s2 answers and is sent entry 2
    net.stabilize();
    expect(termsOf(net.raft('s1'))).toEqual([1, 2]);
    expect(termsOf(net.raft('s2'))).toEqual([1, 2]);
    expect(commits(net)).toEqual(all(1));

    // (b)
    net.heal();
    net.isolate('s1');
    net.drop('appendEntries');
    net.elect('s5');
    expect(net.raft('s5').status()).toMatchObject({ role: 'leader', term: 3 });
    expect(termsOf(net.raft('s5'))).toEqual([1, 3]);
    expect(termsOf(net.raft('s3'))).toEqual([1]);
    expect(commits(net)).toEqual(all(1));

    // (c)
    net.heal();
    net.isolate('s5');
    net.restart('s1');
    net.cut('s1', 's4');
    net.elect('s1'); // term 3: s3 voted for s5 in term 3 already, so this round is undecided
    // Term 4: s2 and s3 vote for s1. Deliver round by round and stop once s1 knows s3 holds
    // index 2: the next message to s3, carrying s1's term-4 entry, is lost if s1 crashes now.
    net.raft('s1').campaign();
    net.process('s1');
    for (let round = 0; matchOf(net, 's1', 's3') !== 2; round++) {
      if (round > 20) throw new Error('s3 never acknowledged index 2');
      net.deliver();
    }
    expect(net.raft('s1').status()).toMatchObject({ role: 'leader', term: 4 });
    expect(termsOf(net.raft('s1'))).toEqual([1, 2, 4]);
    expect(termsOf(net.raft('s3'))).toEqual([1, 2]);
    expect(termsOf(net.raft('s2'))).toEqual([1, 2, 4]);
    expect(matchOf(net, 's1', 's2')).toBe(3);
    // s1, s2 and s3 hold index 2 of term 2: a majority of five. Counting would commit it here.
    expect(commits(net)).toEqual(all(1));
    return net;
  }

  // "(d) If S1 crashes, S5 could be elected leader [...] and overwrite the entry with its own
  // entry from term 3." So the entry of (c) was rightly left uncommitted.
  // Reference: section 5.4.2, figure 8
  it('figure 8 (a)-(d): an old-term entry on a majority is not committed, and a later leader overwrites it', () => {
    const net = figure8StateC();
    net.heal();
    net.isolate('s1');
    net.restart('s5');
    net.elect('s5'); // term 4: s2 and s3 already voted for s1 in term 4
    net.elect('s5'); // term 5: s3 and s4 vote for s5 (s2 holds a term-4 entry and refuses)
    expect(net.raft('s5').status()).toMatchObject({ role: 'leader', term: 5 });
    expect(commits(net)).toEqual({ s1: 1, s2: 3, s3: 3, s4: 3, s5: 3 });
    for (const id of ['s2', 's3', 's4', 's5']) expect(termsOf(net.raft(id))).toEqual([1, 3, 5]);
    // Nobody ever applied the overwritten entry: only committed entries are applied.
    for (const id of ['s1', 's2', 's3']) expect(net.node(id).applied.map((entry) => [entry.index, entry.term])).not.toContainEqual([2, 2]);

    net.heal();
    net.tick(1, ['s5']);
    net.stabilize();
    expect(termsOf(net.raft('s1'))).toEqual([1, 3, 5]);
    expect(commits(net)).toEqual({ s1: 3, s2: 3, s3: 3, s4: 3, s5: 3 });
  });

  // "(e) However, if S1 replicates an entry from its current term on a majority of the servers
  // before crashing, [...] then this entry is committed (S5 cannot win an election). At this
  // point all preceding entries in the log are committed as well."
  // Reference: section 5.4.2, figure 8
  it('figure 8 (e): the old-term entry commits together with an entry of the current term', () => {
    const net = figure8StateC();
    net.stabilize(); // s3 receives s1's term-4 entry and acknowledges it
    expect(termsOf(net.raft('s3'))).toEqual([1, 2, 4]);
    expect(commits(net)).toEqual({ s1: 3, s2: 3, s3: 3, s4: 1, s5: 1 });
    for (const id of ['s1', 's2', 's3']) {
      expect(net.node(id).applied.map((entry) => [entry.index, entry.term])).toEqual([
        [1, 1],
        [2, 2],
        [3, 4],
      ]);
    }

    // s5 can no longer win: s1, s2 and s3 hold a term-4 entry and refuse it.
    net.heal();
    net.isolate('s1');
    net.restart('s5');
    net.elect('s5');
    net.elect('s5');
    expect(net.raft('s5').status().role).not.toBe('leader');
    expect(termsOf(net.raft('s2'))).toEqual([1, 2, 4]);
    expect(termsOf(net.raft('s3'))).toEqual([1, 2, 4]);
  });
});

describe('Raft paper §5.4 safety properties', () => {
  // Figure 7: "When the leader at the top comes to power, it is possible that any of scenarios
  // (a–f) could occur in follower logs. [...] a follower may be missing entries (a–b), may have
  // extra uncommitted entries (c–d), or both (e–f)." And §5.3: "the leader handles
  // inconsistencies by forcing the followers' logs to duplicate its own." The leader is elected
  // in term 8 with the vote of a third server holding its log. (etcd-raft's
  // TestLeaderSyncFollowerLog.)
  // Reference: section 5.3, figure 7
  const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  it.each([
    { name: '(a)', terms: [1, 1, 1, 4, 4, 5, 5, 6, 6] },
    { name: '(b)', terms: [1, 1, 1, 4] },
    { name: '(c)', terms: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6] },
    { name: '(d)', terms: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7] },
    { name: '(e)', terms: [1, 1, 1, 4, 4, 4, 4] },
    { name: '(f)', terms: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3] },
  ])('figure 7 follower $name ends with exactly the leader log', ({ terms }) => {
    const voters = ['leader', 'follower', 'voter'];
    const logs: Record<NodeId, number[]> = { leader: leaderTerms, follower: terms, voter: leaderTerms };
    const net = new Network([]);
    voters.forEach((id, position) => net.add(id, { config: net.configFor(id, position), initial: handMadeState(voters, logs[id]!, { term: 7, commit: 3 }) }));

    net.elect('leader');
    expect(net.raft('leader').status()).toMatchObject({ role: 'leader', term: 8 });
    const expected = [...entriesWithTerms(1, leaderTerms), { index: 11, term: 8, type: 'normal', data: NO_OP }];
    for (const id of voters) {
      expect(logOf(net.raft(id)), id).toEqual(expected);
      expect(net.node(id).disk.entries, id).toEqual(expected);
      expect(net.raft(id).status().commit, id).toBe(11);
      expect(net.node(id).applied.map((entry) => entry.index), id).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    }
  });

  // "Leader Append-Only: a leader never overwrites or deletes entries in its log; it only
  // appends new entries." A deposed leader that does not know it yet sends its entries to the
  // new leader, which keeps its own log untouched.
  // Reference: section 5.4, figure 3
  it('a leader ignores AppendEntries from a deposed leader and keeps its log', () => {
    const net = new Network(['a', 'b', 'c'], { config: { preVote: false, checkQuorum: false } });
    net.elect('a');
    net.isolate('a');
    net.elect('b');
    net.propose('b', 'kept');
    const before = logOf(net.raft('b'));
    expect(before.map((entry) => [entry.index, entry.term])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
    ]);

    net.heal();
    net.raft('a').propose(bytes('stale'));
    net.process('a');
    const persistsBefore = net.node('b').effects.filter((effect) => effect.type === 'persist').length;
    net.deliver((message) => message.to === 'b');
    expect(net.delivered.at(-1)).toMatchObject({ type: 'appendEntries', from: 'a', to: 'b', term: 2, prevLogIndex: 2, prevLogTerm: 2 });
    expect(net.raft('b').status()).toMatchObject({ role: 'leader', term: 3 });
    expect(logOf(net.raft('b'))).toEqual(before);
    expect(net.node('b').effects.filter((effect) => effect.type === 'persist').length).toBe(persistsBefore);
  });

  // "Leader Completeness: if a log entry is committed in a given term, then that entry will be
  // present in the logs of the leaders for all higher-numbered terms." "State Machine Safety: if
  // a server has applied a log entry at a given index to its state machine, no other server will
  // ever apply a different log entry for the same index." "Leader Append-Only" is checked after
  // every delivery round. Five servers; in each round the leader commits entries while cut off
  // from two followers, then crashes, so only two of the four survivors hold the new entries.
  // Reference: section 5.4.3, figure 3
  it('across leader changes, new leaders hold every committed entry and every server applies the same entries', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const net = new Network(ids, { seed: 42 });
    const committed = new Map<number, Entry>();
    const leaderLogs = new Map<string, Entry[]>();
    const checkAppendOnly = () => {
      for (const id of ids) {
        const status = net.raft(id).status();
        if (status.role !== 'leader') continue;
        const key = `${id}@${status.term}`;
        const log = logOf(net.raft(id));
        const earlier = leaderLogs.get(key);
        if (earlier !== undefined) expect(log.slice(0, earlier.length), key).toEqual(earlier);
        leaderLogs.set(key, log);
      }
    };
    const settle = () => {
      for (let round = 0; net.queue.length > 0; round++) {
        if (round > 1000) throw new Error('network did not settle');
        net.deliver();
        checkAppendOnly();
      }
    };
    const waitForLeader = (notId: NodeId | undefined, aboveTerm: number): NodeId => {
      for (let tick = 0; tick < 500; tick++) {
        net.tick(1);
        settle();
        const leader = net.leader();
        if (leader !== undefined && leader !== notId && net.raft(leader).status().term > aboveTerm) return leader;
      }
      throw new Error('no leader elected');
    };

    let leader = waitForLeader(undefined, 0);
    const terms: number[] = [];
    for (let round = 0; round < 6; round++) {
      const leaderTerm = net.raft(leader).status().term;
      terms.push(leaderTerm);
      const followers = ids.filter((id) => id !== leader);
      net.cut(leader, followers[round % 4]!);
      net.cut(leader, followers[(round + 1) % 4]!);
      for (let i = 0; i < 3; i++) {
        expect(net.raft(leader).propose(bytes(`round ${round} value ${i}`)).ok).toBe(true);
        net.process(leader);
        settle();
      }
      const status = net.raft(leader).status();
      expect(status.commit).toBe(status.lastIndex);
      for (const entry of logOf(net.raft(leader)).slice(0, status.commit)) {
        if (committed.has(entry.index)) expect(entry).toEqual(committed.get(entry.index));
        committed.set(entry.index, entry);
      }

      // The leader crashes; one of the two followers holding its entries must win.
      net.heal();
      net.isolate(leader);
      const next = waitForLeader(leader, leaderTerm);
      for (const [index, entry] of committed) expect(net.raft(next).entry(index), `${next} index ${index}`).toEqual(entry);
      // The old leader comes back; the new leader's next heartbeat tells it the newer term.
      net.heal();
      net.tick(1, [next]);
      settle();
      expect(net.raft(leader).status()).toMatchObject({ role: 'follower', leader: next });
      leader = next;
    }
    expect(new Set(terms).size).toBe(6);

    // Let every server catch up, then compare the state machines entry by entry.
    net.propose(leader, 'last');
    for (let i = 0; i < 3; i++) {
      net.tick(1, [leader]);
      settle();
    }
    const reference = net.node(leader).applied;
    expect(reference.length).toBe(net.raft(leader).status().commit);
    expect(reference.map((entry) => entry.index)).toEqual(reference.map((_, position) => position + 1));
    for (const [index, entry] of committed) expect(reference[index - 1]).toEqual(entry);
    for (const id of ids) expect(net.node(id).applied, id).toEqual(reference);

    // No server ever truncated its log in a term it led.
    for (const id of ids) {
      const effects = net.node(id).effects;
      const ledTerms = effects.flatMap((effect) => (effect.type === 'roleChanged' && effect.role === 'leader' ? [effect.term] : []));
      const truncations = effects.filter((effect): effect is PersistEffect => effect.type === 'persist' && effect.truncateFrom !== undefined);
      for (const persist of truncations) expect(ledTerms, id).not.toContain(persist.hardState.term);
    }
  });
});
