/**
 * Snapshot installation under loss and crashes. In each seed one node (any node, the leader too)
 * is kept away while the others write, snapshot and compact past it at least three times: crashed
 * (down), isolated (running, cut off) or paused (its process frozen, messages queued for it). It
 * then comes back to a cluster whose logs no longer hold what it lacks, so it can only catch up by
 * a chunked InstallSnapshot, over links that lose, duplicate and reorder chunks; half the time it
 * crashes again in the middle of that and restarts. Every invariant is checked after every step;
 * at the end its disk must hold a snapshot past everything it had, its state must equal the
 * leader's (Convergence), and the KV history must be linearizable.
 */
import type { NodeId } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { checkConvergence } from './convergence.js';
import type { FaultProfile } from './faults.js';
import { runKvScenario } from './kv-scenario.js';
import { deriveRandom } from './random.js';
import type { Simulation } from './simulation.js';
import { SimulationViolation } from './violation.js';

const SEEDS = 90;
const CHUNK = 30;
/** How long the others have to snapshot three times past the absent node (virtual ms). */
const ABSENCE_MS = 5000;
const MODES = ['crash', 'isolate', 'pause'] as const;
type Mode = (typeof MODES)[number];

/** LOSSY_LINKS: every 50–200 ms each link gets a new delay (up to 20 ms), loss (up to 20%) and duplication (up to 10%). */
const LOSSY_LINKS: FaultProfile = {
  name: 'lossy-links',
  intervalMs: [50, 200],
  weights: { crash: 0, restart: 0, partition: 0, isolate: 0, oneWay: 0, heal: 0, links: 1 },
  leaderBias: 0,
  maxDelayMs: 20,
  maxLoss: 0.2,
  maxDuplicate: 0.1,
  leaderFaultChance: 0,
  leaderFaultDelayMs: 0,
};

interface Absence {
  laggard: NodeId;
  mode: Mode;
  /** Distinct snapshot indexes the others' disks went through while it was away. */
  snapshots: Set<number>;
  /** The last index the laggard held when it came back; undefined until then. */
  heldWhenBack: number | undefined;
  crashedDuringCatchUp: boolean;
}

/** firstAvailable is the first index `id` could still send from its log (disk and memory). */
function firstAvailable(sim: Simulation<unknown, unknown, unknown>, id: NodeId): number {
  const disk = sim.disk(id);
  const onDisk = disk.entries[0]?.index ?? disk.lastIndex() + 1;
  return sim.isUp(id) ? Math.min(onDisk, sim.status(id).firstIndex) : onDisk;
}

/** keepAway runs the laggard's absence, return, and maybe a crash while it catches up. */
async function keepAway(sim: Simulation<unknown, unknown, unknown>, seed: number, absence: Absence, snapshotEvery: number): Promise<void> {
  const random = deriveRandom(seed, 'laggard');
  const { laggard, mode } = absence;
  const others = sim.ids.filter((id) => id !== laggard);
  await sim.sleep(random.int(100, 300));
  if (mode === 'crash') sim.crash(laggard);
  else if (mode === 'isolate') sim.isolate(laggard);
  else sim.pause(laggard);
  const held = () => Math.max(sim.disk(laggard).lastIndex(), sim.isUp(laggard) ? sim.status(laggard).lastIndex : 0);
  // Now and then another node crashes for a while too (the leader included): snapshots are taken,
  // sent and restored across restarts.
  if (random.chance(0.5)) {
    const other = random.pick(others);
    sim.schedule(random.int(0, 300), () => {
      sim.crash(other);
      sim.schedule(random.int(50, 150), () => void sim.restart(other));
    });
  }
  const base = sim.disk(others[0]!).snapshotIndex();
  const passed = (): boolean => {
    for (const id of others) {
      const index = sim.disk(id).snapshotIndex();
      if (index > base) absence.snapshots.add(index);
    }
    // Three snapshots past it, and no log left anywhere that reaches back to what it holds.
    return absence.snapshots.size >= 3 && others.every((id) => firstAvailable(sim, id) > held() + 1) && Math.max(...absence.snapshots) >= held() + 3 * snapshotEvery;
  };
  // Polled on the virtual clock: the scenario drives the simulation, this script only reacts.
  // The window allows for an election storm over the lossy links while every client waits out
  // its 1 s timeout on the absent node (seed 56 does both, for about 2 s).
  const deadline = sim.now() + ABSENCE_MS;
  while (!passed() && sim.now() < deadline) await sim.sleep(sim.nodeConfig.tickMs);
  if (!passed()) sim.fail('Liveness', `the others did not snapshot three times past ${laggard} (${mode}) within ${ABSENCE_MS} ms: snapshots ${[...absence.snapshots].join(', ')}`);
  absence.heldWhenBack = held();
  if (mode === 'crash') await sim.restart(laggard);
  else if (mode === 'isolate') sim.heal();
  else sim.resume(laggard);
  if (random.chance(0.5)) {
    absence.crashedDuringCatchUp = true;
    await sim.sleep(random.int(0, 60));
    sim.crash(laggard);
    await sim.sleep(random.int(20, 100));
    await sim.restart(laggard);
  }
}

async function runCatchUp(seed: number): Promise<Absence> {
  const setup = deriveRandom(seed, 'catch-up');
  const nodes = setup.pick([3, 5]);
  const mode = MODES[seed % MODES.length]!;
  const entries = setup.int(4, 10);
  const absence: Absence = { laggard: `n${setup.int(1, nodes)}`, mode, snapshots: new Set(), heldWhenBack: undefined, crashedDuringCatchUp: false };
  let simulation: Simulation<unknown, unknown, unknown> | undefined;
  await runKvScenario(seed, {
    nodes,
    faults: LOSSY_LINKS,
    chaosMs: ABSENCE_MS + 500,
    nodeOptions: { snapshot: { entries, trailing: setup.int(0, 3), transfer: { chunkBytes: setup.pick([16, 64, 256]), timeoutMs: 200 } } },
    onStart: (started) => {
      simulation = started as unknown as Simulation<unknown, unknown, unknown>;
      void keepAway(simulation, seed, absence, entries).catch(() => {
        // A violation found while away is thrown again by the next step of the run.
      });
    },
  });
  const sim: Simulation<unknown, unknown, unknown> = simulation!;
  await checkConvergence(sim);
  const heldWhenBack = absence.heldWhenBack;
  if (heldWhenBack === undefined) sim.fail('Liveness', `${absence.laggard} never came back`);
  const snapshotIndex = sim.disk(absence.laggard).snapshotIndex();
  if (snapshotIndex <= heldWhenBack) {
    sim.fail('Convergence', `${absence.laggard} came back holding up to ${heldWhenBack} but its disk's snapshot is at ${snapshotIndex}: it did not install one`);
  }
  return absence;
}

describe('snapshot installation under loss and crashes', () => {
  const seen = { modes: new Set<Mode>(), crashedDuringCatchUp: 0, maxSnapshotsMissed: 0 };

  for (let start = 0; start < SEEDS; start += CHUNK) {
    it(`seeds ${start}–${start + CHUNK - 1}: a node kept away across ≥ 3 snapshots catches up by InstallSnapshot and ends with the leader's state`, async () => {
      const failures: string[] = [];
      for (let seed = start; seed < start + CHUNK; seed++) {
        try {
          const absence = await runCatchUp(seed);
          expect(absence.snapshots.size).toBeGreaterThanOrEqual(3);
          seen.modes.add(absence.mode);
          if (absence.crashedDuringCatchUp) seen.crashedDuringCatchUp++;
          seen.maxSnapshotsMissed = Math.max(seen.maxSnapshotsMissed, absence.snapshots.size);
        } catch (error) {
          if (!(error instanceof SimulationViolation)) throw error;
          failures.push(error.message);
        }
      }
      expect(failures).toEqual([]);
    }, 300_000);
  }

  it('covered every way of being away, and crashes in the middle of catching up', () => {
    expect([...seen.modes].sort()).toEqual(['crash', 'isolate', 'pause']);
    expect(seen.crashedDuringCatchUp).toBeGreaterThanOrEqual(SEEDS / 4);
    expect(seen.maxSnapshotsMissed).toBeGreaterThanOrEqual(4);
  });
});
