/**
 * Fault schedules: random crashes, restarts, partitions (symmetric and one-way), heals and link
 * changes, fired on the simulation's clock while the workload runs. The default profile is
 * deliberately aggressive, biased toward the leader, because the bugs worth finding need leaders
 * to die with uncommitted entries (Figure 8), disks to lose unacknowledged writes, and candidates
 * to collide.
 */
import type { NodeId } from '@raftkit/core';
import type { SimRandom } from './random.js';
import type { LinkFaults } from './sim-network.js';
import type { Simulation } from './simulation.js';

/** FaultWeights: relative frequency of each kind of fault event. */
export interface FaultWeights {
  /** Crash a running node. */
  readonly crash: number;
  /** Restart a crashed node. */
  readonly restart: number;
  /** Split the nodes into two random groups that cannot talk. */
  readonly partition: number;
  /** Cut one node (often the leader) off from all others. */
  readonly isolate: number;
  /** Cut one random link in one direction. */
  readonly oneWay: number;
  /** Restore every link. */
  readonly heal: number;
  /** Give every link new random delay, loss and duplication. */
  readonly links: number;
}

/** FaultProfile describes how a fault schedule behaves. */
export interface FaultProfile {
  /** A name for traces and summaries. */
  readonly name: string;
  /** Virtual ms between two fault events, drawn uniformly in [min, max]. */
  readonly intervalMs: readonly [number, number];
  readonly weights: FaultWeights;
  /** Probability that a crash or isolation targets the current leader. */
  readonly leaderBias: number;
  /** Bounds for 'links' events: each link gets a delay up to maxDelayMs, loss and duplication up to these. */
  readonly maxDelayMs: number;
  readonly maxLoss: number;
  readonly maxDuplicate: number;
  /**
   * Probability that a newly elected leader crashes, or is isolated, within `leaderFaultDelayMs`
   * (drawn in [0, max]) of its election: leaders cut off with entries not yet replicated make
   * the Figure 8 shapes an unsafe commit rule needs. Half the time it is a crash.
   */
  readonly leaderFaultChance: number;
  readonly leaderFaultDelayMs: number;
}

/**
 * DEFAULT_FAULT_PROFILE: every kind of fault, one every 20–200 ms, half the crashes and isolations
 * aimed at the leader, and one new leader in five cut off within 40 ms of its election.
 */
export const DEFAULT_FAULT_PROFILE: FaultProfile = {
  name: 'default',
  intervalMs: [20, 200],
  weights: { crash: 3, restart: 4, partition: 2, isolate: 2, oneWay: 1, heal: 3, links: 2 },
  leaderBias: 0.5,
  maxDelayMs: 20,
  maxLoss: 0.2,
  maxDuplicate: 0.1,
  leaderFaultChance: 0.2,
  leaderFaultDelayMs: 40,
};

/**
 * LEADER_CHURN_FAULT_PROFILE: most new leaders are crashed or isolated within 20 ms of their
 * election, and crashed or cut-off nodes come back quickly. Logs diverge into uncommitted tails
 * of many terms, the shapes of the paper's Figure 8, which an unsafe commit rule needs.
 */
export const LEADER_CHURN_FAULT_PROFILE: FaultProfile = {
  name: 'leader-churn',
  intervalMs: [10, 100],
  weights: { crash: 1, restart: 6, partition: 1, isolate: 1, oneWay: 0, heal: 4, links: 0 },
  leaderBias: 0.5,
  maxDelayMs: 20,
  maxLoss: 0.2,
  maxDuplicate: 0.1,
  leaderFaultChance: 0.8,
  leaderFaultDelayMs: 20,
};

/** FaultCounts counts what a schedule did. */
export interface FaultCounts {
  crashes: number;
  /** Crashes or isolations of a just-elected leader (also counted in `crashes` / `isolations`). */
  leaderFaults: number;
  restarts: number;
  partitions: number;
  isolations: number;
  oneWayCuts: number;
  heals: number;
  linkChanges: number;
}

/** FaultSchedule is a running schedule. */
export interface FaultSchedule {
  readonly counts: Readonly<FaultCounts>;
  /** stop cancels the next event; faults already made stay until healed. */
  stop(): void;
}

/** startFaults fires random fault events on `simulation` until stopped. */
export function startFaults<Command, Query, Result, QueryResult>(simulation: Simulation<Command, Query, Result, QueryResult>, profile: FaultProfile, random: SimRandom): FaultSchedule {
  const counts: FaultCounts = { crashes: 0, leaderFaults: 0, restarts: 0, partitions: 0, isolations: 0, oneWayCuts: 0, heals: 0, linkChanges: 0 };
  let cancel: (() => void) | undefined;
  let stopped = false;

  const target = (candidates: readonly NodeId[]): NodeId => {
    const leader = simulation.leader();
    if (leader !== undefined && candidates.includes(leader) && random.chance(profile.leaderBias)) return leader;
    return random.pick(candidates);
  };

  const fire = (): void => {
    const up = simulation.upNodes();
    const down = simulation.ids.filter((id) => !up.includes(id));
    const weights = { ...profile.weights };
    if (up.length === 0) weights.crash = 0;
    if (down.length === 0) weights.restart = 0;
    if (Object.values(weights).every((weight) => weight <= 0)) return;
    switch (random.weighted(weights)) {
      case 'crash':
        counts.crashes++;
        simulation.crash(target(up));
        return;
      case 'restart':
        counts.restarts++;
        void simulation.restart(random.pick(down));
        return;
      case 'partition': {
        counts.partitions++;
        const shuffled = random.shuffled(simulation.ids);
        const size = random.int(1, Math.max(1, shuffled.length - 1));
        simulation.partition(shuffled.slice(0, size), shuffled.slice(size));
        return;
      }
      case 'isolate':
        counts.isolations++;
        simulation.isolate(target(simulation.ids));
        return;
      case 'oneWay': {
        counts.oneWayCuts++;
        const from = random.pick(simulation.ids);
        const to = random.pick(simulation.ids.filter((id) => id !== from));
        simulation.cutOneWay(from, to);
        return;
      }
      case 'heal':
        counts.heals++;
        simulation.heal();
        return;
      case 'links':
        counts.linkChanges++;
        for (const from of simulation.ids) {
          for (const to of simulation.ids) if (from !== to) simulation.setLink(from, to, randomLink(random, profile));
        }
        return;
    }
  };

  const faultLeader = (id: NodeId, term: number): void => {
    if (stopped || !random.chance(profile.leaderFaultChance)) return;
    const crash = random.chance(0.5);
    simulation.schedule(random.int(0, profile.leaderFaultDelayMs), () => {
      if (stopped || !simulation.isUp(id) || simulation.status(id).term !== term) return;
      counts.leaderFaults++;
      if (crash) {
        counts.crashes++;
        simulation.crash(id);
      } else {
        counts.isolations++;
        simulation.isolate(id);
      }
    });
  };
  const unsubscribe = simulation.onRoleChanged((id, event) => {
    if (event.role === 'leader') faultLeader(id, event.term);
  });

  const scheduleNext = (): void => {
    if (stopped) return;
    cancel = simulation.schedule(random.int(profile.intervalMs[0], profile.intervalMs[1]), () => {
      fire();
      scheduleNext();
    });
  };
  scheduleNext();

  return {
    counts,
    stop() {
      stopped = true;
      cancel?.();
      unsubscribe();
    },
  };
}

/** randomLink draws one link's behaviour within the profile's bounds. */
export function randomLink(random: SimRandom, profile: FaultProfile): LinkFaults {
  const maxDelayMs = random.int(1, profile.maxDelayMs);
  return {
    minDelayMs: random.int(1, maxDelayMs),
    maxDelayMs,
    loss: random.chance(0.5) ? 0 : Math.round(random.next() * profile.maxLoss * 100) / 100,
    duplicate: random.chance(0.5) ? 0 : Math.round(random.next() * profile.maxDuplicate * 100) / 100,
  };
}
