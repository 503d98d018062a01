/**
 * Leadership transfer under partitions: an operator hands leadership to a random voter (or lets
 * the leader choose) every few dozen ms while links flap (partitions, isolations, one-way cuts,
 * heals, lossy links) and clients write and read, with lease reads on in some seeds. Every
 * invariant is checked after every step (Election Safety among them); each transfer that reports
 * success must name the leader actually elected in that term; no acknowledged write may be lost
 * (the history must be linearizable, and every node ends with the leader's state).
 */
import { RaftError, type NodeId } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { checkConvergence } from './convergence.js';
import type { FaultProfile } from './faults.js';
import { runKvScenario } from './kv-scenario.js';
import { deriveRandom } from './random.js';
import type { Simulation } from './simulation.js';
import { SimulationViolation } from './violation.js';

const SEEDS = 100;
const CHUNK = 50;

/** FLAPPING_LINKS: partitions, isolations (often of the leader) and one-way cuts, healed as often; no crashes. */
const FLAPPING_LINKS: FaultProfile = {
  name: 'flapping-links',
  intervalMs: [20, 120],
  weights: { crash: 0, restart: 0, partition: 2, isolate: 2, oneWay: 2, heal: 4, links: 1 },
  leaderBias: 0.5,
  maxDelayMs: 15,
  maxLoss: 0.1,
  maxDuplicate: 0.05,
  leaderFaultChance: 0,
  leaderFaultDelayMs: 0,
};

interface TransferCounts {
  requested: number;
  /** Resolved with the requested target (or any voter when none was named) leading. */
  toTarget: number;
  /** Resolved, but an election in between gave leadership to another node. */
  toOther: number;
  refused: number;
}

/** startTransfers asks the leader to hand over every 30–150 ms until `until` (virtual ms). */
function startTransfers(sim: Simulation<unknown, unknown, unknown>, seed: number, until: number, counts: TransferCounts): void {
  const random = deriveRandom(seed, 'transfers');
  const elected = new Map<number, NodeId>();
  sim.onRoleChanged((id, event) => {
    if (event.role === 'leader') elected.set(event.term, id);
  });
  void (async () => {
    while (sim.now() < until) {
      await sim.sleep(random.int(30, 150));
      const leader = sim.leader();
      if (leader === undefined) continue;
      const voters = sim.status(leader).config.voters.filter((id) => id !== leader);
      const target = random.chance(0.2) ? undefined : random.pick(voters);
      counts.requested++;
      sim.record(`operator transfer ${leader} -> ${target ?? 'any'}`);
      try {
        const result = await sim.node(leader).transferLeadership(target);
        // The new leader named must be the one elected in that term: anything else would mean
        // two leaders in one term, or a transfer reporting a leader that never was.
        if (elected.get(result.term) !== result.leader) {
          sim.fail('Election Safety', `transfer from ${leader} reported ${result.leader} leading term ${result.term}, but ${elected.get(result.term) ?? 'nobody'} was elected in it`);
        }
        if (target === undefined || result.leader === target) counts.toTarget++;
        else counts.toOther++;
      } catch (error) {
        if (!(error instanceof RaftError)) throw error;
        counts.refused++;
      }
    }
  })().catch(() => {
    // A violation is thrown again by the simulation's next step.
  });
}

describe('leadership transfer while links flap', () => {
  const totals: TransferCounts = { requested: 0, toTarget: 0, toOther: 0, refused: 0 };
  let leaseSeeds = 0;

  for (let start = 0; start < SEEDS; start += CHUNK) {
    it(`seeds ${start}–${start + CHUNK - 1}: transfers to random targets under partitions keep Election Safety and lose no acknowledged write`, async () => {
      const failures: string[] = [];
      for (let seed = start; seed < start + CHUNK; seed++) {
        let simulation: Simulation<unknown, unknown, unknown> | undefined;
        try {
          const summary = await runKvScenario(seed, {
            faults: FLAPPING_LINKS,
            onStart: (started) => {
              simulation = started as unknown as Simulation<unknown, unknown, unknown>;
              startTransfers(simulation, seed, 2000, totals);
            },
          });
          if (summary.runtime.leaseReads === true) leaseSeeds++;
          await checkConvergence(simulation!);
        } catch (error) {
          if (!(error instanceof SimulationViolation)) throw error;
          failures.push(error.message);
        }
      }
      expect(failures).toEqual([]);
    }, 300_000);
  }

  it('many transfers reached their target, some were overtaken by elections or refused, and lease reads ran in some seeds', () => {
    console.log(`transfers: ${JSON.stringify(totals)}, lease seeds ${leaseSeeds}`);
    expect(totals.requested).toBeGreaterThanOrEqual(SEEDS * 5);
    expect(totals.toTarget).toBeGreaterThanOrEqual(SEEDS * 3);
    expect(totals.refused).toBeGreaterThan(0);
    expect(totals.toTarget + totals.toOther + totals.refused).toBeLessThanOrEqual(totals.requested);
    expect(leaseSeeds).toBeGreaterThanOrEqual(SEEDS / 10);
  });
});
