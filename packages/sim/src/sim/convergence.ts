/**
 * checkConvergence: once faults have ended, every running member of the configuration (voters
 * and learners) must apply up to the leader's commit index and hold exactly the leader's state,
 * compared by the bytes of `StateMachine.snapshot()`. A node that caught up through
 * InstallSnapshot, a joint configuration or a restart must end where everyone else does.
 */
import type { NodeId } from '@raftkit/core';
import type { Simulation } from './simulation.js';

/** ConvergenceReport says where the cluster converged. */
export interface ConvergenceReport {
  readonly leader: NodeId;
  /** The members compared (the leader included). */
  readonly members: readonly NodeId[];
  readonly appliedIndex: number;
}

/**
 * checkConvergence waits (at most `withinMs` virtual ms) for every running member to apply the
 * leader's commit index, then compares their states; throws a 'Convergence' SimulationViolation.
 */
export async function checkConvergence<Command, Query, Result, QueryResult>(simulation: Simulation<Command, Query, Result, QueryResult>, withinMs = 2000): Promise<ConvergenceReport> {
  await simulation.runUntil(() => simulation.stableLeader() !== undefined, withinMs);
  const leader = simulation.stableLeader();
  if (leader === undefined) simulation.fail('Convergence', `no leader every member follows to converge on within ${withinMs} ms`);
  const status = simulation.status(leader);
  const target = status.commit;
  const members = [...new Set([...status.config.voters, ...status.config.learners])].filter((id) => simulation.isUp(id));
  const caughtUp = () => members.every((id) => simulation.status(id).appliedIndex >= target);
  if (!(await simulation.runUntil(caughtUp, withinMs))) {
    const behind = members.filter((id) => simulation.status(id).appliedIndex < target).map((id) => `${id} at ${simulation.status(id).appliedIndex}`);
    simulation.fail('Convergence', `members did not apply the leader ${leader}'s commit index ${target} within ${withinMs} ms: ${behind.join(', ')}`);
  }
  // Nothing is proposed now, so every member has applied the same prefix once it reached target:
  // but a member may have gone further (the leader's own liveness proposals); compare at equal index.
  const applied = Math.max(...members.map((id) => simulation.status(id).appliedIndex));
  if (!(await simulation.runUntil(() => members.every((id) => simulation.status(id).appliedIndex === applied), withinMs))) {
    simulation.fail('Convergence', `members did not all reach applied index ${applied}: ${members.map((id) => `${id} at ${simulation.status(id).appliedIndex}`).join(', ')}`);
  }
  const reference = await stateOf(simulation, leader);
  for (const id of members) {
    const state = await stateOf(simulation, id);
    if (state.hex !== reference.hex) {
      simulation.fail('Convergence', `${id} applied index ${applied} like the leader ${leader} but holds another state:\n  ${id}: ${state.text.slice(0, 300)}\n  ${leader}: ${reference.text.slice(0, 300)}`);
    }
  }
  return { leader, members, appliedIndex: applied };
}

/** stateOf is a node's state machine as its snapshot bytes: in hex to compare, as text to show. */
async function stateOf<Command, Query, Result, QueryResult>(simulation: Simulation<Command, Query, Result, QueryResult>, id: NodeId): Promise<{ hex: string; text: string }> {
  const hex: string[] = [];
  const text: string[] = [];
  for await (const chunk of simulation.machine(id).snapshot()) {
    for (const byte of chunk) hex.push(byte.toString(16).padStart(2, '0'));
    text.push(new TextDecoder().decode(chunk));
  }
  return { hex: hex.join(''), text: text.join('') };
}
