import type { HeartbeatMessage, NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startCluster, startNode, type TestNode } from './test-support/cluster.js';
import { waitUntil } from './test-support/wait.js';

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: 0, round });
const rounds = (node: TestNode) => node.received.map(({ message }) => (message as HeartbeatMessage).round);

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

/** connectedPair starts a and b and delivers round 1 from `from` to the other, so their connection is up. */
async function connectedPair(from: 'a' | 'b'): Promise<{ a: TestNode; b: TestNode }> {
  const { a, b } = await startCluster(['a', 'b']);
  nodes.push(a!, b!);
  const [sender, receiver] = from === 'a' ? [a!, b!] : [b!, a!];
  sender.transport.send(receiver.id, heartbeat(sender.id, receiver.id, 1));
  await waitUntil(() => receiver.received.length === 1, `${receiver.id} got round 1`);
  return { a: a!, b: b! };
}

describe('reconnecting (a dials b: the smaller id dials)', () => {
  it('the dialer reconnects after the accepting peer restarts on the same port, and messages flow both ways again', async () => {
    const { a, b } = await connectedPair('a');

    const port = b.transport.address().port;
    await b.transport.close();
    const restarted = await startNode('b', { listen: { host: '127.0.0.1', port }, peers: { a: a.address } });
    nodes.push(restarted);
    await waitUntil(() => a.transport.stats().reconnects === 1, 'a reconnected to the restarted b');

    a.transport.send('b', heartbeat('a', 'b', 2));
    restarted.transport.send('a', heartbeat('b', 'a', 3));
    await waitUntil(() => restarted.received.length === 1 && a.received.length === 1, 'both directions delivered');
    expect(rounds(restarted)).toEqual([2]);
    expect(rounds(a)).toEqual([3]);
    expect(a.transport.stats()).toMatchObject({ connections: 2, reconnects: 1, openConnections: 1 });
    expect(restarted.transport.stats()).toMatchObject({ connections: 1, reconnects: 0, openConnections: 1 });
  });

  it('the acceptor takes the restarted dialer, counting it as a reconnect', async () => {
    const { a, b } = await connectedPair('b');

    await a.transport.close();
    const restarted = await startNode('a', { peers: { b: b.address } });
    nodes.push(restarted);
    await waitUntil(() => b.transport.stats().reconnects === 1, 'b accepted the restarted a');

    b.transport.send('a', heartbeat('b', 'a', 2));
    restarted.transport.send('b', heartbeat('a', 'b', 3));
    await waitUntil(() => restarted.received.length === 1 && b.received.length === 1, 'both directions delivered');
    expect([rounds(restarted), rounds(b)]).toEqual([[2], [3]]);
    expect(b.transport.stats()).toMatchObject({ connections: 2, reconnects: 1, openConnections: 1 });
  });

  it('messages sent while the peer is down are dropped and counted, never delivered late', async () => {
    const { a, b } = await connectedPair('a');
    const port = b.transport.address().port;
    await b.transport.close();
    await waitUntil(() => a.transport.stats().openConnections === 0, 'a saw b go');

    for (let round = 2; round <= 6; round++) a.transport.send('b', heartbeat('a', 'b', round));
    await waitUntil(() => a.transport.stats().dropped === 5, 'the failed dial dropped the 5 queued messages');
    expect(a.transport.stats().queuedBytes).toBe(0);

    const restarted = await startNode('b', { listen: { host: '127.0.0.1', port }, peers: { a: a.address } });
    nodes.push(restarted);
    await waitUntil(() => a.transport.stats().reconnects === 1, 'a reconnected');
    a.transport.send('b', heartbeat('a', 'b', 7));
    await waitUntil(() => restarted.received.length === 1, 'round 7 delivered');
    expect(rounds(restarted)).toEqual([7]);
  });

  it('the acceptor drops what it sends while its dialer is down, never delivering it after the dialer returns', async () => {
    const { a, b } = await connectedPair('b');
    await a.transport.close();
    await waitUntil(() => b.transport.stats().openConnections === 0, 'b saw a go');

    // b cannot dial a (the smaller id dials): these would otherwise wait in b's queue for a.
    for (let round = 2; round <= 6; round++) b.transport.send('a', heartbeat('b', 'a', round));
    expect(b.transport.stats()).toMatchObject({ dropped: 5, queuedBytes: 0 });

    const restarted = await startNode('a', { peers: { b: b.address } });
    nodes.push(restarted);
    await waitUntil(() => b.transport.stats().reconnects === 1, 'b accepted the restarted a');
    b.transport.send('a', heartbeat('b', 'a', 7));
    await waitUntil(() => restarted.received.length === 1, 'round 7 delivered');
    expect(rounds(restarted)).toEqual([7]);
  });
});
