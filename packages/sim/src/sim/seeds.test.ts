/**
 * The randomized run: SIM_SEEDS seeds (default 1,000) of the KV workload, each mixing crashes,
 * restarts, partitions (symmetric and one-way), lossy and duplicating links, slow disks,
 * proposals and reads, with a protocol variant and cluster size drawn from the seed: half the
 * seeds snapshot every 4–20 entries and stream InstallSnapshot in chunks down to 16 bytes, three
 * in four run an in-flight window of 1, 2 or 4 messages, and half of those with check-quorum serve
 * lease reads; most gets are `RaftNode.read` calls on leaders and followers. Every
 * invariant is checked after every step, liveness after the faults end, linearizability at the
 * end. A failure prints each failing seed's violation (message starts with `seed N:`); replay one
 * with `runKvScenario(N, { recordTrace: true })`.
 *
 * SIM_SEEDS=10000 npx vitest run src/sim/seeds.test.ts   # more seeds, locally
 * SIM_FIRST_SEED=5000 SIM_SEEDS=100 ...                   # another range
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runKvScenario } from './kv-scenario.js';
import { SimulationViolation } from './violation.js';

function count(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return value;
}

const FIRST = count('SIM_FIRST_SEED', 0);
const SEEDS = count('SIM_SEEDS', 1000);
const CHUNK = 100;
const totals = { seeds: 0, operations: 0, unknown: 0, reads: 0, committed: 0, crashes: 0, partitions: 0, snapshotting: 0, streamed: 0, smallWindow: 0, lease: 0, virtualMs: 0, wallMs: 0 };

describe(`${SEEDS} random seeds from ${FIRST}`, () => {
  for (let start = FIRST; start < FIRST + SEEDS; start += CHUNK) {
    const end = Math.min(FIRST + SEEDS, start + CHUNK);
    it(`seeds ${start}–${end - 1}: safety after every step, liveness after faults, linearizable histories`, async () => {
      const began = performance.now();
      const failures: string[] = [];
      const chunk = { streamed: 0, smallWindow: 0, readsServed: 0 };
      for (let seed = start; seed < end; seed++) {
        try {
          const summary = await runKvScenario(seed);
          totals.seeds++;
          totals.reads += summary.reads;
          if (summary.runtime.snapshot !== undefined) totals.snapshotting++;
          if (summary.snapshotChunks > 0) {
            totals.streamed++;
            chunk.streamed++;
          }
          if ((summary.config.maxInflightMessages ?? 256) <= 4) {
            totals.smallWindow++;
            chunk.smallWindow++;
          }
          if (summary.runtime.leaseReads === true) totals.lease++;
          if (summary.reads > 0) chunk.readsServed++;
          totals.operations += summary.operations.ok;
          totals.unknown += summary.operations.unknown;
          totals.committed += summary.committedIndex;
          totals.crashes += summary.faults?.crashes ?? 0;
          totals.partitions += (summary.faults?.partitions ?? 0) + (summary.faults?.isolations ?? 0) + (summary.faults?.oneWayCuts ?? 0);
          totals.virtualMs += summary.virtualMs;
        } catch (error) {
          if (!(error instanceof SimulationViolation)) throw error;
          failures.push(error.message);
        }
      }
      totals.wallMs += performance.now() - began;
      expect(failures).toEqual([]);
      // The variants are exercised, not just configured: snapshots were streamed to lagging
      // nodes, small windows ran, and linearizable reads were answered.
      const seeds = end - start;
      expect(chunk.streamed).toBeGreaterThanOrEqual(Math.floor(seeds / 10));
      expect(chunk.smallWindow).toBeGreaterThanOrEqual(Math.floor(seeds / 2));
      expect(chunk.readsServed).toBeGreaterThanOrEqual(Math.floor((seeds * 9) / 10));
    }, 300_000);
  }

  afterAll(() => {
    const perSeed = (value: number) => (totals.seeds === 0 ? 0 : Math.round(value / totals.seeds));
    console.log(
      `${totals.seeds} seeds passed in ${(totals.wallMs / 1000).toFixed(1)} s: per seed ${perSeed(totals.virtualMs)} virtual ms, ` +
        `${perSeed(totals.operations)} answered (${perSeed(totals.reads)} by read()) and ${perSeed(totals.unknown)} unknown operations, commit index ${perSeed(totals.committed)}, ` +
        `${perSeed(totals.crashes)} crashes, ${perSeed(totals.partitions)} partitions; seeds snapshotting ${totals.snapshotting}, ` +
        `streaming InstallSnapshot ${totals.streamed}, with a window of 1–4 ${totals.smallWindow}, with lease reads ${totals.lease}`,
    );
  });
});
