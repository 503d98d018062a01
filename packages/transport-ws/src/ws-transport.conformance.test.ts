import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeTransportConformance } from '@raftkit/core/testing';
import { createWsTransport } from './ws-transport.js';

// The shared Transport contract, on real sockets. Each transport is attached to an HTTP server
// the harness owns and listens with on port 0 (the `listen: { server }` form), so every address
// is known before any transport starts.
describeTransportConformance(
  { describe, it, expect },
  {
    name: 'createWsTransport',
    async create(ids) {
      const servers = new Map<string, Server>();
      for (const id of ids) {
        const server = createServer();
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        servers.set(id, server);
      }
      const peers = Object.fromEntries(ids.map((id) => [id, `127.0.0.1:${(servers.get(id)!.address() as AddressInfo).port}`]));
      const transports = Object.fromEntries(
        ids.map((id) => [id, createWsTransport({ id, clusterId: 'conformance', listen: { server: servers.get(id)! }, peers, secret: 'conformance-secret', reconnect: { minMs: 5, maxMs: 40 }, logger: {} })]),
      );
      return {
        transports,
        async dispose() {
          for (const server of servers.values()) {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
          }
        },
      };
    },
  },
);
