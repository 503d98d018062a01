/**
 * Runs the benchmarks in order, or only those named: `tsx src/run-all.ts cluster` (through pnpm:
 * `pnpm --filter @raftkit/bench bench -- cluster`), or RAFTKIT_BENCH=core-throughput,cluster.
 * The soak runs only when named: twenty minutes is too long for "every benchmark".
 */
import { clusterBenchmark } from './cluster.js';
import { compareEtcdBenchmark } from './compare-etcd.js';
import { coreThroughput } from './core-throughput.js';
import { readThroughput } from './read-throughput.js';
import { respBenchmark } from './resp.js';
import { soakBenchmark } from './soak.js';

const benchmarks: Record<string, () => void | Promise<void>> = {
  'core-throughput': coreThroughput,
  'read-throughput': readThroughput,
  cluster: clusterBenchmark,
  resp: respBenchmark,
  'compare-etcd': compareEtcdBenchmark,
  soak: soakBenchmark,
};

/** Benchmarks left out of a run that names none. */
const onlyWhenNamed = new Set(['soak']);

const named = [...process.argv.slice(2).filter((argument) => argument !== '--'), ...(process.env.RAFTKIT_BENCH ?? '').split(',')].map((name) => name.trim()).filter((name) => name !== '');
const unknown = named.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(benchmarks)) {
  if (named.length === 0 ? !onlyWhenNamed.has(name) : named.includes(name)) await run();
}
