/**
 * The soak's knobs, with environment overrides: RAFTKIT_SOAK_MINUTES (default 10) for a shorter
 * try, RAFTKIT_SOAK_ETCD=0 to skip the etcd phase.
 */
import type { NodeFlags } from '@raftkit/node/testing';
import { positiveNumber } from '../env-number.js';

/** SoakSettings is everything a soak run needs to know. */
export interface SoakSettings {
  /** How long each system is loaded (RAFTKIT_SOAK_MINUTES × 60 s). */
  readonly durationMs: number;
  /** Time between memory samples. */
  readonly sampleMs: number;
  /** Concurrent closed-loop writers, each its own native client. */
  readonly clients: number;
  /** Keys the writers spread over: the state machine stays this size however long the run. */
  readonly keyCount: number;
  readonly valueBytes: number;
  /** Whether the same soak runs against a 3-member etcd after raftkit's (RAFTKIT_SOAK_ETCD, default on). */
  readonly etcd: boolean;
  /** Issue 13's etcd figure under the same load, in MiB: 121–163. */
  readonly etcdFigureMiB: readonly [number, number];
  /** Free text about the machine's state saved with the results (RAFTKIT_BENCH_NOTE). */
  readonly note: string | undefined;
  /**
   * raftkit's flags: the node defaults written out (snapshots every 10,000 applied entries, 1,000
   * kept behind), logs at warn as etcd's.
   */
  readonly nodeFlags: NodeFlags;
}

/** soakSettingsFromEnvironment returns the defaults with the RAFTKIT_SOAK_* overrides applied. */
export function soakSettingsFromEnvironment(): SoakSettings {
  const etcd = process.env.RAFTKIT_SOAK_ETCD;
  if (etcd !== undefined && etcd !== '' && etcd !== '0' && etcd !== '1') throw new RangeError(`RAFTKIT_SOAK_ETCD must be 0 or 1, got ${etcd}`);
  return {
    durationMs: Math.round(positiveNumber('RAFTKIT_SOAK_MINUTES', 10) * 60_000),
    sampleMs: 10_000,
    clients: 64,
    keyCount: 10_000,
    valueBytes: 100,
    etcd: etcd !== '0',
    etcdFigureMiB: [121, 163],
    note: process.env.RAFTKIT_BENCH_NOTE || undefined,
    nodeFlags: { 'tick-ms': '100', 'election-ticks': '10', 'heartbeat-ticks': '1', 'snapshot-entries': '10000', 'snapshot-trailing': '1000', 'log-level': 'warn' },
  };
}
