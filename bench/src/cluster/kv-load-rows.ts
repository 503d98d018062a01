/**
 * Load rows: 100-byte PUTs, then linearizable GETs, at each concurrency level, through the client
 * and through HTTP. Every operation touches one of `keyCount` keys (prefilled, so GETs find them),
 * chosen by worker and sequence so concurrent workers spread over the keys.
 */
import { randomBytes } from 'node:crypto';
import type { LocalCluster, NodeProcess } from '@raftkit/node/testing';
import { createHttpTarget, describeErrors, expectStatus, runLoad, type LoadResult } from '../load/index.js';
import { forEachConcurrently } from './concurrently.js';
import { createClientDriver, createHttpDriver, type KvDriver, type Via } from './kv-drivers.js';
import type { ClusterBenchSettings } from './settings.js';

/** KvLoadResult is one (via, clients) pair's measurements. */
export interface KvLoadResult {
  readonly via: Via;
  readonly clients: number;
  /** The leader before the row and after it (HTTP rows send to the one before; a change means forwarding). */
  readonly leaderBefore: string;
  readonly leaderAfter: string;
  readonly put?: LoadResult;
  readonly get?: LoadResult;
}

/** benchKey is the key an operation touches. */
export function benchKey(settings: ClusterBenchSettings, worker: number, sequence: number): string {
  return `bench-${String((worker * 7919 + sequence) % settings.keyCount).padStart(4, '0')}`;
}

/** prefill writes every bench key once through `leader`'s HTTP API (not measured). */
export async function prefill(settings: ClusterBenchSettings, leader: NodeProcess): Promise<void> {
  const target = createHttpTarget(leader.http, { connections: 16 });
  const value = randomBytes(settings.valueBytes);
  try {
    await forEachConcurrently(settings.keyCount, 16, async (index) => {
      expectStatus(await target.request('PUT', `/v1/kv/${benchKey(settings, 0, index)}`, value), 200);
    });
  } finally {
    target.close();
  }
}

/** makeDriver creates the driver for `via` with `workers` workers against `cluster`. */
export function makeDriver(via: Via, cluster: LocalCluster, leader: NodeProcess, workers: number): KvDriver {
  return via === 'client' ? createClientDriver(cluster.httpAddresses, workers) : createHttpDriver(leader.http, workers);
}

/**
 * measureKv runs, for each `via` and each of `levels`, a PUT row and/or a GET row (per `operations`),
 * with the same driver (so the GET row's connections are already warm).
 */
export async function measureKv(
  settings: ClusterBenchSettings,
  cluster: LocalCluster,
  vias: readonly Via[],
  operations: readonly ('put' | 'get')[],
  levels: readonly number[] = settings.levels,
): Promise<KvLoadResult[]> {
  const value = randomBytes(settings.valueBytes);
  const results: KvLoadResult[] = [];
  for (const via of vias) {
    for (const clients of levels) {
      const leader = await cluster.waitForLeader();
      const driver = makeDriver(via, cluster, leader, clients);
      try {
        const measured: { put?: LoadResult; get?: LoadResult } = {};
        for (const operation of operations) {
          measured[operation] = await runLoad({
            workers: clients,
            durationMs: settings.rowMs,
            warmupMs: settings.warmupMs,
            operation: operation === 'put'
              ? ({ worker, sequence }) => driver.put(worker, benchKey(settings, worker, sequence), value)
              : ({ worker, sequence }) => driver.get(worker, benchKey(settings, worker, sequence)),
          });
        }
        const leaderAfter = (await cluster.waitForLeader()).id;
        results.push({ via, clients, leaderBefore: leader.id, leaderAfter, ...measured });
        const summary = operations.map((operation) => `${operation} ${Math.round(measured[operation]!.operationsPerSecond)}/s errors ${describeErrors(measured[operation]!)}`);
        const leaders = leaderAfter === leader.id ? leader.id : `${leader.id}→${leaderAfter}`;
        console.log(`  ${via} × ${clients} (leader ${leaders}): ${summary.join(', ')}`);
      } finally {
        await driver.close();
      }
    }
  }
  return results;
}
