import type { HeartbeatMessage, NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startCluster, startNode, type TestNode } from './test-support/cluster.js';
import { fakeDial } from './test-support/fake-peer.js';
import { waitUntil } from './test-support/wait.js';

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: 0, round });
const rounds = (node: TestNode) => node.received.map(({ from, message }) => `${from}:${(message as HeartbeatMessage).round}`);

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

describe('one connection per pair', () => {
  it('when both sides send first, the pair still has exactly one connection, dialed by the smaller id', async () => {
    const { a, b } = await startCluster(['a', 'b']);
    nodes.push(a!, b!);
    a!.transport.send('b', heartbeat('a', 'b', 1));
    b!.transport.send('a', heartbeat('b', 'a', 2));
    await waitUntil(() => a!.received.length === 1 && b!.received.length === 1, 'both delivered');
    expect([a!.transport.stats().connections, b!.transport.stats().connections]).toEqual([1, 1]);
    expect([a!.transport.stats().openConnections, b!.transport.stats().openConnections]).toEqual([1, 1]);
    expect(a!.logger.lines.filter((line) => line.level === 'info').map((line) => line.message)).toEqual(['connected to b (dialed)']);
    expect(b!.logger.lines.filter((line) => line.level === 'info').map((line) => line.message)).toEqual(['connected to a (accepted)']);
  });

  it('a dial from the larger id is refused as wrong-dialer', async () => {
    const m = await startNode('m', { peers: { z: '127.0.0.1:1' } });
    nodes.push(m);
    const connection = await fakeDial(`ws://${m.address}/raftkit/peer`, 'm', { id: 'z', clusterId: 'test-cluster' });
    expect(connection.refusal).toBe('wrong-dialer');
    expect(m.logger.warnings().map((line) => line.fields?.['reason'])).toEqual(['wrong-dialer']);
  });

  it('a newer connection from the same dialer replaces the older one (closed with 4002)', async () => {
    const m = await startNode('m', { peers: { a: '127.0.0.1:1' } });
    nodes.push(m);
    const url = `ws://${m.address}/raftkit/peer`;
    const first = await fakeDial(url, 'm', { id: 'a', clusterId: 'test-cluster' });
    const second = await fakeDial(url, 'm', { id: 'a', clusterId: 'test-cluster' });
    expect(await first.closed).toEqual({ code: 4002, reason: 'replaced by a newer connection' });
    m.transport.send('a', heartbeat('m', 'a', 1));
    await waitUntil(() => second.received.length === 1, 'm sends on the newer connection');
    expect(m.transport.stats()).toMatchObject({ connections: 2, reconnects: 1, openConnections: 1 });
  });
});

describe('peers at run time', () => {
  it('addPeer dials a new peer; removePeer disconnects it, refuses it, and drops sends to it', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    nodes.push(a, b);
    b.transport.addPeer('a', a.address);
    a.transport.addPeer('b', b.address);
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitUntil(() => b.received.length === 1, 'b got a message after addPeer');

    b.transport.removePeer('a');
    await waitUntil(() => b.logger.warnings().some((line) => line.fields?.['reason'] === 'unknown-peer'), 'a redialed and b refused it');
    const dropped = b.transport.stats().dropped;
    b.transport.send('a', heartbeat('b', 'a', 2));
    expect(b.transport.stats().dropped - dropped).toBe(1);

    a.transport.removePeer('b');
    const droppedByA = a.transport.stats().dropped;
    a.transport.send('b', heartbeat('a', 'b', 3));
    expect(a.transport.stats()).toMatchObject({ dropped: droppedByA + 1, openConnections: 0 });
    expect(rounds(b)).toEqual(['a:1']);
  });

  it('setPeers with a new address for a peer makes the dialer reconnect there', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    nodes.push(a, b);
    b.transport.setPeers({ a: a.address });
    a.transport.setPeers({ b: b.address });
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitUntil(() => b.received.length === 1, 'first b reached');

    const moved = await startNode('b', { peers: { a: a.address } });
    nodes.push(moved);
    a.transport.setPeers({ b: moved.address });
    await waitUntil(() => moved.transport.stats().connections === 1, 'a connected to the moved b');
    a.transport.send('b', heartbeat('a', 'b', 2));
    await waitUntil(() => moved.received.length === 1, 'the moved b got the message');
    expect([rounds(b), rounds(moved)]).toEqual([['a:1'], ['a:2']]);
  });

  it('a peers function is read when the table is needed: a peer it starts to list is dialed on the next send', async () => {
    const b = await startNode('b', { peers: () => ({ a: '127.0.0.1:1' }) });
    nodes.push(b);
    const table: Record<NodeId, string> = {};
    const a = await startNode('a', { peers: () => table });
    nodes.push(a);
    a.transport.send('b', heartbeat('a', 'b', 1));
    expect(a.transport.stats().dropped).toBe(1);
    table['b'] = b.address;
    a.transport.send('b', heartbeat('a', 'b', 2));
    await waitUntil(() => b.received.length === 1, 'b reached once listed');
    expect(rounds(b)).toEqual(['a:2']);
  });
});
