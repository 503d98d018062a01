/**
 * Leader election as the Raft paper (§5.1, §5.2, §5.4.1) describes it, in the style of etcd-raft's
 * raft_paper_test.go: each test quotes the sentence it checks and drives one core by hand (inputs
 * in, effects out), or a small in-test network where the scenario needs several nodes.
 */
import { describe, expect, it } from 'vitest';
import type { RaftConfig } from './config.js';
import { createRaft, type Raft } from './raft.js';
import { createSeededRng } from './rng.js';
import { Network } from './test-support/network.js';
import type {
  AppendEntriesMessage,
  Effect,
  Entry,
  HardState,
  HeartbeatMessage,
  MembershipConfig,
  Message,
  NodeId,
  RequestVoteMessage,
  RequestVoteResponseMessage,
} from './types.js';
import { sent } from './test-support/drive.js';

const VOTERS = ['a', 'b', 'c'];

function membership(voters: readonly NodeId[], learners: readonly NodeId[] = []): MembershipConfig {
  return { voters: [...voters], outgoingVoters: [], learners: [...learners] };
}

function configFor(id: NodeId, overrides: Partial<RaftConfig> = {}): RaftConfig {
  return { id, electionTicks: 10, heartbeatTicks: 1, preVote: false, checkQuorum: false, random: createSeededRng(7), ...overrides };
}

/** bootstrapped returns a node of a new cluster: term 1, the config entry at index 1, commit 1. */
function bootstrapped(id: NodeId, overrides: Partial<RaftConfig> = {}, voters: readonly NodeId[] = VOTERS): Raft {
  const raft = createRaft({ config: configFor(id, overrides), bootstrap: membership(voters) });
  drain(raft);
  return raft;
}

/** restored returns a node started from a hand-made store (a snapshot at 0 carries the membership). */
function restored(id: NodeId, hardState: HardState, entries: Entry[], overrides: Partial<RaftConfig> = {}, config = membership(VOTERS)): Raft {
  const raft = createRaft({ config: configFor(id, overrides), initial: { hardState, snapshot: { index: 0, term: 0, config }, entries } });
  drain(raft);
  return raft;
}

/** drain takes every effect, acknowledging persists and applies at once as a fast disk would. */
function drain(raft: Raft): Effect[] {
  const all: Effect[] = [];
  while (raft.hasEffects()) all.push(...acknowledge(raft, raft.takeEffects()));
  return all;
}

function acknowledge(raft: Raft, effects: Effect[]): Effect[] {
  for (const effect of effects) {
    if (effect.type === 'persist') raft.persisted(effect.seq);
    if (effect.type === 'apply') raft.applied(effect.entries.at(-1)!.index);
  }
  return effects;
}

function entry(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(0) };
}

function heartbeat(from: NodeId, to: NodeId, term: number): HeartbeatMessage {
  return { type: 'heartbeat', from, to, term, commit: 1, round: 1 };
}

function appendEntries(from: NodeId, to: NodeId, term: number, entries: Entry[] = []): AppendEntriesMessage {
  return { type: 'appendEntries', from, to, term, prevLogIndex: 1, prevLogTerm: 1, entries, leaderCommit: 1 };
}

function requestVote(from: NodeId, to: NodeId, term: number, lastLogIndex: number, lastLogTerm: number, preVote = false): RequestVoteMessage {
  return { type: 'requestVote', from, to, term, preVote, lastLogIndex, lastLogTerm };
}

function voteResponse(from: NodeId, to: NodeId, term: number, granted: boolean, preVote = false): RequestVoteResponseMessage {
  return { type: 'requestVoteResponse', from, to, term, preVote, granted };
}

/** elect makes `raft` leader by granting every vote (and pre-vote) it asks for. */
function elect(raft: Raft): Effect[] {
  raft.campaign();
  let effects = drain(raft);
  for (let round = 0; round < 2 && raft.status().role !== 'leader'; round++) {
    for (const message of sent(effects)) {
      if (message.type === 'requestVote') raft.receive(voteResponse(message.to, raft.id, message.term, true, message.preVote));
    }
    effects = drain(raft);
  }
  expect(raft.status().role).toBe('leader');
  return effects;
}

/**
 * tickUntilCampaign ticks until the node asks for votes; returns how many ticks it took and the
 * effects of the campaigning tick exactly as takeEffects() handed them out (then acknowledged).
 */
function tickUntilCampaign(raft: Raft): { ticks: number; effects: Effect[] } {
  for (let ticks = 1; ticks <= 1000; ticks++) {
    raft.tick();
    const effects = [...acknowledge(raft, raft.takeEffects()), ...drain(raft)];
    if (sent(effects).some((message) => message.type === 'requestVote')) return { ticks, effects };
  }
  throw new Error('no campaign in 1000 ticks');
}

function ticksUntilCampaign(raft: Raft): number {
  return tickUntilCampaign(raft).ticks;
}

describe('§5.1 terms', () => {
  // "If one server's current term is smaller than the other's, then it updates its current term
  // to the larger value. If a candidate or leader discovers that its term is out of date, it
  // immediately reverts to follower state."
  // Reference: section 5.1
  it.each(['follower', 'candidate', 'leader'] as const)('a %s adopts a higher term from an AppendEntries and becomes follower', (role) => {
    const raft = bootstrapped('a');
    if (role === 'candidate') raft.campaign();
    if (role === 'leader') elect(raft);
    drain(raft);
    expect(raft.status().role).toBe(role);

    raft.receive(appendEntries('b', 'a', 5));
    const effects = drain(raft);

    expect(raft.status()).toMatchObject({ role: 'follower', term: 5, leader: 'b', vote: null });
    expect(effects.flatMap((effect) => (effect.type === 'persist' ? [effect.hardState] : []))).toContainEqual({ term: 5, vote: null, commit: 1 });
  });

  // "If a candidate or leader discovers that its term is out of date, it immediately reverts to
  // follower state" also when the newer term arrives in a response, from no leader.
  // Reference: section 5.1
  it.each([
    ['a vote response', voteResponse('b', 'a', 5, false)],
    ['an append response', { type: 'appendEntriesResponse', from: 'b', to: 'a', term: 5, success: false, matchIndex: 0, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 } as Message],
    ['a heartbeat response', { type: 'heartbeatResponse', from: 'b', to: 'a', term: 5 } as Message],
  ])('a leader that receives %s with a higher term becomes a follower of that term with no leader', (_name, message) => {
    const raft = bootstrapped('a');
    elect(raft);

    raft.receive(message);
    drain(raft);

    expect(raft.status()).toMatchObject({ role: 'follower', term: 5, leader: null, vote: null });
  });

  // "If a server receives a request with a stale term number, it rejects the request."
  // Like etcd-raft we ignore it; with check-quorum or pre-vote a stale leader is also told the
  // newer term, or it could believe it leads forever.
  // Reference: section 5.1
  it('a stale-term AppendEntries changes nothing and is answered only when the stale leader must learn the term', () => {
    for (const [overrides, answered] of [
      [{ checkQuorum: false, preVote: false }, false],
      [{ checkQuorum: true, preVote: false }, true],
      [{ checkQuorum: false, preVote: true }, true],
    ] as const) {
      const raft = bootstrapped('a', overrides);
      raft.receive(heartbeat('b', 'a', 2));
      drain(raft);

      raft.receive(appendEntries('c', 'a', 1, [entry(2, 1)]));
      const effects = drain(raft);

      expect(raft.status()).toMatchObject({ role: 'follower', term: 2, leader: 'b', lastIndex: 1, commit: 1 });
      expect(effects.filter((effect) => effect.type === 'persist')).toEqual([]);
      expect(sent(effects)).toEqual(
        answered
          ? [{ type: 'appendEntriesResponse', from: 'a', to: 'c', term: 2, success: false, matchIndex: 0, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 }]
          : [],
      );
    }
  });

  // Reference: section 5.1
  it('a stale-term RequestVote is never granted and does not change the vote', () => {
    const raft = restored('a', { term: 3, vote: null, commit: 0 }, []);

    raft.receive(requestVote('b', 'a', 2, 5, 2));
    const effects = drain(raft);

    expect(sent(effects)).toEqual([]);
    expect(raft.hardState()).toEqual({ term: 3, vote: null, commit: 0 });
  });
});

describe('§5.2 leader election', () => {
  // "When servers start up, they begin as followers."
  // Reference: section 5.2
  it('a new node and a restarted node start as followers, keeping the durable term and vote', () => {
    const fresh = createRaft({ config: configFor('a'), bootstrap: membership(VOTERS) });
    expect(fresh.status()).toMatchObject({ role: 'follower', term: 1, vote: null, leader: null, commit: 1 });
    expect(drain(fresh).filter((effect) => effect.type === 'roleChanged')).toEqual([{ type: 'roleChanged', role: 'follower', term: 1, leader: null }]);

    const restarted = restored('a', { term: 5, vote: 'b', commit: 0 }, [entry(1, 4)]);
    expect(restarted.status()).toMatchObject({ role: 'follower', term: 5, vote: 'b', leader: null, lastIndex: 1 });
  });

  // "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to all
  // followers in order to maintain their authority." Ours are heartbeat messages every
  // heartbeatTicks, carrying the commit index capped at what each follower is known to hold.
  // Reference: section 5.2
  it('a leader sends a heartbeat to every follower every heartbeatTicks ticks', () => {
    const raft = bootstrapped('a', { heartbeatTicks: 3 });
    elect(raft);
    // b acknowledges the leader's empty entry (index 2), which commits it; c has not answered.
    raft.receive({ type: 'appendEntriesResponse', from: 'b', to: 'a', term: 2, success: true, matchIndex: 2, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 });
    drain(raft);
    expect(raft.status().commit).toBe(2);

    for (let round = 0; round < 2; round++) {
      raft.tick();
      raft.tick();
      expect(sent(drain(raft))).toEqual([]);
      raft.tick();
      expect(sent(drain(raft))).toEqual([
        { type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 2, round: round + 1 },
        { type: 'heartbeat', from: 'a', to: 'c', term: 2, commit: 0, round: round + 1 },
      ]);
    }
  });

  // "If a follower receives no communication over a period of time called the election timeout,
  // then it assumes there is no viable leader and begins an election to choose a new leader. To
  // begin an election, a follower increments its current term and transitions to candidate
  // state. It then votes for itself and issues RequestVote RPCs in parallel to each of the other
  // servers in the cluster."
  // Reference: section 5.2
  it('a follower that times out becomes candidate at term+1, votes for itself and asks every voter after its vote is durable', () => {
    const raft = bootstrapped('a');

    const { ticks, effects } = tickUntilCampaign(raft);

    // Not before the election timeout, which is at least electionTicks.
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(ticks).toBeLessThan(20);
    const again = bootstrapped('a');
    for (let i = 1; i < ticks; i++) again.tick();
    expect(drain(again)).toEqual([]);
    expect(again.status()).toMatchObject({ role: 'follower', term: 1 });

    expect(raft.status()).toMatchObject({ role: 'candidate', term: 2, vote: 'a', leader: null });
    const persists = effects.filter((effect) => effect.type === 'persist');
    expect(persists).toEqual([{ type: 'persist', seq: 2, hardState: { term: 2, vote: 'a', commit: 1 }, entries: [] }]);
    expect(effects.filter((effect) => effect.type === 'send')).toEqual([
      { type: 'send', to: 'b', message: requestVote('a', 'b', 2, 1, 1), afterPersist: 2 },
      { type: 'send', to: 'c', message: requestVote('a', 'c', 2, 1, 1), afterPersist: 2 },
    ]);
  });

  // With pre-vote (thesis §9.6) the timeout first asks "would you vote for me at term+1?" and
  // changes nothing durable: no term, no vote, no persist.
  // Reference: section 5.2, thesis section 9.6
  it('with pre-vote, a follower that times out asks for pre-votes at term+1 without changing its term or vote', () => {
    const raft = bootstrapped('a', { preVote: true });

    const { effects } = tickUntilCampaign(raft);

    expect(raft.status()).toMatchObject({ role: 'pre-candidate', term: 1, vote: null, leader: null });
    expect(effects.filter((effect) => effect.type === 'persist')).toEqual([]);
    expect(effects.filter((effect) => effect.type === 'send')).toEqual([
      { type: 'send', to: 'b', message: requestVote('a', 'b', 2, 1, 1, true) },
      { type: 'send', to: 'c', message: requestVote('a', 'c', 2, 1, 1, true) },
    ]);
  });

  // "If many followers become candidates at the same time, votes could be split so that no
  // candidate obtains a majority. When this happens, each candidate will time out and start a
  // new election by incrementing its term and initiating another round of RequestVote RPCs."
  // Reference: section 5.2
  it('a candidate that times out starts a new election at the next term', () => {
    const raft = bootstrapped('a');
    raft.campaign();
    drain(raft);
    expect(raft.status()).toMatchObject({ role: 'candidate', term: 2 });

    ticksUntilCampaign(raft);

    expect(raft.status()).toMatchObject({ role: 'candidate', term: 3, vote: 'a' });
  });

  // "A candidate wins an election if it receives votes from a majority of the servers in the full
  // cluster for the same term." / "...if a majority rejects it, it has lost" (returns to follower),
  // / "a candidate neither wins nor loses the election" (stays candidate).
  // Reference: section 5.2
  it.each([
    { size: 1, votes: {}, role: 'leader' },
    { size: 3, votes: { b: true, c: true }, role: 'leader' },
    { size: 3, votes: { b: true }, role: 'leader' },
    { size: 5, votes: { b: true, c: true, d: true, e: true }, role: 'leader' },
    { size: 5, votes: { b: true, c: true }, role: 'leader' },
    { size: 3, votes: { b: false, c: false }, role: 'follower' },
    { size: 5, votes: { b: false, c: false, d: false, e: false }, role: 'follower' },
    { size: 5, votes: { b: true, c: false, d: false, e: false }, role: 'follower' },
    { size: 3, votes: {}, role: 'candidate' },
    { size: 5, votes: { b: true }, role: 'candidate' },
    { size: 5, votes: { b: false, c: false }, role: 'candidate' },
    { size: 5, votes: { b: true, c: false, d: false }, role: 'candidate' },
  ] as const)('a candidate in a cluster of $size with votes $votes ends as $role', ({ size, votes, role }) => {
    const raft = bootstrapped('a', {}, ['a', 'b', 'c', 'd', 'e'].slice(0, size));
    raft.campaign();
    drain(raft);

    for (const [from, granted] of Object.entries(votes)) raft.receive(voteResponse(from, 'a', 2, granted));
    drain(raft);

    expect(raft.status().role).toBe(role);
    expect(raft.status().term).toBe(2);
  });

  // A vote counts once: a repeated grant from the same voter is not a second vote.
  // Reference: section 5.2
  it('a candidate counts each voter once', () => {
    const raft = bootstrapped('a', {}, ['a', 'b', 'c', 'd', 'e']);
    raft.campaign();
    drain(raft);

    for (let i = 0; i < 3; i++) raft.receive(voteResponse('b', 'a', 2, true));
    drain(raft);

    expect(raft.status().role).toBe('candidate');
  });

  // "Each server will vote for at most one candidate in a given term, on a first-come-first-served
  // basis."
  // Reference: section 5.2
  it.each([
    { vote: null, candidate: 'b', granted: true },
    { vote: null, candidate: 'c', granted: true },
    { vote: 'b', candidate: 'b', granted: true },
    { vote: 'c', candidate: 'c', granted: true },
    { vote: 'b', candidate: 'c', granted: false },
    { vote: 'c', candidate: 'b', granted: false },
  ] as const)('a follower that voted for $vote in term 1 answers $candidate granted=$granted', ({ vote, candidate, granted }) => {
    const raft = restored('a', { term: 1, vote, commit: 0 }, []);

    raft.receive(requestVote(candidate, 'a', 1, 0, 0));
    const effects = drain(raft);

    expect(sent(effects)).toEqual([voteResponse('a', candidate, 1, granted)]);
    expect(raft.hardState().vote).toBe(vote ?? candidate);
  });

  // Reference: section 5.2
  it('the first candidate to ask in a term gets the vote and a later one in the same term does not', () => {
    const raft = bootstrapped('a');

    raft.receive(requestVote('b', 'a', 2, 1, 1));
    raft.receive(requestVote('c', 'a', 2, 1, 1));
    raft.receive(requestVote('b', 'a', 2, 1, 1));
    const effects = drain(raft);

    expect(sent(effects)).toEqual([voteResponse('a', 'b', 2, true), voteResponse('a', 'c', 2, false), voteResponse('a', 'b', 2, true)]);
    expect(raft.hardState()).toEqual({ term: 2, vote: 'b', commit: 1 });

    // A new term frees the vote.
    raft.receive(requestVote('c', 'a', 3, 1, 1));
    expect(sent(drain(raft))).toEqual([voteResponse('a', 'c', 3, true)]);
    expect(raft.hardState()).toEqual({ term: 3, vote: 'c', commit: 1 });
  });

  // "While waiting for votes, a candidate may receive an AppendEntries RPC from another server
  // claiming to be leader. If the leader's term (included in its RPC) is at least as large as the
  // candidate's current term, then the candidate recognizes the leader as legitimate and returns
  // to follower state."
  // Reference: section 5.2
  it.each([
    ['an AppendEntries of the same term', appendEntries('b', 'a', 2), 2, 'a'],
    ['an AppendEntries of a higher term', appendEntries('b', 'a', 3), 3, null],
    ['a heartbeat of the same term', heartbeat('b', 'a', 2), 2, 'a'],
    ['a heartbeat of a higher term', heartbeat('b', 'a', 3), 3, null],
  ] as const)('a candidate that receives %s returns to follower with that leader', (_name, message, term, vote) => {
    const raft = bootstrapped('a');
    raft.campaign();
    drain(raft);
    expect(raft.status()).toMatchObject({ role: 'candidate', term: 2 });

    raft.receive(message);
    drain(raft);

    // At the same term the candidate's vote for itself stands: a vote is never taken back.
    expect(raft.status()).toMatchObject({ role: 'follower', term, leader: 'b', vote });
  });

  // "If the term in the RPC is smaller than the candidate's current term, then the candidate
  // rejects the RPC and continues in candidate state."
  // Reference: section 5.2
  it('a candidate that receives an AppendEntries of a lower term stays candidate', () => {
    const raft = bootstrapped('a');
    raft.campaign();
    raft.campaign();
    drain(raft);
    expect(raft.status()).toMatchObject({ role: 'candidate', term: 3 });

    raft.receive(appendEntries('b', 'a', 2));
    drain(raft);

    expect(raft.status()).toMatchObject({ role: 'candidate', term: 3, leader: null, vote: 'a' });
  });

  // "Raft uses randomized election timeouts ... election timeouts are chosen randomly from a fixed
  // interval." Ours: [electionTicks, 2×electionTicks), redrawn at every change of role or term.
  // Reference: section 5.2
  it.each(['follower', 'candidate'] as const)('a %s draws its election timeout from every value in [electionTicks, 2×electionTicks) and no other', (role) => {
    const raft = bootstrapped('a');
    if (role === 'candidate') {
      raft.campaign();
      drain(raft);
    }
    const seen = new Set<number>();
    for (let round = 0; round < 300; round++) {
      if (role === 'follower') {
        // A heartbeat of a newer term makes it a follower with a fresh timeout.
        raft.receive(heartbeat('b', 'a', raft.status().term + 1));
        drain(raft);
        expect(raft.status().role).toBe('follower');
      }
      seen.add(ticksUntilCampaign(raft));
      expect(raft.status().role).toBe('candidate');
    }
    expect([...seen].sort((x, y) => x - y)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  // "...election timeouts are chosen randomly ... This spreads out the servers so that in most
  // cases only a single server will time out". The randomness is seeded: the same seed gives the
  // same timeouts (determinism), different seeds (or ids, by default) give different ones.
  // Reference: section 5.2
  it('election timeouts are the same for one seed and differ across seeds and ids', () => {
    const timeouts = (overrides: Partial<RaftConfig>, id: NodeId = 'a'): number[] => {
      const raft = bootstrapped(id, overrides, ['a', 'b', 'c']);
      return Array.from({ length: 20 }, () => ticksUntilCampaign(raft));
    };
    expect(timeouts({ random: createSeededRng(1) })).toEqual(timeouts({ random: createSeededRng(1) }));
    expect(timeouts({ random: createSeededRng(1) })).not.toEqual(timeouts({ random: createSeededRng(2) }));

    const byDefault = (id: NodeId) => {
      const raft = createRaft({ config: { id, preVote: false, checkQuorum: false }, bootstrap: membership(['a', 'b', 'c']) });
      drain(raft);
      return Array.from({ length: 20 }, () => ticksUntilCampaign(raft));
    };
    expect(byDefault('a')).toEqual(byDefault('a'));
    expect(byDefault('a')).not.toEqual(byDefault('b'));
  });

  // "...in most cases only a single server will time out; it wins the election and sends
  // heartbeats before any other servers time out."
  // Reference: section 5.2
  it('in most rounds only one of five followers times out first', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const rafts = ids.map((id, position) => bootstrapped(id, { random: createSeededRng(100 + position) }, ids));
    let conflicts = 0;
    for (let round = 0; round < 1000; round++) {
      for (const raft of rafts) {
        raft.receive(heartbeat(raft.id === 'a' ? 'b' : 'a', raft.id, raft.status().term + 1));
        drain(raft);
      }
      let timedOut = 0;
      while (timedOut === 0) {
        for (const raft of rafts) {
          raft.tick();
          if (sent(drain(raft)).some((message) => message.type === 'requestVote')) timedOut++;
        }
      }
      if (timedOut > 1) conflicts++;
    }
    expect(conflicts / 1000).toBeLessThanOrEqual(0.3);
  });

  // "Servers retain ... votedFor ... on stable storage": "updated on stable storage before
  // responding to RPCs" (Figure 2). A granted vote names the persist it waits for and the driver
  // does not send it before persisted(seq).
  // Reference: section 5.2, Figure 2
  it('a granted vote is persisted in the same batch and its response waits for that persist', () => {
    const raft = bootstrapped('a');

    raft.receive(requestVote('b', 'a', 2, 1, 1));
    const effects = raft.takeEffects();

    expect(effects.filter((effect) => effect.type === 'persist')).toEqual([{ type: 'persist', seq: 2, hardState: { term: 2, vote: 'b', commit: 1 }, entries: [] }]);
    expect(effects.filter((effect) => effect.type === 'send')).toEqual([{ type: 'send', to: 'b', message: voteResponse('a', 'b', 2, true), afterPersist: 2 }]);
  });

  // Reference: section 5.2, Figure 2
  it('a candidate does not win while its voters have not made their votes durable', () => {
    const net = new Network(['a', 'b', 'c'], { seed: 3, config: { preVote: false, checkQuorum: false } });
    net.node('b').stalled = true;
    net.node('c').stalled = true;

    net.raft('a').campaign();
    net.process('a');
    net.stabilize();

    expect(net.raft('a').status()).toMatchObject({ role: 'candidate', term: 2 });
    expect(net.raft('b').hardState()).toMatchObject({ term: 2, vote: 'a' });
    expect(net.node('b').disk.hardState).toMatchObject({ term: 1, vote: null });
    expect(net.node('b').held.map((send) => send.message)).toEqual([voteResponse('b', 'a', 2, true)]);

    net.flushDisk('b');
    expect(net.node('b').disk.hardState).toMatchObject({ term: 2, vote: 'a' });
    net.stabilize();

    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2 });
  });
});

describe('§5.4.1 election restriction', () => {
  // "The voter denies its vote if its own log is more up-to-date than that of the candidate."
  // "If the logs have last entries with different terms, then the log with the later term is more
  // up-to-date. If the logs end with the same term, then whichever log is longer is more
  // up-to-date." The same check answers pre-votes.
  // Reference: section 5.4.1
  it.each([
    { lastLogIndex: 2, lastLogTerm: 1, granted: false },
    { lastLogIndex: 3, lastLogTerm: 1, granted: false },
    { lastLogIndex: 1, lastLogTerm: 2, granted: false },
    { lastLogIndex: 2, lastLogTerm: 2, granted: true },
    { lastLogIndex: 3, lastLogTerm: 2, granted: true },
    { lastLogIndex: 1, lastLogTerm: 3, granted: true },
  ])('a voter with log [1@1, 2@2] answers a candidate ending at $lastLogIndex@$lastLogTerm granted=$granted', ({ lastLogIndex, lastLogTerm, granted }) => {
    for (const preVote of [false, true]) {
      const raft = restored('a', { term: 2, vote: null, commit: 0 }, [entry(1, 1), entry(2, 2)], { preVote });

      raft.receive(requestVote('b', 'a', 3, lastLogIndex, lastLogTerm, preVote));
      const effects = drain(raft);

      // A real vote request moves the voter to term 3 whatever it answers; a pre-vote never does.
      expect(sent(effects)).toEqual([voteResponse('a', 'b', preVote && !granted ? 2 : 3, granted, preVote)]);
      expect(raft.hardState()).toEqual(preVote ? { term: 2, vote: null, commit: 0 } : { term: 3, vote: granted ? 'b' : null, commit: 0 });
    }
  });
});

describe('non-voters never campaign', () => {
  // docs/architecture.md: "Learners never campaign" and "An empty configuration is valid (a node waiting to
  // be added): it never campaigns." (thesis §4.2.1 for learners / non-voting members).
  // Reference: thesis section 4.2.1
  it.each([false, true])('a learner stays a silent follower however many ticks pass (preVote %s)', (preVote) => {
    const raft = restored('d', { term: 1, vote: null, commit: 0 }, [], { preVote }, membership(VOTERS, ['d']));

    for (let i = 0; i < 1000; i++) raft.tick();
    raft.campaign();
    raft.receive({ type: 'timeoutNow', from: 'a', to: 'd', term: 1 });

    expect(drain(raft)).toEqual([]);
    expect(raft.status()).toMatchObject({ role: 'follower', term: 1, vote: null });
  });

  // Reference: thesis section 4.2.1
  it.each([false, true])('a node with an empty configuration stays a silent follower however many ticks pass (preVote %s)', (preVote) => {
    const raft = createRaft({ config: configFor('e', { preVote }) });
    drain(raft);

    for (let i = 0; i < 1000; i++) raft.tick();
    raft.campaign();

    expect(drain(raft)).toEqual([]);
    expect(raft.status()).toMatchObject({ role: 'follower', term: 0, vote: null, leader: null });
  });
});
