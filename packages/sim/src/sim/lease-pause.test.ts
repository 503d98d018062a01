/**
 * Lease reads and a leader paused past its lease. Every node serves linearizable reads
 * (`RaftNode.read`) with lease reads on; again and again the leader, while its lease holds, is
 * paused (its process frozen: no ticks, no timers, messages and calls to it queued) for 1.5–4
 * election timeouts, sometimes cut off as well. The others elect a new leader, which acknowledges
 * writes the paused one never sees; probe reads are sent to the paused leader (they wait in its
 * queue) and again right after it resumes. The linearizability checker decides.
 *
 * With a monotonic clock the pause counts against the lease: on waking the lease has expired and
 * reads fall back to ReadIndex, so the history stays linearizable. With a clock that stops while
 * the process is paused (a deliberately broken lease: the bounded-drift assumption fails), the
 * woken leader still trusts its lease and answers from its stale state: the checker MUST report a
 * Linearizability violation, which is how this test shows the checker can see a broken lease.
 */
import type { NodeId } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import type { KvCommand } from '../kv/kv-model.js';
import { runKvScenario } from './kv-scenario.js';
import { probeReads, type KvSimulation } from './probe-reads.js';
import { deriveRandom } from './random.js';
import type { ScenarioSummary } from './scenario.js';
import { SimulationViolation } from './violation.js';

const SEEDS = 60;
const KEYS = 3;

interface PauseStats {
  pauses: number;
  /** Pauses after which the woken leader's lease had expired (it must, with a monotonic clock). */
  expiredOnWake: number;
  /** Pauses during which another node was elected and acknowledged writes. */
  overtaken: number;
  /** Probe reads the woken leader answered. */
  probesAnswered: number;
}

/** probe reads every key on `id`, each read its own client, all at once. */
function probe(sim: KvSimulation, id: NodeId, label: string, stats: PauseStats): void {
  probeReads(sim, id, label, KEYS, () => stats.probesAnswered++);
}

/** pauseLeaders pauses the leader while its lease holds, every 100–300 ms; the last pause starts before `until`. */
function pauseLeaders(sim: KvSimulation, seed: number, until: number, freezeTime: boolean, stats: PauseStats): void {
  const random = deriveRandom(seed, 'pauses');
  const { tickMs } = sim.nodeConfig;
  let writes = 0;
  void (async () => {
    while (sim.now() < until) {
      await sim.sleep(random.int(100, 300));
      const leader = sim.stableLeader();
      if (sim.now() >= until || leader === undefined || sim.status(leader).leaseRemainingMs <= 0) continue;
      const term = sim.status(leader).term;
      const isolated = random.chance(0.5);
      const pauseMs = random.int(15, 40) * tickMs;
      const resumeAt = sim.now() + pauseMs;
      sim.pause(leader, { freezeTime });
      if (isolated) sim.isolate(leader);
      stats.pauses++;
      probe(sim, leader, `early${stats.pauses}`, stats);
      // Another leader takes over and acknowledges a write to every key.
      let overtaken = false;
      while (sim.now() < resumeAt) {
        const other = sim.leader();
        if (!overtaken && other !== undefined && other !== leader && sim.status(other).term > term) {
          for (let key = 0; key < KEYS; key++) {
            const outcome = await sim.invoke('pause-writer', other, { type: 'put', key: `k${key}`, value: `pause-writer.${++writes}` });
            if (outcome.status !== 'ok') break;
            if (key === KEYS - 1) overtaken = true;
          }
        }
        await sim.sleep(Math.max(1, Math.min(tickMs, resumeAt - sim.now())));
      }
      if (overtaken) stats.overtaken++;
      // Its lease, measured on its own clock, at the moment it wakes.
      if (sim.status(leader).leaseRemainingMs === 0) stats.expiredOnWake++;
      sim.resume(leader);
      probe(sim, leader, `late${stats.pauses}`, stats);
      if (isolated) {
        await sim.sleep(random.int(20, 200));
        sim.heal();
      }
    }
  })().catch(() => {
    // A violation is thrown again by the simulation's next step.
  });
}

async function runLeasePause(seed: number, freezeTime: boolean): Promise<{ summary: ScenarioSummary; stats: PauseStats }> {
  const stats: PauseStats = { pauses: 0, expiredOnWake: 0, overtaken: 0, probesAnswered: 0 };
  const summary = await runKvScenario(seed, {
    keys: KEYS,
    faults: false,
    config: { checkQuorum: true },
    nodeOptions: { leaseReads: true },
    // Pauses (at most 400 ms) and cuts (at most 200 ms more) are over before the 2000 ms of chaos end.
    onStart: (started) => pauseLeaders(started as unknown as KvSimulation, seed, 1400, freezeTime, stats),
  });
  return { summary, stats };
}

describe('lease reads with a leader paused past its lease', () => {
  it(`${SEEDS} seeds: reads on leaders and followers, across leader changes and leaders waking from a pause, are linearizable`, async () => {
    const totals: PauseStats = { pauses: 0, expiredOnWake: 0, overtaken: 0, probesAnswered: 0 };
    let reads = 0;
    const failures: string[] = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      try {
        const { summary, stats } = await runLeasePause(seed, false);
        for (const key of Object.keys(totals) as (keyof PauseStats)[]) totals[key] += stats[key];
        reads += summary.reads;
      } catch (error) {
        if (!(error instanceof SimulationViolation)) throw error;
        failures.push(error.message);
      }
    }
    expect(failures).toEqual([]);
    console.log(`lease pauses: ${JSON.stringify(totals)}, ${reads} reads answered by read()`);
    // Pauses happened, each outlived the lease (a monotonic clock saw it expire), most were
    // overtaken by a new leader's acknowledged writes, and the woken leaders answered reads.
    expect(totals.pauses).toBeGreaterThanOrEqual(SEEDS * 2);
    expect(totals.expiredOnWake).toBe(totals.pauses);
    expect(totals.overtaken).toBeGreaterThanOrEqual(totals.pauses / 2);
    expect(totals.probesAnswered).toBeGreaterThan(totals.pauses);
    expect(reads).toBeGreaterThanOrEqual(SEEDS * 5);
  }, 300_000);

  it('with a clock that stops during the pause, the woken leader serves stale lease reads and the checker reports a Linearizability violation', async () => {
    let found: SimulationViolation | undefined;
    let seed = 0;
    for (; seed < 20 && found === undefined; seed++) {
      try {
        await runLeasePause(seed, true);
      } catch (error) {
        if (!(error instanceof SimulationViolation)) throw error;
        found = error;
      }
    }
    expect(found, 'no seed caught the broken lease').toBeDefined();
    console.log(`broken lease: seed ${found!.seed} fails with ${found!.invariant}: ${found!.detail.split('\n').slice(0, 2).join(' ')}`);
    expect(found!.invariant).toBe('Linearizability');
    expect(found!.detail).toMatch(/^Not linearizable on key "k\d"/);
    // The impossible answer is a probe read answered by a woken leader.
    expect(found!.detail).toMatch(/client (early|late)\d+-k\d .*<- impossible answer/);
    // The same seed with a monotonic clock passes: the failure is the broken lease's.
    await expect(runLeasePause(found!.seed, false)).resolves.toMatchObject({ summary: { seed: found!.seed } });
  }, 60_000);
});
