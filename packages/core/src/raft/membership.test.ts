/**
 * Membership changes (Raft thesis chapter 4): joint consensus for changes of more than one voter,
 * single-server changes, learners, removing followers and the leader, a node that starts empty,
 * and every refusal of `changeMembership`.
 */
import { describe, expect, it } from 'vitest';
import { decodeConfig } from './membership.js';
import { Network, logOf, type NetworkOptions } from './test-support/network.js';
import type { Entry, MembershipConfig, Message, NodeId, RequestVoteMessage, SendEffect } from './types.js';
import { run } from './test-support/drive.js';

const decoder = new TextDecoder();

function config(voters: readonly NodeId[], learners: readonly NodeId[] = [], outgoingVoters: readonly NodeId[] = []): MembershipConfig {
  return { voters, outgoingVoters, learners };
}

/**
 * cluster bootstraps `voters`, starts `empty` nodes with no configuration (waiting to be added)
 * and elects the first voter: term 2, log [1: bootstrap config, 2: the leader's empty entry].
 */
function cluster(voters: readonly NodeId[], empty: readonly NodeId[] = [], options: NetworkOptions = {}): Network {
  const net = new Network(voters, { seed: 1, ...options });
  empty.forEach((id, offset) => net.add(id, { config: net.configFor(id, voters.length + offset) }));
  net.elect(voters[0]!);
  expect(net.raft(voters[0]!).status()).toMatchObject({ role: 'leader', term: 2, commit: 2, lastIndex: 2 });
  return net;
}

/** describeLog shows a log as [index, term, config or text] rows. */
function describeLog(entries: readonly Entry[]): [number, number, MembershipConfig | string][] {
  return entries.map((entry) => [entry.index, entry.term, entry.type === 'config' ? decodeConfig(entry.data) : decoder.decode(entry.data)]);
}

function sentBy(net: Network, id: NodeId): Message[] {
  return net.node(id).effects.flatMap((effect) => (effect.type === 'send' ? [(effect as SendEffect).message] : []));
}

function voteRequestsBy(net: Network, id: NodeId): RequestVoteMessage[] {
  return sentBy(net, id).filter((message): message is RequestVoteMessage => message.type === 'requestVote');
}

const ABC = ['a', 'b', 'c'];
const ABCDE = ['a', 'b', 'c', 'd', 'e'];
const BOOTSTRAP: [number, number, MembershipConfig | string] = [1, 1, config(ABC)];

describe('joint consensus', () => {
  // "...the cluster first switches to a transitional configuration we call joint consensus; once
  // the joint consensus has been committed, the system then transitions to the new configuration."
  // Reference: thesis section 4.3
  it('a 3→5 replace appends C_old,new, and once it commits the leader appends C_new by itself', () => {
    const net = cluster(ABC, ['d', 'e']);

    const result = net.raft('a').changeMembership({ type: 'replace', voters: ABCDE });
    expect(result).toEqual({ ok: true, index: 3 });
    expect(net.raft('a').status().config).toEqual(config(ABCDE, [], ABC));
    net.process('a');
    net.stabilize();

    const expected = [BOOTSTRAP, [2, 2, ''], [3, 2, config(ABCDE, [], ABC)], [4, 2, config(ABCDE)]];
    for (const id of ABCDE) {
      expect(describeLog(logOf(net.raft(id))), id).toEqual(expected);
      expect(net.raft(id).status(), id).toMatchObject({ term: 2, leader: 'a', commit: 4, config: config(ABCDE) });
      expect(net.node(id).applied.map((entry) => entry.index), id).toEqual([1, 2, 3, 4]);
    }
    expect(net.raft('a').status().progress.map((peer) => [peer.id, peer.match, peer.learner])).toEqual([
      ['b', 4, false],
      ['c', 4, false],
      ['d', 4, false],
      ['e', 4, false],
    ]);
  });

  // "...agreement (for elections and entry commitment) requires separate majorities from both
  // the old and new configurations." a, d and e are a majority of C_new but only one of C_old.
  // Reference: thesis section 4.3
  it('while joint, a majority of C_new alone does not commit: C_old must agree too', () => {
    const net = cluster(ABC, ['d', 'e']);
    net.cut('a', 'b');
    net.cut('a', 'c');

    net.raft('a').changeMembership({ type: 'replace', voters: ABCDE });
    net.process('a');
    net.stabilize();
    net.propose('a', 'x');

    const leader = net.raft('a').status();
    expect(leader.progress.map((peer) => [peer.id, peer.match])).toEqual([
      ['b', 2],
      ['c', 2],
      ['d', 4],
      ['e', 4],
    ]);
    expect(leader).toMatchObject({ role: 'leader', commit: 2, lastIndex: 4, config: config(ABCDE, [], ABC) });

    net.heal();
    run(net, 1, ['a']);

    // The joint entry and x commit together; only then is C_new (5) appended and committed.
    expect(describeLog(logOf(net.raft('a'))).slice(2)).toEqual([
      [3, 2, config(ABCDE, [], ABC)],
      [4, 2, 'x'],
      [5, 2, config(ABCDE)],
    ]);
    expect(net.raft('a').status()).toMatchObject({ commit: 5, config: config(ABCDE) });
  });

  // The other half: a majority of C_old (a, b) is only two of C_new's five.
  // Reference: thesis section 4.3
  it('while joint, a majority of C_old alone does not commit: C_new must agree too', () => {
    const net = cluster(ABC, ['d', 'e']);
    for (const id of ['c', 'd', 'e']) net.cut('a', id);

    net.raft('a').changeMembership({ type: 'replace', voters: ABCDE });
    net.process('a');
    net.stabilize();

    expect(net.raft('a').status().progress.map((peer) => [peer.id, peer.match])).toEqual([
      ['b', 3],
      ['c', 2],
      ['d', 0],
      ['e', 0],
    ]);
    expect(net.raft('a').status()).toMatchObject({ commit: 2, lastIndex: 3 });

    net.heal();
    run(net, 1, ['a']);
    expect(net.raft('a').status()).toMatchObject({ commit: 4, lastIndex: 4, config: config(ABCDE) });
  });

  // docs/architecture.md: "A leader that finds a committed joint configuration proposes the leave entry."
  // a committed C_old,new and appended C_new, but was cut off before sending it; b, elected with
  // majorities of both halves, commits its empty entry and then appends C_new itself.
  // Reference: thesis section 4.3
  it('a new leader that finds a committed joint configuration appends the leave entry', () => {
    const net = cluster(ABC, ['d', 'e'], { config: { preVote: false, checkQuorum: false } });
    net.raft('a').changeMembership({ type: 'replace', voters: ABCDE });
    net.process('a');
    for (let i = 0; i < 20 && net.raft('a').status().commit < 3; i++) net.deliver();
    expect(net.raft('a').status()).toMatchObject({ commit: 3, lastIndex: 4 });
    net.isolate('a');
    net.queue = [];
    expect(net.raft('b').status()).toMatchObject({ lastIndex: 3, config: config(ABCDE, [], ABC) });

    net.elect('b');

    expect(net.raft('b').status()).toMatchObject({ role: 'leader', term: 3, commit: 5, config: config(ABCDE) });
    expect(describeLog(logOf(net.raft('b'))).slice(2)).toEqual([
      [3, 2, config(ABCDE, [], ABC)],
      [4, 3, ''],
      [5, 3, config(ABCDE)],
    ]);
  });

  // "...a server always uses the latest configuration in its log, regardless of whether that
  // entry is committed." b adopts C_old,new as soon as it appends it, with commit still at 2.
  // Reference: thesis section 4.1
  it('a follower adopts a configuration when it appends it, before it commits', () => {
    const net = cluster(ABC, ['d', 'e']);
    net.raft('a').changeMembership({ type: 'replace', voters: ABCDE });
    net.process('a');

    expect(net.raft('b').status().config).toEqual(config(ABC));
    net.deliver((message) => message.type === 'appendEntries' && message.to === 'b');

    expect(net.raft('b').status()).toMatchObject({ commit: 2, lastIndex: 3, config: config(ABCDE, [], ABC) });
  });

  // "...if the log entry is truncated ... a server must be prepared to fall back to the previous
  // configuration in its log." b appended a config entry a new leader never had.
  // Reference: thesis section 4.1
  it('a follower falls back to the previous configuration when the config entry is truncated', () => {
    const net = cluster(ABCDE, [], { config: { preVote: false, checkQuorum: false } });
    net.raft('a').changeMembership({ type: 'addLearner', id: 'f' });
    net.process('a');
    net.deliver((message) => message.type === 'appendEntries' && message.to === 'b');
    expect(net.raft('b').status().config).toEqual(config(ABCDE, ['f']));
    net.isolate('a');
    net.queue = [];

    net.elect('c');

    expect(net.raft('c').status()).toMatchObject({ role: 'leader', term: 3 });
    expect(describeLog(logOf(net.raft('b'))).slice(2)).toEqual([[3, 3, '']]);
    expect(net.raft('b').status()).toMatchObject({ commit: 3, config: config(ABCDE) });
  });
});

describe('single-server changes', () => {
  // "...changes that add or remove a single server ... can be applied directly": one config
  // entry, no joint configuration and no second entry.
  // Reference: thesis section 4.1
  it('adding one voter appends C_new directly and the new node catches up', () => {
    const net = cluster(ABC, ['d']);

    expect(net.raft('a').changeMembership({ type: 'addVoter', id: 'd', address: 'd:7004' })).toEqual({ ok: true, index: 3 });
    net.process('a');
    net.stabilize();

    const withD = { ...config([...ABC, 'd']), addresses: { d: 'd:7004' } };
    for (const id of [...ABC, 'd']) {
      expect(describeLog(logOf(net.raft(id))), id).toEqual([BOOTSTRAP, [2, 2, ''], [3, 2, withD]]);
      expect(net.raft(id).status(), id).toMatchObject({ commit: 3, config: withD });
    }
  });

  // Reference: thesis section 4.1
  it('removing one voter appends C_new directly; the cluster commits with the two left', () => {
    const net = cluster(ABC);

    expect(net.raft('a').changeMembership({ type: 'remove', id: 'c' })).toEqual({ ok: true, index: 3 });
    net.process('a');
    net.stabilize();

    expect(describeLog(logOf(net.raft('a'))).slice(2)).toEqual([[3, 2, config(['a', 'b'])]]);
    expect(net.raft('a').status()).toMatchObject({ commit: 3, config: config(['a', 'b']) });
    expect(net.raft('a').status().progress.map((peer) => peer.id)).toEqual(['b']);
  });
});

describe('learners', () => {
  // Learners receive the log but are not counted for commitment and never start elections.
  // With two voters a and b, a learner c that counted would make {a, c} a majority of three.
  // Reference: thesis section 4.2.1
  it('a learner catches up, never counts toward commit, never campaigns, and counts once promoted', () => {
    const net = cluster(['a', 'b'], ['c']);

    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'c' })).toEqual({ ok: true, index: 3 });
    net.process('a');
    net.stabilize();
    expect(describeLog(logOf(net.raft('c')))).toEqual(describeLog(logOf(net.raft('a'))));
    expect(net.raft('c').status()).toMatchObject({ term: 2, leader: 'a', commit: 3, config: config(['a', 'b'], ['c']) });
    expect(net.node('c').applied.map((entry) => entry.index)).toEqual([1, 2, 3]);

    // Without b, the learner's acknowledgement commits nothing.
    net.cut('a', 'b');
    net.propose('a', 'x');
    expect(net.raft('a').status().progress.map((peer) => [peer.id, peer.match, peer.learner])).toEqual([
      ['b', 3, false],
      ['c', 4, true],
    ]);
    expect(net.raft('a').status().commit).toBe(3);

    // A learner whose leader went silent never campaigns.
    run(net, 100, ['c']);
    expect(net.raft('c').status()).toMatchObject({ role: 'follower', term: 2 });
    expect(voteRequestsBy(net, 'c')).toEqual([]);

    // Promoted (b still cut off): C_new = {a, b, c} takes effect on append, and a + c commit.
    expect(net.raft('a').changeMembership({ type: 'promote', id: 'c' })).toEqual({ ok: true, index: 5 });
    net.process('a');
    net.stabilize();
    expect(net.raft('a').status()).toMatchObject({ commit: 5, config: config(['a', 'b', 'c']) });
    expect(net.raft('c').status().config).toEqual(config(['a', 'b', 'c']));
  });

  // A candidate asks only voters: the learner gets no RequestVote.
  // Reference: thesis section 4.2.1
  it('a candidate does not ask a learner for its vote', () => {
    const net = cluster(['a', 'b'], ['c']);
    net.raft('a').changeMembership({ type: 'addLearner', id: 'c' });
    net.process('a');
    net.stabilize();
    net.isolate('a');

    for (let i = 0; i < 100 && net.raft('b').status().role === 'follower'; i++) run(net, 1, ['b']);

    const requests = voteRequestsBy(net, 'b');
    expect(requests.length).toBeGreaterThan(0);
    expect(new Set(requests.map((request) => request.to))).toEqual(new Set(['a']));
  });
});

describe('removing members', () => {
  // The leader stops replicating to a removed follower as soon as C_new is appended; the removed
  // node never learns it was removed, times out, and its pre-votes are ignored by the members
  // that hear from the leader (thesis §4.2.3), so it cannot disrupt them.
  // Reference: thesis section 4.2.2, section 4.2.3
  it('a removed follower receives nothing more and cannot disrupt the cluster', () => {
    const net = cluster(ABC);
    const before = net.delivered.length;

    net.raft('a').changeMembership({ type: 'remove', id: 'c' });
    net.process('a');
    net.stabilize();
    net.propose('a', 'x');
    run(net, 50);

    expect(net.delivered.slice(before).filter((message) => message.from === 'a' && message.to === 'c')).toEqual([]);
    expect(voteRequestsBy(net, 'c').length).toBeGreaterThan(0);
    expect(voteRequestsBy(net, 'c').every((request) => request.preVote && request.term === 3)).toBe(true);
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, commit: 4 });
    expect(net.raft('b').status()).toMatchObject({ role: 'follower', term: 2, commit: 4 });
    expect(net.raft('c').status()).toMatchObject({ term: 2, lastIndex: 2 });
  });

  // "...the leader ... steps down (returns to follower state) once it has committed the C_new log
  // entry"; until then it manages a cluster it is not part of, without counting itself.
  // Reference: thesis section 4.2.2
  it('a removed leader leads until C_new commits without counting itself, then hands over; nothing is lost', () => {
    const net = cluster(ABC);
    net.propose('a', 'x');
    net.cut('a', 'c');

    expect(net.raft('a').changeMembership({ type: 'remove', id: 'a' })).toEqual({ ok: true, index: 4 });
    net.process('a');
    expect(net.raft('a').propose(new TextEncoder().encode('y'))).toEqual({ ok: true, index: 5, term: 2 });
    net.process('a');
    net.stabilize();

    // a and b hold 4 and 5, but C_new = {b, c} and c has neither: no commit.
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, commit: 3, lastIndex: 5, config: config(['b', 'c']) });
    expect(net.raft('a').status().progress.map((peer) => [peer.id, peer.match])).toEqual([
      ['b', 5],
      ['c', 3],
    ]);

    net.heal();
    run(net, 1, ['a']);

    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 2, leader: null, commit: 5 });
    expect(sentBy(net, 'a').filter((message) => message.type === 'timeoutNow')).toEqual([{ type: 'timeoutNow', from: 'a', to: 'b', term: 2 }]);
    expect(net.raft('b').status()).toMatchObject({ role: 'leader', term: 3, config: config(['b', 'c']) });
    expect(net.raft('c').status()).toMatchObject({ role: 'follower', term: 3, leader: 'b' });
    const expected = [BOOTSTRAP, [2, 2, ''], [3, 2, 'x'], [4, 2, config(['b', 'c'])], [5, 2, 'y'], [6, 3, '']];
    for (const id of ['b', 'c']) {
      expect(describeLog(logOf(net.raft(id))), id).toEqual(expected);
      expect(net.raft(id).status().commit, id).toBe(6);
      expect(net.node(id).applied.map((entry) => entry.index), id).toEqual([1, 2, 3, 4, 5, 6]);
    }
    // The removed node never campaigns, whatever its timers do.
    const campaignsBefore = voteRequestsBy(net, 'a').length;
    run(net, 100);
    expect(voteRequestsBy(net, 'a').length).toBe(campaignsBefore);
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 2 });
    expect(net.raft('b').status()).toMatchObject({ role: 'leader', term: 3 });
  });
});

describe('replacing the leader through joint consensus', () => {
  // a is in C_old only: it counts for C_old while joint, not for C_new, and steps down once C_new
  // (the leave entry) commits, handing over to a caught-up member of C_new.
  // Reference: thesis section 4.3, section 4.2.2
  it('a leader in C_old only leads through the joint phase, then hands over once C_new commits', () => {
    const net = cluster(ABC, ['d']);

    expect(net.raft('a').changeMembership({ type: 'replace', voters: ['b', 'c', 'd'] })).toEqual({ ok: true, index: 3 });
    net.process('a');
    net.stabilize();

    expect(describeLog(logOf(net.raft('a'))).slice(2)).toEqual([
      [3, 2, config(['b', 'c', 'd'], [], ABC)],
      [4, 2, config(['b', 'c', 'd'])],
    ]);
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 2, commit: 4 });
    expect(net.raft('b').status()).toMatchObject({ role: 'leader', term: 3, commit: 5, config: config(['b', 'c', 'd']) });
    for (const id of ['c', 'd']) expect(net.raft(id).status(), id).toMatchObject({ role: 'follower', term: 3, leader: 'b', commit: 5 });
  });
});

describe('a node that starts with an empty configuration', () => {
  // docs/architecture.md: "An empty configuration is valid (a node waiting to be added): it never campaigns."
  // Reference: thesis section 4.2.1
  it('waits silently, receives the log once added, and campaigns only once it is a voter', () => {
    const net = cluster(ABC, ['d']);
    run(net, 100, ['d']);
    expect(net.raft('d').status()).toMatchObject({ role: 'follower', term: 0, leader: null, lastIndex: 0, config: config([]) });
    expect(sentBy(net, 'd')).toEqual([]);

    net.raft('a').changeMembership({ type: 'addLearner', id: 'd' });
    net.process('a');
    net.stabilize();
    expect(net.raft('d').status()).toMatchObject({ term: 2, leader: 'a', commit: 3, lastIndex: 3, config: config(ABC, ['d']) });

    net.isolate('a');
    run(net, 100, ['d']);
    expect(net.raft('d').status()).toMatchObject({ role: 'follower', term: 2 });
    expect(voteRequestsBy(net, 'd')).toEqual([]);

    net.heal();
    net.raft('a').changeMembership({ type: 'promote', id: 'd' });
    net.process('a');
    net.stabilize();
    expect(net.raft('d').status()).toMatchObject({ commit: 4, config: config([...ABC, 'd']) });

    net.isolate('a');
    for (let i = 0; i < 100 && voteRequestsBy(net, 'd').length === 0; i++) run(net, 1, ['d']);
    expect(voteRequestsBy(net, 'd').map((request) => [request.to, request.term, request.preVote])).toEqual([
      ['a', 3, true],
      ['b', 3, true],
      ['c', 3, true],
    ]);
  });
});

describe('changeMembership refusals', () => {
  it('not-leader: a follower refuses with the leader as hint and appends nothing', () => {
    const net = cluster(ABC, ['d']);
    expect(net.raft('b').changeMembership({ type: 'addVoter', id: 'd' })).toEqual({ ok: false, reason: 'not-leader', leaderHint: 'a' });
    expect(net.raft('b').status().lastIndex).toBe(2);
  });

  // The thesis's fix for the single-server change bug: "a leader may not append a new
  // configuration entry until it has committed an entry from its current term."
  // Reference: thesis section 4.1 (bug in single-server membership changes, 2015)
  it('leader-not-ready: a new leader refuses until its empty entry commits', () => {
    const net = new Network(ABC, { seed: 1 });
    net.drop('appendEntriesResponse');
    net.elect('a');
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', commit: 1, lastIndex: 2 });

    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'd' })).toEqual({ ok: false, reason: 'leader-not-ready', leaderHint: 'a' });
    expect(net.raft('a').status().lastIndex).toBe(2);

    net.heal();
    run(net, 1, ['a']);
    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'd' })).toEqual({ ok: true, index: 3 });
  });

  // Reference: thesis section 4.1
  it('uncommitted-membership-change: one change at a time, until the last config entry commits', () => {
    const net = cluster(ABC);
    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'd' })).toEqual({ ok: true, index: 3 });
    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'e' })).toEqual({ ok: false, reason: 'uncommitted-membership-change', leaderHint: 'a' });
    expect(net.raft('a').changeMembership({ type: 'remove', id: 'd' })).toEqual({ ok: false, reason: 'uncommitted-membership-change', leaderHint: 'a' });
    expect(net.raft('a').status().lastIndex).toBe(3);
    net.process('a');
    net.stabilize();
    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'e' })).toEqual({ ok: true, index: 4 });
  });

  // Reference: thesis section 4.3
  it('uncommitted-membership-change: refused while the leave entry of a joint change is not committed', () => {
    const net = cluster(ABC, ['d', 'e']);
    net.raft('a').changeMembership({ type: 'replace', voters: ABCDE });
    net.process('a');
    for (let i = 0; i < 20 && net.raft('a').status().commit < 3; i++) net.deliver();
    expect(net.raft('a').status()).toMatchObject({ commit: 3, lastIndex: 4, config: config(ABCDE) });

    expect(net.raft('a').changeMembership({ type: 'remove', id: 'e' })).toEqual({ ok: false, reason: 'uncommitted-membership-change', leaderHint: 'a' });
    net.stabilize();
    expect(net.raft('a').changeMembership({ type: 'remove', id: 'e' })).toEqual({ ok: true, index: 5 });
  });

  it('transfer-in-progress: refused while leadership is being handed over', () => {
    const net = cluster(ABC);
    expect(net.raft('a').transferLeadership('b')).toEqual({ ok: true });
    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'd' })).toEqual({ ok: false, reason: 'transfer-in-progress', leaderHint: 'a' });
    expect(net.raft('a').status().lastIndex).toBe(2);
  });

  it.each([
    ['removing an unknown node', { type: 'remove', id: 'z' }],
    ['promoting a voter', { type: 'promote', id: 'b' }],
    ['promoting an unknown node', { type: 'promote', id: 'z' }],
  ] as const)('not-member: %s', (_name, change) => {
    const net = cluster(ABC);
    expect(net.raft('a').changeMembership(change)).toEqual({ ok: false, reason: 'not-member', leaderHint: 'a' });
    expect(net.raft('a').status().lastIndex).toBe(2);
  });

  it.each([
    ['adding a voter as voter', { type: 'addVoter', id: 'b' }],
    ['adding a voter as learner', { type: 'addLearner', id: 'b' }],
    ['adding the leader as learner', { type: 'addLearner', id: 'a' }],
  ] as const)('already-member: %s', (_name, change) => {
    const net = cluster(ABC);
    expect(net.raft('a').changeMembership(change)).toEqual({ ok: false, reason: 'already-member', leaderHint: 'a' });
    expect(net.raft('a').status().lastIndex).toBe(2);
  });

  // c has not answered for electionTicks: removing b would leave {a, c} with one responsive
  // voter, and adding d would leave {a, b, c, d} with two; removing c itself is fine.
  // Reference: thesis section 4.2.3 (etcd's StrictReconfigCheck)
  it('will-break-quorum: refused when the responsive voters would not be a quorum of C_new', () => {
    const net = cluster(ABC, ['d']);
    net.cut('a', 'c');
    run(net, 10, ['a']);
    expect(net.raft('a').status()).toMatchObject({ role: 'leader' });
    expect(net.raft('a').status().progress.map((peer) => [peer.id, peer.ticksSinceHeard])).toEqual([
      ['b', 0],
      ['c', 10],
    ]);

    expect(net.raft('a').changeMembership({ type: 'remove', id: 'b' })).toEqual({ ok: false, reason: 'will-break-quorum', leaderHint: 'a' });
    expect(net.raft('a').changeMembership({ type: 'addVoter', id: 'd' })).toEqual({ ok: false, reason: 'will-break-quorum', leaderHint: 'a' });
    expect(net.raft('a').changeMembership({ type: 'replace', voters: ['a', 'c', 'd'] })).toEqual({ ok: false, reason: 'will-break-quorum', leaderHint: 'a' });
    expect(net.raft('a').status().lastIndex).toBe(2);
    // A learner never counts, so adding one cannot break the quorum.
    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'd' })).toEqual({ ok: true, index: 3 });
  });

  it('will-break-quorum: removing the unresponsive voter itself is allowed', () => {
    const net = cluster(ABC);
    net.cut('a', 'c');
    run(net, 10, ['a']);
    expect(net.raft('a').changeMembership({ type: 'remove', id: 'c' })).toEqual({ ok: true, index: 3 });
  });

  it.each([
    ['no voters', { type: 'replace', voters: [] }],
    ['a duplicate voter', { type: 'replace', voters: ['a', 'b', 'b'] }],
    ['a voter that is also a learner', { type: 'replace', voters: ['a', 'b', 'c'], learners: ['c'] }],
    ['an empty id', { type: 'addVoter', id: '' }],
    ['an id with surrounding spaces', { type: 'addLearner', id: ' d' }],
  ] as const)('invalid-change: %s', (_name, change) => {
    const net = cluster(ABC);
    expect(net.raft('a').changeMembership(change)).toEqual({ ok: false, reason: 'invalid-change', leaderHint: 'a' });
    expect(net.raft('a').status().lastIndex).toBe(2);
  });

  it('invalid-change: removing the last voter of a one-node cluster', () => {
    const net = new Network(['a'], { seed: 1 });
    net.elect('a');
    expect(net.raft('a').changeMembership({ type: 'remove', id: 'a' })).toEqual({ ok: false, reason: 'invalid-change', leaderHint: 'a' });
  });
});
