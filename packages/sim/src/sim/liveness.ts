/**
 * The liveness phase: once faults stop (every link healed and calm, every crashed node
 * restarted), a healthy cluster MUST elect a leader that every node follows within a bound, and
 * then commit every proposal within a bound. Bounds are in ticks, so they scale with `tickMs`.
 */
import type { NodeId } from '@raftkit/core';
import { DEFAULT_LINK_FAULTS, type LinkFaults } from './sim-network.js';
import type { Simulation } from './simulation.js';

/** LivenessOptions bounds the liveness phase. */
export interface LivenessOptions<Command> {
  /** Makes the commands proposed; each attempt gets a new one. */
  readonly command: () => Command;
  /** How many proposals must commit one after another. Default 5. */
  readonly proposals?: number;
  /**
   * A leader every node follows within this many ticks. Default 20 × electionTicks. Elections
   * can split again and again (five nodes, pre-vote off, a stale node deposing each new leader),
   * each round failing with probability about one half: with 10 election timeouts 1 seed in
   * about 2,500 failed by bad luck alone; 20 make that vanishingly rare, while a real stall still
   * fails every time.
   */
  readonly leaderWithinTicks?: number;
  /**
   * Proposals start once every node has followed the same leader in the same term for this many
   * ticks. Default 2 × electionTicks, the longest randomized election timeout: a follower that
   * was about to time out when the faults ended (and, without pre-vote, would depose the leader)
   * has done so by then. Counted after `leaderWithinTicks`: the leader must be elected within
   * that bound, and then keep its followers for this long.
   */
  readonly settleTicks?: number;
  /** Each proposal commits within this many ticks of its first attempt. Default 3 × electionTicks. */
  readonly proposalWithinTicks?: number;
  /** Links once faults stop. Default DEFAULT_LINK_FAULTS (short delays, no loss). */
  readonly links?: LinkFaults;
  /** Client id of the liveness proposals in the history. Default 'liveness'. */
  readonly clientId?: string;
}

/** LivenessReport says how long the cluster took. */
export interface LivenessReport {
  readonly leader: NodeId;
  readonly term: number;
  /** Virtual ms from the end of faults to a leader every node follows. */
  readonly electedAfterMs: number;
  /** Virtual ms each proposal took, first attempt to commit. */
  readonly proposalMs: readonly number[];
}

/** endFaults heals every link, calms the network, resumes every paused node and restarts every crashed one. */
export async function endFaults<Command, Query, Result, QueryResult>(simulation: Simulation<Command, Query, Result, QueryResult>, links: LinkFaults = DEFAULT_LINK_FAULTS): Promise<void> {
  for (const id of simulation.ids) simulation.resume(id);
  simulation.heal();
  simulation.setLinks(links);
  for (const id of simulation.ids) if (!simulation.isUp(id)) await simulation.restart(id);
}

/**
 * checkLiveness ends all faults, then throws a 'Liveness' SimulationViolation (with the seed) if
 * no leader emerges or a proposal does not commit within its bound.
 */
export async function checkLiveness<Command, Query, Result, QueryResult>(
  simulation: Simulation<Command, Query, Result, QueryResult>,
  options: LivenessOptions<Command>,
): Promise<LivenessReport> {
  const { tickMs, electionTicks } = simulation.nodeConfig;
  const leaderWithinMs = (options.leaderWithinTicks ?? 20 * electionTicks) * tickMs;
  const proposalWithinMs = (options.proposalWithinTicks ?? 3 * electionTicks) * tickMs;
  const clientId = options.clientId ?? 'liveness';
  await endFaults(simulation, options.links);
  const healedAt = simulation.now();
  simulation.record('liveness: faults ended');

  const settleMs = (options.settleTicks ?? 2 * electionTicks) * tickMs;
  let stable: { leader: NodeId; term: number; since: number } | undefined;
  const settled = (): boolean => {
    const leader = simulation.stableLeader();
    if (leader === undefined) {
      stable = undefined;
      return false;
    }
    const term = simulation.status(leader).term;
    if (stable === undefined || stable.leader !== leader || stable.term !== term) stable = { leader, term, since: simulation.now() };
    return simulation.now() - stable.since >= settleMs;
  };
  const elected = await simulation.runUntil(settled, leaderWithinMs + settleMs);
  if (!elected || stable!.since - healedAt > leaderWithinMs) {
    simulation.fail('Liveness', `no leader every node follows for ${settleMs} ms, elected within ${leaderWithinMs} ms after faults ended; ${describeCluster(simulation)}`);
  }
  const { leader, term } = stable!;
  const electedAfterMs = stable!.since - healedAt;

  const proposalMs: number[] = [];
  for (let count = 0; count < (options.proposals ?? 5); count++) {
    const started = simulation.now();
    const deadline = started + proposalWithinMs;
    let committed = false;
    let attempts = 0;
    while (!committed && simulation.now() < deadline) {
      const target = simulation.leader() ?? simulation.random.pick(simulation.ids);
      attempts++;
      let answered = false;
      void simulation.invoke(clientId, target, options.command()).then((outcome) => {
        answered = true;
        committed = outcome.status === 'ok';
      });
      await simulation.runUntil(() => answered, deadline - simulation.now());
      // A refused attempt (leader changed, proposal dropped) is retried a tick later.
      if (answered && !committed) await simulation.run({ virtualMs: Math.min(tickMs, Math.max(0, deadline - simulation.now())) });
    }
    if (!committed) {
      simulation.fail('Liveness', `proposal ${count + 1} did not commit within ${proposalWithinMs} ms (${attempts} attempts) with every fault ended; ${describeCluster(simulation)}`);
    }
    proposalMs.push(simulation.now() - started);
  }
  return { leader, term, electedAfterMs, proposalMs };
}

/** describeCluster summarizes every node, and the leader's view of its followers, for a report. */
function describeCluster<Command, Query, Result, QueryResult>(simulation: Simulation<Command, Query, Result, QueryResult>): string {
  return simulation.ids
    .map((id) => {
      const status = simulation.status(id);
      const progress = status.progress.map((peer) => ` ${peer.id}:${peer.state} match ${peer.match} next ${peer.next} inflight ${peer.inflightMessages}`).join(',');
      return `${id} ${status.role} t${status.term} leader ${status.leader ?? '-'} commit ${status.commit} last ${status.lastIndex}${progress === '' ? '' : ` [${progress.trim()}]`}`;
    })
    .join('; ');
}
