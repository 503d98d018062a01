import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { HeartbeatMessage, InstallSnapshotMessage, NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeValue } from './frame-codec.js';
import { closeAll, startNode, type TestNode } from './test-support/cluster.js';
import { startFakeAcceptor, type FakeAcceptor } from './test-support/fake-peer.js';
import { nextTurn, waitUntil } from './test-support/wait.js';

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: 0, round });

let nodes: TestNode[] = [];
let fakes: FakeAcceptor[] = [];
afterEach(async () => {
  await closeAll(nodes);
  await Promise.all(fakes.map((fake) => fake.close()));
  nodes = [];
  fakes = [];
});

/** A loopback address where nothing listens (a port that was free a moment ago). */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

describe('the per-peer send queue is bounded', () => {
  const maxQueueBytes = 16 * 1024;
  const size = encodeValue(heartbeat('a', 'b', 1000)).byteLength;
  const fits = Math.floor(maxQueueBytes / size);

  it('peer down (the dialer side): sends beyond maxQueueBytes drop at once, and the failed dial drops the rest', async () => {
    const a = await startNode('a', { maxQueueBytes, peers: { b: await deadAddress() } });
    nodes.push(a);
    for (let round = 1000; round < 2000; round++) a.transport.send('b', heartbeat('a', 'b', round));
    expect(a.transport.stats()).toMatchObject({ queuedBytes: fits * size, dropped: 1000 - fits });
    expect(fits * size).toBeLessThanOrEqual(maxQueueBytes);
    await waitUntil(() => a.transport.stats().dropped === 1000, 'the failed dial dropped the queue');
    expect(a.transport.stats()).toMatchObject({ queuedBytes: 0, messagesSent: 0 });
  });

  it('peer absent (the accepting side waits to be dialed): the queue stays at the bound, the rest is dropped', async () => {
    const b = await startNode('b', { maxQueueBytes, peers: { a: await deadAddress() } });
    nodes.push(b);
    for (let turn = 0; turn < 10; turn++) {
      for (let round = 1000; round < 1100; round++) b.transport.send('a', heartbeat('b', 'a', round));
      await nextTurn();
      expect(b.transport.stats().queuedBytes).toBeLessThanOrEqual(maxQueueBytes);
    }
    expect(b.transport.stats()).toMatchObject({ queuedBytes: fits * size, dropped: 1000 - fits, messagesSent: 0 });
  });

  it('peer connected but not reading: queue plus socket buffer never pass maxQueueBytes, drops grow, order survives', async () => {
    const fake = await startFakeAcceptor({ id: 'b', clusterId: 'test-cluster' });
    fakes.push(fake);
    const bound = 1024 * 1024;
    const a = await startNode('a', { maxQueueBytes: bound, maxPayloadBytes: 256 * 1024, keepAliveMs: 0, peers: { b: fake.address } });
    nodes.push(a);
    a.transport.send('b', heartbeat('a', 'b', 0));
    await waitUntil(() => fake.connections[0]?.received.length === 1, 'the fake peer is connected');
    fake.sockets[0]!.pause();

    const chunk = (offset: number): InstallSnapshotMessage => ({
      type: 'installSnapshot', from: 'a', to: 'b', term: 1, offset, done: false,
      meta: { index: 10, term: 1, config: { voters: ['a', 'b'], outgoingVoters: [], learners: [] } },
      data: new Uint8Array(64 * 1024),
    });
    let attempted = 0;
    let highest = 0;
    // 2,000 chunks of 64 KiB = 125 MiB, far beyond what the kernel's socket buffers can absorb.
    for (let turn = 0; turn < 200; turn++) {
      for (let index = 0; index < 10; index++) a.transport.send('b', chunk(attempted++));
      highest = Math.max(highest, a.transport.stats().queuedBytes);
      await nextTurn();
      highest = Math.max(highest, a.transport.stats().queuedBytes);
    }
    const stats = a.transport.stats();
    expect(highest).toBeLessThanOrEqual(bound);
    expect(highest).toBeGreaterThan(bound / 2);
    expect(stats.dropped).toBeGreaterThan(attempted / 2);
    expect(stats.messagesSent + stats.dropped).toBe(attempted + 1);
    expect(stats.openConnections).toBe(1);

    // Reading again, the peer gets what was not dropped, in send order.
    fake.sockets[0]!.resume();
    await waitUntil(() => fake.connections[0]!.received.length === stats.messagesSent, 'the peer drained the socket', 10_000);
    const offsets = fake.connections[0]!.received.slice(1).map((message) => (message as InstallSnapshotMessage).offset);
    expect(offsets.every((offset, index) => index === 0 || offset > offsets[index - 1]!)).toBe(true);
  });
});
