import type { HeartbeatMessage } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startNode, type TestNode } from './test-support/cluster.js';
import { startFakeAcceptor, type FakeAcceptor } from './test-support/fake-peer.js';
import { waitUntil } from './test-support/wait.js';

const heartbeat: HeartbeatMessage = { type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0, round: 1 };

let nodes: TestNode[] = [];
let fakes: FakeAcceptor[] = [];
afterEach(async () => {
  await closeAll(nodes);
  await Promise.all(fakes.map((fake) => fake.close()));
  nodes = [];
  fakes = [];
});

describe('keep-alive', () => {
  it('a connection whose peer stops answering pings is dropped, logged, and dialed again', async () => {
    const fake = await startFakeAcceptor({ id: 'b', clusterId: 'test-cluster' });
    fakes.push(fake);
    const a = await startNode('a', { keepAliveMs: 25, peers: { b: fake.address } });
    nodes.push(a);
    a.transport.send('b', heartbeat);
    await waitUntil(() => fake.connections.length === 1, 'connected');
    // The peer's process hangs: its socket is no longer read, so no pong comes back.
    fake.sockets[0]!.pause();
    await waitUntil(() => fake.connections.length === 2, 'a gave up on the silent connection and dialed again');
    expect(a.logger.warnings()[0]?.message).toBe('nothing from b in 50 ms: dropping the connection');
    await waitUntil(() => a.transport.stats().reconnects >= 1, 'the new connection completed its handshake');
  });

  it('a healthy idle connection survives many keep-alive rounds', async () => {
    const fake = await startFakeAcceptor({ id: 'b', clusterId: 'test-cluster' });
    fakes.push(fake);
    const a = await startNode('a', { keepAliveMs: 25, peers: { b: fake.address } });
    nodes.push(a);
    a.transport.send('b', heartbeat);
    await waitUntil(() => fake.connections.length === 1, 'connected');
    let pings = 0;
    fake.connections[0]!.ws.on('ping', () => pings++);
    await waitUntil(() => pings >= 8, '8 pings answered');
    expect(a.transport.stats()).toMatchObject({ connections: 1, openConnections: 1 });
  });
});
