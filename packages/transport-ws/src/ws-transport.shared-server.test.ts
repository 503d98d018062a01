import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HeartbeatMessage } from '@raftkit/core';
import { WebSocket, WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { createWsTransport } from './ws-transport.js';
import { startNode } from './test-support/cluster.js';
import { rawConnect, upgradeRequest } from './test-support/raw-socket.js';
import { waitUntil } from './test-support/wait.js';

describe('listen: { server }', () => {
  it('serves peers on its path and leaves other upgrade paths to the server’s other listeners', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const other = new WebSocketServer({ noServer: true });
    server.on('upgrade', (request, socket, head) => {
      if (request.url === '/v1/ws') other.handleUpgrade(request, socket, head, (ws) => ws.send('hello from the app'));
    });
    const received: string[] = [];
    const b = createWsTransport({ id: 'b', clusterId: 'test-cluster', listen: { server }, peers: { a: '127.0.0.1:1' }, insecure: true, logger: {} });
    await b.start((from, message) => received.push(`${from}:${message.type}`));
    const a = await startNode('a', { peers: { b: `127.0.0.1:${port}` } });
    try {
      expect(b.address().port).toBe(port);
      const app = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`);
      const greeting = await new Promise<string>((resolve) => app.once('message', (data) => resolve(String(data))));
      app.close();
      a.transport.send('b', { type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0, round: 1 } satisfies HeartbeatMessage);
      await waitUntil(() => received.length === 1, 'b got the peer message');
      expect([greeting, received]).toEqual(['hello from the app', ['a:heartbeat']]);
    } finally {
      await a.transport.close();
      await b.close();
      // The server belongs to the caller: still listening after the transport closed.
      expect(server.listening).toBe(true);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('caps the peer upgrades it accepts on a shared server: past maxConnections the upgrade gets 503', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const b = createWsTransport({ id: 'b', clusterId: 'test-cluster', listen: { server }, peers: { a: '127.0.0.1:1' }, insecure: true, maxConnections: 2, handshakeTimeoutMs: 60_000, logger: {} });
    await b.start(() => {});
    const clients = await Promise.all([rawConnect(port), rawConnect(port), rawConnect(port)]);
    try {
      for (const client of clients.slice(0, 2)) {
        client.socket.write(upgradeRequest('/raftkit/peer'));
        await waitUntil(() => client.received().includes('101 Switching Protocols'), 'an upgrade within the cap');
      }
      clients[2]!.socket.write(upgradeRequest('/raftkit/peer'));
      await waitUntil(() => clients[2]!.closed(), 'the upgrade over the cap is closed');
      expect(clients[2]!.received().toString('latin1')).toMatch(/^HTTP\/1\.1 503 /);
      expect(b.stats().refused).toBe(1);
    } finally {
      for (const client of clients) client.socket.destroy();
      await b.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
