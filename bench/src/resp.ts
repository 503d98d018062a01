/**
 * The RESP benchmark (`pnpm bench resp`): `redis-benchmark` against a 3-node raftkit cluster's
 * Redis-protocol front (at the leader, so no row pays a follower's forwarding hop) and, for
 * reference, against one local `redis-server --appendonly yes --appendfsync always`: the most
 * durable a single Redis gets, and still one machine whose loss loses everything.
 *
 * Rows: SET then GET, at 1 and 50 clients, pipeline depth 1 and 16. Each raftkit row is followed
 * at once by the same row on Redis (the load on this shared machine drifts over minutes). The
 * table gives requests/s, p50/p99 latency and the ratio raftkit / Redis; errors must be 0.
 * Results go to results/resp.json. The Redis binaries are installed from Debian when missing and
 * the benchmark runs as root; otherwise it says what is missing and skips.
 */
import { freePort, LocalCluster } from '@raftkit/node/testing';
import { printTable, writeResult, type Row } from './report.js';
import { runRedisBenchmark, type RedisBenchmarkRow } from './resp/redis-benchmark-run.js';
import { ensureDebianPackage } from './resp/redis-tools.js';
import { startRedisServer, type RedisServer } from './resp/redis-server-process.js';

/** The node's default timing, as the cluster benchmark uses it. */
const NODE_FLAGS = { 'tick-ms': '100', 'election-ticks': '10', 'heartbeat-ticks': '1', 'log-level': 'warn' } as const;
/** Requests per row: fewer for one client, so the slowest row stays well under a minute. */
const requestsFor = (clients: number): number => (clients === 1 ? 2_000 : 20_000);
const KEYSPACE = 10_000;
const ROW_TIMEOUT_MS = 10 * 60_000;

const MATRIX = (['set', 'get'] as const).flatMap((test) => [1, 50].flatMap((clients) => [1, 16].map((pipeline) => ({ test, clients, pipeline }))));

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** respBenchmark runs the RESP rows, prints the table and writes results/resp.json (or says why it skipped). */
export async function respBenchmark(): Promise<void> {
  const missing = [ensureDebianPackage('redis-benchmark', 'redis-tools'), ensureDebianPackage('redis-server', 'redis-server')].filter((reason) => reason !== undefined);
  if (missing.length > 0) {
    console.log(`\nresp benchmark skipped: ${missing.join('; ')}`);
    writeResult('resp', { skipped: missing });
    return;
  }

  const cluster = await LocalCluster.create(['n1', 'n2', 'n3'], { flags: NODE_FLAGS });
  const respPorts = new Map<string, number>();
  for (const node of cluster.nodes) {
    const port = await freePort();
    respPorts.set(node.id, port);
    node.flags.push('--resp-listen', `127.0.0.1:${port}`);
  }
  let redis: RedisServer | undefined;
  const pairs: { raftkit: RedisBenchmarkRow; redis: RedisBenchmarkRow }[] = [];
  try {
    const leader = await cluster.start();
    redis = await startRedisServer(await freePort());
    const raftkitPort = respPorts.get(leader.id)!;
    for (const { test, clients, pipeline } of MATRIX) {
      const common = { test, clients, pipeline, requests: requestsFor(clients), keyspace: KEYSPACE, timeoutMs: ROW_TIMEOUT_MS };
      const raftkit = await runRedisBenchmark({ ...common, port: raftkitPort });
      const reference = await runRedisBenchmark({ ...common, port: redis.port });
      pairs.push({ raftkit, redis: reference });
      console.log(`${test} c=${clients} P=${pipeline}: raftkit ${Math.round(raftkit.requestsPerSecond)}/s, redis ${Math.round(reference.requestsPerSecond)}/s`);
    }
  } finally {
    await redis?.stop();
    await cluster.destroy();
  }

  const rows: Row[] = pairs.map(({ raftkit, redis: reference }) => ({
    test: raftkit.test.toUpperCase(),
    clients: raftkit.clients,
    pipeline: raftkit.pipeline,
    requests: raftkit.requests,
    'raftkit req/s': Math.round(raftkit.requestsPerSecond),
    'raftkit p50 ms': round(raftkit.p50Ms),
    'raftkit p99 ms': round(raftkit.p99Ms),
    'redis req/s': Math.round(reference.requestsPerSecond),
    'redis p50 ms': round(reference.p50Ms),
    'redis p99 ms': round(reference.p99Ms),
    'raftkit / redis': round(raftkit.requestsPerSecond / reference.requestsPerSecond, 3),
    errors: raftkit.errors + reference.errors,
  }));
  const title = 'RESP: redis-benchmark against raftkit (3 nodes, at the leader) and redis-server --appendonly yes --appendfsync always (1 node)';
  printTable(title, rows);
  writeResult('resp', { title, settings: { node: NODE_FLAGS, keyspace: KEYSPACE, valueBytes: 3 }, rows, raw: pairs });
}
