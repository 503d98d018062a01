/**
 * One soak phase: `clients` closed-loop writers of `valueBytes`-byte PUTs over `keyCount` keys for
 * the whole duration (the shared load generator, one native client per writer), and beside them a
 * sample of every member's memory each `sampleMs`, with the writes acknowledged in that window.
 */
import { randomBytes } from 'node:crypto';
import { sleep } from '@raftkit/node/testing';
import type { Driver } from '../compare-etcd/drivers.js';
import { compareKey } from '../compare-etcd/loads.js';
import { runLoad, type LoadResult } from '../load/index.js';
import type { ClusterProbe, ClusterSample } from './memory-probes.js';
import type { SoakSettings } from './settings.js';

/** SeriesPoint is one sample: the members' memory and the write rate since the previous sample. */
export interface SeriesPoint extends ClusterSample {
  /** Seconds since the load started (0: just before it). */
  readonly atSeconds: number;
  /** Writes acknowledged per second since the previous sample; undefined for the first. */
  readonly writesPerSecond: number | undefined;
}

/** PhaseRun is what one phase measured. */
export interface PhaseRun {
  readonly series: readonly SeriesPoint[];
  /** The whole run's load figures (writes/s, latency, errors by kind). */
  readonly load: LoadResult;
}

const mib = (bytes: number | undefined): string => (bytes === undefined ? '?' : (bytes / 2 ** 20).toFixed(0));

/** runSoakPhase loads the cluster behind `driver` for the settings' duration while `probe` samples it. */
export async function runSoakPhase(settings: SoakSettings, driver: Driver, probe: ClusterProbe): Promise<PhaseRun> {
  const value = randomBytes(settings.valueBytes);
  let written = 0;
  const series: SeriesPoint[] = [{ atSeconds: 0, writesPerSecond: undefined, ...(await probe.sample()) }];
  const start = performance.now();
  const loading = runLoad({
    workers: settings.clients,
    durationMs: settings.durationMs,
    operation: async ({ worker, sequence }) => {
      await driver.put(worker, compareKey(settings.keyCount, worker, sequence), value);
      written++;
    },
  });
  // A load that throws (it should not: failures are counted) ends the sampling too.
  let failed = false;
  loading.catch(() => (failed = true));
  let previous = { at: start, written: 0 };
  // Every sampleMs, and once more at the end when the duration is not a multiple of it.
  const offsets: number[] = [];
  for (let offset = settings.sampleMs; offset <= settings.durationMs; offset += settings.sampleMs) offsets.push(offset);
  if (offsets.at(-1) !== settings.durationMs) offsets.push(settings.durationMs);
  for (const offset of offsets) {
    if (failed) break;
    await sleep(Math.max(0, start + offset - performance.now()));
    const at = performance.now();
    const count = written;
    const point: SeriesPoint = { atSeconds: Number(((at - start) / 1000).toFixed(1)), writesPerSecond: (count - previous.written) / ((at - previous.at) / 1000), ...(await probe.sample()) };
    previous = { at, written: count };
    series.push(point);
    const rss = probe.members.map((member) => `${member} ${mib(point.members[member]?.rssBytes)}`).join(', ');
    const snapshot = point.leaderSnapshotIndex === undefined ? '' : `, leader snapshot ${point.leaderSnapshotIndex}`;
    console.log(`  ${point.atSeconds.toFixed(0).padStart(4)} s: ${Math.round(point.writesPerSecond!)} writes/s${snapshot}, RSS MiB ${rss}`);
  }
  return { series, load: await loading };
}
