/**
 * KvDriver: the same PUT and GET through either `@raftkit/client` or raw HTTP, so one load row
 * shape measures both.
 *
 * - client: one `createClient` per worker (its own WebSocket connection and session), given every
 *   node's address; it finds the leader itself.
 * - http: one keep-alive connection per worker to the leader's HTTP API (`PUT /v1/kv/:key`, `GET
 *   /v1/kv/:key`, linearizable), so no request pays a follower's forwarding hop.
 */
import { createClient, type RaftkitClient } from '@raftkit/client';
import { createHttpTarget, expectStatus, type HttpTarget } from '../load/index.js';

/** How the benchmark reaches the cluster. */
export type Via = 'client' | 'http';

/** KvDriver writes and reads on behalf of one of `workers` workers. */
export interface KvDriver {
  readonly via: Via;
  put(worker: number, key: string, value: Uint8Array): Promise<void>;
  /** get reads `key` linearizably; a missing key fails with code KEY_NOT_FOUND. */
  get(worker: number, key: string): Promise<void>;
  close(): Promise<void>;
}

class KeyNotFoundError extends Error {
  readonly code = 'KEY_NOT_FOUND';
}

/** createClientDriver makes `workers` clients of the cluster at `nodes`. */
export function createClientDriver(nodes: readonly string[], workers: number): KvDriver {
  const clients: RaftkitClient[] = Array.from({ length: workers }, () => createClient({ nodes }));
  const client = (worker: number): RaftkitClient => clients[worker]!;
  return {
    via: 'client',
    async put(worker, key, value) {
      await client(worker).kv.put(key, value);
    },
    async get(worker, key) {
      if ((await client(worker).kv.get(key)) === null) throw new KeyNotFoundError(key);
    },
    async close() {
      await Promise.all(clients.map((each) => each.close()));
    },
  };
}

/** createHttpDriver makes a pool of `workers` keep-alive connections to `address` (`host:port`). */
export function createHttpDriver(address: string, workers: number): KvDriver {
  const target: HttpTarget = createHttpTarget(address, { connections: workers });
  const path = (key: string): string => `/v1/kv/${encodeURIComponent(key)}`;
  return {
    via: 'http',
    async put(_worker, key, value) {
      expectStatus(await target.request('PUT', path(key), value), 200);
    },
    async get(_worker, key) {
      expectStatus(await target.request('GET', path(key)), 200);
    },
    async close() {
      target.close();
    },
  };
}
