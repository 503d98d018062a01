/**
 * The etcd comparison (`pnpm bench compare-etcd`): a 3-member etcd (Debian's `etcd-server`,
 * default settings) and a 3-node raftkit (default settings: SQLite log, WebSocket peers) on
 * loopback, both up the whole time, under the same closed-loop loads: 100-byte PUTs at 1, 64 and
 * 256 clients and linearizable GETs at 64, through each system's own client (`etcd3` over gRPC,
 * `@raftkit/client` over `/v1/ws`) and over HTTP from one Node load generator round-robin over the
 * three nodes. Each load runs as pairs, etcd then raftkit at once (this machine's load drifts over
 * minutes; two runs seconds apart compare), repeated; the table gives each system's medians and
 * the ratio raftkit / etcd, then issue 13's targets against them. Results go to
 * results/compare-etcd.json with the machine's CPU, load average, versions and disk fsync rate.
 *
 * etcd is installed from Debian when missing and the benchmark runs as root; otherwise it says
 * why and skips (leaving the last results file as it was).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { LocalCluster } from '@raftkit/node/testing';
import { forEachConcurrently } from './cluster/concurrently.js';
import { collectProfiles, profileDirectory, profilingOptions, resultName } from './cluster/profiling.js';
import { describeErrors, runLoad, startCpuMeter, type CpuMeter, type CpuReading, type LoadResult } from './load/index.js';
import { printTable, writeResult } from './report.js';
import { ensureDebianPackage } from './resp/redis-tools.js';
import { createEtcdHttpDriver, createEtcdNativeDriver, createRaftkitHttpDriver, createRaftkitNativeDriver, type Driver } from './compare-etcd/drivers.js';
import { etcdVersion, startEtcdCluster } from './compare-etcd/etcd-cluster.js';
import { compareKey, type Load } from './compare-etcd/loads.js';
import { machineFacts } from './compare-etcd/machine-facts.js';
import { compareSettingsFromEnvironment, type CompareSettings } from './compare-etcd/settings.js';
import { checkTargets, loadLabel, summarize, tableRow, type LoadSummary, type RunFigures } from './compare-etcd/summary.js';

type System = 'etcd' | 'raftkit';

/** The addresses of both clusters' nodes, and their process ids (for the CPU they use). */
interface Endpoints {
  readonly etcd: readonly string[];
  readonly raftkit: readonly string[];
  readonly pids: Readonly<Record<System, readonly number[]>>;
}

/** A measured run: what the load generator saw, and the CPU used over its counted part. */
interface MeasuredRun {
  readonly result: LoadResult;
  readonly cpu: CpuReading;
}

function makeDriver(system: System, load: Load, endpoints: Endpoints, workers = load.clients): Driver {
  if (system === 'etcd') return load.via === 'native' ? createEtcdNativeDriver(endpoints.etcd, workers) : createEtcdHttpDriver(endpoints.etcd, workers);
  return load.via === 'native' ? createRaftkitNativeDriver(endpoints.raftkit, workers) : createRaftkitHttpDriver(endpoints.raftkit, workers);
}

/** prefill writes every key once on `system` over HTTP (not measured), so GETs find them. */
async function prefill(settings: CompareSettings, system: System, endpoints: Endpoints, value: Uint8Array): Promise<void> {
  const workers = 16;
  const driver = makeDriver(system, { name: 'prefill', via: 'http', operation: 'put', clients: workers }, endpoints);
  try {
    await forEachConcurrently(settings.keyCount, workers, (index) => driver.put(index % workers, compareKey(settings.keyCount, 0, index), value));
  } finally {
    await driver.close();
  }
}

async function measure(settings: CompareSettings, system: System, load: Load, endpoints: Endpoints, value: Uint8Array): Promise<MeasuredRun> {
  const driver = makeDriver(system, load, endpoints);
  // The CPU is counted from the end of the warm-up, as the operations are.
  let meter: CpuMeter | undefined;
  const meterStart = setTimeout(() => (meter = startCpuMeter(endpoints.pids[system])), settings.warmupMs);
  try {
    const result = await runLoad({
      workers: load.clients,
      durationMs: settings.runMs,
      warmupMs: settings.warmupMs,
      operation: load.operation === 'put'
        ? ({ worker, sequence }) => driver.put(worker, compareKey(settings.keyCount, worker, sequence), value)
        : ({ worker, sequence }) => driver.get(worker, compareKey(settings.keyCount, worker, sequence)),
    });
    return { result, cpu: meter?.read() ?? { serverSeconds: undefined, loadSeconds: Number.NaN } };
  } finally {
    clearTimeout(meterStart);
    await driver.close();
  }
}

/** perOperationMicros is CPU seconds per successful operation, in µs (NaN when unknown). */
const perOperationMicros = (seconds: number | undefined, operations: number): number => (seconds === undefined || operations === 0 ? Number.NaN : (seconds / operations) * 1e6);

const figures = ({ result, cpu }: MeasuredRun): RunFigures => ({
  operationsPerSecond: result.operationsPerSecond,
  p50Ms: result.latencyMs.p50,
  p99Ms: result.latencyMs.p99,
  errorsByKind: result.errorsByKind,
  serverCpuMicrosPerOperation: perOperationMicros(cpu.serverSeconds, result.operations),
  loadCpuMicrosPerOperation: perOperationMicros(cpu.loadSeconds, result.operations),
});
const brief = (run: MeasuredRun): string => {
  const { result } = run;
  const cpu = perOperationMicros(run.cpu.serverSeconds, result.operations);
  return `${Math.round(result.operationsPerSecond)}/s p50 ${result.latencyMs.p50.toFixed(2)} p99 ${result.latencyMs.p99.toFixed(1)} ms, ${Number.isNaN(cpu) ? 'CPU unknown' : `${Math.round(cpu)} µs CPU/op`}, errors ${describeErrors(result)}`;
};

/** compareEtcdBenchmark runs every load as etcd/raftkit pairs, prints the table and writes results/compare-etcd.json. */
export async function compareEtcdBenchmark(): Promise<void> {
  const settings = compareSettingsFromEnvironment();
  const missing = ensureDebianPackage('etcd', 'etcd-server');
  if (missing !== undefined) {
    console.log(`\ncompare-etcd benchmark skipped: ${missing}`);
    return;
  }
  const machine = machineFacts(etcdVersion());
  console.log(`\ncompare-etcd: ${machine.cpu ?? 'unknown CPU'} × ${machine.cores}, Node ${machine.node}, ${machine.etcd}, load average ${machine.loadAverage.join(' ')}, disk ${machine.fsyncsPerSecond} fsyncs/s`);
  console.log(`${settings.loads.length} loads × ${settings.repeats} pairs × ${settings.runMs / 1000} s (+${settings.warmupMs / 1000} s warm-up each)`);

  const started = performance.now();
  const value = randomBytes(settings.valueBytes);
  const runs: { load: string; pair: number; etcd: LoadResult & { cpu: CpuReading }; raftkit: LoadResult & { cpu: CpuReading } }[] = [];
  const summaries: LoadSummary[] = [];
  const profiles = profileDirectory();
  const raftkit = await LocalCluster.create(['n1', 'n2', 'n3'], { flags: settings.nodeFlags, ...profilingOptions(profiles) });
  let etcd: Awaited<ReturnType<typeof startEtcdCluster>> | undefined;
  try {
    etcd = await startEtcdCluster();
    await raftkit.start();
    const endpoints: Endpoints = {
      etcd: etcd.clientAddresses,
      raftkit: raftkit.httpAddresses,
      pids: { etcd: etcd.members.map((member) => member.pid), raftkit: raftkit.nodes.map((node) => node.process!.pid!) },
    };
    await prefill(settings, 'etcd', endpoints, value);
    await prefill(settings, 'raftkit', endpoints, value);
    for (const load of settings.loads) {
      const pairs: { etcd: MeasuredRun; raftkit: MeasuredRun }[] = [];
      for (let pair = 1; pair <= settings.repeats; pair++) {
        const etcdRun = await measure(settings, 'etcd', load, endpoints, value);
        const raftkitRun = await measure(settings, 'raftkit', load, endpoints, value);
        pairs.push({ etcd: etcdRun, raftkit: raftkitRun });
        runs.push({ load: load.name, pair, etcd: { ...etcdRun.result, cpu: etcdRun.cpu }, raftkit: { ...raftkitRun.result, cpu: raftkitRun.cpu } });
        console.log(`  ${loadLabel(load)} #${pair}: etcd ${brief(etcdRun)} | raftkit ${brief(raftkitRun)}`);
      }
      summaries.push(summarize(load, pairs.map(({ etcd: run }) => figures(run)), pairs.map(({ raftkit: run }) => figures(run))));
    }
  } finally {
    await etcd?.stop();
    try {
      await collectProfiles(raftkit, 'compare-etcd', profiles);
    } finally {
      await raftkit.destroy();
    }
  }

  const title = `etcd and raftkit side by side: 3 members each on loopback, ${settings.valueBytes}-byte values, medians of ${settings.repeats} etcd-then-raftkit pairs of ${settings.runMs / 1000} s closed loops`;
  const rows = summaries.map(tableRow);
  printTable(title, rows);
  const targets = checkTargets(summaries);
  printTable("issue 13's targets (ratios raftkit / etcd from the medians above)", targets.map((check) => ({ ...check })));
  const loadAverageAfter = os.loadavg().map((each) => Number(each.toFixed(2)));
  writeResult(resultName('compare-etcd', profiles), {
    title,
    machine: { ...machine, loadAverageAfter },
    note: settings.note,
    ...(profiles === undefined ? {} : { profiledInto: profiles }),
    settings: { ...settings, loads: settings.loads.map((load) => load.name) },
    totalSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    rows,
    targets,
    summaries,
    runs,
  });
}
