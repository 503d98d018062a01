/**
 * The loads the etcd comparison runs on both systems: PUTs at 1, 64 and 256 clients and
 * linearizable GETs at 64, each through the system's own client and over HTTP.
 */

/** How a load reaches a system: its own client library, or one Node HTTP load generator. */
export type Via = 'native' | 'http';

/** Load is one row of the comparison. */
export interface Load {
  /** Stable name, e.g. `native-put-64` (for RAFTKIT_BENCH_COMPARE_LOADS and the JSON). */
  readonly name: string;
  readonly via: Via;
  readonly operation: 'put' | 'get';
  readonly clients: number;
}

const load = (via: Via, operation: 'put' | 'get', clients: number): Load => ({ name: `${via}-${operation}-${clients}`, via, operation, clients });

/** LOADS in the order they run and print. */
export const LOADS: readonly Load[] = (['native', 'http'] as const).flatMap((via) => [load(via, 'put', 1), load(via, 'put', 64), load(via, 'put', 256), load(via, 'get', 64)]);

/** compareKey is the key an operation touches: concurrent workers spread over `keyCount` keys. */
export function compareKey(keyCount: number, worker: number, sequence: number): string {
  return `bench-${String((worker * 7919 + sequence) % keyCount).padStart(4, '0')}`;
}
