/**
 * The cluster benchmark's knobs, with environment overrides for a quicker or a longer run.
 */
import type { NodeFlags } from '@raftkit/node/testing';
import { positiveNumber } from '../env-number.js';

/** ClusterBenchSettings is everything the phases need to know. */
export interface ClusterBenchSettings {
  /** Measured time of one load row (RAFTKIT_BENCH_ROW_MS). */
  readonly rowMs: number;
  /** Unmeasured warm-up before each row: connections, leader redirects, client sessions. */
  readonly warmupMs: number;
  /** Concurrent clients per row. */
  readonly levels: readonly number[];
  /** Keys the load rows write and read (written once before the first row). */
  readonly keyCount: number;
  readonly valueBytes: number;
  readonly failoverRepetitions: number;
  /** State written before the snapshot install (RAFTKIT_BENCH_SNAPSHOT_MB). */
  readonly snapshotStateBytes: number;
  readonly snapshotValueBytes: number;
  /**
   * Flags of every node. The timing flags are the node's defaults, spelled out so the result file
   * says what was measured: 100 ms ticks, elections after 10–20 ticks (1–2 s), heartbeats every tick.
   * Logs at warn: info-level lines on stdout would cost the nodes CPU the benchmark is measuring.
   */
  readonly nodeFlags: NodeFlags;
}

/** settingsFromEnvironment returns the defaults with RAFTKIT_BENCH_* overrides applied. */
export function settingsFromEnvironment(): ClusterBenchSettings {
  return {
    rowMs: positiveNumber('RAFTKIT_BENCH_ROW_MS', 5000),
    warmupMs: 500,
    levels: [1, 16, 64],
    keyCount: 256,
    valueBytes: 100,
    failoverRepetitions: 3,
    snapshotStateBytes: Math.round(positiveNumber('RAFTKIT_BENCH_SNAPSHOT_MB', 100) * 1024 * 1024),
    snapshotValueBytes: 64 * 1024,
    nodeFlags: { 'tick-ms': '100', 'election-ticks': '10', 'heartbeat-ticks': '1', 'log-level': 'warn' },
  };
}
