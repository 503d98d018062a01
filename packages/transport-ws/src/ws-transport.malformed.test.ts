import type { HeartbeatMessage, NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, encodeValue } from './frame-codec.js';
import { closeAll, startCluster, type TestNode } from './test-support/cluster.js';
import { fakeDial, type FakeConnection } from './test-support/fake-peer.js';
import { waitUntil } from './test-support/wait.js';

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: 0, round });

// m accepts from the hand-driven peer `a` (a < m, so a dials) and from the real node `b`.
let nodes: Record<NodeId, TestNode> = {};
afterEach(async () => {
  await closeAll(nodes);
  nodes = {};
});

async function setup(options: { maxPayloadBytes?: number } = {}): Promise<{ m: TestNode; b: TestNode; dialA: () => Promise<FakeConnection> }> {
  nodes = await startCluster(['b', 'm'], options);
  const m = nodes['m']!;
  const b = nodes['b']!;
  m.transport.addPeer('a', '127.0.0.1:1');
  b.transport.send('m', heartbeat('b', 'm', 1));
  await waitUntil(() => m.received.length === 1, 'b is connected to m');
  const dialA = async () => {
    const connection = await fakeDial(`ws://${m.address}/raftkit/peer`, 'm', { id: 'a', clusterId: 'test-cluster' });
    expect(connection.refusal).toBe(undefined);
    return connection;
  };
  return { m, b, dialA };
}

/** m still serves b both ways on the connection it had, and accepts a well-behaved a again. */
async function stillServing(m: TestNode, b: TestNode, dialA: () => Promise<FakeConnection>): Promise<void> {
  b.transport.send('m', heartbeat('b', 'm', 2));
  m.transport.send('b', heartbeat('m', 'b', 3));
  await waitUntil(() => m.received.length === 2 && b.received.length === 1, 'b and m still talk');
  expect(b.transport.stats()).toMatchObject({ connections: 1, reconnects: 0 });
  const again = await dialA();
  again.sendFrame([heartbeat('a', 'm', 4)]);
  await waitUntil(() => m.received.length === 3, 'a well-formed frame from a new connection is delivered');
  expect(m.received.map(({ from, message }) => `${from}:${(message as HeartbeatMessage).round}`)).toEqual(['b:1', 'b:2', 'a:4']);
}

const heartbeatBytes = (from: NodeId, round: number) => encodeValue(heartbeat(from, 'm', round));

describe('a malformed frame closes that connection only', () => {
  it.each([
    ['garbage bytes', Uint8Array.of(0x92, 0x01), 'not msgpack'],
    ['a valid msgpack value that is not an array', encodeValue({ type: 'heartbeat', from: 'a', to: 'm' }), 'not an array of messages'],
    ['an array element that is not a message', encodeFrame([heartbeatBytes('a', 1), encodeValue('x')]), 'message 1 is not an object'],
    ['a frame with a spoofed from (after a genuine message)', encodeFrame([heartbeatBytes('a', 1), heartbeatBytes('b', 2)]), 'message 1 claims to be from b, not the connected peer a'],
  ])('%s: closed with 4001, logged, nothing of the frame delivered, others still served', async (_name, bytes, reason) => {
    const { m, b, dialA } = await setup();
    const bad = await dialA();
    bad.sendRaw(bytes);
    expect(await bad.closed).toEqual({ code: 4001, reason: 'malformed frame' });
    expect(m.transport.stats().protocolErrors).toBe(1);
    expect(m.logger.warnings().map((line) => line.fields?.['reason'])).toEqual([expect.stringContaining(reason)]);
    await stillServing(m, b, dialA);
  });

  it('a text message closes the connection with 4001', async () => {
    const { m, b, dialA } = await setup();
    const bad = await dialA();
    bad.ws.send('hello');
    expect((await bad.closed).code).toBe(4001);
    expect(m.transport.stats().protocolErrors).toBe(1);
    await stillServing(m, b, dialA);
  });

  it('garbage instead of a hello closes the connection before any handshake', async () => {
    const { m, b, dialA } = await setup();
    const { WebSocket } = await import('ws');
    const raw = new WebSocket(`ws://${m.address}/raftkit/peer`);
    raw.on('message', () => raw.send(Uint8Array.of(0xc1, 0xc1), { binary: true }));
    const closed = await new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
    expect(closed).toBe(4001);
    expect(m.logger.warnings().map((line) => line.fields?.['reason'])).toEqual(['malformed handshake']);
    await stillServing(m, b, dialA);
  });
});

describe('maxPayloadBytes', () => {
  it('an incoming frame over maxPayloadBytes closes that connection with 1009; the node keeps serving', async () => {
    const { m, b, dialA } = await setup({ maxPayloadBytes: 64 * 1024 });
    const big = await dialA();
    big.sendFrame([{ ...heartbeat('a', 'm', 1), padding: new Uint8Array(100 * 1024) }]);
    expect((await big.closed).code).toBe(1009);
    expect(m.transport.stats().protocolErrors).toBe(1);
    expect(m.logger.warnings().map((line) => line.fields?.['reason'])).toEqual([expect.stringContaining('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')]);
    await stillServing(m, b, dialA);
  });

  it('a message too large for one frame is dropped and logged by the sender; the connection stays up', async () => {
    const { m, b } = await setup({ maxPayloadBytes: 64 * 1024 });
    const huge = { type: 'appendEntries', from: 'b', to: 'm', term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0, entries: [{ index: 1, term: 1, type: 'normal', data: new Uint8Array(100 * 1024) }] } as const;
    const dropped = b.transport.stats().dropped;
    b.transport.send('m', huge);
    b.transport.send('m', heartbeat('b', 'm', 2));
    await waitUntil(() => m.received.length === 2, 'the small message after it arrives');
    expect(m.received.map(({ message }) => message.type)).toEqual(['heartbeat', 'heartbeat']);
    expect(b.transport.stats().dropped - dropped).toBe(1);
    expect(b.transport.stats()).toMatchObject({ connections: 1, openConnections: 1 });
    expect(b.logger.warnings().map((line) => line.message)).toEqual([expect.stringMatching(/^dropped appendEntries to m: \d+ bytes is over maxPayloadBytes$/)]);
  });
});
