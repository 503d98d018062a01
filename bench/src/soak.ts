/**
 * The memory soak (`pnpm bench soak`), issue 13's point 4: a 3-node raftkit (node defaults, so
 * the log is compacted by a snapshot every 10,000 entries, several times a run) under 64 native
 * clients writing 100-byte values over 10,000 keys (the state stays bounded) for 10 minutes
 * (RAFTKIT_SOAK_MINUTES). Every 10 s each node's RSS and V8 heap used are read from its
 * `/metrics`, with the writes/s of that window and the leader's snapshot index.
 *
 * It prints the series, then per node the RSS range after the first minute around its median, a
 * line starting with `GROWING:` for every node whose RSS leaves ±15% of that median or rises at
 * every sample across the last half, and whether issue 13's etcd figure (121–163 MiB) is met.
 * Then, unless RAFTKIT_SOAK_ETCD=0, the same soak runs against a 3-member etcd (Debian's
 * `etcd-server`, installed when missing and run as root) with RSS from /proc, so the comparison
 * is same-machine. Results go to results/soak.json. A benchmark: it asserts nothing.
 */
import os from 'node:os';
import { LocalCluster } from '@raftkit/node/testing';
import { describeErrors } from './load/index.js';
import { printTable, writeResult, type Row } from './report.js';
import { ensureDebianPackage } from './resp/redis-tools.js';
import { createEtcdNativeDriver, createRaftkitNativeDriver, type Driver } from './compare-etcd/drivers.js';
import { etcdVersion, startEtcdCluster } from './compare-etcd/etcd-cluster.js';
import { machineFacts } from './compare-etcd/machine-facts.js';
import { checkFigure, summarizeRss, GROWTH_RULES, type FigureCheck, type RssSummary } from './soak/growth.js';
import { createEtcdProbe, createRaftkitProbe, type ClusterProbe } from './soak/memory-probes.js';
import { runSoakPhase, type PhaseRun } from './soak/soak-phase.js';
import { soakSettingsFromEnvironment, type SoakSettings } from './soak/settings.js';

/** SystemSoak is one system's phase in results/soak.json. */
interface SystemSoak extends PhaseRun {
  readonly system: 'raftkit' | 'etcd';
  readonly members: readonly string[];
  readonly summaries: readonly RssSummary[];
}

const MiB = 2 ** 20;
const mib = (bytes: number | undefined): number | string => (bytes === undefined || Number.isNaN(bytes) ? '-' : Number((bytes / MiB).toFixed(1)));

/** soakOn runs one phase with a driver and a probe it opens, and closes the driver whatever happens. */
async function soakOn(settings: SoakSettings, system: SystemSoak['system'], driver: Driver, probe: ClusterProbe): Promise<SystemSoak> {
  console.log(`\nsoak ${system}: ${settings.clients} native clients, ${settings.valueBytes}-byte PUTs over ${settings.keyCount} keys, ${settings.durationMs / 60_000} min, a sample every ${settings.sampleMs / 1000} s`);
  try {
    const run = await runSoakPhase(settings, driver, probe);
    const summaries = probe.members.map((member) => summarizeRss(member, run.series.map((point) => ({ atSeconds: point.atSeconds, rssBytes: point.members[member]?.rssBytes }))));
    return { system, members: probe.members, ...run, summaries };
  } finally {
    await driver.close();
  }
}

function seriesRows(soak: SystemSoak): Row[] {
  return soak.series.map((point) => {
    const row: Row = { 't s': point.atSeconds, 'writes/s': point.writesPerSecond === undefined ? '-' : Math.round(point.writesPerSecond) };
    if (soak.system === 'raftkit') {
      row['leader snapshot'] = point.leaderSnapshotIndex ?? '-';
      row['leader last'] = point.leaderLastIndex ?? '-';
    }
    for (const member of soak.members) {
      row[`${member} RSS MiB`] = mib(point.members[member]?.rssBytes);
      row[`${member} heap MiB`] = mib(point.members[member]?.heapBytes);
    }
    return row;
  });
}

function summaryRows(summaries: readonly RssSummary[]): Row[] {
  return summaries.map((summary) => ({
    node: summary.node,
    samples: summary.samples,
    'min RSS MiB': mib(summary.minBytes),
    'median RSS MiB': mib(summary.medianBytes),
    'max RSS MiB': mib(summary.maxBytes),
    'min vs median %': Number.isNaN(summary.lowPercent) ? '-' : Number(summary.lowPercent.toFixed(1)),
    'max vs median %': Number.isNaN(summary.highPercent) ? '-' : Number(summary.highPercent.toFixed(1)),
    'steady rise': summary.risingLastHalf === undefined ? 'too few samples' : summary.risingLastHalf ? 'yes' : 'no',
    verdict: summary.samples === 0 ? 'too short' : summary.growing ? 'GROWING' : 'flat',
  }));
}

function printSoak(soak: SystemSoak): void {
  const what = soak.system === 'raftkit' ? 'RSS and V8 heap used from /metrics' : 'RSS from /proc/<pid>/status, Go heap in use from /metrics';
  printTable(`soak ${soak.system}: every ${soak.series[1] === undefined ? '-' : soak.series[1].atSeconds} s, ${what}`, seriesRows(soak));
  printTable(`soak ${soak.system}: RSS after the first ${GROWTH_RULES.settleSeconds} s (flat = within ±${GROWTH_RULES.band * 100}% of its median, no steady rise across the last half)`, summaryRows(soak.summaries));
  console.log(`${soak.system} load: ${Math.round(soak.load.operationsPerSecond)} writes/s, p50 ${soak.load.latencyMs.p50.toFixed(1)} ms, p99 ${soak.load.latencyMs.p99.toFixed(1)} ms, errors ${describeErrors(soak.load)}`);
}

function describeCheck(check: FigureCheck, summaries: readonly RssSummary[]): string {
  const highest = summaries.map((summary) => `${summary.node} ${mib(summary.maxBytes)}`).join(', ');
  const verdict = check.met === undefined ? 'not judged, no samples after the first minute' : check.met ? 'met' : 'NOT met';
  return `${check.against}: ${verdict} (highest RSS after the first minute, MiB: ${highest}; limit ${mib(check.limitBytes)})`;
}

/** soakBenchmark runs the raftkit soak, then the etcd one when it can, prints both and writes results/soak.json. */
export async function soakBenchmark(): Promise<void> {
  const settings = soakSettingsFromEnvironment();
  const etcdSkipped = settings.etcd ? ensureDebianPackage('etcd', 'etcd-server') : 'RAFTKIT_SOAK_ETCD=0';
  const machine = { ...machineFacts(etcdSkipped === undefined ? etcdVersion() : 'not run'), totalMemoryBytes: os.totalmem() };
  console.log(`\nsoak: ${machine.cpu ?? 'unknown CPU'} × ${machine.cores}, ${mib(machine.totalMemoryBytes)} MiB memory, Node ${machine.node}, load average ${machine.loadAverage.join(' ')}, disk ${machine.fsyncsPerSecond} fsyncs/s`);
  const started = performance.now();

  const cluster = await LocalCluster.create(['n1', 'n2', 'n3'], { flags: settings.nodeFlags });
  let raftkit: SystemSoak;
  try {
    await cluster.start();
    raftkit = await soakOn(settings, 'raftkit', createRaftkitNativeDriver(cluster.httpAddresses, settings.clients), createRaftkitProbe(cluster.nodes));
  } finally {
    await cluster.destroy();
  }
  printSoak(raftkit);

  let etcd: SystemSoak | undefined;
  let etcdError: string | undefined;
  if (etcdSkipped !== undefined) {
    console.log(`\nsoak etcd skipped: ${etcdSkipped}`);
  } else {
    try {
      const members = await startEtcdCluster();
      try {
        etcd = await soakOn(settings, 'etcd', createEtcdNativeDriver(members.clientAddresses, settings.clients), createEtcdProbe(members.members));
      } finally {
        await members.stop();
      }
      printSoak(etcd);
    } catch (error) {
      etcdError = (error as Error).stack ?? String(error);
      console.error(`soak etcd failed: ${etcdError}`);
    }
  }

  console.log('');
  for (const summary of raftkit.summaries) {
    if (summary.growing) for (const note of summary.notes) console.log(`GROWING: raftkit ${summary.node}: ${note}`);
    else if (summary.samples === 0 || summary.risingLastHalf === undefined) console.log(`raftkit ${summary.node}: ${summary.notes.join('; ')}`);
  }
  const growing = raftkit.summaries.filter((summary) => summary.growing).map((summary) => summary.node);
  const judged = raftkit.summaries.every((summary) => summary.samples > 0);
  if (growing.length === 0 && judged) console.log(`flat: no raftkit node's RSS left ±${GROWTH_RULES.band * 100}% of its median after the first minute, none rose steadily across the last half`);
  for (const summary of etcd?.summaries ?? []) if (summary.growing) console.log(`(etcd ${summary.node} grows too: ${summary.notes.join('; ')})`);

  const [low, high] = settings.etcdFigureMiB;
  const checks = [checkFigure(`etcd's figure from issue 13 (${low}–${high} MiB)`, high * MiB, raftkit.summaries)];
  if (etcd !== undefined && etcd.summaries.every((summary) => summary.samples > 0)) {
    const etcdHighest = Math.max(...etcd.summaries.map((summary) => summary.maxBytes));
    checks.push(checkFigure(`etcd on this machine just now (highest member ${mib(etcdHighest)} MiB)`, etcdHighest, raftkit.summaries));
  }
  for (const check of checks) console.log(describeCheck(check, raftkit.summaries));

  writeResult('soak', {
    title: `memory soak: 3 members, ${settings.clients} native clients of ${settings.valueBytes}-byte PUTs over ${settings.keyCount} keys, ${settings.durationMs / 60_000} min per system`,
    machine: { ...machine, loadAverageAfter: os.loadavg().map((each) => Number(each.toFixed(2))) },
    note: settings.note,
    settings: { ...settings, growthRules: GROWTH_RULES },
    totalSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    summary: { growing, checks, raftkit: raftkit.summaries, etcd: etcd?.summaries, etcdSkipped, etcdError },
    raftkit,
    etcd,
  });
}
