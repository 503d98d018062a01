/**
 * `@raftkit/node/testing`: a launcher for real local clusters, for tests and benchmarks of
 * anything served by `raftkit start` (the KV store, or your `--machine` plugin). It starts N node
 * processes on free loopback ports with a shared peer secret, waits for a leader, kills and
 * restarts nodes, and stops them.
 *
 * ```ts
 * import { LocalCluster } from '@raftkit/node/testing';
 *
 * const cluster = await LocalCluster.start(['n1', 'n2', 'n3'], { flags: { machine: './my-machine.js', 'tick-ms': '30' } });
 * const client = createClient({ nodes: cluster.httpAddresses });
 * await cluster.kill('n2');
 * await cluster.restart('n2');
 * await cluster.destroy();
 * ```
 */
export { freePort } from './free-port.js';
export { LocalCluster, status, toFlags, type LocalClusterOptions, type NodeFlags, type StatusBody } from './local-cluster.js';
export { NodeProcess, type ProcessExit } from './node-process.js';
export { sleep, waitFor } from './wait-for.js';
