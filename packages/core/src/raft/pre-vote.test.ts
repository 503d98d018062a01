/**
 * Pre-vote (Raft thesis §9.6): "a candidate only increments its term if it first learns from a
 * majority of the cluster that they would be willing to grant the candidate their votes (if the
 * candidate's log is sufficiently up-to-date, and the voters have not received heartbeats from a
 * valid leader for at least a baseline election timeout)."
 */
import { describe, expect, it } from 'vitest';
import type { RaftConfig } from './config.js';
import { createRaft, type Raft } from './raft.js';
import { createSeededRng } from './rng.js';
import { Network } from './test-support/network.js';
import type { Effect, Entry, HardState, Message, NodeId, RequestVoteMessage, RequestVoteResponseMessage } from './types.js';
import { drain, run, sent } from './test-support/drive.js';

const VOTERS = ['a', 'b', 'c'];
const MEMBERSHIP = { voters: VOTERS, outgoingVoters: [], learners: [] };

function configFor(id: NodeId, overrides: Partial<RaftConfig> = {}): RaftConfig {
  return { id, electionTicks: 10, heartbeatTicks: 1, preVote: true, checkQuorum: false, random: createSeededRng(7), ...overrides };
}

function bootstrapped(id: NodeId, overrides: Partial<RaftConfig> = {}): Raft {
  const raft = createRaft({ config: configFor(id, overrides), bootstrap: MEMBERSHIP });
  drain(raft);
  return raft;
}

function restored(id: NodeId, hardState: HardState, entries: Entry[], overrides: Partial<RaftConfig> = {}): Raft {
  const raft = createRaft({ config: configFor(id, overrides), initial: { hardState, snapshot: { index: 0, term: 0, config: MEMBERSHIP }, entries } });
  drain(raft);
  return raft;
}

function entry(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(0) };
}

function requestVote(from: NodeId, to: NodeId, term: number, lastLogIndex: number, lastLogTerm: number, preVote: boolean): RequestVoteMessage {
  return { type: 'requestVote', from, to, term, preVote, lastLogIndex, lastLogTerm };
}

function voteResponse(from: NodeId, to: NodeId, term: number, granted: boolean, preVote: boolean): RequestVoteResponseMessage {
  return { type: 'requestVoteResponse', from, to, term, preVote, granted };
}

/**
 * rejoinAfterPartition: a, b, c elect a at term 2; c is cut off for 50 ticks while everyone
 * ticks; the partition heals and c's election timer fires (it alone ticks until it asks for
 * votes) before any heartbeat reaches it; then everyone runs for 50 more ticks.
 */
function rejoinAfterPartition(config: Partial<RaftConfig>): Network {
  const net = new Network(VOTERS, { seed: 11, config });
  net.elect('a');
  expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2 });

  net.isolate('c');
  run(net, 50);
  net.heal();
  for (let i = 0; i < 100 && !net.queue.some((message) => message.from === 'c' && message.type === 'requestVote'); i++) net.tick(1, ['c']);
  expect(net.queue.some((message) => message.from === 'c' && message.type === 'requestVote')).toBe(true);
  net.stabilize();
  run(net, 50);
  return net;
}

describe('pre-vote protects a healthy leader from a rejoining node', () => {
  // "The Pre-Vote algorithm solves the issue of a partitioned server disrupting the cluster when
  // it rejoins. While a server is partitioned, it won't be able to increment its term, since it
  // can't receive permission from a majority of the cluster. Then, when it rejoins the cluster,
  // it still won't be able to increment its term, since the other servers will have been
  // receiving regular heartbeats from the leader."
  // Reference: thesis section 9.6
  it.each([false, true])('a partitioned node rejoins without bumping any term or unseating the leader (checkQuorum %s)', (checkQuorum) => {
    const net = rejoinAfterPartition({ preVote: true, checkQuorum });

    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2 });
    expect(net.raft('b').status()).toMatchObject({ role: 'follower', term: 2, leader: 'a' });
    expect(net.raft('c').status()).toMatchObject({ role: 'follower', term: 2, leader: 'a' });
    // Only pre-votes ever named a later term; no real vote or append carried one.
    const later = net.delivered.filter((message) => message.term > 2 && !(message.type === 'requestVote' && message.preVote) && !(message.type === 'requestVoteResponse' && message.preVote));
    expect(later).toEqual([]);
  });

  // The same scenario without pre-vote (and without the check-quorum lease): c's term ran ahead
  // while it was cut off, and its RequestVote unseats the leader. This shows the scenario above
  // can fail.
  // Reference: thesis section 9.6
  it('without pre-vote the same rejoining node forces a new election at a higher term', () => {
    const net = rejoinAfterPartition({ preVote: false, checkQuorum: false });

    const c = net.raft('c').status();
    expect(c.term).toBeGreaterThan(3);
    expect(c.role).toBe('leader');
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: c.term, leader: 'c' });
  });

  // While cut off, a pre-candidate cannot win, so its term never moves.
  // Reference: thesis section 9.6
  it('a partitioned node with pre-vote keeps its term however many election timeouts pass', () => {
    const net = new Network(VOTERS, { seed: 11, config: { preVote: true, checkQuorum: false } });
    net.elect('a');
    net.isolate('c');

    run(net, 200);

    expect(net.raft('c').status()).toMatchObject({ role: 'pre-candidate', term: 2, vote: 'a' });
    expect(net.node('c').disk.hardState).toMatchObject({ term: 2, vote: 'a' });
  });

  // Pre-vote does not cost a term: when a leader really fails the next one is elected at term+1.
  // Reference: thesis section 9.6
  it('when the leader fails the others elect a new leader at the next term', () => {
    for (const checkQuorum of [false, true]) {
      const net = new Network(VOTERS, { seed: 11, config: { preVote: true, checkQuorum } });
      net.elect('a');
      net.isolate('a');

      for (let i = 0; i < 200 && net.raft('b').status().role !== 'leader' && net.raft('c').status().role !== 'leader'; i++) run(net, 1, ['b', 'c']);

      const leader = net.raft('b').status().role === 'leader' ? 'b' : 'c';
      expect(net.raft(leader).status()).toMatchObject({ role: 'leader', term: 3 });
    }
  });
});

describe('pre-vote voters', () => {
  // "...a candidate only increments its term if it first learns ... that they would be willing to
  // grant the candidate their votes": the question binds nobody, so answering it changes neither
  // the voter's term nor its vote, and needs no persist.
  // Reference: thesis section 9.6
  it('granting a pre-vote changes neither the term nor the vote and waits for no persist', () => {
    const raft = restored('b', { term: 2, vote: 'a', commit: 0 }, [entry(1, 1), entry(2, 2)]);

    raft.receive(requestVote('c', 'b', 3, 2, 2, true));
    const effects = raft.takeEffects();

    expect(effects).toEqual([{ type: 'send', to: 'c', message: voteResponse('b', 'c', 3, true, true) }]);
    expect(raft.hardState()).toEqual({ term: 2, vote: 'a', commit: 0 });
    expect(raft.status().role).toBe('follower');

    // Nothing was promised: a real candidate of term 3 can still get the vote.
    raft.receive(requestVote('a', 'b', 3, 2, 2, false));
    expect(sent(drain(raft))).toEqual([voteResponse('b', 'a', 3, true, false)]);
    expect(raft.hardState()).toEqual({ term: 3, vote: 'a', commit: 0 });
  });

  // Reference: thesis section 9.6
  it('refusing a pre-vote for a log that is behind changes neither the term nor the vote', () => {
    const raft = restored('b', { term: 2, vote: 'a', commit: 0 }, [entry(1, 1), entry(2, 2)]);

    raft.receive(requestVote('c', 'b', 3, 5, 1, true));
    const effects = drain(raft);

    expect(effects).toEqual([{ type: 'send', to: 'c', message: voteResponse('b', 'c', 2, false, true) }]);
    expect(raft.hardState()).toEqual({ term: 2, vote: 'a', commit: 0 });
  });

  // "...and the voters have not received heartbeats from a valid leader for at least a baseline
  // election timeout". This holds even without check-quorum: a voter in touch with its leader
  // refuses, and agrees again once the leader has been silent for electionTicks.
  // Reference: thesis section 9.6
  it('a follower that heard from its leader within the election timeout refuses a pre-vote, and grants it after', () => {
    // A timeout of exactly electionTicks would make b campaign itself; seed 5 draws 17 ticks.
    const raft = bootstrapped('b', { random: createSeededRng(5) });
    raft.receive({ type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 1, round: 1 });
    drain(raft);

    for (let i = 0; i < 10; i++) {
      raft.receive(requestVote('c', 'b', 3, 1, 1, true));
      expect(sent(drain(raft))).toEqual([voteResponse('b', 'c', 2, false, true)]);
      raft.tick();
      drain(raft);
    }
    expect(raft.status()).toMatchObject({ role: 'follower', term: 2, leader: 'a' });

    raft.receive(requestVote('c', 'b', 3, 1, 1, true));
    expect(sent(drain(raft))).toEqual([voteResponse('b', 'c', 3, true, true)]);
    expect(raft.hardState()).toEqual({ term: 2, vote: null, commit: 1 });
  });

  // A leader is the valid leader: it never tells another node it may take over.
  // Reference: thesis section 9.6
  it('a leader refuses pre-votes', () => {
    const raft = bootstrapped('a');
    raft.campaign();
    raft.receive(voteResponse('b', 'a', 2, true, true));
    raft.receive(voteResponse('b', 'a', 2, true, false));
    drain(raft);
    expect(raft.status()).toMatchObject({ role: 'leader', term: 2 });

    raft.receive(requestVote('c', 'a', 3, 2, 2, true));

    expect(sent(drain(raft))).toEqual([voteResponse('a', 'c', 2, false, true)]);
    expect(raft.status()).toMatchObject({ role: 'leader', term: 2 });
  });
});

describe('pre-candidates', () => {
  // "...a candidate only increments its term if it first learns from a majority of the cluster
  // that they would be willing to grant the candidate their votes": on a pre-vote majority it
  // becomes a real candidate at term+1, votes for itself and asks again, after its vote is durable.
  // Reference: thesis section 9.6
  it('a pre-candidate that wins the pre-vote becomes candidate at term+1 and asks for real votes', () => {
    const raft = bootstrapped('a');
    raft.campaign();
    drain(raft);
    expect(raft.status()).toMatchObject({ role: 'pre-candidate', term: 1, vote: null });

    raft.receive(voteResponse('b', 'a', 2, true, true));
    const effects = raft.takeEffects();

    expect(raft.status()).toMatchObject({ role: 'candidate', term: 2, vote: 'a' });
    expect(effects.filter((effect) => effect.type === 'persist')).toEqual([{ type: 'persist', seq: 2, hardState: { term: 2, vote: 'a', commit: 1 }, entries: [] }]);
    expect(effects.filter((effect) => effect.type === 'send')).toEqual([
      { type: 'send', to: 'b', message: requestVote('a', 'b', 2, 1, 1, false), afterPersist: 2 },
      { type: 'send', to: 'c', message: requestVote('a', 'c', 2, 1, 1, false), afterPersist: 2 },
    ]);
  });

  // Reference: thesis section 9.6
  it('a pre-candidate refused by a majority returns to follower at its old term', () => {
    const raft = bootstrapped('a');
    raft.campaign();
    drain(raft);

    raft.receive(voteResponse('b', 'a', 1, false, true));
    raft.receive(voteResponse('c', 'a', 1, false, true));
    const effects = drain(raft);

    expect(raft.status()).toMatchObject({ role: 'follower', term: 1, vote: null });
    expect(effects.filter((effect) => effect.type === 'persist')).toEqual([]);
  });

  // A real vote response does not count in a pre-vote, nor the reverse.
  // Reference: thesis section 9.6
  it('a pre-candidate does not count real vote responses', () => {
    const raft = bootstrapped('a');
    raft.campaign();
    drain(raft);

    raft.receive(voteResponse('b', 'a', 1, true, false));
    drain(raft);

    expect(raft.status()).toMatchObject({ role: 'pre-candidate', term: 1 });
  });

  // A pre-candidate is still a follower of the current term in all but name: "If the
  // AppendEntries RPC is received from another server claiming to be leader and the leader's term
  // is at least as large as the candidate's current term, then the candidate recognizes the
  // leader as legitimate and returns to follower state."
  // Reference: section 5.2, thesis section 9.6
  it.each([
    ['a heartbeat of its term', { type: 'heartbeat', from: 'b', to: 'a', term: 1, commit: 1 } as Message, 1],
    ['an AppendEntries of its term', { type: 'appendEntries', from: 'b', to: 'a', term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [], leaderCommit: 1 } as Message, 1],
    ['a heartbeat of a higher term', { type: 'heartbeat', from: 'b', to: 'a', term: 2, commit: 1 } as Message, 2],
  ])('a pre-candidate that receives %s returns to follower of that leader', (_name, message, term) => {
    const raft = bootstrapped('a');
    raft.campaign();
    drain(raft);

    raft.receive(message);
    drain(raft);
    expect(raft.status()).toMatchObject({ role: 'follower', term, leader: 'b' });

    // Grants that arrive late no longer make it a candidate.
    raft.receive(voteResponse('c', 'a', 2, true, true));
    drain(raft);
    expect(raft.status()).toMatchObject({ role: 'follower', term, leader: 'b' });
  });
});
