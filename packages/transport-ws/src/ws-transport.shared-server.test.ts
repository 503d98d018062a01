import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HeartbeatMessage } from '@raftkit/core';
import { WebSocket, WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { createWsTransport } from './ws-transport.js';
import { startNode } from './test-support/cluster.js';
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
});
