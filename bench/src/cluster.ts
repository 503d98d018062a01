/**
 * The cluster benchmark: real `raftkit start` processes on loopback (3 nodes, node-default timing:
 * 100 ms ticks, 1–2 s election timeout), driven through `@raftkit/client` and raw HTTP.
 *
 * 1. kv: 100-byte PUTs, then linearizable GETs (ReadIndex), at 1, 16 and 64 concurrent clients.
 * 2. failover: SIGKILL the leader under a writer; time to the first write acknowledged after it.
 * 3. lease reads: GETs on a second cluster started with `--lease-reads`, each row next to a
 *    ReadIndex row on the first cluster measured just before it.
 * 4. snapshot install: a 4th node joins a cluster holding ~100 MB behind a compacted log.
 *
 * Each phase prints its table as it ends; a phase that fails is recorded with its error and the
 * next one still runs. Everything lands in results/cluster.json. Every node process is killed at
 * the end, on failure too (see @raftkit/node/testing's node-process.ts for Ctrl-C and crashes).
 */
import { LocalCluster } from '@raftkit/node/testing';
import { describeErrors, type LoadResult } from './load/index.js';
import { measureFailover, median, type FailoverRun } from './cluster/failover.js';
import { collectProfiles, profileDirectory, profilingOptions, resultName } from './cluster/profiling.js';
import { measureKv, prefill, type KvLoadResult } from './cluster/kv-load-rows.js';
import { settingsFromEnvironment } from './cluster/settings.js';
import { measureSnapshotInstall } from './cluster/snapshot-install.js';
import { printTable, writeResult, type Row } from './report.js';

/** PhaseResult is one phase in results/cluster.json: its table, raw data, or the error that stopped it. */
interface PhaseResult {
  readonly name: string;
  readonly title: string;
  readonly seconds: number;
  readonly rows?: Row[];
  readonly data?: unknown;
  readonly error?: string;
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
const perSecond = (result: LoadResult | undefined): number | string => (result === undefined ? '-' : Math.round(result.operationsPerSecond));
const p50 = (result: LoadResult | undefined): number | string => (result === undefined ? '-' : round(result.latencyMs.p50));
const p99 = (result: LoadResult | undefined): number | string => (result === undefined ? '-' : round(result.latencyMs.p99));

function errorsCell(...results: (LoadResult | undefined)[]): string {
  const described = results.filter((result) => result !== undefined && result.errors > 0).map((result) => describeErrors(result!));
  return described.length === 0 ? 'none' : described.join(' ');
}

/** leaderCell is the row's leader, or `n1→n2` when leadership moved during the row. */
function leaderCell({ leaderBefore, leaderAfter }: KvLoadResult): string {
  return leaderBefore === leaderAfter ? leaderBefore : `${leaderBefore}→${leaderAfter}`;
}

function kvRows(results: readonly KvLoadResult[]): Row[] {
  return results.map((result) => ({
    via: result.via,
    clients: result.clients,
    leader: leaderCell(result),
    'writes/s': perSecond(result.put),
    'write p50 ms': p50(result.put),
    'write p99 ms': p99(result.put),
    'reads/s': perSecond(result.get),
    'read p50 ms': p50(result.get),
    'read p99 ms': p99(result.get),
    errors: errorsCell(result.put, result.get),
  }));
}

function leaseRows(readIndex: readonly KvLoadResult[], lease: readonly KvLoadResult[]): Row[] {
  return lease.map((result) => {
    const { via, clients, get } = result;
    const before = readIndex.find((each) => each.via === via && each.clients === clients)?.get;
    return {
      via,
      clients,
      leader: leaderCell(result),
      'ReadIndex reads/s': perSecond(before),
      'ReadIndex p50/p99 ms': before === undefined ? '-' : `${p50(before)} / ${p99(before)}`,
      'lease reads/s': perSecond(get),
      'lease p50/p99 ms': `${p50(get)} / ${p99(get)}`,
      'lease ÷ ReadIndex': before === undefined || get === undefined ? '-' : round(get.operationsPerSecond / before.operationsPerSecond),
      errors: errorsCell(get),
    };
  });
}

function failoverRows(runs: readonly FailoverRun[]): Row[] {
  const rows: Row[] = runs.map((run, position) => ({
    run: position + 1,
    killed: run.killed,
    'new leader': run.newLeader,
    'kill → first write ms': Math.round(run.killToFirstWriteMs),
    'writes before kill': run.writesBeforeKill,
    'failed calls': describeErrors(run),
  }));
  if (runs.length > 0) rows.push({ run: 'median', killed: '', 'new leader': '', 'kill → first write ms': Math.round(median(runs.map((run) => run.killToFirstWriteMs))), 'writes before kill': '', 'failed calls': '' });
  return rows;
}

/** clusterBenchmark runs every phase and writes results/cluster.json. */
export async function clusterBenchmark(): Promise<void> {
  const settings = settingsFromEnvironment();
  const phases: PhaseResult[] = [];
  const phase = async (name: string, title: string, run: () => Promise<{ rows: Row[]; data: unknown }>): Promise<void> => {
    console.log(`\n${title} ...`);
    const start = performance.now();
    try {
      const { rows, data } = await run();
      phases.push({ name, title, seconds: round((performance.now() - start) / 1000, 1), rows, data });
      printTable(title, rows);
    } catch (error) {
      const message = (error as Error).stack ?? String(error);
      phases.push({ name, title, seconds: round((performance.now() - start) / 1000, 1), error: message });
      console.error(`${name} failed: ${message}`);
    }
  };

  const started = performance.now();
  const profiles = profileDirectory();
  const cluster = await LocalCluster.create(['n1', 'n2', 'n3'], { flags: settings.nodeFlags, ...profilingOptions(profiles) });
  try {
    await phase('kv', `cluster kv: 3 nodes, ${settings.valueBytes}-byte values over ${settings.keyCount} keys, ${settings.rowMs / 1000} s per row (GET = linearizable, ReadIndex)`, async () => {
      const leader = await cluster.start();
      await prefill(settings, leader);
      const results = await measureKv(settings, cluster, ['client', 'http'], ['put', 'get']);
      return { rows: kvRows(results), data: results };
    });
    await phase('failover', 'cluster failover: SIGKILL the leader under a client writer; time to the first write acknowledged after the kill', async () => {
      await cluster.start();
      const runs = await measureFailover(cluster, settings.failoverRepetitions, settings.valueBytes);
      return { rows: failoverRows(runs), data: { runs, medianMs: median(runs.map((run) => run.killToFirstWriteMs)) } };
    });
    await phase('lease-reads', `cluster lease reads: linearizable GETs, ReadIndex cluster vs --lease-reads cluster, rows alternating, ${settings.rowMs / 1000} s per row`, async () => {
      // A second cluster with --lease-reads runs beside the first (idle while the other is
      // measured) and the rows alternate: on a shared machine whose load drifts over minutes, two
      // measurements taken seconds apart compare; one phase against another does not.
      const leaseCluster = await LocalCluster.create(['l1', 'l2', 'l3'], { flags: { ...settings.nodeFlags, 'lease-reads': true } });
      try {
        await cluster.start();
        await prefill(settings, await leaseCluster.start());
        const readIndex: KvLoadResult[] = [];
        const lease: KvLoadResult[] = [];
        for (const via of ['client', 'http'] as const) {
          for (const level of settings.levels) {
            readIndex.push(...(await measureKv(settings, cluster, [via], ['get'], [level])));
            lease.push(...(await measureKv(settings, leaseCluster, [via], ['get'], [level])));
          }
        }
        return { rows: leaseRows(readIndex, lease), data: { readIndex, lease } };
      } finally {
        await leaseCluster.destroy();
      }
    });
  } finally {
    try {
      await collectProfiles(cluster, 'cluster', profiles);
    } finally {
      await cluster.destroy();
    }
  }

  await phase('snapshot-install', `cluster snapshot install: a 4th node joins (--join) a cluster whose log was compacted`, async () => {
    const result = await measureSnapshotInstall(settings);
    const megabytes = result.stateBytes / (1024 * 1024);
    const scaled = result.stateBytes < 100 * 1024 * 1024 ? ` (scaled down from 100 MiB)` : '';
    return {
      rows: [
        {
          state: `${result.values} × ${result.valueBytes / 1024} KiB = ${round(megabytes, 1)} MiB${scaled}`,
          'write MiB/s': round(megabytes / result.writeSeconds, 1),
          'leader snapshot index': result.leaderSnapshotIndex,
          'join HTTP up ms': Math.round(result.httpUpMs),
          'join caught up ms': Math.round(result.caughtUpMs),
          'after HTTP up ms': Math.round(result.caughtUpMs - result.httpUpMs),
          'joined snapshot index': result.joined.snapshotIndex,
        },
      ],
      data: result,
    };
  });

  writeResult(resultName('cluster', profiles), {
    title: 'cluster benchmark: real raftkit processes on loopback',
    ...(profiles === undefined ? {} : { profiledInto: profiles }),
    settings,
    totalSeconds: round((performance.now() - started) / 1000, 1),
    phases,
  });
}
