import { createMemoryStorage, createRaftNode, type MemoryStorage, type RaftNode, type StateMachine } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWsTransport, type WsTransport } from './ws-transport.js';
import { waitUntil } from './test-support/wait.js';

/** A counter whose snapshot carries 1 MiB of padding, so a snapshot streams as many chunks. */
class PaddedCounter implements StateMachine<number, void, number> {
  total = 0;
  restoredFromSnapshot = false;
  apply(add: number): number {
    this.total += add;
    return this.total;
  }
  query(): number {
    return this.total;
  }
  snapshot(): AsyncIterable<Uint8Array> {
    const bytes = new Uint8Array(1024 * 1024 + 8);
    new DataView(bytes.buffer).setFloat64(0, this.total);
    bytes.fill(0xab, 8);
    return (async function* () {
      yield bytes;
    })();
  }
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const bytes = Buffer.concat(parts);
    if (bytes.byteLength !== 1024 * 1024 + 8 || bytes.subarray(8).some((byte) => byte !== 0xab)) throw new Error(`corrupt snapshot of ${bytes.byteLength} bytes`);
    this.total = new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0);
    this.restoredFromSnapshot = true;
  }
}

interface Member {
  readonly id: string;
  node: RaftNode<number, void, number>;
  transport: WsTransport;
  machine: PaddedCounter;
  readonly storage: MemoryStorage;
  port: number;
}

const ids = ['n1', 'n2', 'n3'];
let members: Member[] = [];
afterEach(async () => {
  await Promise.allSettled(members.map((member) => member.node.stop()));
  members = [];
});

function build(id: string, storage: MemoryStorage, port: number): Member {
  const transport = createWsTransport({ id, clusterId: 'raft-node-test', listen: { host: '127.0.0.1', port }, peers: {}, secret: 's', reconnect: { minMs: 5, maxMs: 50 }, logger: {} });
  const machine = new PaddedCounter();
  const node = createRaftNode({
    config: { id, tickMs: 10 },
    storage,
    transport,
    stateMachine: machine,
    bootstrap: { voters: ids, outgoingVoters: [], learners: [] },
    snapshot: { entries: 20, trailing: 2, transfer: { chunkBytes: 64 * 1024, windowBytes: 256 * 1024 } },
  });
  return { id, node, transport, machine, storage, port };
}

describe('RaftNode over createWsTransport', () => {
  // Real sockets and real timers: retried on a loaded 2-core CI machine.
  it('elects a leader, replicates, and catches a restarted follower up by a chunked snapshot over WebSockets', { retry: 2 }, async () => {
    members = ids.map((id) => build(id, createMemoryStorage(), 0));
    await Promise.all(members.map((member) => member.node.start()));
    for (const member of members) member.port = member.transport.address().port;
    const table = Object.fromEntries(members.map((member) => [member.id, `127.0.0.1:${member.port}`]));
    for (const member of members) member.transport.setPeers(table);

    const leaderOf = () => members.find((member) => member.node.status().role === 'leader');
    await waitUntil(() => leaderOf() !== undefined, 'a leader is elected', 10_000);
    let leader = leaderOf()!;

    // Stop one follower, then commit enough entries that the leader snapshots and compacts past it.
    const follower = members.find((member) => member !== leader)!;
    const needed = follower.node.status().lastIndex + 1;
    await follower.node.stop();
    for (let add = 1; add <= 60; add++) await leader.node.propose(add);
    expect(leader.machine.total).toBe(1830);
    // Compacted past the entry the follower needs next, on both running nodes (either may lead
    // when it returns), so only a snapshot can catch it up.
    const running = members.filter((member) => member !== follower);
    await waitUntil(() => running.every((member) => member.node.status().snapshotIndex > 0 && member.node.inspect().entry(needed) === undefined), 'the running nodes compacted past the follower');

    // Restart it on the same port with its old storage: the log it needs is gone, a snapshot is sent.
    const restarted = build(follower.id, follower.storage, follower.port);
    Object.assign(follower, restarted);
    await follower.node.start();
    follower.transport.setPeers(table);
    await waitUntil(() => follower.machine.total === 1830, 'the restarted follower caught up', 10_000);
    expect(follower.machine.restoredFromSnapshot).toBe(true);
    expect(follower.node.status().snapshotIndex).toBeGreaterThan(0);

    // And it takes part in replication afterwards.
    leader = leaderOf()!;
    await leader.node.propose(170);
    await waitUntil(() => members.every((member) => member.machine.total === 2000), 'every node applied the last entry', 10_000);
  });
});
