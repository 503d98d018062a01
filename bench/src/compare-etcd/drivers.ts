/**
 * The same PUT and linearizable GET on etcd and on raftkit, natively and over HTTP, so one load
 * shape measures all four. Every driver serves `workers` closed-loop workers.
 *
 * - etcd native: one `etcd3` client (gRPC) per worker, each given one member, the workers spread
 *   evenly over the three (etcd forwards a follower's request to its leader itself). A GET is a
 *   range without `serializable`: etcd's default, linearizable read.
 * - raftkit native: one `@raftkit/client` per worker (its own `/v1/ws` connection and session),
 *   given every node; it finds the leader itself.
 * - HTTP, both: keep-alive pools to each of the three nodes, operations round-robin over them, so
 *   two thirds of them reach a follower that forwards (etcd: the gRPC-JSON gateway's
 *   `POST /v3/kv/put` and `/v3/kv/range` with base64 keys and values; raftkit: `PUT`/`GET /v1/kv/:key`).
 */
import { Etcd3 } from 'etcd3';
import { createClientDriver } from '../cluster/kv-drivers.js';
import { createHttpTarget, expectStatus, type HttpTarget } from '../load/index.js';

/** Driver writes and reads on behalf of one of its workers. */
export interface Driver {
  put(worker: number, key: string, value: Uint8Array): Promise<void>;
  /** get reads `key` linearizably; a missing key fails with code KEY_NOT_FOUND. */
  get(worker: number, key: string): Promise<void>;
  close(): Promise<void>;
}

class KeyNotFoundError extends Error {
  readonly code = 'KEY_NOT_FOUND';
}

/** createEtcdNativeDriver makes `workers` etcd3 clients, worker i on member i mod 3. */
export function createEtcdNativeDriver(members: readonly string[], workers: number): Driver {
  const clients = Array.from({ length: workers }, (_, worker) => new Etcd3({ hosts: `http://${members[worker % members.length]!}` }));
  return {
    async put(worker, key, value) {
      await clients[worker]!.put(key).value(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    },
    async get(worker, key) {
      if ((await clients[worker]!.get(key).buffer()) === null) throw new KeyNotFoundError(key);
    },
    async close() {
      for (const client of clients) client.close();
    },
  };
}

/** createRaftkitNativeDriver makes `workers` raftkit clients of the nodes at `nodes`. */
export function createRaftkitNativeDriver(nodes: readonly string[], workers: number): Driver {
  return createClientDriver(nodes, workers);
}

/** roundRobin answers the pool an operation goes to: each worker moves to the next node every operation. */
function roundRobin(targets: readonly HttpTarget[]): (worker: number) => HttpTarget {
  const next = new Map<number, number>();
  return (worker) => {
    const position = next.get(worker) ?? worker;
    next.set(worker, position + 1);
    return targets[position % targets.length]!;
  };
}

/** createEtcdHttpDriver sends etcd gateway requests round-robin over `members`. */
export function createEtcdHttpDriver(members: readonly string[], workers: number): Driver {
  const targets = members.map((address) => createHttpTarget(address, { connections: workers, contentType: 'application/json' }));
  const target = roundRobin(targets);
  const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  return {
    async put(worker, key, value) {
      const body = `{"key":"${base64(key)}","value":"${Buffer.from(value).toString('base64')}"}`;
      expectStatus(await target(worker).request('POST', '/v3/kv/put', Buffer.from(body)), 200);
    },
    async get(worker, key) {
      const answer = expectStatus(await target(worker).request('POST', '/v3/kv/range', Buffer.from(`{"key":"${base64(key)}"}`)), 200);
      // A range that found nothing has no "kvs" field; parsing the whole answer would cost the
      // load generator CPU the raftkit side does not pay.
      if (!answer.body.includes('"kvs"')) throw new KeyNotFoundError(key);
    },
    async close() {
      for (const each of targets) each.close();
    },
  };
}

/** createRaftkitHttpDriver sends `/v1/kv` requests round-robin over `nodes`. */
export function createRaftkitHttpDriver(nodes: readonly string[], workers: number): Driver {
  const targets = nodes.map((address) => createHttpTarget(address, { connections: workers }));
  const target = roundRobin(targets);
  const path = (key: string): string => `/v1/kv/${encodeURIComponent(key)}`;
  return {
    async put(worker, key, value) {
      expectStatus(await target(worker).request('PUT', path(key), value), 200);
    },
    async get(worker, key) {
      expectStatus(await target(worker).request('GET', path(key)), 200);
    },
    async close() {
      for (const each of targets) each.close();
    },
  };
}
