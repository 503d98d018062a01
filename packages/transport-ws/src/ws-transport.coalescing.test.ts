import type { AppendEntriesMessage, HeartbeatMessage, NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeValue } from './frame-codec.js';
import { closeAll, startCluster, type TestNode } from './test-support/cluster.js';
import { nextTurn, waitUntil } from './test-support/wait.js';

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: 0, round });

let nodes: Record<NodeId, TestNode> = {};
afterEach(async () => {
  await closeAll(nodes);
  nodes = {};
});

/** Starts a and b and waits until their connection carries a first message. */
async function connected(options: Parameters<typeof startCluster>[1] = {}): Promise<{ a: TestNode; b: TestNode }> {
  nodes = await startCluster(['a', 'b'], options);
  const a = nodes['a']!;
  const b = nodes['b']!;
  a.transport.send('b', heartbeat('a', 'b', 0));
  await waitUntil(() => b.received.length === 1, 'the connection is up');
  b.received.length = 0;
  return { a, b };
}

describe('coalescing', () => {
  it('100 sends in one event-loop turn leave as 1 frame and arrive as 1 frame, in order', async () => {
    const { a, b } = await connected();
    const before = [a.transport.stats(), b.transport.stats()] as const;
    for (let round = 1; round <= 100; round++) a.transport.send('b', heartbeat('a', 'b', round));
    await waitUntil(() => b.received.length === 100, 'b got 100 messages');
    const after = [a.transport.stats(), b.transport.stats()] as const;
    expect([after[0].framesSent - before[0].framesSent, after[0].messagesSent - before[0].messagesSent]).toEqual([1, 100]);
    expect([after[1].framesReceived - before[1].framesReceived, after[1].messagesReceived - before[1].messagesReceived]).toEqual([1, 100]);
    expect(b.received.map(({ message }) => (message as HeartbeatMessage).round)).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
  });

  it('counts each peer\'s messages and frame bytes on both sides', async () => {
    const { a, b } = await connected();
    const sentBefore = a.transport.peerStats()['b']!;
    const receivedBefore = b.transport.peerStats()['a']!;
    for (let round = 1; round <= 10; round++) a.transport.send('b', heartbeat('a', 'b', round));
    await waitUntil(() => b.received.length === 10, 'b got 10 messages');
    const sent = a.transport.peerStats()['b']!;
    const received = b.transport.peerStats()['a']!;
    expect([sent.messagesSent - sentBefore.messagesSent, received.messagesReceived - receivedBefore.messagesReceived]).toEqual([10, 10]);
    // One frame of ten encoded heartbeats, counted the same on both ends.
    const bytes = sent.bytesSent - sentBefore.bytesSent;
    expect(bytes).toBeGreaterThanOrEqual(10 * encodeValue(heartbeat('a', 'b', 1)).byteLength);
    expect(received.bytesReceived - receivedBefore.bytesReceived).toBe(bytes);
    expect(a.transport.peerStats()['c']).toBeUndefined();
  });

  it('sends in three separate turns leave as three frames', async () => {
    const { a, b } = await connected();
    const before = a.transport.stats().framesSent;
    for (let turn = 0; turn < 3; turn++) {
      a.transport.send('b', heartbeat('a', 'b', 2 * turn + 1));
      a.transport.send('b', heartbeat('a', 'b', 2 * turn + 2));
      await nextTurn();
    }
    await waitUntil(() => b.received.length === 6, 'b got 6 messages');
    expect(a.transport.stats().framesSent - before).toBe(3);
  });

  it("one turn's messages larger than maxPayloadBytes together are split into frames that each fit", async () => {
    const maxPayloadBytes = 64 * 1024;
    const { a, b } = await connected({ maxPayloadBytes });
    const append = (round: number): AppendEntriesMessage => ({
      type: 'appendEntries', from: 'a', to: 'b', term: 1, prevLogIndex: round, prevLogTerm: 1, leaderCommit: 0,
      entries: [{ index: round + 1, term: 1, type: 'normal', data: new Uint8Array(20_000).fill(round) }],
    });
    const size = encodeValue(append(1)).byteLength;
    // Three 20 kB messages fit under 64 KiB with the header, four do not: 10 messages make 4 frames.
    expect([3 * size + 5 <= maxPayloadBytes, 4 * size + 5 > maxPayloadBytes]).toEqual([true, true]);
    const before = [a.transport.stats().framesSent, b.transport.stats().framesReceived];
    for (let round = 1; round <= 10; round++) a.transport.send('b', append(round));
    await waitUntil(() => b.received.length === 10, 'b got 10 messages');
    expect([a.transport.stats().framesSent - before[0]!, b.transport.stats().framesReceived - before[1]!]).toEqual([4, 4]);
    expect(b.received.map(({ message }) => (message as AppendEntriesMessage).prevLogIndex)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(b.transport.stats().protocolErrors).toBe(0);
  });
});
