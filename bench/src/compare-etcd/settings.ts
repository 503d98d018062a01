/**
 * The etcd comparison's knobs, with environment overrides for a quicker run
 * (`RAFTKIT_BENCH_COMPARE_MS=2000 RAFTKIT_BENCH_COMPARE_REPEATS=1`).
 */
import type { NodeFlags } from '@raftkit/node/testing';
import { LOADS, type Load } from './loads.js';

/** CompareSettings is everything a comparison run needs to know. */
export interface CompareSettings {
  /** Measured time of one load run (RAFTKIT_BENCH_COMPARE_MS, default 8,000). */
  readonly runMs: number;
  /** Unmeasured warm-up before each run: connections opening, client sessions, leader lookups. */
  readonly warmupMs: number;
  /** Pairs per load, each etcd then raftkit (RAFTKIT_BENCH_COMPARE_REPEATS, default 2). */
  readonly repeats: number;
  /** The loads to run (RAFTKIT_BENCH_COMPARE_LOADS, comma-separated names; default all). */
  readonly loads: readonly Load[];
  /** Keys the loads write and read (written once on both systems before the first run). */
  readonly keyCount: number;
  readonly valueBytes: number;
  /** Free text about the machine's state saved with the results (RAFTKIT_BENCH_NOTE). */
  readonly note: string | undefined;
  /** raftkit's flags: the node defaults written out, logs at warn (as etcd's). */
  readonly nodeFlags: NodeFlags;
}

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${text}`);
  return value;
}

function selectedLoads(): readonly Load[] {
  const text = process.env.RAFTKIT_BENCH_COMPARE_LOADS;
  if (text === undefined || text.trim() === '') return LOADS;
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !LOADS.some((load) => load.name === name));
  if (unknown.length > 0) throw new RangeError(`RAFTKIT_BENCH_COMPARE_LOADS: unknown ${unknown.join(', ')}; known: ${LOADS.map((load) => load.name).join(', ')}`);
  return LOADS.filter((load) => names.includes(load.name));
}

/** compareSettingsFromEnvironment returns the defaults with RAFTKIT_BENCH_COMPARE_* overrides applied. */
export function compareSettingsFromEnvironment(): CompareSettings {
  return {
    runMs: positiveInteger('RAFTKIT_BENCH_COMPARE_MS', 8000),
    warmupMs: 1000,
    repeats: positiveInteger('RAFTKIT_BENCH_COMPARE_REPEATS', 2),
    loads: selectedLoads(),
    keyCount: 256,
    valueBytes: 100,
    note: process.env.RAFTKIT_BENCH_NOTE || undefined,
    nodeFlags: { 'tick-ms': '100', 'election-ticks': '10', 'heartbeat-ticks': '1', 'log-level': 'warn' },
  };
}
