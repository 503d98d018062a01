/**
 * Leadership transfer (Raft thesis §3.10): the leader stops taking proposals, brings the target's
 * log up to date, then sends it TimeoutNow; the target campaigns at once, bypassing pre-vote and
 * the followers' lease. A transfer that does not finish within an election timeout is abandoned.
 */
import { describe, expect, it } from 'vitest';
import { Network, bytes } from './test-support/network.js';
import type { Effect, Message, NodeId, RequestVoteMessage } from './types.js';
import { effectsDuring, run } from './test-support/drive.js';

const ABC = ['a', 'b', 'c'];

/** cluster bootstraps a, b, c (plus `empty` nodes) with pre-vote and check-quorum on, and elects a at term 2. */
function cluster(empty: readonly NodeId[] = []): Network {
  const net = new Network(ABC, { seed: 1, config: { preVote: true, checkQuorum: true } });
  empty.forEach((id, offset) => net.add(id, { config: net.configFor(id, ABC.length + offset) }));
  net.elect('a');
  expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, commit: 2, lastIndex: 2 });
  return net;
}

function summary(message: Message): string {
  switch (message.type) {
    case 'appendEntries':
      return `${message.from}->${message.to} append prev=${message.prevLogIndex} n=${message.entries.length}`;
    case 'appendEntriesResponse':
      return `${message.from}->${message.to} appendResponse ${message.success ? `match=${message.matchIndex}` : `reject=${message.rejectedIndex}`}`;
    default:
      return `${message.from}->${message.to} ${message.type} term=${message.term}`;
  }
}

describe('leadership transfer', () => {
  // "...the prior leader sends a TimeoutNow request to the target server. This request has the
  // same effect as the target server's election timer firing: the target server starts a new
  // election (incrementing its term)."
  // Reference: thesis section 3.10
  it('hands over to a named, caught-up voter: TimeoutNow at once, the target wins the next term', () => {
    const net = cluster();

    const effects = effectsDuring(net, 'a', () => expect(net.raft('a').transferLeadership('c')).toEqual({ ok: true }));

    expect(effects).toEqual([{ type: 'send', to: 'c', message: { type: 'timeoutNow', from: 'a', to: 'c', term: 2 } }]);
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', transferee: 'c' });
    net.stabilize();

    expect(net.raft('c').status()).toMatchObject({ role: 'leader', term: 3, commit: 3, lastIndex: 3 });
    for (const id of ['a', 'b']) expect(net.raft(id).status(), id).toMatchObject({ role: 'follower', term: 3, leader: 'c', transferee: null });
  });

  // Omitting the target picks the voter whose log is most up to date, so the handover is quickest.
  // b, first in the leader's progress order, is the one that lags.
  // Reference: thesis section 3.10
  it('without a target, picks the most up-to-date voter', () => {
    const net = cluster();
    net.cut('a', 'b');
    net.propose('a', 'x');
    net.heal();
    expect(net.raft('a').status().progress.map((peer) => [peer.id, peer.match])).toEqual([
      ['b', 2],
      ['c', 3],
    ]);

    const effects = effectsDuring(net, 'a', () => expect(net.raft('a').transferLeadership()).toEqual({ ok: true }));

    expect(effects).toEqual([{ type: 'send', to: 'c', message: { type: 'timeoutNow', from: 'a', to: 'c', term: 2 } }]);
    expect(net.raft('a').status().transferee).toBe('c');
  });

  // "...the prior leader ... stops accepting new client requests ... [and] brings the target's
  // log up to date": TimeoutNow only after c acknowledges the leader's last index.
  // Reference: thesis section 3.10
  it('catches a lagging target up first, dropping proposals meanwhile', () => {
    const net = cluster();
    net.cut('a', 'c');
    net.propose('a', 'x');
    net.propose('a', 'y');
    net.heal();
    const before = net.delivered.length;

    expect(net.raft('a').transferLeadership('c')).toEqual({ ok: true });
    net.process('a');
    expect(net.raft('a').propose(bytes('z'))).toEqual({ ok: false, reason: 'transfer-in-progress', leaderHint: 'a' });
    expect(net.raft('a').proposeBatch([bytes('z1'), bytes('z2')])).toEqual([
      { ok: false, reason: 'transfer-in-progress', leaderHint: 'a' },
      { ok: false, reason: 'transfer-in-progress', leaderHint: 'a' },
    ]);
    expect(net.raft('a').takeEffects().filter((effect) => effect.type === 'proposalDropped')).toEqual([
      { type: 'proposalDropped', reason: 'transfer-in-progress', leaderHint: 'a' },
      { type: 'proposalDropped', reason: 'transfer-in-progress', leaderHint: 'a' },
      { type: 'proposalDropped', reason: 'transfer-in-progress', leaderHint: 'a' },
    ]);
    net.stabilize();

    // c's pipeline still held the lost entries: one rejection, then the catch-up, then TimeoutNow.
    expect(net.delivered.slice(before).filter((m) => m.from === 'a' || m.to === 'a').map(summary).slice(0, 5)).toEqual([
      'a->c append prev=4 n=0',
      'c->a appendResponse reject=4',
      'a->c append prev=2 n=2',
      'c->a appendResponse match=4',
      'a->c timeoutNow term=2',
    ]);
    expect(net.raft('c').status()).toMatchObject({ role: 'leader', term: 3, commit: 5, lastIndex: 5 });
    expect(net.node('c').applied.map((entry) => new TextDecoder().decode(entry.data))).toEqual([expect.any(String), '', 'x', 'y', '']);
  });

  // The target's log was compacted away on the leader: it is caught up by a snapshot that ends
  // at the leader's last index, so no later append raises its match; the snapshot's answer must
  // trigger TimeoutNow, or the transfer would only time out.
  // Reference: thesis section 3.10, section 7
  it('a target caught up by a snapshot is sent TimeoutNow once it installs it', () => {
    const net = new Network(ABC, { seed: 1, snapshots: true });
    net.elect('a');
    net.cut('a', 'c');
    for (const text of ['x1', 'x2', 'x3']) net.propose('a', text);
    net.snapshot('a', 5, 0);
    net.heal();
    const before = net.delivered.length;

    expect(net.raft('a').transferLeadership('c')).toEqual({ ok: true });
    net.process('a');
    net.stabilize();

    expect(net.delivered.slice(before).filter((m) => m.from === 'a' && m.to === 'c').map((m) => m.type).slice(0, 4)).toEqual([
      'appendEntries',
      'installSnapshot',
      'timeoutNow',
      'appendEntries',
    ]);
    expect(net.raft('c').status()).toMatchObject({ role: 'leader', term: 3, snapshotIndex: 5 });
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 3, leader: 'c' });
  });

  // "If the transfer does not complete within an election timeout, the prior leader aborts the
  // transfer and resumes accepting client requests."
  // Reference: thesis section 3.10
  it('is abandoned after electionTicks when the target is cut off; proposals are accepted again', () => {
    const net = cluster();
    net.cut('a', 'c');
    net.propose('a', 'x');

    expect(net.raft('a').transferLeadership('c')).toEqual({ ok: true });
    net.process('a');
    run(net, 9, ['a', 'b']);
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, transferee: 'c' });
    expect(net.raft('a').propose(bytes('dropped'))).toMatchObject({ ok: false, reason: 'transfer-in-progress' });

    run(net, 1, ['a', 'b']);

    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, transferee: null });
    expect(net.raft('a').propose(bytes('accepted'))).toEqual({ ok: true, index: 4, term: 2 });
    expect(net.raft('c').status()).toMatchObject({ role: 'follower', term: 2 });
  });

  // b and c hear from their leader: a plain campaign is refused by pre-vote and ignored under the
  // lease. The campaign TimeoutNow starts is a real one (no pre-vote) marked `transfer`, which
  // the lease lets through.
  // Reference: thesis section 3.10, section 4.2.3, section 9.6
  it('the target campaigns without pre-vote and past the followers lease', () => {
    const net = cluster();
    run(net, 3);

    // The control: c's own campaign goes nowhere.
    net.raft('c').campaign();
    net.process('c');
    net.stabilize();
    expect(net.raft('c').status()).toMatchObject({ role: 'pre-candidate', term: 2 });
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2 });
    expect(net.raft('b').status()).toMatchObject({ role: 'follower', term: 2, leader: 'a' });
    // The next heartbeat brings c back as a follower (a pre-candidate ignores TimeoutNow, as in etcd).
    run(net, 1, ['a']);
    expect(net.raft('c').status()).toMatchObject({ role: 'follower', term: 2, leader: 'a' });

    const before = net.delivered.length;
    net.raft('a').transferLeadership('c');
    net.process('a');
    net.stabilize();

    const requests = net.delivered.slice(before).filter((m): m is RequestVoteMessage => m.type === 'requestVote');
    expect(requests).toEqual([
      { type: 'requestVote', from: 'c', to: 'a', term: 3, preVote: false, lastLogIndex: 2, lastLogTerm: 2, transfer: true },
      { type: 'requestVote', from: 'c', to: 'b', term: 3, preVote: false, lastLogIndex: 2, lastLogTerm: 2, transfer: true },
    ]);
    expect(net.raft('c').status()).toMatchObject({ role: 'leader', term: 3 });
    expect(net.raft('b').status()).toMatchObject({ role: 'follower', term: 3, vote: 'c', leader: 'c' });
  });
});

describe('transferLeadership refusals', () => {
  it('not-leader: a follower refuses with the leader as hint', () => {
    const net = cluster();
    expect(net.raft('b').transferLeadership('c')).toEqual({ ok: false, reason: 'not-leader', leaderHint: 'a' });
  });

  it.each([
    ['an unknown node', 'z'],
    ['a learner', 'd'],
  ])('not-member: the target is %s', (_name, target) => {
    const net = cluster(['d']);
    net.raft('a').changeMembership({ type: 'addLearner', id: 'd' });
    net.process('a');
    net.stabilize();
    expect(net.raft('a').transferLeadership(target)).toEqual({ ok: false, reason: 'not-member', leaderHint: 'a' });
    expect(net.raft('a').status().transferee).toBe(null);
  });

  it('not-member: no other voter to pick in a one-node cluster', () => {
    const net = new Network(['a'], { seed: 1 });
    net.elect('a');
    expect(net.raft('a').transferLeadership()).toEqual({ ok: false, reason: 'not-member', leaderHint: 'a' });
  });

  // A target that has not answered for electionTicks would only make the transfer time out.
  it('target-unresponsive: the target has not been heard from within electionTicks', () => {
    // The boundary: after 9 silent ticks c still counts as responsive.
    const net = cluster();
    net.cut('a', 'c');
    run(net, 9, ['a', 'b']);
    expect(net.raft('a').status().progress.find((peer) => peer.id === 'c')?.ticksSinceHeard).toBe(9);
    expect(net.raft('a').transferLeadership('c')).toEqual({ ok: true });

    const other = cluster();
    other.cut('a', 'c');
    run(other, 10, ['a', 'b']);
    expect(other.raft('a').transferLeadership('c')).toEqual({ ok: false, reason: 'target-unresponsive', leaderHint: 'a' });
    expect(other.raft('a').status().transferee).toBe(null);
  });

  it('transfer-in-progress: a second transfer to another target is refused; the same target is fine', () => {
    const net = cluster();
    net.cut('a', 'c');
    net.propose('a', 'x');
    expect(net.raft('a').transferLeadership('c')).toEqual({ ok: true });

    expect(net.raft('a').transferLeadership('b')).toEqual({ ok: false, reason: 'transfer-in-progress', leaderHint: 'a' });
    expect(net.raft('a').transferLeadership('c')).toEqual({ ok: true });
    expect(net.raft('a').status().transferee).toBe('c');
  });

  it('transferring to itself is a no-op success', () => {
    const net = cluster();
    const effects = effectsDuring(net, 'a', () => expect(net.raft('a').transferLeadership('a')).toEqual({ ok: true }));
    expect(effects).toEqual([]);
    expect(net.raft('a').status().transferee).toBe(null);
  });
});

describe('leadership transfer: what stays true after it ends', () => {
  /** heldTimeoutNow takes the TimeoutNow `from` sent out of the network, as a slow link would hold it. */
  function holdTimeoutNow(net: Network): Message {
    const held = net.queue.filter((message) => message.type === 'timeoutNow');
    net.queue = net.queue.filter((message) => message.type !== 'timeoutNow');
    expect(held).toHaveLength(1);
    return held[0]!;
  }

  /**
   * leaseCluster runs a, b, c with lease reads until one leads. Followers ignore campaigns for
   * their first election timeout when lease reads are on, so the leader is whoever wins then.
   */
  function leaseCluster(): { net: Network; leader: NodeId; other: NodeId; target: NodeId } {
    const net = new Network(ABC, { seed: 1, config: { preVote: true, checkQuorum: true, leaseReads: true } });
    for (let i = 0; i < 40 && net.leader() === undefined; i++) run(net, 1);
    const leader = net.leader()!;
    run(net, 2);
    const [other, target] = ABC.filter((id) => id !== leader) as [NodeId, NodeId];
    expect(net.raft(leader).localReadIndex()).toBe(net.raft(leader).status().commit);
    return { net, leader, other, target };
  }

  // A TimeoutNow stays valid for its whole term: delivered after the transfer was abandoned, its
  // target still campaigns past the voters' lease and wins. So lease reads, which rest on no one
  // else winning while the lease holds, must stay off for the rest of that term.
  // Reference: thesis sections 3.10 and 6.4.1
  it('a leader that sent TimeoutNow serves no lease read for the rest of its term, even after the transfer is abandoned', () => {
    const { net, leader, target } = leaseCluster();
    const term = net.raft(leader).status().term;
    expect(net.raft(leader).transferLeadership(target)).toEqual({ ok: true });
    net.process(leader);
    const timeoutNow = holdTimeoutNow(net);

    run(net, 12);
    expect(net.raft(leader).status()).toMatchObject({ role: 'leader', term, transferee: null });
    // Heartbeat rounds were confirmed meanwhile, yet the lease does not come back.
    expect(net.raft(leader).localReadIndex()).toBeUndefined();

    // The held TimeoutNow arrives late; the target wins with the third node's vote while the
    // old leader is cut off, and commits a write.
    net.queue.push(timeoutNow);
    net.deliver();
    net.isolate(leader);
    net.stabilize();
    expect(net.raft(target).status()).toMatchObject({ role: 'leader', term: term + 1 });
    const before = net.raft(target).status().commit;
    net.propose(target, 'after');
    expect(net.raft(target).status().commit).toBe(before + 1);
    // The old leader still believes it leads: a lease read there would miss 'after'.
    expect(net.raft(leader).status()).toMatchObject({ role: 'leader', term });
    expect(net.raft(leader).localReadIndex()).toBeUndefined();
  });

  // Without a TimeoutNow on the wire nothing can win past the lease, so it may come back.
  it('a transfer abandoned before TimeoutNow was sent gives the lease back once it ends', () => {
    const { net, leader, other, target } = leaseCluster();
    net.cut(leader, target);
    net.propose(leader, 'x');
    expect(net.raft(leader).transferLeadership(target)).toEqual({ ok: true });
    net.process(leader);
    expect(net.queue.filter((message) => message.type === 'timeoutNow')).toEqual([]);
    expect(net.raft(leader).localReadIndex()).toBeUndefined();

    run(net, 12, [leader, other]);

    expect(net.raft(leader).status()).toMatchObject({ role: 'leader', transferee: null });
    expect(net.raft(leader).localReadIndex()).toBe(net.raft(leader).status().commit);
  });

  // etcd-raft's TestLeaderTransferBack, in our words: asking the leader to transfer to itself
  // while a transfer runs cancels it, and the leader takes proposals again.
  // Reference: thesis section 3.10
  it('a transfer back to the leader cancels the transfer in progress: proposals are taken, leadership stays', () => {
    const net = cluster();
    net.cut('a', 'c');
    net.propose('a', 'x');
    expect(net.raft('a').transferLeadership('c')).toEqual({ ok: true });
    expect(net.raft('a').propose(bytes('refused'))).toMatchObject({ ok: false, reason: 'transfer-in-progress' });

    expect(net.raft('a').transferLeadership('a')).toEqual({ ok: true });

    expect(net.raft('a').status().transferee).toBeNull();
    expect(net.raft('a').propose(bytes('taken'))).toMatchObject({ ok: true, index: 4, term: 2 });
    net.process('a');
    net.heal();
    run(net, 3);
    // c caught up, but no TimeoutNow went out: a still leads term 2 and everyone has 'taken'.
    expect(net.delivered.filter((message) => message.type === 'timeoutNow')).toEqual([]);
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, commit: 4 });
    expect(net.raft('c').status()).toMatchObject({ role: 'follower', term: 2, leader: 'a', commit: 4 });
  });

  // afterLeaderCommit used to append the leave-joint entry while a transfer ran. If TimeoutNow
  // was already sent, the target then campaigned with a log one entry shorter than the voters
  // who got the leave entry, and lost: a wasted election round.
  // Reference: thesis sections 3.10 and 4.3
  it('no leave-joint entry is appended while a transfer runs; the new leader appends it', () => {
    const net = cluster(['d', 'e']);
    expect(net.raft('a').changeMembership({ type: 'replace', voters: ['a', 'b', 'c', 'd', 'e'] })).toEqual({ ok: true, index: 3 });
    net.process('a');
    // b gets the joint entry first; a then hands over to b, caught up: TimeoutNow goes out at once.
    net.deliver((message) => message.to === 'b');
    net.deliver((message) => message.to === 'a' && message.from === 'b');
    expect(net.raft('a').transferLeadership('b')).toEqual({ ok: true });
    net.process('a');
    const timeoutNow = holdTimeoutNow(net);
    // The joint configuration commits while the transfer runs.
    for (let i = 0; i < 10 && net.raft('a').status().commit < 3; i++) net.deliver();
    expect(net.raft('a').status()).toMatchObject({ commit: 3, lastIndex: 3, transferee: 'b' });

    net.queue.push(timeoutNow);
    net.stabilize();

    // b won at the first try (term 3) and moved on to C_new itself.
    expect(net.raft('b').status()).toMatchObject({ role: 'leader', term: 3, commit: 5, lastIndex: 5 });
    expect(net.raft('b').status().config).toEqual({ voters: ['a', 'b', 'c', 'd', 'e'], outgoingVoters: [], learners: [] });
  });

  it('a transfer abandoned while the joint configuration is committed appends the leave entry when it ends', () => {
    const net = cluster(['d', 'e']);
    net.raft('a').changeMembership({ type: 'replace', voters: ['a', 'b', 'c', 'd', 'e'] });
    net.process('a');
    net.deliver((message) => message.to === 'b');
    net.deliver((message) => message.to === 'a' && message.from === 'b');
    net.raft('a').transferLeadership('b');
    net.process('a');
    holdTimeoutNow(net);
    net.drop('timeoutNow');
    for (let i = 0; i < 10 && net.raft('a').status().commit < 3; i++) net.deliver();
    expect(net.raft('a').status()).toMatchObject({ commit: 3, lastIndex: 3, transferee: 'b' });

    run(net, 12);

    expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, transferee: null, commit: 4, lastIndex: 4 });
    expect(net.raft('a').status().config.outgoingVoters).toEqual([]);
  });
});
