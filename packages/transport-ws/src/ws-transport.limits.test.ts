import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startNode, type TestNode } from './test-support/cluster.js';
import { fakeDial } from './test-support/fake-peer.js';
import { frameHeader, rawConnect, upgradeRequest, type RawClient } from './test-support/raw-socket.js';
import { waitUntil } from './test-support/wait.js';

// Before authentication a socket can make the node hold only a few KiB, for only so long, and
// only so many sockets at once. On main a socket could hold a 16 MiB partial frame (12 of them
// took a node from 69 to 250 MiB) and nothing capped the number of connections.

let nodes: TestNode[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await closeAll(nodes);
  nodes = [];
});

async function node(options: Parameters<typeof startNode>[1] = {}): Promise<TestNode> {
  const started = await startNode('m', { peers: { a: '127.0.0.1:1' }, ...options });
  nodes.push(started);
  return started;
}

async function client(port: number): Promise<RawClient> {
  const raw = await rawConnect(port);
  clients.push(raw);
  return raw;
}

/** upgraded opens a WebSocket by hand and resolves once the server answered 101 (and sent its challenge). */
async function upgraded(port: number): Promise<RawClient> {
  const raw = await client(port);
  raw.socket.write(upgradeRequest('/raftkit/peer'));
  await waitUntil(() => raw.received().includes('101 Switching Protocols') || raw.closed(), 'the upgrade is answered');
  expect(raw.received().toString('latin1')).toContain('101 Switching Protocols');
  return raw;
}

describe('before authentication', () => {
  it('a socket sending a 15 MiB frame is cut off after maxHandshakeBytes, long before the handshake deadline', async () => {
    // A handshake deadline of a minute: only the byte budget can close this socket in time.
    const m = await node({ handshakeTimeoutMs: 60_000 });
    const raw = await upgraded(m.transport.address().port);
    raw.socket.write(frameHeader(15 * 1024 * 1024));
    const chunk = Buffer.alloc(16 * 1024, 0x41);
    for (let sent = 0; sent < 1024 * 1024 && !raw.closed(); sent += chunk.byteLength) {
      raw.socket.write(chunk);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await waitUntil(() => raw.closed(), 'the server cut the socket off', 20_000);
    expect(m.transport.stats()).toMatchObject({ protocolErrors: 1, connections: 0, openConnections: 0 });
    expect(m.logger.warnings().map((line) => line.fields?.['reason'])).toEqual([expect.stringMatching(/^\d+ bytes before the handshake completed \(maxHandshakeBytes 8192\)$/)]);
  });

  it('maxHandshakeBytes is an option: a 2 KiB budget cuts off 2.5 KiB of a frame that is not finished yet', async () => {
    const m = await node({ handshakeTimeoutMs: 60_000, maxHandshakeBytes: 2048 });
    const raw = await upgraded(m.transport.address().port);
    raw.socket.write(frameHeader(3 * 1024));
    raw.socket.write(Buffer.alloc(2560));
    await waitUntil(() => raw.closed(), 'the server cut the socket off', 20_000);
    expect(m.transport.stats().protocolErrors).toBe(1);
  });

  it('a socket that upgrades and never says hello is closed at the handshake deadline (4003)', async () => {
    const m = await node({ handshakeTimeoutMs: 300 });
    const raw = await upgraded(m.transport.address().port);
    await waitUntil(() => raw.closed(), 'the handshake deadline closed it', 20_000);
    // The close frame carries 4003 (0x0fa3) and the reason.
    expect(raw.received().includes(Buffer.from('handshake-timeout'))).toBe(true);
    expect(m.transport.stats().refused).toBe(1);
  });

  it('a socket that never finishes its HTTP headers is closed by the handshake deadline too', async () => {
    const m = await node({ handshakeTimeoutMs: 300 });
    const raw = await client(m.transport.address().port);
    raw.socket.write('GET /raftkit/peer HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await waitUntil(() => raw.closed(), 'the headers timeout closed it', 20_000);
  });

  it('the well-behaved handshake still fits the budget and the connection then carries large frames', async () => {
    const m = await node({ maxHandshakeBytes: 1024 });
    const fake = await fakeDial(`ws://${m.address}/raftkit/peer`, 'm', { id: 'a', clusterId: 'test-cluster' });
    expect(fake.refusal).toBeUndefined();
    fake.sendFrame([{ type: 'installSnapshot', from: 'a', to: 'm', term: 1, meta: { index: 5, term: 1, config: { voters: ['a', 'm'], outgoingVoters: [], learners: [] } }, offset: 0, data: new Uint8Array(1024 * 1024), done: false }]);
    await waitUntil(() => m.received.length === 1, 'a 1 MiB frame after the handshake is delivered');
    expect(m.transport.stats().protocolErrors).toBe(0);
  });
});

describe('before authentication, on the dialing side', () => {
  it('an acceptor that sends a huge frame instead of a challenge is cut off after maxHandshakeBytes', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    let clientClosed = false;
    server.on('connection', (ws) => {
      ws.on('error', () => {});
      ws.on('close', () => (clientClosed = true));
      ws.send(new Uint8Array(2 * 1024 * 1024));
    });
    try {
      const a = await startNode('a', { peers: { b: `127.0.0.1:${(server.address() as AddressInfo).port}` }, handshakeTimeoutMs: 60_000 });
      nodes.push(a);
      await waitUntil(() => a.transport.stats().protocolErrors >= 1, 'the dialer cut the acceptor off', 20_000);
      expect(a.logger.warnings()[0]?.fields?.['reason']).toMatch(/^\d+ bytes before the handshake completed \(maxHandshakeBytes 8192\)$/);
      await waitUntil(() => clientClosed, 'the socket is closed');
      expect(a.transport.stats().connections).toBe(0);
    } finally {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('maxConnections', () => {
  it('refuses sockets past the cap (logged once), and accepts again once some close', async () => {
    const m = await node({ maxConnections: 3, handshakeTimeoutMs: 60_000 });
    const port = m.transport.address().port;
    const held = [await upgraded(port), await upgraded(port), await client(port)];
    const extra = await Promise.all([client(port), client(port)]);
    await waitUntil(() => extra.every((raw) => raw.closed()), 'the sockets over the cap are closed', 20_000);
    expect(held.some((raw) => raw.closed())).toBe(false);
    expect(m.transport.stats().refused).toBeGreaterThanOrEqual(2);
    expect(m.logger.warnings().map((line) => line.message)).toEqual(['refusing peer connections: 3 open (maxConnections)']);

    for (const raw of held) raw.socket.destroy();
    await waitUntil(() => m.transport.stats().openConnections === 0, 'the held sockets are gone');
    let fake = await fakeDial(`ws://${m.address}/raftkit/peer`, 'm', { id: 'a', clusterId: 'test-cluster' });
    // The server may see the held sockets close a moment after the client does.
    for (let attempt = 0; fake.refusal !== undefined || fake.ws.readyState !== fake.ws.OPEN; attempt++) {
      if (attempt > 50) throw new Error('a peer was never accepted again after the held sockets closed');
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
      fake = await fakeDial(`ws://${m.address}/raftkit/peer`, 'm', { id: 'a', clusterId: 'test-cluster' });
    }
    fake.sendFrame([{ type: 'heartbeat', from: 'a', to: 'm', term: 1, commit: 0, round: 1 }]);
    await waitUntil(() => m.received.length === 1, 'a peer is served again');
  });
});
