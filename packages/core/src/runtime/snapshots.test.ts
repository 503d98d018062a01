/**
 * Snapshots through the runtime: periodic snapshots with log compaction, catching up a follower
 * behind the compaction point by chunked InstallSnapshot, interrupted transfers, and restart from
 * a snapshot plus the log's tail (docs/architecture.md "Restart").
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InstallSnapshotMessage, NodeId } from '../raft/types.js';
import { CounterMachine, TestCluster, type ClusterOptions, type CounterCommand, type SentMessage } from './test-support/cluster.js';

const ABC = ['a', 'b', 'c'] as const;
let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/**
 * HistoryMachine also remembers every amount added, in order, and puts that list in its
 * snapshots: the snapshot grows with the log (so it takes many 64-byte chunks), and a restored
 * node can be checked for every single write.
 */
class HistoryMachine extends CounterMachine {
  history: number[] = [];

  override apply(command: CounterCommand, meta: { index: number; term: number }): number {
    const total = super.apply(command, meta);
    if ('add' in command) this.history.push(command.add);
    return total;
  }

  override snapshot(): AsyncIterable<Uint8Array> {
    const bytes = new TextEncoder().encode(JSON.stringify({ total: this.total, history: this.history }));
    return (async function* () {
      yield bytes;
    })();
  }

  override async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const state = JSON.parse(new TextDecoder().decode(Buffer.concat(parts))) as { total: number; history: number[] };
    this.total = state.total;
    this.history = state.history;
    this.calls.push(`restore ${this.total}`);
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, position) => from + position);

function options(extra: ClusterOptions = {}): ClusterOptions {
  return {
    snapshot: { entries: 20, trailing: 5, transfer: { chunkBytes: 64, timeoutMs: 200 } },
    machine: () => new HistoryMachine(),
    ...extra,
  };
}

const history = (id: NodeId): number[] => (cluster!.member(id).machine as HistoryMachine).history;

/** write proposes 1..count on `leader`, one at a time, each acknowledged before the next. */
async function write(leader: NodeId, from: number, to: number): Promise<void> {
  for (const add of range(from, to)) await cluster!.resolve(cluster!.node(leader).propose({ add }));
}

async function startCluster(extra: ClusterOptions = {}): Promise<{ cluster: TestCluster; leader: NodeId; followers: NodeId[] }> {
  cluster = new TestCluster(ABC, options(extra));
  await cluster.start();
  const leader = await cluster.waitForLeader();
  return { cluster, leader, followers: ABC.filter((id) => id !== leader) };
}

const isInstall = (sent: SentMessage, to: NodeId): sent is SentMessage & { message: InstallSnapshotMessage } => sent.to === to && sent.message.type === 'installSnapshot';

describe('snapshots', () => {
  it('every 20 applied entries each node stores a snapshot and compacts its log to 5 entries behind it', async () => {
    const { cluster, leader } = await startCluster();
    // Index 1 is the bootstrap configuration, 2 the leader's no-op, 3..52 the writes.
    await write(leader, 1, 50);
    await cluster.waitFor(() => ABC.every((id) => cluster.node(id).status().appliedIndex === 52), 'every node to apply 52 entries');
    await cluster.run(0);
    for (const id of ABC) {
      const durable = cluster.member(id).storage.durable();
      // Snapshots were taken at applied 20 and 40. Storing a snapshot drops the entries it
      // covers from MemoryStorage; the 5 trailing entries (36..40) stay in the in-memory log only.
      expect(durable.snapshot).toMatchObject({ index: 40, term: 2, config: { voters: ['a', 'b', 'c'], outgoingVoters: [], learners: [] } });
      expect(durable.entries.map((entry) => entry.index)).toEqual(range(41, 52));
      expect(durable.hardState.commit).toBeGreaterThanOrEqual(51);
      expect(cluster.node(id).status()).toMatchObject({ snapshotIndex: 40, firstIndex: 36, lastIndex: 52, commit: 52 });
      expect(cluster.node(id).inspect().entry(36)).toMatchObject({ index: 36, term: 2 });
      expect(cluster.node(id).inspect().entry(35)).toBeUndefined();
      expect(history(id)).toEqual(range(1, 50));
    }
  });

  it("a node's own snapshot save does not hold its appends: writes commit while the save still streams", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    /** GatedMachine's snapshots stream their last byte only once the gate opens. */
    class GatedMachine extends HistoryMachine {
      override snapshot(): AsyncIterable<Uint8Array> {
        const chunks = super.snapshot();
        return (async function* () {
          yield* chunks;
          await gate;
          yield new Uint8Array(0);
        })();
      }
    }
    const { cluster, leader } = await startCluster({ machine: () => new GatedMachine() });
    // Applying 20 starts every node's save at 20, which waits on the gate; 40 would start the next.
    await write(leader, 1, 50);
    await cluster.waitFor(() => ABC.every((id) => cluster.node(id).status().appliedIndex === 52), 'every node to apply 52 entries');
    for (const id of ABC) {
      // Every write is durable while no snapshot is: the save at 20 has not landed.
      expect(cluster.member(id).storage.durable().snapshot).toBeUndefined();
      expect(cluster.member(id).storage.durable().entries.at(-1)?.index).toBe(52);
      expect(cluster.node(id).status().snapshotIndex).toBe(0);
    }
    release();
    // The save at 20 lands, keeping the 32 entries appended after it on disk.
    await cluster.waitFor(() => ABC.every((id) => cluster.node(id).status().snapshotIndex === 20), 'every node to snapshot at 20');
    await cluster.run(0);
    for (const id of ABC) {
      const durable = cluster.member(id).storage.durable();
      expect(durable.snapshot?.index).toBe(20);
      expect(durable.entries.map((entry) => entry.index)).toEqual(range(21, 52));
    }
    // Only one save runs at a time: the next starts with the next apply, at 53.
    await write(leader, 51, 60);
    await cluster.waitFor(() => ABC.every((id) => cluster.node(id).status().snapshotIndex === 53), 'every node to snapshot at 53');
    await cluster.run(0);
    for (const id of ABC) {
      expect(cluster.member(id).storage.durable().snapshot?.index).toBe(53);
      expect(history(id)).toEqual(range(1, 60));
    }
  });

  it('a follower ignores an InstallSnapshot older than its own snapshot: storage keeps its snapshot and log', async () => {
    const { cluster, leader, followers } = await startCluster();
    const follower = followers[0]!;
    await write(leader, 1, 50);
    await cluster.waitFor(() => cluster.node(follower).status().appliedIndex === 52, 'the follower to apply 52 entries');
    await cluster.run(0);
    const before = cluster.member(follower).storage.durable();
    expect(before.snapshot?.index).toBe(40);
    // A late copy of an old transfer of snapshot 20 (found by @raftkit/sim: storing it moved the
    // follower's storage back to 20 and dropped entries 41..52, acknowledged and committed).
    const term = cluster.node(leader).status().term;
    cluster.network.transport(leader).send(follower, {
      type: 'installSnapshot',
      from: leader,
      to: follower,
      term,
      meta: { index: 20, term: 2, config: before.snapshot!.config },
      offset: 0,
      data: new Uint8Array(0),
      done: true,
    });
    await cluster.run(50);
    const after = cluster.member(follower).storage.durable();
    expect(after.snapshot).toMatchObject({ index: 40, term: 2 });
    expect(after.entries.map((entry) => entry.index)).toEqual(range(41, 52));
    expect(cluster.node(follower).status()).toMatchObject({ snapshotIndex: 40, commit: 52, lastIndex: 52 });
  });

  it('a follower stopped early and restarted after compaction catches up by a chunked InstallSnapshot', async () => {
    const { cluster, leader, followers } = await startCluster();
    const lagging = followers[0]!;
    await write(leader, 1, 3);
    await cluster.waitFor(() => history(lagging).length === 3, 'the follower to apply 3 writes');
    const { storage } = cluster.member(lagging);
    await cluster.resolve(cluster.node(lagging).stop());
    await write(leader, 4, 50);
    expect(cluster.node(leader).status()).toMatchObject({ snapshotIndex: 40, firstIndex: 36 });
    const disk = storage.durable();
    expect(disk.snapshot).toBeUndefined();
    expect(disk.entries.at(-1)!.index).toBeLessThan(36);

    // Look at the leader's status each time it sends a chunk.
    const sendingDuringTransfer: NodeId[][] = [];
    cluster.onSend = (sent) => {
      if (isInstall(sent, lagging)) sendingDuringTransfer.push([...cluster.node(leader).status().sendingSnapshotTo]);
    };
    const before = cluster.sent.length;
    await cluster.startNode(lagging, storage);
    await cluster.waitFor(() => history(lagging).length === 50, 'the restarted follower to catch up');
    expect(history(lagging)).toEqual(range(1, 50));
    expect(cluster.member(lagging).machine.total).toBe(1275);

    const chunks = cluster.sent.slice(before).filter((sent) => isInstall(sent, lagging)).map((sent) => sent.message as InstallSnapshotMessage);
    // The snapshot at 40 is 130 bytes of JSON (38 amounts): three chunks of at most 64 bytes,
    // then the final message, all within the default window of 4 chunks.
    expect(chunks.map((chunk) => [chunk.meta.index, chunk.offset, chunk.data.byteLength, chunk.done])).toEqual([
      [40, 0, 64, false],
      [40, 64, 64, false],
      [40, 128, 2, false],
      [40, 130, 0, true],
    ]);
    expect(sendingDuringTransfer.length).toBe(chunks.length);
    expect(sendingDuringTransfer.every((sending) => sending.includes(lagging))).toBe(true);
    // Once done the leader is no longer streaming, and the follower holds the snapshot.
    expect(cluster.node(leader).status().sendingSnapshotTo).toEqual([]);
    expect(cluster.member(lagging).storage.durable().snapshot).toMatchObject({ index: 40, term: 2 });
    // At start it re-applied its own committed log (writes 1..3 at most), then restored the
    // snapshot at 40 (writes 1..38) and applied only what follows it.
    const calls = cluster.member(lagging).machine.calls;
    const restoredAt = calls.indexOf(`restore ${range(1, 38).reduce((sum, add) => sum + add, 0)}`);
    expect(calls.slice(0, restoredAt).every((call) => Number(/apply (\d+)@/.exec(call)![1]) <= 5)).toBe(true);
    expect(calls.slice(restoredAt + 1)).toEqual(range(41, 52).map((index) => `apply ${index}@2 {"add":${index - 2}}`));
  });

  it('with a one-chunk window each chunk waits for the previous one to be acknowledged, and the follower answers done only once the snapshot is on its disk', async () => {
    const { cluster, leader, followers } = await startCluster({
      snapshot: { entries: 20, trailing: 5, transfer: { chunkBytes: 64, windowBytes: 64, timeoutMs: 200 } },
      persistDelayMs: 3,
    });
    const lagging = followers[0]!;
    const { storage } = cluster.member(lagging);
    await cluster.resolve(cluster.node(lagging).stop());
    await write(leader, 1, 50);
    const onDiskWhenDone: (number | undefined)[] = [];
    cluster.onSend = ({ from, message }) => {
      if (from === lagging && message.type === 'installSnapshotResponse' && message.done) onDiskWhenDone.push(storage.durable().snapshot?.index);
    };
    const before = cluster.sent.length;
    await cluster.startNode(lagging, storage);
    await cluster.waitFor(() => history(lagging).length === 50, 'the restarted follower to catch up');

    const transfer = cluster.sent.slice(before).flatMap(({ message }) => {
      if (message.type === 'installSnapshot') return [`send ${message.offset}+${message.data.byteLength}${message.done ? ' done' : ''}`];
      if (message.type === 'installSnapshotResponse') return [`ack ${message.offset}${message.done ? ' done' : ''}`];
      return [];
    });
    expect(transfer).toEqual(['send 0+64', 'ack 64', 'send 64+64', 'ack 128', 'send 128+2', 'ack 130', 'send 130+0 done', 'ack 130 done']);
    expect(onDiskWhenDone).toEqual([40]);
  });

  it('a fresh empty node added as a learner catches up by InstallSnapshot, then as a voter', async () => {
    const { cluster, leader } = await startCluster();
    await write(leader, 1, 50);
    const before = cluster.sent.length;
    await cluster.startNode('d', undefined, { join: true });
    expect(cluster.node('d').status()).toMatchObject({ role: 'follower', leader: null, lastIndex: 0, config: { voters: [], learners: [] } });
    await cluster.resolve(cluster.node(leader).changeMembership({ type: 'addLearner', id: 'd' }));
    await cluster.waitFor(() => history('d').length === 50, 'the learner to catch up');
    expect(history('d')).toEqual(range(1, 50));
    expect(cluster.sent.slice(before).filter((sent) => isInstall(sent, 'd')).length).toBeGreaterThan(2);
    expect(cluster.node('d').status().config).toMatchObject({ voters: ['a', 'b', 'c'], learners: ['d'] });

    await cluster.resolve(cluster.node(leader).changeMembership({ type: 'promote', id: 'd' }));
    await write(leader, 51, 52);
    await cluster.waitFor(() => history('d').length === 52, 'the new voter to apply later writes');
    expect(history('d')).toEqual(range(1, 52));
    expect(cluster.node('d').status().config).toMatchObject({ voters: ['a', 'b', 'c', 'd'], learners: [] });
  });

  it('an interrupted transfer restarts from offset 0 after a stall timeout, never in a tight loop, and completes after healing', async () => {
    const { cluster, leader, followers } = await startCluster();
    const lagging = followers[0]!;
    const { storage } = cluster.member(lagging);
    await cluster.resolve(cluster.node(lagging).stop());
    await write(leader, 1, 50);

    // Only the first chunk of each attempt gets through: the follower holds a partial snapshot.
    cluster.dropWhen = (sent) => isInstall(sent, lagging) && sent.message.offset > 0;
    const before = cluster.sent.length;
    await cluster.startNode(lagging, storage);
    await cluster.run(1000);
    const attempts = () => cluster.sent.slice(before).filter((sent) => isInstall(sent, lagging) && sent.message.offset === 0).length;
    // A stalled transfer is abandoned after the 200 ms stall timeout; the leader starts over at
    // the next heartbeat answer: about one attempt per 200 ms, never one per tick.
    expect(attempts()).toBeGreaterThanOrEqual(4);
    expect(attempts()).toBeLessThanOrEqual(6);
    expect(history(lagging)).toEqual([]);
    expect(cluster.member(lagging).storage.durable().snapshot).toBeUndefined();
    expect(cluster.node(lagging).status()).toMatchObject({ role: 'follower', leader });

    cluster.dropWhen = undefined;
    await cluster.waitFor(() => history(lagging).length === 50, 'the transfer to complete after healing', 1000);
    expect(history(lagging)).toEqual(range(1, 50));
    expect(cluster.node(leader).status().sendingSnapshotTo).toEqual([]);
  });

  it('a follower stopped in the middle of a transfer gets a fresh transfer after it restarts', async () => {
    const { cluster, leader, followers } = await startCluster();
    const lagging = followers[0]!;
    const { storage } = cluster.member(lagging);
    await cluster.resolve(cluster.node(lagging).stop());
    await write(leader, 1, 50);

    // Stop the follower as soon as its first chunk has been sent.
    let stopping: Promise<void> | undefined;
    cluster.onSend = (sent) => {
      if (stopping === undefined && isInstall(sent, lagging)) stopping = cluster.node(lagging).stop();
    };
    await cluster.startNode(lagging, storage);
    await cluster.waitFor(() => stopping !== undefined, 'a chunk to be sent');
    await cluster.resolve(stopping!);
    cluster.onSend = undefined;
    expect(storage.durable().snapshot).toBeUndefined();
    await cluster.run(500);
    // The leader noticed the stall and gave up: it is not streaming to a stopped node.
    expect(cluster.node(leader).status().sendingSnapshotTo).toEqual([]);

    await cluster.startNode(lagging, storage);
    await cluster.waitFor(() => history(lagging).length === 50, 'the restarted follower to catch up');
    expect(history(lagging)).toEqual(range(1, 50));
  });

  it('a term change while a received snapshot is being stored still lets the core adopt it: storage never runs ahead of the log', async () => {
    // Found by @raftkit/sim (transfer scenario, seed 359): a vote request of a later term arrived
    // while the snapshot was being written; the core then dropped the stored snapshot's message as
    // stale, and its next append truncated below the snapshot on disk, failing the node.
    let gated: NodeId | undefined;
    let release: (() => void) | undefined;
    const { cluster, leader, followers } = await startCluster({
      config: { checkQuorum: false },
      wrapStorage: (id, memory) =>
        new Proxy(memory, {
          get(target, property) {
            if (property === 'saveSnapshot' && id === gated) {
              return async (...args: Parameters<typeof memory.saveSnapshot>) => {
                await new Promise<void>((resolve) => (release = resolve));
                return target.saveSnapshot(...args);
              };
            }
            const value = Reflect.get(target, property, target) as unknown;
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        }),
    });
    const [lagging, other] = followers as [NodeId, NodeId];
    const { storage } = cluster.member(lagging);
    await cluster.resolve(cluster.node(lagging).stop());
    await write(leader, 1, 50);
    gated = lagging;
    await cluster.startNode(lagging, storage);
    await cluster.waitFor(() => release !== undefined, 'the lagging follower to store the snapshot');
    const term = cluster.node(lagging).status().term;
    cluster.network.transport(other).send(lagging, { type: 'requestVote', from: other, to: lagging, term: term + 1, preVote: false, lastLogIndex: 100, lastLogTerm: term });
    await cluster.run(30);
    expect(cluster.node(lagging).status().term).toBe(term);
    gated = undefined;
    release!();
    await cluster.run(0);
    // Once the snapshot is on disk the core has it too, though a later term began meanwhile.
    expect(storage.durable().snapshot).toMatchObject({ index: 40 });
    expect(cluster.node(lagging).status()).toMatchObject({ snapshotIndex: 40, commit: 40, lastIndex: 40, term: term + 1 });
    await cluster.waitFor(() => history(lagging).length === 50, 'the follower to catch up after the term change');
    expect(history(lagging)).toEqual(range(1, 50));
    expect(cluster.node(lagging).status().term).toBeGreaterThan(term);
  });

  it('restarting a node whose storage holds a snapshot and a tail restores the snapshot and re-applies only the tail', async () => {
    const { cluster, leader, followers } = await startCluster();
    await write(leader, 1, 50);
    const restarted = followers[0]!;
    await cluster.waitFor(() => cluster.node(restarted).status().appliedIndex === 52, 'the follower to apply everything');
    const { storage } = cluster.member(restarted);
    await cluster.resolve(cluster.node(restarted).stop());
    const disk = storage.durable();
    expect(disk.snapshot).toMatchObject({ index: 40 });
    const commit = disk.hardState.commit;
    expect(commit).toBeGreaterThanOrEqual(51);

    const { node, machine } = await cluster.startNode(restarted, storage);
    // The snapshot at 40 holds writes 1..38 (indexes 3..40); only (40, commit] is applied again.
    expect(machine.calls).toEqual([`restore ${range(1, 38).reduce((sum, add) => sum + add, 0)}`, ...range(41, commit).map((index) => `apply ${index}@2 {"add":${index - 2}}`)]);
    // Loaded from storage, the log starts right after the snapshot.
    expect(node.status()).toMatchObject({ snapshotIndex: 40, firstIndex: 41, appliedIndex: commit });
    await cluster.waitFor(() => history(restarted).length === 50, 'the restarted node to apply the rest');
    expect(history(restarted)).toEqual(range(1, 50));
  });
});
