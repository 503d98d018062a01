import { describe, expect, it } from 'vitest';
import { Network, bytes } from './test-support/network.js';
import type { RaftConfig } from './config.js';
import type { AppendEntriesMessage, Effect, Message, NodeId, PeerStatus } from './types.js';
import { effectsDuring } from './test-support/drive.js';

const decoder = new TextDecoder();

function isAppendTo(to: NodeId) {
  return (message: Message): message is AppendEntriesMessage => message.type === 'appendEntries' && message.to === to;
}

/** queuedAppends lists the AppendEntries waiting in the network for `to`. */
function queuedAppends(net: Network, to: NodeId): AppendEntriesMessage[] {
  return net.queue.filter(isAppendTo(to));
}

function peer(net: Network, leader: NodeId, id: NodeId): PeerStatus {
  const found = net.raft(leader).status().progress.find((p) => p.id === id);
  if (found === undefined) throw new Error(`${leader} has no progress for ${id}`);
  return found;
}

/** stableCluster: a, b, c with `a` elected and every follower in replicate state, nothing queued. */
function stableCluster(config: Partial<Omit<RaftConfig, 'id'>> = {}): Network {
  const net = new Network(['a', 'b', 'c'], { seed: 3, config });
  net.elect('a');
  expect(net.raft('a').status().role).toBe('leader');
  expect(peer(net, 'a', 'b').state).toBe('replicate');
  return net;
}

/**
 * catchUpBatches isolates b, proposes `payloads` on a, heals, and returns the payloads of each
 * AppendEntries b then receives, in delivery order.
 */
function catchUpBatches(config: Partial<Omit<RaftConfig, 'id'>>, payloads: readonly string[]): string[][] {
  const net = stableCluster(config);
  net.isolate('b');
  for (const payload of payloads) net.propose('a', payload);
  expect(net.raft('b').status().lastIndex).toBe(2);
  net.heal();
  const from = net.delivered.length;
  net.tick(1, ['a']);
  net.stabilize();
  expect(net.raft('b').status().lastIndex).toBe(2 + payloads.length);
  return net.delivered
    .slice(from)
    .filter(isAppendTo('b'))
    .filter((m) => m.entries.length > 0)
    .map((m) => m.entries.map((e) => decoder.decode(e.data)));
}

describe('probe state', () => {
  /** A leader whose first AppendEntries to b (a probe) is still in the queue, unanswered. */
  function leaderProbingB(): Network {
    const net = new Network(['a', 'b', 'c'], { seed: 3 });
    net.raft('a').campaign();
    net.process('a');
    for (let i = 0; i < 10 && net.raft('a').status().role !== 'leader'; i++) {
      net.deliver((m) => m.type === 'requestVote' || m.type === 'requestVoteResponse');
    }
    expect(net.raft('a').status().role).toBe('leader');
    // In probe state `next` stays put until an answer shows where the logs match.
    expect(peer(net, 'a', 'b')).toMatchObject({ state: 'probe', next: 2, match: 0 });
    expect(queuedAppends(net, 'b')).toHaveLength(1);
    return net;
  }

  it('sends one AppendEntries and then nothing more while it is unanswered', () => {
    const net = leaderProbingB();
    net.raft('a').propose(bytes('x'));
    net.raft('a').propose(bytes('y'));
    net.process('a');
    const appends = queuedAppends(net, 'b');
    expect(appends).toHaveLength(1);
    expect(appends[0]).toMatchObject({ prevLogIndex: 1, prevLogTerm: 1 });
    expect(appends[0]!.entries.map((e) => e.index)).toEqual([2]);
  });

  it('sends the next AppendEntries when the response arrives, and starts pipelining', () => {
    const net = leaderProbingB();
    net.raft('a').propose(bytes('x'));
    net.process('a');
    net.deliver(isAppendTo('b'));
    net.deliver((m) => m.type === 'appendEntriesResponse' && m.from === 'b');
    expect(peer(net, 'a', 'b')).toMatchObject({ state: 'replicate', match: 2, next: 4 });
    const appends = queuedAppends(net, 'b');
    expect(appends).toHaveLength(1);
    expect(appends[0]!.entries.map((e) => e.index)).toEqual([3]);
  });

  it('sends the next AppendEntries when a heartbeat response arrives', () => {
    const net = leaderProbingB();
    net.raft('a').propose(bytes('x'));
    net.process('a');
    // The probe is lost; only the heartbeat round gets through.
    net.queue = net.queue.filter((m) => !isAppendTo('b')(m));
    net.tick(1, ['a']);
    expect(queuedAppends(net, 'b')).toHaveLength(0);
    net.deliver((m) => m.type === 'heartbeat' && m.to === 'b');
    net.deliver((m) => m.type === 'heartbeatResponse' && m.from === 'b');
    const appends = queuedAppends(net, 'b');
    expect(appends).toHaveLength(1);
    expect(appends[0]).toMatchObject({ prevLogIndex: 1, prevLogTerm: 1 });
    expect(appends[0]!.entries.map((e) => e.index)).toEqual([2, 3]);
    expect(peer(net, 'a', 'b').state).toBe('probe');
  });
});

describe('replicate state', () => {
  it('pipelines up to maxInflightMessages AppendEntries, then waits', () => {
    const net = stableCluster({ maxInflightMessages: 3, maxEntriesPerMessage: 1 });
    for (const text of ['p1', 'p2', 'p3', 'p4', 'p5']) net.raft('a').propose(bytes(text));
    net.process('a');
    expect(queuedAppends(net, 'b').map((m) => m.entries.map((e) => e.index))).toEqual([[3], [4], [5]]);
    expect(peer(net, 'a', 'b')).toMatchObject({ state: 'replicate', inflightMessages: 3, next: 6 });
  });

  it('stops once the bytes in flight reach maxInflightBytes', () => {
    const net = stableCluster({ maxInflightMessages: 100, maxInflightBytes: 10, maxEntriesPerMessage: 1 });
    for (const text of ['1234', '5678', 'abcd', 'efgh', 'ijkl']) net.raft('a').propose(bytes(text));
    net.process('a');
    // 4 + 4 = 8 < 10, so a third message goes out; then 12 ≥ 10 and the window is full.
    expect(queuedAppends(net, 'b').map((m) => m.entries.map((e) => e.index))).toEqual([[3], [4], [5]]);
    expect(peer(net, 'a', 'b').inflightMessages).toBe(3);
  });

  it('an acknowledgement frees the window and the leader fills it again', () => {
    const net = stableCluster({ maxInflightMessages: 2, maxEntriesPerMessage: 1 });
    for (const text of ['p1', 'p2', 'p3', 'p4']) net.raft('a').propose(bytes(text));
    net.process('a');
    expect(queuedAppends(net, 'b').map((m) => m.entries[0]!.index)).toEqual([3, 4]);
    // b receives the first one and acknowledges index 3.
    net.deliver((m) => isAppendTo('b')(m) && m.entries[0]!.index === 3);
    net.deliver((m) => m.type === 'appendEntriesResponse' && m.from === 'b');
    expect(peer(net, 'a', 'b')).toMatchObject({ match: 3, inflightMessages: 2 });
    // The network re-queues undelivered messages behind new ones, so compare as a set.
    expect(queuedAppends(net, 'b').map((m) => m.entries[0]!.index).sort()).toEqual([4, 5]);
    net.stabilize();
    expect(peer(net, 'a', 'b')).toMatchObject({ match: 6, next: 7, inflightMessages: 0 });
    expect(net.raft('b').status().lastIndex).toBe(6);
  });

  it('a heartbeat answer frees a window whose appends were all lost, so the follower catches up', () => {
    // Found by the simulator: with every in-flight append lost, nothing freed the window and the
    // follower, answering heartbeats, never got another entry.
    const net = stableCluster({ maxInflightMessages: 1, maxEntriesPerMessage: 1 });
    net.raft('a').propose(bytes('lost'));
    net.process('a');
    net.queue = net.queue.filter((m) => !isAppendTo('b')(m));
    net.stabilize();
    expect(peer(net, 'a', 'b')).toMatchObject({ state: 'replicate', match: 2, inflightMessages: 1 });
    net.raft('a').propose(bytes('next'));
    net.process('a');
    expect(queuedAppends(net, 'b')).toEqual([]);
    net.tick(1, ['a']);
    net.stabilize();
    expect(net.raft('b').status().lastIndex).toBe(4);
    expect(peer(net, 'a', 'b')).toMatchObject({ match: 4, inflightMessages: 0 });
  });
});

describe('message size limits', () => {
  it('maxEntriesPerMessage splits a catch-up into messages of at most that many entries', () => {
    const payloads = Array.from({ length: 10 }, (_, i) => `e${i}`);
    expect(catchUpBatches({ maxEntriesPerMessage: 4 }, payloads)).toEqual([
      ['e0', 'e1', 'e2', 'e3'],
      ['e4', 'e5', 'e6', 'e7'],
      ['e8', 'e9'],
    ]);
  });

  it('maxMessageBytes splits by payload bytes, and an oversize entry still goes alone', () => {
    const big = 'B'.repeat(100);
    const payloads = ['s0________', 's1________', 's2________', big, 's3________'];
    expect(catchUpBatches({ maxMessageBytes: 25 }, payloads)).toEqual([['s0________', 's1________'], ['s2________'], [big], ['s3________']]);
  });
});

describe('proposeBatch', () => {
  it('puts N proposals in one persist effect and one AppendEntries per follower', () => {
    const net = stableCluster();
    let results: unknown;
    const effects = effectsDuring(net, 'a', () => {
      results = net.raft('a').proposeBatch([bytes('x'), bytes('y'), bytes('z')]);
    });
    expect(results).toEqual([
      { ok: true, index: 3, term: 2 },
      { ok: true, index: 4, term: 2 },
      { ok: true, index: 5, term: 2 },
    ]);
    const persists = effects.filter((e) => e.type === 'persist');
    expect(persists).toHaveLength(1);
    expect(persists[0]!.type === 'persist' && persists[0]!.entries.map((e) => [e.index, decoder.decode(e.data)])).toEqual([
      [3, 'x'],
      [4, 'y'],
      [5, 'z'],
    ]);
    const sends = effects.flatMap((e) => (e.type === 'send' && e.message.type === 'appendEntries' ? [e.message] : []));
    expect(sends.map((m) => [m.to, m.entries.map((e) => e.index)])).toEqual([
      ['b', [3, 4, 5]],
      ['c', [3, 4, 5]],
    ]);
  });
});

describe('maxUncommittedBytes', () => {
  it("drops proposals past the limit with 'uncommitted-limit' (result and effect) and accepts again after commit", () => {
    const net = stableCluster({ maxUncommittedBytes: 10 });
    net.isolate('a');
    const first = net.raft('a').propose(bytes('123456'));
    net.process('a');
    expect(first).toEqual({ ok: true, index: 3, term: 2 });
    let second: unknown;
    const effects = effectsDuring(net, 'a', () => {
      second = net.raft('a').propose(bytes('789012'));
    });
    expect(second).toEqual({ ok: false, reason: 'uncommitted-limit', leaderHint: 'a' });
    expect(effects.filter((e) => e.type === 'proposalDropped')).toEqual([{ type: 'proposalDropped', reason: 'uncommitted-limit', leaderHint: 'a' }]);
    expect(effects.some((e) => e.type === 'persist')).toBe(false);
    expect(net.raft('a').status().lastIndex).toBe(3);

    net.heal();
    net.tick(1, ['a']);
    net.stabilize();
    expect(net.raft('a').status().commit).toBe(3);
    expect(net.raft('a').propose(bytes('789012'))).toEqual({ ok: true, index: 4, term: 2 });
  });

  it('in a batch, accepts up to the limit and drops the rest', () => {
    const net = stableCluster({ maxUncommittedBytes: 10 });
    net.isolate('a');
    expect(net.raft('a').proposeBatch([bytes('1234'), bytes('5678'), bytes('9abc'), bytes('')])).toEqual([
      { ok: true, index: 3, term: 2 },
      { ok: true, index: 4, term: 2 },
      { ok: false, reason: 'uncommitted-limit', leaderHint: 'a' },
      { ok: true, index: 5, term: 2 },
    ]);
  });

  it('an empty pipeline takes one entry larger than the limit', () => {
    const net = stableCluster({ maxUncommittedBytes: 10 });
    expect(net.raft('a').propose(bytes('x'.repeat(50)))).toEqual({ ok: true, index: 3, term: 2 });
  });
});

describe('propose on a non-leader', () => {
  it("returns not-leader with the real leader's id as the hint, and emits proposalDropped", () => {
    const net = stableCluster();
    let result: unknown;
    const effects = effectsDuring(net, 'b', () => {
      result = net.raft('b').propose(bytes('x'));
    });
    expect(result).toEqual({ ok: false, reason: 'not-leader', leaderHint: 'a' });
    expect(effects).toEqual([{ type: 'proposalDropped', reason: 'not-leader', leaderHint: 'a' }]);
    expect(net.raft('b').status().lastIndex).toBe(2);
  });

  it('returns a null hint when no leader is known', () => {
    const net = new Network(['a', 'b', 'c'], { seed: 3 });
    expect(net.raft('b').propose(bytes('x'))).toEqual({ ok: false, reason: 'not-leader', leaderHint: null });
  });
});

describe('status() on the leader', () => {
  it('reports match, next and state per peer', () => {
    const net = stableCluster();
    net.propose('a', 'x');
    const status = net.raft('a').status();
    expect(status.progress.map((p) => [p.id, p.match, p.next, p.state, p.learner])).toEqual([
      ['b', 3, 4, 'replicate', false],
      ['c', 3, 4, 'replicate', false],
    ]);
    expect(net.raft('b').status().progress).toEqual([]);
  });

  it('ticksSinceHeard grows for an isolated peer and resets when it answers', () => {
    const net = stableCluster();
    net.isolate('c');
    for (let i = 0; i < 5; i++) {
      net.tick(1, ['a']);
      net.stabilize();
    }
    expect(peer(net, 'a', 'b').ticksSinceHeard).toBe(0);
    expect(peer(net, 'a', 'c').ticksSinceHeard).toBe(5);
    net.heal();
    net.tick(1, ['a']);
    expect(peer(net, 'a', 'c').ticksSinceHeard).toBe(6);
    net.stabilize();
    expect(peer(net, 'a', 'c').ticksSinceHeard).toBe(0);
    expect(net.raft('a').status().role).toBe('leader');
  });
});
