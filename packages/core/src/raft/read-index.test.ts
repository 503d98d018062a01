/**
 * ReadIndex (Raft thesis §6.4): a read is linearizable at the leader's commit index once a quorum
 * of voters acknowledges a heartbeat round sent after the read arrived. Reads are batched into
 * rounds, wait for the new leader's first commit, are forwarded by followers, and fail when the
 * leader steps down. `leaderConfirmed` reports each round a quorum acknowledged (lease reads).
 */
import { describe, expect, it } from 'vitest';
import { Network } from './test-support/network.js';
import type { Effect, HeartbeatMessage, NodeId } from './types.js';
import { effectsDuring, run } from './test-support/drive.js';

const ABC = ['a', 'b', 'c'];

/** cluster bootstraps `voters` (plus `empty` nodes) and elects the first: term 2, commit 2. */
function cluster(voters: readonly NodeId[] = ABC, empty: readonly NodeId[] = []): Network {
  const net = new Network(voters, { seed: 1 });
  empty.forEach((id, offset) => net.add(id, { config: net.configFor(id, voters.length + offset) }));
  net.elect(voters[0]!);
  expect(net.raft(voters[0]!).status()).toMatchObject({ role: 'leader', term: 2, commit: 2 });
  return net;
}

/** readEvents keeps the effects this file is about, in a compact form. */
function readEvents(effects: readonly Effect[]): string[] {
  return effects.flatMap((effect) => {
    switch (effect.type) {
      case 'leaderConfirmed':
        return [`confirmed ${effect.round}`];
      case 'readReady':
        return [`ready ${effect.context}@${effect.index}`];
      case 'readFailed':
        return [`failed ${effect.context} ${effect.reason} hint=${effect.leaderHint}`];
      case 'send':
        if (effect.message.type === 'heartbeat') return [`heartbeat ${effect.to} round ${effect.message.round}`];
        if (effect.message.type === 'readIndexResponse') return [`readIndexResponse ${effect.to} ${effect.message.context}@${effect.message.index}`];
        return [];
      default:
        return [];
    }
  });
}

describe('ReadIndex on the leader', () => {
  // "...the leader ... sends a new round of heartbeats and waits for their acknowledgments from a
  // majority of the cluster" - a round sent BEFORE the read arrived proves nothing about it.
  // Reference: thesis section 6.4
  it('a read is ready only once a quorum acknowledges a round sent after it', () => {
    const net = cluster();
    net.tick(1, ['a']);
    const read = effectsDuring(net, 'a', () => expect(net.raft('a').readIndex('r')).toEqual({ ok: true }));
    expect(readEvents(read)).toEqual(['heartbeat b round 2', 'heartbeat c round 2']);

    net.deliver((message) => message.type === 'heartbeat');
    const oldRound = effectsDuring(net, 'a', () => net.deliver((message) => message.type === 'heartbeatResponse' && message.round === 1));
    expect(readEvents(oldRound)).toEqual(['confirmed 1']);

    const newRound = effectsDuring(net, 'a', () => net.deliver((message) => message.type === 'heartbeatResponse' && message.from === 'b'));
    expect(readEvents(newRound)).toEqual(['confirmed 2', 'ready r@2']);

    const lateAck = effectsDuring(net, 'a', () => net.stabilize());
    expect(readEvents(lateAck)).toEqual([]);
  });

  // Reads that arrive while a round with reads is out share the next round: four reads, two
  // rounds, one heartbeat per follower per round.
  // Reference: thesis section 6.4 (batching)
  it('reads queued while a round is in flight share the next round: one broadcast for many reads', () => {
    const net = cluster();
    const effects = effectsDuring(net, 'a', () => {
      net.raft('a').readIndex('r1');
      net.process('a');
      for (const context of ['r2', 'r3', 'r4']) net.raft('a').readIndex(context);
      net.process('a');
      net.stabilize();
    });

    expect(readEvents(effects)).toEqual([
      'heartbeat b round 1',
      'heartbeat c round 1',
      'confirmed 1',
      'ready r1@2',
      'heartbeat b round 2',
      'heartbeat c round 2',
      'confirmed 2',
      'ready r2@2',
      'ready r3@2',
      'ready r4@2',
    ]);
  });

  // "If the leader has not yet marked an entry from its current term committed, it waits until it
  // has done so." Its commit index might be stale until then; the read gets the index after.
  // Reference: thesis section 6.4 step 1
  it('reads on a new leader wait for its empty entry to commit and get the index after it', () => {
    const net = new Network(ABC, { seed: 1 });
    net.drop('appendEntriesResponse');
    net.elect('a');
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', commit: 1, lastIndex: 2 });

    const early = effectsDuring(net, 'a', () => expect(net.raft('a').readIndex('early')).toEqual({ ok: true }));
    expect(readEvents(early)).toEqual([]);

    net.heal();
    const later = effectsDuring(net, 'a', () => run(net, 1, ['a']));

    // Round 1 (the tick's) is confirmed without the read; the commit of entry 2 starts round 2.
    expect(readEvents(later)).toEqual([
      'heartbeat b round 1',
      'heartbeat c round 1',
      'confirmed 1',
      'heartbeat b round 2',
      'heartbeat c round 2',
      'confirmed 2',
      'ready early@2',
    ]);
    expect(net.raft('a').status().commit).toBe(2);
  });

  // A lone voter is its own quorum: the round is confirmed as it is sent.
  // Reference: thesis section 6.4
  it('a single-node cluster confirms a read at once', () => {
    const net = cluster(['a']);
    const effects = effectsDuring(net, 'a', () => net.raft('a').readIndex('solo'));
    expect(effects).toEqual([
      { type: 'leaderConfirmed', round: 1 },
      { type: 'readReady', context: 'solo', index: 2 },
    ]);
  });

  // docs/architecture.md: "Learners never ... count toward commit, ReadIndex or check-quorum." With voters
  // a and b, the learner c's acknowledgement must not confirm a round.
  // Reference: thesis section 4.2.1, section 6.4
  it('a learner acknowledging a round does not confirm it', () => {
    const net = cluster(['a', 'b'], ['c']);
    net.raft('a').changeMembership({ type: 'addLearner', id: 'c' });
    net.process('a');
    net.stabilize();
    net.cut('a', 'b');

    const cutOff = effectsDuring(net, 'a', () => {
      net.raft('a').readIndex('l');
      net.process('a');
      net.stabilize();
      run(net, 5, ['a', 'c']);
    });
    expect(readEvents(cutOff).filter((event) => !event.startsWith('heartbeat'))).toEqual([]);
    expect(net.delivered.filter((message) => message.type === 'heartbeatResponse' && message.from === 'c').length).toBe(6);

    net.heal();
    const healed = effectsDuring(net, 'a', () => run(net, 1, ['a']));
    expect(readEvents(healed)).toEqual(['heartbeat b round 7', 'heartbeat c round 7', 'confirmed 7', 'ready l@3']);
  });
});

describe('leaderConfirmed', () => {
  // The runtime measures a lease from the send time of each confirmed round; a round confirmed
  // twice, or an older round confirmed after a newer one, would extend it wrongly.
  // Reference: thesis section 6.4.1
  it('is emitted exactly once per round a quorum confirms, never for a round older than one confirmed', () => {
    const net = cluster();
    const effects = effectsDuring(net, 'a', () => {
      run(net, 3, ['a']);
      // Round 4's answers arrive only after round 5 was confirmed.
      net.tick(1, ['a']);
      net.deliver((message) => message.type === 'heartbeat');
      const late = net.queue;
      net.queue = [];
      run(net, 1, ['a']);
      net.queue = late;
      net.stabilize();
    });

    expect(readEvents(effects).filter((event) => event.startsWith('confirmed'))).toEqual(['confirmed 1', 'confirmed 2', 'confirmed 3', 'confirmed 5']);
    expect(net.delivered.filter((message) => message.type === 'heartbeatResponse' && message.round === 4).length).toBe(2);
  });
});

describe('ReadIndex through a follower', () => {
  // "...the follower ... issue[s] a request to the leader ... [which] returns its commit index";
  // b must wait to apply up to the leader's index, not its own (b lags behind here).
  // Reference: thesis section 6.4
  it('a forwarded read is ready at the leader commit index, even when the follower lags', () => {
    const net = cluster();
    net.propose('a', 'x');
    net.cut('a', 'b');
    net.propose('a', 'y');
    net.heal();
    expect(net.raft('a').status().commit).toBe(4);
    expect(net.raft('b').status()).toMatchObject({ commit: 3, lastIndex: 3 });

    expect(net.raft('b').readIndex('f')).toEqual({ ok: true });
    net.process('b');
    net.deliver((message) => message.type === 'readIndex');
    net.deliver((message) => message.type === 'heartbeat' && message.to === 'c');
    net.deliver((message) => message.type === 'heartbeatResponse');
    const answer = effectsDuring(net, 'b', () => net.deliver((message) => message.type === 'readIndexResponse'));

    expect(readEvents(answer)).toEqual(['ready f@4']);
    expect(net.raft('b').status()).toMatchObject({ commit: 3, lastIndex: 3 });
  });

  it('a follower that knows no leader refuses a read at once', () => {
    const net = new Network(ABC, { seed: 1 });
    expect(net.raft('b').readIndex('x')).toEqual({ ok: false, reason: 'not-leader', leaderHint: null });
  });
});

describe('ReadIndex when leadership is lost', () => {
  // A leader cut off from the quorum can never confirm a round, so its reads never become
  // ready; when check-quorum makes it step down they fail, locally and for the follower that
  // forwarded one (b still hears a, but a hears nobody).
  // Reference: thesis section 6.4, section 6.2
  it('reads on a leader without a quorum never become ready and fail when it steps down', () => {
    const net = cluster();
    net.raft('b').readIndex('forwarded');
    net.process('b');
    net.deliver((message) => message.type === 'readIndex');
    net.cut('a', 'c');
    net.cutOneWay('b', 'a');
    net.queue = net.queue.filter((message) => message.type !== 'heartbeat' || message.to !== 'c');
    net.raft('a').readIndex('local');
    net.process('a');

    const waiting = effectsDuring(net, 'a', () => run(net, 19, ['a', 'b']));
    expect(readEvents(waiting).filter((event) => !event.startsWith('heartbeat'))).toEqual([]);
    expect(net.raft('a').status().role).toBe('leader');

    const before = net.node('b').effects.length;
    const stepDown = effectsDuring(net, 'a', () => run(net, 1, ['a', 'b']));

    expect(net.raft('a').status()).toMatchObject({ role: 'follower', term: 2, leader: null });
    expect(readEvents(stepDown)).toEqual(['readIndexResponse b forwarded@0', 'failed local not-leader hint=null']);
    expect(readEvents(net.node('b').effects.slice(before))).toEqual(['failed forwarded not-leader hint=a']);
  });

  // A leader deposed by a higher term (here the campaign of a transfer target) fails the reads it
  // held. The refusal must carry the new term: b adopted it from c's RequestVote first, and would
  // drop an answer of the old term, leaving its read pending forever.
  // Reference: thesis section 6.4, section 3.10
  it('a forwarded read fails on the follower when the leader is deposed by a higher term', () => {
    const net = cluster();
    net.raft('b').readIndex('f');
    net.process('b');
    net.deliver((message) => message.type === 'readIndex');
    net.queue = [];
    const before = net.node('b').effects.length;

    net.raft('a').transferLeadership('c');
    net.process('a');
    net.stabilize();

    expect(net.raft('c').status()).toMatchObject({ role: 'leader', term: 3 });
    expect(net.delivered.filter((message) => message.type === 'readIndexResponse')).toEqual([
      { type: 'readIndexResponse', from: 'a', to: 'b', term: 3, context: 'f', index: 0 },
    ]);
    expect(readEvents(net.node('b').effects.slice(before))).toEqual(['failed f not-leader hint=null']);
  });

  // The heartbeats carry the round; a follower echoes it unchanged.
  it('a follower echoes the heartbeat round in its response', () => {
    const net = cluster();
    net.tick(3, ['a']);
    const heartbeats = net.queue.filter((message): message is HeartbeatMessage => message.type === 'heartbeat');
    expect(heartbeats.map((message) => [message.to, message.round])).toEqual([
      ['b', 1],
      ['c', 1],
      ['b', 2],
      ['c', 2],
      ['b', 3],
      ['c', 3],
    ]);
    net.deliver();
    expect(net.queue.map((message) => (message.type === 'heartbeatResponse' ? [message.from, message.round] : message.type))).toEqual([
      ['b', 1],
      ['c', 1],
      ['b', 2],
      ['c', 2],
      ['b', 3],
      ['c', 3],
    ]);
  });
});

describe('ReadIndex refusals that must come at once, not at the read timeout', () => {
  /** forwardFromB has follower b forward read `r` to a, and holds the request back. */
  function forwardFromB(net: Network): void {
    expect(net.raft('b').readIndex('r')).toEqual({ ok: true });
    net.process('b');
    net.queue = net.queue.filter((message) => message.type !== 'readIndex');
  }

  it('a follower that forwarded a read and becomes pre-candidate refuses it at once', () => {
    const net = cluster();
    forwardFromB(net);
    net.isolate('b');
    let events: string[] = [];
    for (let tick = 0; tick < 30 && net.raft('b').status().role === 'follower'; tick++) {
      events = readEvents(effectsDuring(net, 'b', () => net.tick(1, ['b'])));
    }
    expect(net.raft('b').status().role).toBe('pre-candidate');
    expect(events).toContain('failed r not-leader hint=null');
  });

  it('a follower that forwarded a read and becomes candidate (no pre-vote) refuses it at once', () => {
    const net = new Network(ABC, { seed: 1, config: { preVote: false, checkQuorum: false } });
    net.elect('a');
    forwardFromB(net);
    net.isolate('b');
    let events: string[] = [];
    for (let tick = 0; tick < 30 && net.raft('b').status().role === 'follower'; tick++) {
      events = readEvents(effectsDuring(net, 'b', () => net.tick(1, ['b'])));
    }
    expect(net.raft('b').status()).toMatchObject({ role: 'candidate', term: 3 });
    expect(events).toContain('failed r not-leader hint=null');
  });

  it("a late answer to a read the follower already refused is dropped, not reported twice", () => {
    const net = cluster();
    expect(net.raft('b').readIndex('r')).toEqual({ ok: true });
    net.process('b');
    const request = net.queue.find((message) => message.type === 'readIndex')!;
    net.queue = [];
    net.isolate('b');
    for (let tick = 0; tick < 30 && net.raft('b').status().role === 'follower'; tick++) net.tick(1, ['b']);
    net.heal();
    // The pre-candidate b is still in term 2, so a's answer to the old request reaches it.
    net.queue = [request];
    const late = effectsDuring(net, 'b', () => net.deliver());
    expect(readEvents(late).filter((event) => event.includes(' r'))).toEqual([]);
  });

  it('a candidate asked for a read index refuses at once', () => {
    const net = cluster();
    net.isolate('c');
    for (let tick = 0; tick < 30 && net.raft('c').status().role === 'follower'; tick++) net.tick(1, ['c']);
    expect(net.raft('c').status().role).toBe('pre-candidate');
    const effects = effectsDuring(net, 'c', () => net.raft('c').receive({ type: 'readIndex', from: 'b', to: 'c', term: 2, context: 'q' }));
    expect(readEvents(effects)).toEqual(['readIndexResponse b q@0']);
  });

  it('the leader refuses at once a read from a node it holds no progress for', () => {
    const net = cluster();
    const effects = effectsDuring(net, 'a', () => net.raft('a').receive({ type: 'readIndex', from: 'z', to: 'a', term: 2, context: 'q' }));
    expect(readEvents(effects)).toEqual(['readIndexResponse z q@0']);
  });
});
