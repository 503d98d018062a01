/**
 * Check-quorum (Raft thesis §6.2) and the leader lease it gives followers (thesis §4.2.3): a
 * leader that stops hearing from a quorum steps down, and followers that hear from a leader
 * ignore campaigns, so a stale or partitioned node cannot unseat it.
 */
import { describe, expect, it } from 'vitest';
import type { RaftConfig } from './config.js';
import { createRaft, type Raft } from './raft.js';
import { createSeededRng } from './rng.js';
import { Network } from './test-support/network.js';
import type { Effect, Message, NodeId, RequestVoteMessage } from './types.js';
import { drain, run, sent } from './test-support/drive.js';

const VOTERS = ['a', 'b', 'c'];

function bootstrapped(id: NodeId, overrides: Partial<RaftConfig> = {}): Raft {
  const raft = createRaft({
    config: { id, electionTicks: 10, heartbeatTicks: 1, preVote: true, checkQuorum: true, random: createSeededRng(5), ...overrides },
    bootstrap: { voters: VOTERS, outgoingVoters: [], learners: [] },
  });
  drain(raft);
  return raft;
}

function requestVote(from: NodeId, to: NodeId, term: number, lastLogIndex: number, lastLogTerm: number): RequestVoteMessage {
  return { type: 'requestVote', from, to, term, preVote: false, lastLogIndex, lastLogTerm };
}

/** elect makes `raft` leader at term 2 by granting every pre-vote and vote it asks for. */
function elect(raft: Raft): void {
  raft.campaign();
  raft.receive({ type: 'requestVoteResponse', from: 'b', to: raft.id, term: 2, preVote: true, granted: true });
  raft.receive({ type: 'requestVoteResponse', from: 'b', to: raft.id, term: 2, preVote: false, granted: true });
  drain(raft);
  expect(raft.status()).toMatchObject({ role: 'leader', term: 2 });
}

function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

describe('check-quorum: the leader side', () => {
  // "...a leader in Raft steps down if an election timeout elapses without a successful round of
  // heartbeats to a majority of its cluster; this allows clients to retry their requests with
  // another server." The leader checks once per electionTicks whether every voter of a quorum was
  // heard from since the last check, so an isolated leader steps down at the first check that
  // finds it alone: here the second, as the first still counts the election's answers.
  // Reference: thesis section 6.2
  it('a leader cut off from the quorum steps down at the first check that finds it alone', () => {
    const net = new Network(VOTERS, { seed: 1, config: { preVote: true, checkQuorum: true } });
    net.elect('a');
    net.isolate('a');

    run(net, 19, ['a']);
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2 });

    run(net, 1, ['a']);
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 2, leader: null });
    expect(net.node('a').effects.at(-1)).toEqual({ type: 'roleChanged', role: 'follower', term: 2, leader: null });
    // Stepping down is not a new election: the term and the durable vote stay.
    expect(net.node('a').disk.hardState).toMatchObject({ term: 2, vote: 'a' });
  });

  // Without check-quorum the same leader never notices: this shows the test above can fail.
  // Reference: thesis section 6.2
  it('without check-quorum an isolated leader stays leader indefinitely', () => {
    const net = new Network(VOTERS, { seed: 1, config: { preVote: true, checkQuorum: false } });
    net.elect('a');
    net.isolate('a');

    run(net, 200, ['a']);

    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2 });
  });

  // Reference: thesis section 6.2
  it('a leader that hears from a quorum stays leader while a minority is cut off', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const net = new Network(ids, { seed: 1, config: { preVote: true, checkQuorum: true } });
    net.elect('a');
    net.isolate('d');
    net.isolate('e');

    for (let i = 0; i < 200; i++) {
      run(net, 1);
      expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2 });
    }
    for (const id of ids) expect(net.raft(id).status().term).toBe(2);
  });

  // Reference: thesis section 6.2
  it('a leader of five steps down when three voters are cut off', () => {
    const net = new Network(['a', 'b', 'c', 'd', 'e'], { seed: 1, config: { preVote: true, checkQuorum: true } });
    net.elect('a');
    for (const id of ['c', 'd', 'e']) net.isolate(id);

    run(net, 20, ['a', 'b']);

    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 2 });
  });

  // docs/architecture.md: "Learners never campaign and never count toward commit, ReadIndex or check-quorum."
  // Reference: thesis section 6.2, section 4.2.1
  it('learners do not count toward check-quorum', () => {
    const net = new Network([], { seed: 1, config: { preVote: true, checkQuorum: true } });
    const config = { voters: ['a', 'b', 'c'], outgoingVoters: [], learners: ['d', 'e'] };
    ['a', 'b', 'c', 'd', 'e'].forEach((id, position) => {
      net.add(id, { config: net.configFor(id, position), initial: { hardState: { term: 1, vote: null, commit: 0 }, snapshot: { index: 0, term: 0, config }, entries: [] } });
    });
    net.elect('a');
    expect(net.raft('a').status().progress.map((peer) => [peer.id, peer.learner])).toEqual([
      ['b', false],
      ['c', false],
      ['d', true],
      ['e', true],
    ]);
    net.isolate('b');
    net.isolate('c');

    run(net, 20, ['a', 'd', 'e']);

    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 2 });
  });

  // "If a candidate or leader discovers that its term is out of date, it immediately reverts to
  // follower state." A leader that hears of a newer term in any answer steps down at once, without
  // waiting for the quorum check.
  // Reference: section 5.1, thesis section 6.2
  it.each([
    ['a heartbeat response', { type: 'heartbeatResponse', from: 'b', to: 'a', term: 3 } as Message],
    ['an append rejection', { type: 'appendEntriesResponse', from: 'b', to: 'a', term: 3, success: false, matchIndex: 0, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 } as Message],
    ['a vote refusal', { type: 'requestVoteResponse', from: 'b', to: 'a', term: 3, preVote: false, granted: false } as Message],
  ])('a stale leader that receives %s of a higher term steps down to that term', (_name, message) => {
    const raft = bootstrapped('a');
    elect(raft);

    raft.receive(message);
    const effects = drain(raft);

    expect(raft.status()).toMatchObject({ role: 'follower', term: 3, leader: null, vote: null });
    expect(effects.filter((effect) => effect.type === 'roleChanged')).toEqual([{ type: 'roleChanged', role: 'follower', term: 3, leader: null }]);
  });

  // A partitioned former leader learns of the new term the first time it talks to the majority:
  // its stale heartbeat is answered with the newer term (the followers' lease would otherwise keep
  // it believing it leads), and its uncommitted entries are replaced by the new leader's.
  // Reference: section 5.1, thesis section 6.2
  it.each([
    ['that never ticked (still believes it leads)', false],
    ['that stepped down by check-quorum meanwhile', true],
  ])('a partitioned former leader %s rejoins as follower of the new term', (_name, oldLeaderTicks) => {
    const net = new Network(VOTERS, { seed: 1, config: { preVote: true, checkQuorum: true } });
    net.elect('a');
    net.isolate('a');
    net.propose('a', 'lost');
    expect(net.raft('a').entry(3)).toMatchObject({ term: 2 });

    for (let i = 0; i < 200 && net.leader() === 'a'; i++) run(net, 1, oldLeaderTicks ? VOTERS : ['b', 'c']);
    const leader = net.leader()!;
    expect(['b', 'c']).toContain(leader);
    expect(net.raft(leader).status().term).toBe(3);
    net.propose(leader, 'kept');
    // Step down takes up to 2×electionTicks; then a pre-campaigns in vain, at its old term.
    if (oldLeaderTicks) run(net, 40);
    expect(net.raft('a').status()).toMatchObject({ role: oldLeaderTicks ? 'pre-candidate' : 'leader', term: 2 });

    net.heal();
    run(net, 5);

    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 3, leader });
    expect(net.raft(leader).status()).toMatchObject({ role: 'leader', term: 3 });
    expect(net.raft('a').entry(3)).toMatchObject({ term: 3 });
    const applied = net.node('a').applied.map((entry) => text(entry.data));
    expect(applied).toContain('kept');
    expect(applied).not.toContain('lost');
  });
});

describe('check-quorum: the follower lease', () => {
  // "...if a server receives a RequestVote request within the minimum election timeout of hearing
  // from a current leader, it does not update its term or grant its vote." It does not answer at
  // all, so the campaign neither advances nor unseats the leader. Once the leader has been silent
  // for electionTicks the lease is over and the request is handled as usual.
  // Reference: thesis section 4.2.3
  it('a follower that heard from its leader within the election timeout ignores a higher-term RequestVote', () => {
    const raft = bootstrapped('b');
    raft.receive({ type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 1, round: 1 });
    drain(raft);

    for (let i = 0; i < 10; i++) {
      raft.receive(requestVote('c', 'b', 9, 5, 2));
      expect(drain(raft)).toEqual([]);
      expect(raft.status()).toMatchObject({ role: 'follower', term: 2, leader: 'a', vote: null });
      raft.tick();
      drain(raft);
    }

    raft.receive(requestVote('c', 'b', 9, 5, 2));
    expect(sent(drain(raft))).toEqual([{ type: 'requestVoteResponse', from: 'b', to: 'c', term: 9, preVote: false, granted: true }]);
    expect(raft.hardState()).toEqual({ term: 9, vote: 'c', commit: 1 });
  });

  // Without check-quorum there is no lease: the same request unseats the follower's view at once.
  // Reference: thesis section 4.2.3
  it('without check-quorum the same follower adopts the higher term and votes at once', () => {
    const raft = bootstrapped('b', { checkQuorum: false });
    raft.receive({ type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 1, round: 1 });
    drain(raft);

    raft.receive(requestVote('c', 'b', 9, 5, 2));

    expect(sent(drain(raft))).toEqual([{ type: 'requestVoteResponse', from: 'b', to: 'c', term: 9, preVote: false, granted: true }]);
    expect(raft.status()).toMatchObject({ role: 'follower', term: 9, leader: null, vote: 'c' });
  });

  // The leader holds the lease too: it ignores a campaign while it leads.
  // Reference: thesis section 4.2.3
  it('a leader ignores a higher-term RequestVote while it leads', () => {
    const raft = bootstrapped('a');
    elect(raft);

    raft.receive(requestVote('c', 'a', 9, 5, 2));

    expect(drain(raft)).toEqual([]);
    expect(raft.status()).toMatchObject({ role: 'leader', term: 2 });
  });

  // In a running cluster: a node that campaigns without pre-vote while the others hear from their
  // leader gets no vote, and the leader keeps its term.
  // Reference: thesis section 4.2.3
  it('a cluster with a live leader ignores a campaign from a node with a higher term', () => {
    const net = new Network(VOTERS, { seed: 1, config: { preVote: false, checkQuorum: true } });
    net.elect('a');
    run(net, 3);

    net.raft('c').campaign();
    net.raft('c').campaign();
    net.process('c');
    net.deliver();

    expect(net.raft('c').status()).toMatchObject({ role: 'candidate', term: 4 });
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2 });
    expect(net.raft('b').status()).toMatchObject({ role: 'follower', term: 2, leader: 'a', vote: 'a' });
    expect(net.queue).toEqual([]);
  });
});

describe('check-quorum and members just added', () => {
  // etcd-raft's TestAddNodeCheckQuorum, in our words: a member added just before a quorum check has
  // had no chance to answer yet; the leader counts it as heard when it joins, so that check keeps
  // it leading. A whole election timeout later, still unheard, it no longer counts. (Our guard
  // refuses a direct addVoter to a one-node cluster, so b joins as a learner and is promoted.)
  it('a member added right before the quorum check does not depose the leader; unheard one timeout later, it does', () => {
    const net = new Network(['a'], { seed: 1, config: { preVote: true, checkQuorum: true } });
    net.elect('a');
    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'b' })).toEqual({ ok: true, index: 3 });
    net.process('a');
    run(net, 9);
    expect(net.raft('a').changeMembership({ type: 'promote', id: 'b' })).toEqual({ ok: true, index: 4 });
    net.process('a');

    net.tick(1);
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', config: { voters: ['a', 'b'] } });

    net.tick(10);
    expect(net.raft('a').status().role).toBe('follower');
  });

  // The will-break-quorum guard and check-quorum must judge a never-heard member alike: heard when
  // it joined, for one election timeout, and unresponsive after that until it answers.
  it('promoting a never-heard learner is allowed within its first election timeout and refused after it', () => {
    const early = new Network(['a'], { seed: 1 });
    early.elect('a');
    early.raft('a').changeMembership({ type: 'addLearner', id: 'b' });
    early.process('a');
    early.tick(5);
    expect(early.raft('a').changeMembership({ type: 'promote', id: 'b' })).toMatchObject({ ok: true });

    const late = new Network(['a'], { seed: 1 });
    late.elect('a');
    late.raft('a').changeMembership({ type: 'addLearner', id: 'b' });
    late.process('a');
    late.tick(10);
    expect(late.raft('a').changeMembership({ type: 'promote', id: 'b' })).toMatchObject({ ok: false, reason: 'will-break-quorum' });
  });
});
