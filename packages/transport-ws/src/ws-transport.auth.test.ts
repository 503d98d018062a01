import type { HeartbeatMessage, NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from './test-support/recording-logger.js';
import { closeAll, startCluster, startNode, type TestNode } from './test-support/cluster.js';
import { fakeDial } from './test-support/fake-peer.js';
import { waitUntil } from './test-support/wait.js';
import type { WsTransportOptions } from './options.js';

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: 0, round });

let nodes: Record<NodeId, TestNode> = {};
afterEach(async () => {
  await closeAll(nodes);
  nodes = {};
});

const warningsOf = (node: TestNode) =>
  node.logger.warnings().map((line: LogLine) => ({ message: line.message.replace(/127\.0\.0\.1:\d+/, 'ADDR'), reason: line.fields?.['reason'] }));

/** Starts a and b with per-node options; a dials b. Resolves once b refused a at least twice (a retries). */
async function refusedPair(a: Partial<WsTransportOptions>, b: Partial<WsTransportOptions>): Promise<{ a: TestNode; b: TestNode }> {
  nodes = await startCluster(['a', 'b'], (id) => (id === 'a' ? a : b));
  const nodeA = nodes['a']!;
  const nodeB = nodes['b']!;
  nodeA.transport.send('b', heartbeat('a', 'b', 1));
  await waitUntil(() => nodeA.transport.stats().refused >= 2, 'a was refused twice (it keeps retrying)');
  expect([nodeA.transport.stats().connections, nodeA.transport.stats().openConnections, nodeB.received.length]).toEqual([0, 0, 0]);
  return { a: nodeA, b: nodeB };
}

describe('handshake refusals are enforced and logged', () => {
  it('a wrong secret: b refuses a with auth-failed, both sides log it, nothing is delivered', async () => {
    const { a, b } = await refusedPair({ secret: 'alpha' }, { secret: 'bravo' });
    expect(b.transport.stats()).toMatchObject({ connections: 0, openConnections: 0 });
    expect(warningsOf(b)[0]).toEqual({ message: 'refused connection from a (ADDR): auth-failed', reason: 'auth-failed' });
    expect(warningsOf(a)[0]).toEqual({ message: 'peer b refused the connection: auth-failed', reason: 'auth-failed' });
  });

  it('no secret against a node that requires one: auth-failed', async () => {
    const { b } = await refusedPair({}, { secret: 'bravo' });
    expect(b.transport.stats()).toMatchObject({ connections: 0, openConnections: 0 });
    expect(warningsOf(b)[0]).toEqual({ message: 'refused connection from a (ADDR): auth-failed', reason: 'auth-failed' });
  });

  it('a wrong cluster id: wrong-cluster', async () => {
    const { a, b } = await refusedPair({ clusterId: 'cluster-one' }, { clusterId: 'cluster-two' });
    expect(b.transport.stats()).toMatchObject({ connections: 0, openConnections: 0 });
    expect(warningsOf(b)[0]).toEqual({ message: 'refused connection from a (ADDR): wrong-cluster', reason: 'wrong-cluster' });
    expect(warningsOf(a)[0]).toEqual({ message: 'peer b refused the connection: wrong-cluster', reason: 'wrong-cluster' });
  });

  it('a node id not in the peer list: unknown-peer', async () => {
    const b = await startNode('b', { peers: { c: '127.0.0.1:1' } });
    const a = await startNode('a', { peers: { b: b.address } });
    nodes = { a, b };
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitUntil(() => b.transport.stats().refused >= 1 && a.transport.stats().refused >= 1, 'b refused a, and a heard why');
    expect(warningsOf(b)[0]).toEqual({ message: 'refused connection from a (ADDR): unknown-peer', reason: 'unknown-peer' });
    expect(warningsOf(a)[0]).toEqual({ message: 'peer b refused the connection: unknown-peer', reason: 'unknown-peer' });
    expect([b.received, b.transport.stats().connections]).toEqual([[], 0]);
  });

  it('the dialer refuses an acceptor that cannot prove the secret: peer-unauthenticated', async () => {
    // b has no secret, so it accepts; a, which requires one, closes the connection at once.
    const { a } = await refusedPair({ secret: 'alpha' }, {});
    expect(warningsOf(a)[0]).toEqual({ message: 'refused peer b (ws://ADDR/raftkit/peer): peer-unauthenticated', reason: 'peer-unauthenticated' });
  });

  it('the same secret on both sides connects and delivers both ways', async () => {
    nodes = await startCluster(['a', 'b'], { secret: 'shared' });
    nodes['a']!.transport.send('b', heartbeat('a', 'b', 1));
    nodes['b']!.transport.send('a', heartbeat('b', 'a', 2));
    await waitUntil(() => nodes['a']!.received.length === 1 && nodes['b']!.received.length === 1, 'both delivered');
    expect([nodes['a']!.transport.stats().refused, nodes['b']!.transport.stats().refused]).toEqual([0, 0]);
  });

  it('an impostor claiming a known id without the secret is refused, and the real peer is still served', async () => {
    nodes = await startCluster(['a', 'b'], { secret: 'shared' });
    const url = `ws://${nodes['b']!.address}/raftkit/peer`;
    const impostor = await fakeDial(url, 'b', { id: 'a', clusterId: 'test-cluster', secret: 'guess' });
    expect(impostor.refusal).toBe('auth-failed');
    expect((await impostor.closed).code).toBe(4000);
    nodes['a']!.transport.send('b', heartbeat('a', 'b', 1));
    await waitUntil(() => nodes['b']!.received.length === 1, 'the real a is served');
    expect(nodes['b']!.received[0]).toEqual({ from: 'a', message: heartbeat('a', 'b', 1) });
  });
});
