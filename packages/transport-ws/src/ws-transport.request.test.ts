import type { HeartbeatMessage, NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeValue } from './frame-codec.js';
import { PeerRequestError } from './request-channel.js';
import { closeAll, startCluster, type TestNode } from './test-support/cluster.js';
import { fakeDial } from './test-support/fake-peer.js';
import { waitUntil } from './test-support/wait.js';

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: 0, round });

let nodes: Record<NodeId, TestNode> = {};
afterEach(async () => {
  await closeAll(nodes);
  nodes = {};
});

/** connected starts a and b and waits until the connection between them is open. */
async function connected(options: { maxPayloadBytes?: number } = {}): Promise<{ a: TestNode; b: TestNode }> {
  nodes = await startCluster(['a', 'b'], options);
  const a = nodes['a']!;
  const b = nodes['b']!;
  a.transport.send('b', heartbeat('a', 'b', 1));
  await waitUntil(() => b.received.length === 1, 'a is connected to b');
  return { a, b };
}

async function rejection(promise: Promise<unknown>): Promise<PeerRequestError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PeerRequestError);
  return error as PeerRequestError;
}

describe('request/response over the peer connection', () => {
  it('answers a request in both directions on the one connection, with binary payloads intact', async () => {
    const { a, b } = await connected();
    a.transport.onRequest((from, payload) => ({ by: 'a', from, echo: payload }));
    b.transport.onRequest(async (from, payload) => ({ by: 'b', from, echo: payload }));
    const bytes = Uint8Array.of(0, 1, 2, 255);
    expect(await a.transport.request('b', { op: 'put', value: bytes }, 2000)).toEqual({ by: 'b', from: 'a', echo: { op: 'put', value: bytes } });
    expect(await b.transport.request('a', 'ping', 2000)).toEqual({ by: 'a', from: 'b', echo: 'ping' });
    // Still one connection each, and Raft messages still flow on it.
    expect(a.transport.stats()).toMatchObject({ connections: 1, openConnections: 1, protocolErrors: 0 });
    b.transport.send('a', heartbeat('b', 'a', 2));
    await waitUntil(() => a.received.length === 1, 'a heartbeat after the requests arrives');
    expect(a.received[0]!.message).toEqual(heartbeat('b', 'a', 2));
  });

  it('matches answers to requests when many are in flight and answered out of order', async () => {
    const { a, b } = await connected();
    b.transport.onRequest(async (_from, payload) => {
      const n = payload as number;
      // Later requests answer first.
      await new Promise((resolve) => setTimeout(resolve, (10 - n) * 3));
      return n * n;
    });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => a.transport.request('b', n, 2000)));
    expect(answers).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
  });

  it('a throwing handler is REMOTE_ERROR with its message, maybe handled', async () => {
    const { a, b } = await connected();
    b.transport.onRequest(() => {
      throw new Error('leader is busy');
    });
    const error = await rejection(a.transport.request('b', 'x', 2000));
    expect(error.code).toBe('REMOTE_ERROR');
    expect(error.maybeHandled).toBe(true);
    expect(error.message).toBe('REMOTE_ERROR: b: leader is busy');
  });

  it('a peer without a handler answers NO_HANDLER: certainly not handled', async () => {
    const { a } = await connected();
    const error = await rejection(a.transport.request('b', 'x', 2000));
    expect(error.code).toBe('NO_HANDLER');
    expect(error.maybeHandled).toBe(false);
  });

  it('an unknown or unconnected peer is NOT_CONNECTED at once: certainly not sent', async () => {
    const { a } = await connected();
    const unknown = await rejection(a.transport.request('zz', 'x', 2000));
    expect(unknown.code).toBe('NOT_CONNECTED');
    expect(unknown.maybeHandled).toBe(false);
    a.transport.addPeer('c', '127.0.0.1:1');
    const unreachable = await rejection(a.transport.request('c', 'x', 2000));
    expect(unreachable.code).toBe('NOT_CONNECTED');
    expect(unreachable.maybeHandled).toBe(false);
  });

  it('a handler that never answers is TIMEOUT, maybe handled', async () => {
    const { a, b } = await connected();
    b.transport.onRequest(() => new Promise(() => {}));
    const error = await rejection(a.transport.request('b', 'x', 50));
    expect(error.code).toBe('TIMEOUT');
    expect(error.maybeHandled).toBe(true);
  });

  it('a connection that closes while a request is pending is CONNECTION_LOST, maybe handled', async () => {
    const { a, b } = await connected();
    let received = false;
    b.transport.onRequest(() => {
      received = true;
      return new Promise(() => {});
    });
    const pending = rejection(a.transport.request('b', 'x', 5000));
    await waitUntil(() => received, 'b received the request');
    await b.transport.close();
    const error = await pending;
    expect(error.code).toBe('CONNECTION_LOST');
    expect(error.maybeHandled).toBe(true);
  });

  it('closing the transport fails its pending requests with CLOSED and refuses new ones', async () => {
    const { a, b } = await connected();
    b.transport.onRequest(() => new Promise(() => {}));
    const pending = rejection(a.transport.request('b', 'x', 5000));
    await a.transport.close();
    expect((await pending).code).toBe('CLOSED');
    const after = await rejection(a.transport.request('b', 'x', 5000));
    expect(after.code).toBe('CLOSED');
    expect(after.maybeHandled).toBe(false);
  });

  it('a request over maxPayloadBytes is TOO_LARGE without being sent; an answer over it comes back as TOO_LARGE', async () => {
    const { a, b } = await connected({ maxPayloadBytes: 64 * 1024 });
    let calls = 0;
    b.transport.onRequest(() => {
      calls++;
      return new Uint8Array(100 * 1024);
    });
    const request = await rejection(a.transport.request('b', new Uint8Array(100 * 1024), 2000));
    expect(request.code).toBe('TOO_LARGE');
    expect(request.maybeHandled).toBe(false);
    expect(calls).toBe(0);
    const answer = await rejection(a.transport.request('b', 'small', 2000));
    expect(answer.code).toBe('TOO_LARGE');
    expect(answer.maybeHandled).toBe(true);
    expect(calls).toBe(1);
    expect(a.transport.stats().protocolErrors).toBe(0);
  });

  it('a channel record without an integer id closes that connection as a protocol error', async () => {
    nodes = await startCluster(['b', 'm']);
    const m = nodes['m']!;
    m.transport.addPeer('a', '127.0.0.1:1');
    m.transport.onRequest(() => 'never');
    const fake = await fakeDial(`ws://${m.address}/raftkit/peer`, 'm', { id: 'a', clusterId: 'test-cluster' });
    expect(fake.refusal).toBe(undefined);
    fake.sendRaw(encodeValue({ kind: 'request', id: 'one', payload: 1 }));
    expect(await fake.closed).toEqual({ code: 4001, reason: 'malformed frame' });
    expect(m.transport.stats().protocolErrors).toBe(1);
    expect(m.logger.warnings().map((line) => line.fields?.['reason'])).toEqual(['channel request without an integer id']);
  });
});
