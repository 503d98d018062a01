/**
 * Pure arithmetic of the etcd comparison: the median of each system's runs of a load, the table
 * row with the ratio raftkit / etcd, and issue 13's targets checked against the medians. No I/O,
 * so it is unit-tested (summary.test.ts).
 */
import type { Row } from '../report.js';
import type { Load } from './loads.js';

/** RunFigures is what one run of one load on one system measured. */
export interface RunFigures {
  readonly operationsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Failed operations, by error kind. */
  readonly errorsByKind: Readonly<Record<string, number>>;
  /** CPU of the system's three server processes per successful operation, µs; NaN when unknown. */
  readonly serverCpuMicrosPerOperation?: number;
  /** CPU of the load generator per successful operation, µs (it shares the machine's cores). */
  readonly loadCpuMicrosPerOperation?: number;
}

/** SystemMedians are the medians over one system's runs of a load, and the errors of all of them. */
export interface SystemMedians {
  readonly runs: number;
  readonly operationsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Median CPU per operation of the servers and of the load generator, µs (NaN when unknown). */
  readonly serverCpuMicrosPerOperation: number;
  readonly loadCpuMicrosPerOperation: number;
}

/** LoadSummary is one load's comparison. */
export interface LoadSummary {
  readonly load: Load;
  readonly etcd: SystemMedians;
  readonly raftkit: SystemMedians;
  /** raftkit / etcd of the medians (above 1: raftkit is faster, or has the higher latency). */
  readonly throughputRatio: number;
  readonly p50Ratio: number;
  readonly p99Ratio: number;
  /** raftkit / etcd of the servers' CPU per operation (below 1: raftkit spends less). */
  readonly cpuRatio: number;
}

/** median of `values` (the mean of the middle two for an even count); NaN for none. NaN values are left out. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medians(runs: readonly RunFigures[]): SystemMedians {
  return {
    runs: runs.length,
    operationsPerSecond: median(runs.map((run) => run.operationsPerSecond)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    errors: runs.reduce((total, run) => total + Object.values(run.errorsByKind).reduce((sum, count) => sum + count, 0), 0),
    serverCpuMicrosPerOperation: median(runs.map((run) => run.serverCpuMicrosPerOperation ?? Number.NaN)),
    loadCpuMicrosPerOperation: median(runs.map((run) => run.loadCpuMicrosPerOperation ?? Number.NaN)),
  };
}

/** summarize compares one load's etcd runs with its raftkit runs. */
export function summarize(load: Load, etcdRuns: readonly RunFigures[], raftkitRuns: readonly RunFigures[]): LoadSummary {
  const etcd = medians(etcdRuns);
  const raftkit = medians(raftkitRuns);
  return {
    load,
    etcd,
    raftkit,
    throughputRatio: raftkit.operationsPerSecond / etcd.operationsPerSecond,
    p50Ratio: raftkit.p50Ms / etcd.p50Ms,
    p99Ratio: raftkit.p99Ms / etcd.p99Ms,
    cpuRatio: raftkit.serverCpuMicrosPerOperation / etcd.serverCpuMicrosPerOperation,
  };
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** loadLabel names a load for people: `native put, 64 clients`. */
export function loadLabel(load: Load): string {
  return `${load.via} ${load.operation}, ${load.clients} client${load.clients === 1 ? '' : 's'}`;
}

/** A figure for a table cell: rounded, or '?' when unknown. */
const cell = (value: number, digits: number): number | string => (Number.isFinite(value) ? round(value, digits) : '?');

/**
 * tableRow is a summary as a printed row: per system ops/s (writes/s for a put, reads/s for a get),
 * p50, p99 and the servers' CPU per operation, then the ratios.
 */
export function tableRow(summary: LoadSummary): Row {
  return {
    load: loadLabel(summary.load),
    'etcd ops/s': Math.round(summary.etcd.operationsPerSecond),
    'etcd p50 ms': round(summary.etcd.p50Ms, 2),
    'etcd p99 ms': round(summary.etcd.p99Ms, 1),
    'etcd CPU µs/op': cell(summary.etcd.serverCpuMicrosPerOperation, 0),
    'raftkit ops/s': Math.round(summary.raftkit.operationsPerSecond),
    'raftkit p50 ms': round(summary.raftkit.p50Ms, 2),
    'raftkit p99 ms': round(summary.raftkit.p99Ms, 1),
    'raftkit CPU µs/op': cell(summary.raftkit.serverCpuMicrosPerOperation, 0),
    'ratio ops/s': round(summary.throughputRatio, 2),
    'ratio p50': round(summary.p50Ratio, 2),
    'ratio p99': round(summary.p99Ratio, 2),
    'ratio CPU/op': cell(summary.cpuRatio, 2),
    errors: summary.etcd.errors + summary.raftkit.errors,
  };
}

/** TargetCheck is one of issue 13's targets against this run: met, not met, or not measured. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly verdict: 'met' | 'not met' | 'not measured';
}

/** The targets of issue 13 this benchmark measures, each as conditions on one load's ratios. */
const TARGETS: readonly { target: string; load: string; ratio: 'throughputRatio' | 'p50Ratio' | 'p99Ratio'; atLeast?: number; atMost?: number }[][] = [
  [
    { target: 'native put, 64 clients: ≥ 3× writes/s', load: 'native-put-64', ratio: 'throughputRatio', atLeast: 3 },
    { target: 'and p99 ≤ 0.5× etcd', load: 'native-put-64', ratio: 'p99Ratio', atMost: 0.5 },
  ],
  [
    { target: 'native put, 256 clients: ≥ 3× writes/s', load: 'native-put-256', ratio: 'throughputRatio', atLeast: 3 },
    { target: 'and p99 ≤ etcd', load: 'native-put-256', ratio: 'p99Ratio', atMost: 1 },
  ],
  [{ target: 'native put, 1 client: p50 ≤ 0.8× etcd', load: 'native-put-1', ratio: 'p50Ratio', atMost: 0.8 }],
  [{ target: 'HTTP put, 1 client: ≥ 1× writes/s', load: 'http-put-1', ratio: 'throughputRatio', atLeast: 1 }],
  [{ target: 'HTTP put, 64 clients: ≥ 2× writes/s', load: 'http-put-64', ratio: 'throughputRatio', atLeast: 2 }],
  [{ target: 'native get, 64 clients: ≥ 4× reads/s', load: 'native-get-64', ratio: 'throughputRatio', atLeast: 4 }],
  [{ target: 'HTTP get, 64 clients: ≥ 4× reads/s', load: 'http-get-64', ratio: 'throughputRatio', atLeast: 4 }],
];

/**
 * checkTargets answers each target (a target with two conditions is met only when both are). A
 * load that was not run, or has no successful samples, leaves its target "not measured"; errors
 * are named next to the figures.
 */
export function checkTargets(summaries: readonly LoadSummary[]): TargetCheck[] {
  return TARGETS.map((conditions) => {
    const target = conditions.map((condition) => condition.target).join(' ');
    const parts: string[] = [];
    let met = true;
    for (const condition of conditions) {
      const summary = summaries.find((each) => each.load.name === condition.load);
      if (summary === undefined || !Number.isFinite(summary[condition.ratio]) || summary[condition.ratio] === 0) {
        return { target, measured: summary === undefined ? 'load not run' : 'no samples', verdict: 'not measured' };
      }
      const value = summary[condition.ratio];
      const errors = summary.etcd.errors + summary.raftkit.errors;
      parts.push(`${condition.ratio === 'throughputRatio' ? 'ops/s' : condition.ratio === 'p50Ratio' ? 'p50' : 'p99'} ${round(value, 2)}×${errors > 0 ? ` (${errors} errors)` : ''}`);
      if ((condition.atLeast !== undefined && value < condition.atLeast) || (condition.atMost !== undefined && value > condition.atMost)) met = false;
    }
    return { target, measured: parts.join(', '), verdict: met ? 'met' : 'not met' };
  });
}
