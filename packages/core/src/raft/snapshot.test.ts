/**
 * Snapshots and log compaction (Raft §7, thesis chapter 5): `snapshotTaken` compacts the log
 * behind a trailing tail, `snapshotMetaAt` carries the configuration in force, a follower behind
 * the compaction point is sent a snapshot (InstallSnapshot) and then catches up by appends, a
 * failed transfer goes back to probing, and a node restarts from a stored snapshot.
 */
import { describe, expect, it } from 'vitest';
import { Network, bytes, logOf } from './test-support/network.js';
import type { Effect, MembershipConfig, Message, NodeId, SnapshotMeta } from './types.js';
import { effectsDuring, run } from './test-support/drive.js';

const ABC = ['a', 'b', 'c'];

function config(voters: readonly NodeId[], learners: readonly NodeId[] = [], outgoingVoters: readonly NodeId[] = []): MembershipConfig {
  return { voters, outgoingVoters, learners };
}

/** cluster bootstraps a, b, c (plus `empty` nodes), with snapshots carried out, and elects a (term 2, commit 2). */
function cluster(empty: readonly NodeId[] = []): Network {
  const net = new Network(ABC, { seed: 1, snapshots: true });
  empty.forEach((id, offset) => net.add(id, { config: net.configFor(id, ABC.length + offset) }));
  net.elect('a');
  expect(net.raft('a').status()).toMatchObject({ role: 'leader', term: 2, commit: 2, lastIndex: 2 });
  return net;
}

function proposeMany(net: Network, prefix: string, count: number): void {
  for (let i = 1; i <= count; i++) net.propose('a', `${prefix}${i}`);
}

function snapshotsSentBy(net: Network, id: NodeId): { to: NodeId; index: number }[] {
  return net.node(id).effects.flatMap((effect) => (effect.type === 'sendSnapshot' ? [{ to: effect.to, index: effect.meta.index }] : []));
}

function summary(message: Message): string {
  switch (message.type) {
    case 'appendEntries':
      return `${message.from}->${message.to} append prev=${message.prevLogIndex} n=${message.entries.length}`;
    case 'appendEntriesResponse':
      return `${message.from}->${message.to} appendResponse ${message.success ? `match=${message.matchIndex}` : `reject=${message.rejectedIndex}`}`;
    case 'installSnapshot':
      return `${message.from}->${message.to} installSnapshot ${message.meta.index}`;
    case 'installSnapshotResponse':
      return `${message.from}->${message.to} installSnapshotResponse ${message.index}`;
    default:
      return `${message.from}->${message.to} ${message.type}`;
  }
}

/**
 * behindSnapshot: c is cut off while a appends x1..x5 (3..7), adds d as a learner (8) and y (9),
 * then a snapshots at 9 with no trailing entries. c (log 1..2) can only be caught up by snapshot.
 */
function behindSnapshot(): { net: Network; meta: SnapshotMeta } {
  const net = cluster(['d']);
  net.cut('a', 'c');
  proposeMany(net, 'x', 5);
  net.raft('a').changeMembership({ type: 'addLearner', id: 'd' });
  net.process('a');
  net.stabilize();
  net.propose('a', 'y');
  const meta = net.snapshot('a', 9, 0);
  expect(meta).toEqual({ index: 9, term: 2, config: config(ABC, ['d']) });
  expect(net.raft('a').status()).toMatchObject({ commit: 9, snapshotIndex: 9, firstIndex: 10, lastIndex: 9 });
  expect(net.raft('c').status()).toMatchObject({ commit: 2, lastIndex: 2, config: config(ABC) });
  return { net, meta };
}

describe('log compaction', () => {
  // The thesis's trailing tail: "...it retains a small number of entries ... after the snapshot so
  // that slightly slow followers can catch up without a snapshot."
  // Reference: thesis section 5.1.1
  it('snapshotTaken compacts up to meta.index - trailing and emits compact', () => {
    const net = cluster();
    proposeMany(net, 'x', 8);
    const raft = net.raft('a');
    expect(raft.status()).toMatchObject({ commit: 10, applied: 10, lastIndex: 10 });

    const meta = raft.snapshotMetaAt(8);
    expect(meta).toEqual({ index: 8, term: 2, config: config(ABC) });
    expect(effectsDuring(net, 'a', () => raft.snapshotTaken(meta, 3))).toEqual([{ type: 'compact', upTo: 5 }]);

    expect(raft.status()).toMatchObject({ snapshotIndex: 8, firstIndex: 6, lastIndex: 10, commit: 10 });
    expect(raft.entry(5)).toBe(undefined);
    expect(raft.entry(6)).toMatchObject({ index: 6, term: 2, data: bytes('x4') });
    // Older or equal snapshots are ignored; a tail longer than the log compacts nothing.
    expect(effectsDuring(net, 'a', () => raft.snapshotTaken(meta, 0))).toEqual([]);
    expect(effectsDuring(net, 'a', () => raft.snapshotTaken(raft.snapshotMetaAt(9), 100))).toEqual([]);
    expect(raft.status()).toMatchObject({ snapshotIndex: 9, firstIndex: 6 });
    expect(effectsDuring(net, 'a', () => raft.snapshotTaken(raft.snapshotMetaAt(10), 0))).toEqual([{ type: 'compact', upTo: 10 }]);
    expect(raft.status()).toMatchObject({ snapshotIndex: 10, firstIndex: 11, lastIndex: 10 });
  });

  it('snapshotMetaAt refuses an index that is not applied or already compacted', () => {
    const net = cluster();
    proposeMany(net, 'x', 4);
    const raft = net.raft('a');
    expect(() => raft.snapshotMetaAt(7)).toThrow('snapshotMetaAt(7): outside the applied log (0..6)');
    raft.snapshotTaken(raft.snapshotMetaAt(6), 2);
    expect(() => raft.snapshotMetaAt(3)).toThrow('snapshotMetaAt(3): outside the applied log (4..6)');
    expect(raft.snapshotMetaAt(4)).toEqual({ index: 4, term: 2, config: config(ABC) });
  });

  // "...the snapshot also includes the latest configuration as of the last included index."
  // Reference: section 7, thesis section 5.1
  it('snapshotMetaAt carries the configuration in force at that index, also after compaction', () => {
    const net = cluster(['d']);
    net.raft('a').changeMembership({ type: 'addLearner', id: 'd' });
    net.process('a');
    net.stabilize();
    net.propose('a', 'x');
    net.raft('a').changeMembership({ type: 'promote', id: 'd' });
    net.process('a');
    net.stabilize();
    net.propose('a', 'y');
    const raft = net.raft('a');
    expect(raft.status()).toMatchObject({ applied: 6, config: config([...ABC, 'd']) });

    const at = (index: number) => raft.snapshotMetaAt(index).config;
    expect([2, 3, 4, 5, 6].map(at)).toEqual([config(ABC), config(ABC, ['d']), config(ABC, ['d']), config([...ABC, 'd']), config([...ABC, 'd'])]);

    raft.snapshotTaken(raft.snapshotMetaAt(4), 0);
    expect([4, 5, 6].map(at)).toEqual([config(ABC, ['d']), config([...ABC, 'd']), config([...ABC, 'd'])]);
  });

  // Reference: thesis section 4.3, section 5.1
  it('a snapshot at a joint configuration carries C_old,new', () => {
    const net = cluster(['d', 'e']);
    net.raft('a').changeMembership({ type: 'replace', voters: [...ABC, 'd', 'e'] });
    net.process('a');
    net.stabilize();
    expect(net.raft('a').snapshotMetaAt(3).config).toEqual(config([...ABC, 'd', 'e'], [], ABC));
    expect(net.raft('a').snapshotMetaAt(4).config).toEqual(config([...ABC, 'd', 'e']));
  });
});

describe('InstallSnapshot', () => {
  // "...the leader must occasionally send snapshots to followers that lag behind. This happens
  // when the leader has already discarded the next log entry that it needs to send to a follower."
  // Reference: section 7
  it('a follower behind the compaction point is sent the snapshot, restores it, then catches up by appends', () => {
    const { net, meta } = behindSnapshot();
    net.heal();
    const before = net.delivered.length;
    const cEffects = effectsDuring(net, 'c', () => run(net, 1, ['a']));

    expect(snapshotsSentBy(net, 'a')).toEqual([{ to: 'c', index: 9 }]);
    expect(net.delivered.slice(before).filter((m) => m.to === 'c' || m.from === 'c').map(summary)).toEqual([
      'a->c heartbeat',
      'c->a heartbeatResponse',
      'a->c append prev=9 n=0',
      'c->a appendResponse reject=9',
      'a->c installSnapshot 9',
      'c->a installSnapshotResponse 9',
      'a->c append prev=9 n=0',
      'c->a appendResponse match=9',
    ]);
    expect(net.delivered.find((m) => m.type === 'installSnapshotResponse')).toEqual({
      type: 'installSnapshotResponse',
      from: 'c',
      to: 'a',
      term: 2,
      index: 9,
      offset: 0,
      done: true,
      success: true,
    });
    // The log restarts after the snapshot: the stale tail is deleted with the next persist.
    expect(cEffects.filter((e) => e.type === 'restoreSnapshot' || e.type === 'persist' || e.type === 'apply')).toEqual([
      { type: 'persist', seq: expect.any(Number), hardState: { term: 2, vote: 'a', commit: 9 }, entries: [], truncateFrom: 10 },
      { type: 'restoreSnapshot', meta },
    ]);
    // The configuration comes from the snapshot: c never saw the config entry at 8.
    expect(net.raft('c').status()).toMatchObject({ snapshotIndex: 9, firstIndex: 10, lastIndex: 9, commit: 9, applied: 9, config: config(ABC, ['d']) });
    expect(net.node('c').disk).toEqual({ hardState: { term: 2, vote: 'a', commit: 9 }, entries: [], snapshot: meta });

    net.propose('a', 'z');

    expect(logOf(net.raft('c')).map((entry) => [entry.index, entry.term])).toEqual([[10, 2]]);
    expect(net.raft('c').status()).toMatchObject({ commit: 10, applied: 10, lastIndex: 10 });
    expect(net.node('c').applied.map((entry) => entry.index)).toEqual([1, 2, 10]);
    expect(net.node('c').disk.entries.map((entry) => entry.index)).toEqual([10]);
    expect(net.raft('a').status().progress.find((peer) => peer.id === 'c')).toMatchObject({ state: 'replicate', match: 10, next: 11 });
  });

  // The `--join` path: a node that starts empty and is added after the log was compacted gets the
  // snapshot (whose configuration predates it, so it is briefly a non-member), then the entry
  // that adds it.
  // Reference: section 7, thesis section 4.2.1
  it('a node added after compaction is caught up by a snapshot, then by the entry that adds it', () => {
    const net = cluster(['d']);
    proposeMany(net, 'x', 3);
    const meta = net.snapshot('a', 5, 0);

    expect(net.raft('a').changeMembership({ type: 'addLearner', id: 'd' })).toEqual({ ok: true, index: 6 });
    net.process('a');
    net.stabilize();

    expect(snapshotsSentBy(net, 'a')).toEqual([{ to: 'd', index: 5 }]);
    expect(net.node('d').effects.filter((effect) => effect.type === 'restoreSnapshot')).toEqual([{ type: 'restoreSnapshot', meta }]);
    expect(net.raft('d').status()).toMatchObject({ term: 2, leader: 'a', snapshotIndex: 5, firstIndex: 6, lastIndex: 6, commit: 6, config: config(ABC, ['d']) });
    expect(net.node('d').applied.map((entry) => entry.index)).toEqual([6]);
  });

  // etcd-raft's ReportSnapshot(failure): the follower goes back to probing, paused until it is
  // heard from again, so a broken transfer is retried cleanly rather than in a tight loop.
  // Reference: section 7 (etcd-raft progress tracking)
  it('snapshotSent(false) returns to probe, paused until a heartbeat response; then it is retried', () => {
    const { net } = behindSnapshot();
    net.heal();
    net.drop('installSnapshot');
    run(net, 1, ['a']);

    expect(snapshotsSentBy(net, 'a')).toEqual([{ to: 'c', index: 9 }]);
    expect(net.raft('a').status().progress.find((peer) => peer.id === 'c')).toMatchObject({ state: 'probe', match: 2, next: 10 });
    expect(net.raft('c').status()).toMatchObject({ snapshotIndex: 0, lastIndex: 2 });

    // Paused: a new entry is not sent to c.
    const before = net.delivered.length;
    net.propose('a', 'w');
    expect(net.delivered.slice(before).filter((m) => m.to === 'c').map(summary)).toEqual([]);

    net.heal();
    run(net, 1, ['a']);

    expect(snapshotsSentBy(net, 'a')).toEqual([
      { to: 'c', index: 9 },
      { to: 'c', index: 9 },
    ]);
    expect(net.delivered.slice(before).filter((m) => m.to === 'c' || m.from === 'c').map(summary)).toEqual([
      'a->c heartbeat',
      'c->a heartbeatResponse',
      'a->c append prev=9 n=1',
      'c->a appendResponse reject=9',
      'a->c installSnapshot 9',
      'c->a installSnapshotResponse 9',
      'a->c append prev=9 n=1',
      'c->a appendResponse match=10',
      // The leader tells a follower it held back the commit it may have missed (as etcd-raft).
      'a->c append prev=10 n=0',
      'c->a appendResponse match=10',
    ]);
    expect(net.raft('c').status()).toMatchObject({ snapshotIndex: 9, commit: 10, lastIndex: 10 });
  });

  // Each failed transfer is retried with the leader's latest snapshot, however many are missed.
  // Reference: section 7
  it('a follower that misses several snapshots in a row still catches up with the latest', () => {
    const { net } = behindSnapshot();
    net.heal();
    net.drop('installSnapshot');
    run(net, 1, ['a']);
    for (const prefix of ['p', 'q']) {
      net.drop('installSnapshot');
      proposeMany(net, prefix, 3);
      net.snapshot('a');
      run(net, 1, ['a']);
    }
    expect(snapshotsSentBy(net, 'a')).toEqual([
      { to: 'c', index: 9 },
      { to: 'c', index: 12 },
      { to: 'c', index: 15 },
    ]);
    expect(net.raft('c').status()).toMatchObject({ snapshotIndex: 0, lastIndex: 2 });

    net.heal();
    run(net, 1, ['a']);
    net.propose('a', 'last');

    expect(snapshotsSentBy(net, 'a').map((sent) => sent.index)).toEqual([9, 12, 15, 15]);
    expect(net.raft('c').status()).toMatchObject({ snapshotIndex: 15, firstIndex: 16, commit: 16, lastIndex: 16, config: config(ABC, ['d']) });
    expect(net.node('c').applied.map((entry) => entry.index)).toEqual([1, 2, 16]);
    expect(net.raft('c').entry(16)).toEqual(net.raft('a').entry(16));
  });
});

describe('restart from a snapshot', () => {
  // docs/architecture.md Restart: "applied = snapshot index; the snapshot is restored; entries in
  // (snapshot index, commit] are applied again, in order."
  // Reference: section 7, docs/architecture.md "Restart"
  it('a leader that compacted restarts from its stored snapshot and the entries after it', () => {
    const net = cluster();
    proposeMany(net, 'x', 6);
    const meta = net.snapshot('a', 6, 2);
    expect(net.raft('a').status()).toMatchObject({ snapshotIndex: 6, firstIndex: 5, lastIndex: 8, commit: 8 });
    const disk = net.node('a').disk;
    expect(disk.snapshot).toEqual(meta);
    expect(disk.entries.map((entry) => entry.index)).toEqual([7, 8]);
    const durableCommit = disk.hardState.commit;
    expect(durableCommit).toBe(7);

    const restarted = net.restart('a');

    expect(restarted.effects).toEqual([
      { type: 'roleChanged', role: 'follower', term: 2, leader: null },
      { type: 'restoreSnapshot', meta },
      { type: 'apply', entries: [net.raft('a').entry(7)] },
    ]);
    expect(restarted.applied.map((entry) => [entry.index, new TextDecoder().decode(entry.data)])).toEqual([[7, 'x5']]);
    expect(net.raft('a').status()).toMatchObject({ snapshotIndex: 6, firstIndex: 7, lastIndex: 8, commit: 7, applied: 7, config: config(ABC) });
  });

  // A follower restarts from the snapshot it installed: the configuration comes from its meta.
  // Reference: section 7
  it('a follower that installed a snapshot restarts from it with its configuration', () => {
    const { net, meta } = behindSnapshot();
    net.heal();
    run(net, 1, ['a']);
    net.propose('a', 'z');
    net.propose('a', 'z2');

    const restarted = net.restart('c');

    expect(restarted.effects.filter((effect) => effect.type === 'restoreSnapshot')).toEqual([{ type: 'restoreSnapshot', meta }]);
    expect(restarted.applied.map((entry) => entry.index)).toEqual([10]);
    expect(net.raft('c').status()).toMatchObject({ snapshotIndex: 9, firstIndex: 10, lastIndex: 11, commit: 10, config: config(ABC, ['d']) });
    run(net, 1, ['a']);
    expect(net.raft('c').status()).toMatchObject({ commit: 11, applied: 11 });
  });
});
