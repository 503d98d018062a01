/**
 * Membership churn: an operator that changes the cluster's configuration again and again while
 * clients write and read and faults strike, as people run `raftkit members add|remove`. Each
 * change goes to whichever node leads now (sim.leader()), one at a time:
 *
 * - add: `addLearner` a node outside the configuration (a node waiting empty, or one removed
 *   before, with its old log), wait for it to catch up with the leader's commit index, `promote`;
 * - addVoter: add a voter directly, caught up or not (single-server change);
 * - remove: a voter (the leader itself, often) or a learner;
 * - replace: swap one or two voters for other nodes at once: joint consensus (thesis §4.3);
 * - promote: a learner left behind by an add that did not finish.
 *
 * The voters stay between `minVoters` and `maxVoters`. Refusals (no leader, another change
 * pending, a leader not ready) and unknown outcomes are part of the game: the next change is
 * planned from whatever configuration the leader then reports.
 */
import { RaftError, type MembershipChange, type MembershipConfig, type NodeId } from '@raftkit/core';
import type { SimRandom } from './random.js';
import type { Simulation } from './simulation.js';

/** MembershipChurnOptions bounds the operator. */
export interface MembershipChurnOptions {
  /** Virtual ms between two changes, drawn in [min, max]. Default [20, 150]. */
  readonly intervalMs?: readonly [number, number];
  /** Default 3 and 5. */
  readonly minVoters?: number;
  readonly maxVoters?: number;
  /** Probability that a removal targets the leader. Default 0.4. */
  readonly leaderBias?: number;
  /** How long an added learner may take to catch up before it is promoted anyway. Default 300 ms. */
  readonly catchUpMs?: number;
}

/** MembershipChurnCounts counts the changes that completed (resolved), by kind, and the rest. */
export interface MembershipChurnCounts {
  learnersAdded: number;
  promoted: number;
  votersAdded: number;
  removed: number;
  leadersRemoved: number;
  /** Replacements of two or more voters: each went through a joint configuration. */
  jointReplaced: number;
  /** Learners that caught up with the leader's commit index before their promotion. */
  caughtUp: number;
  refused: number;
  unknown: number;
  /** Joint configurations seen on some leader (polled every tick). */
  jointSeen: number;
}

/** MembershipChurn is a running operator. */
export interface MembershipChurn {
  readonly counts: Readonly<MembershipChurnCounts>;
  /** stop ends the operator after the change in progress. */
  stop(): void;
}

type Plan = { readonly kind: keyof MembershipChurnCounts; readonly change: MembershipChange; readonly then?: NodeId };

/** startMembershipChurn starts the operator on `simulation`; see the module comment. */
export function startMembershipChurn<Command, Query, Result, QueryResult>(simulation: Simulation<Command, Query, Result, QueryResult>, random: SimRandom, options: MembershipChurnOptions = {}): MembershipChurn {
  const [intervalMin, intervalMax] = options.intervalMs ?? [20, 150];
  const minVoters = options.minVoters ?? 3;
  const maxVoters = options.maxVoters ?? 5;
  const leaderBias = options.leaderBias ?? 0.4;
  const catchUpMs = options.catchUpMs ?? 300;
  const tickMs = simulation.nodeConfig.tickMs;
  const counts: MembershipChurnCounts = { learnersAdded: 0, promoted: 0, votersAdded: 0, removed: 0, leadersRemoved: 0, jointReplaced: 0, caughtUp: 0, refused: 0, unknown: 0, jointSeen: 0 };
  let running = true;

  // Count the joint configurations leaders go through (the index tells them apart).
  const jointIndexes = new Set<number>();
  const poll = (): void => {
    if (!running) return;
    const leader = simulation.leader();
    if (leader !== undefined) {
      const status = simulation.status(leader);
      if (status.config.outgoingVoters.length > 0 && !jointIndexes.has(status.configIndex)) {
        jointIndexes.add(status.configIndex);
        counts.jointSeen++;
      }
    }
    simulation.schedule(tickMs, poll);
  };
  poll();

  /** change asks the current leader for `change`; true once it is done (committed and applied there). */
  const change = async (plan: MembershipChange, leader: NodeId): Promise<boolean> => {
    simulation.record(`operator ${leader} ${JSON.stringify(plan)}`);
    try {
      await simulation.node(leader).changeMembership(plan);
      simulation.record(`operator done ${plan.type}`);
      return true;
    } catch (error) {
      if (!(error instanceof RaftError)) throw error;
      if (error.code === 'REFUSED' || error.code === 'NOT_LEADER' || error.code === 'STOPPED') counts.refused++;
      else counts.unknown++;
      simulation.record(`operator ${plan.type} failed: ${error.code}`);
      return false;
    }
  };

  /** catchUp waits until the leader has replicated its commit index to `id`, for at most catchUpMs. */
  const catchUp = async (id: NodeId): Promise<boolean> => {
    for (let waited = 0; waited < catchUpMs; waited += tickMs) {
      const leader = simulation.leader();
      if (leader !== undefined) {
        const status = simulation.status(leader);
        const progress = status.progress.find((peer) => peer.id === id);
        if (progress !== undefined && progress.match >= status.commit) return true;
      }
      await simulation.sleep(tickMs);
    }
    return false;
  };

  const plan = (config: MembershipConfig, leader: NodeId): Plan | undefined => {
    const voters = config.voters;
    const outside = simulation.ids.filter((id) => !voters.includes(id) && !config.learners.includes(id));
    const options: Partial<Record<'add' | 'addVoter' | 'remove' | 'removeLearner' | 'replace' | 'promote', number>> = {};
    if (voters.length < maxVoters && outside.length > 0) {
      options.add = 3;
      options.addVoter = 1;
    }
    if (voters.length > minVoters) options.remove = 3;
    if (config.learners.length > 0) {
      options.removeLearner = 1;
      if (voters.length < maxVoters) options.promote = 2;
    }
    if (outside.length + config.learners.length >= 1 && voters.length >= 2) options.replace = 2;
    if (Object.keys(options).length === 0) return undefined;
    switch (random.weighted(options as Record<string, number>)) {
      case 'add': {
        const id = random.pick(outside);
        return { kind: 'learnersAdded', change: { type: 'addLearner', id }, then: id };
      }
      case 'addVoter':
        return { kind: 'votersAdded', change: { type: 'addVoter', id: random.pick(outside) } };
      case 'remove': {
        const id = random.chance(leaderBias) && voters.includes(leader) ? leader : random.pick(voters);
        return { kind: id === leader ? 'leadersRemoved' : 'removed', change: { type: 'remove', id } };
      }
      case 'removeLearner':
        return { kind: 'removed', change: { type: 'remove', id: random.pick(config.learners) } };
      case 'promote':
        return { kind: 'promoted', change: { type: 'promote', id: random.pick(config.learners) } };
      default: {
        // Swap one or two voters (leaving the count within bounds); two make a joint change.
        // Swapping even one voter changes two: always a joint configuration.
        const candidates = random.shuffled([...config.learners, ...outside]);
        const swaps = Math.min(candidates.length, random.int(1, 2));
        if (swaps === 0) return undefined;
        const kept = random.shuffled(voters).slice(swaps);
        const added = candidates.slice(0, swaps);
        const next = [...kept, ...added];
        const total = next.length < minVoters && candidates.length > swaps ? [...next, candidates[swaps]!] : next;
        const learners = config.learners.filter((id) => !total.includes(id));
        return { kind: 'jointReplaced', change: { type: 'replace', voters: total, learners } };
      }
    }
  };

  const loop = async (): Promise<void> => {
    while (running) {
      await simulation.sleep(random.int(intervalMin, intervalMax));
      if (!running) return;
      const leader = simulation.leader();
      if (leader === undefined) continue;
      const chosen = plan(simulation.status(leader).config, leader);
      if (chosen === undefined) continue;
      if (!(await change(chosen.change, leader))) continue;
      counts[chosen.kind]++;
      const learner = chosen.then;
      if (learner === undefined || !running) continue;
      // An operator adding a node: catch up as a learner, then promote (docs/architecture.md `--join`).
      if (await catchUp(learner)) counts.caughtUp++;
      const current = simulation.leader();
      if (current === undefined || !running) continue;
      const config = simulation.status(current).config;
      if (!config.learners.includes(learner) || config.voters.length >= maxVoters) continue;
      if (await change({ type: 'promote', id: learner }, current)) counts.promoted++;
    }
  };
  void loop();

  return {
    counts,
    stop() {
      running = false;
    },
  };
}
