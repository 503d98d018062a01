/**
 * SimulationViolation: what the simulator throws on the first broken invariant. Its message starts
 * with the seed, so a failing test prints what reproduces it.
 */

/**
 * InvariantName names what was broken: Raft's five safety properties (Figure 3 of the paper), the
 * simulator's durability and monotonicity checks, and the scenario checks (Convergence: every
 * member ends with the same state; Exactly Once: a retried session command is applied once).
 */
export type InvariantName =
  | 'Election Safety'
  | 'Leader Append-Only'
  | 'Log Matching'
  | 'Leader Completeness'
  | 'State Machine Safety'
  | 'Commit Durability'
  | 'Monotonic State'
  | 'Restart State'
  | 'Durable Ack'
  | 'Durable Vote'
  | 'Durable Term'
  | 'Node Failure'
  | 'Client Failure'
  | 'Liveness'
  | 'Linearizability'
  | 'Convergence'
  | 'Exactly Once';

/** SimulationViolation carries the seed that reproduces it and the events that led to it. */
export class SimulationViolation extends Error {
  override readonly name = 'SimulationViolation';
  readonly code = 'INVARIANT_VIOLATED';

  constructor(
    /** The run's seed: `createSimulation({ seed })` or `runKvScenario(seed)` replays it. */
    readonly seed: number,
    readonly invariant: InvariantName,
    /** What exactly was wrong. */
    readonly detail: string,
    /** Virtual ms at which it was detected. */
    readonly time: number,
    /** The last trace lines before the violation, oldest first. */
    readonly recentEvents: readonly string[],
  ) {
    super(`seed ${seed}: ${invariant} violated at ${time} ms: ${detail}\nlast ${recentEvents.length} events:\n  ${recentEvents.join('\n  ')}`);
  }
}
