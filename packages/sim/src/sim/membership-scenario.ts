/**
 * runMembershipScenario: the KV scenario on a pool of nodes of which only some bootstrap the
 * cluster, with an operator changing the configuration throughout (membership-churn.ts): learners
 * added, caught up and promoted, voters removed (the leader too), voters replaced through joint
 * consensus, while clients write and read and faults crash, restart and partition nodes. Every
 * invariant is checked after every step, Commit Durability in the configuration each node would
 * campaign in; then liveness, linearizability, and convergence: every member of the final
 * configuration holds the leader's state.
 */
import type { NodeId } from '@raftkit/core';
import { checkConvergence, type ConvergenceReport } from './convergence.js';
import { runKvScenario, type KvScenarioOptions } from './kv-scenario.js';
import { startMembershipChurn, type MembershipChurn, type MembershipChurnCounts, type MembershipChurnOptions } from './membership-churn.js';
import { deriveRandom } from './random.js';
import type { ScenarioSummary } from './scenario.js';
import type { Simulation } from './simulation.js';

/** MembershipScenarioOptions: the KV scenario's options, the pool and the operator's bounds. */
export interface MembershipScenarioOptions extends Omit<KvScenarioOptions, 'nodes' | 'members'> {
  /** Nodes in the pool. Default 6. */
  readonly pool?: number;
  /** Nodes that bootstrap the cluster (n1..nK). Default 3. */
  readonly initialVoters?: number;
  readonly churn?: MembershipChurnOptions;
}

/** MembershipScenarioSummary adds what the operator did and where the cluster converged. */
export interface MembershipScenarioSummary extends ScenarioSummary {
  readonly churn: Readonly<MembershipChurnCounts>;
  readonly convergence: ConvergenceReport;
  /** The configuration the cluster ended in. */
  readonly finalVoters: readonly NodeId[];
}

/** runMembershipScenario runs one seed; throws SimulationViolation (with the seed) on any failure. */
export async function runMembershipScenario(seed: number, options: MembershipScenarioOptions = {}): Promise<MembershipScenarioSummary> {
  const { pool = 6, initialVoters = 3, churn: churnOptions, onStart, ...rest } = options;
  const ids = Array.from({ length: pool }, (_, i) => `n${i + 1}`);
  const setup = deriveRandom(seed, 'membership');
  // A removed node that never learned of its removal campaigns on: pre-vote or check-quorum keeps
  // it from deposing leaders forever (thesis §4.2.3), so every variant has at least one of them.
  const guard = setup.pick([
    { preVote: true, checkQuorum: false },
    { preVote: false, checkQuorum: true },
    { preVote: true, checkQuorum: true },
  ]);
  const chaosMs = rest.chaosMs ?? 2000;
  let simulation: Simulation<unknown, unknown, unknown> | undefined;
  let churn: MembershipChurn | undefined;
  const summary = await runKvScenario(seed, {
    ...rest,
    nodes: ids,
    members: ids.slice(0, initialVoters),
    config: { ...guard, ...rest.config },
    onStart: (started) => {
      simulation = started as unknown as Simulation<unknown, unknown, unknown>;
      churn = startMembershipChurn(started, deriveRandom(seed, 'churn'), churnOptions);
      started.schedule(chaosMs, () => churn!.stop());
      onStart?.(started);
    },
  });
  const convergence = await checkConvergence(simulation!);
  return { ...summary, churn: churn!.counts, convergence, finalVoters: simulation!.status(convergence.leader).config.voters };
}
