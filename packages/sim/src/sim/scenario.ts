/**
 * runScenario: a whole randomized run for any StateMachine and its Model. It starts a cluster,
 * runs clients that invoke generated commands while a fault schedule crashes, restarts and
 * partitions nodes, then ends the faults and checks liveness, and finally checks the recorded
 * history for linearizability. Every invariant is checked after every step throughout. Any
 * failure throws a SimulationViolation naming the seed.
 *
 * Unless told otherwise, the seed also picks the cluster size, the protocol variant (pre-vote,
 * check-quorum, message and in-flight limits) and the runtime variant (snapshot policy and
 * InstallSnapshot chunking, lease reads), so many seeds cover many configurations.
 */
import type { NodeId, RaftNodeOptions, StateMachine } from '@raftkit/core';
import { checkLinearizability, type CheckOptions } from '../linearizability/checker.js';
import { isUnknown } from '../linearizability/history.js';
import type { Model } from '../linearizability/model.js';
import { DEFAULT_FAULT_PROFILE, LEADER_CHURN_FAULT_PROFILE, startFaults, type FaultCounts, type FaultProfile } from './faults.js';
import { checkLiveness, endFaults, type LivenessOptions, type LivenessReport } from './liveness.js';
import { deriveRandom, type SimRandom } from './random.js';
import { DEFAULT_DISK_FAULTS, type DiskFaults } from './sim-storage.js';
import { createSimulation, type Simulation, type SimulationNodeConfig, type SimulationOptions } from './simulation.js';
import { SimulationViolation } from './violation.js';

/** ScenarioOptions: what to run and how hard to shake it. */
export interface ScenarioOptions<State, Command, Query, Result, QueryResult = Result> {
  readonly seed: number;
  /** stateMachine makes a fresh state machine for each node (and for each restart). */
  readonly stateMachine: () => StateMachine<Command, Query, Result, QueryResult>;
  /** The model the history is checked against. */
  readonly model: Model<State, Command, Result | QueryResult>;
  /** Makes each client's next command; `random` is that client's own stream. */
  readonly generate: (random: SimRandom, clientId: string) => Command;
  /**
   * Commands for which this returns a query are read with `RaftNode.read` (linearizable: ReadIndex,
   * or the lease; on leaders and followers alike) instead of being proposed. `random` is the
   * client's own stream. Default: every command is proposed.
   */
  readonly read?: (command: Command, random: SimRandom) => Query | undefined;
  /** Node ids or a count. Default: 3 or 5, chosen by the seed. */
  readonly nodes?: number | readonly NodeId[];
  /** The nodes that bootstrap as voters; the others wait to be added. Default: every node. */
  readonly members?: readonly NodeId[];
  /** Concurrent clients, each with one command in flight. Default 3. */
  readonly clients?: number;
  /**
   * Runs one client (instead of the default loop, which invokes `generate`d commands one at a
   * time, moving on to the leader hint or another node after a failure) until `running()` turns
   * false. For clients with their own protocol: sessions with retries, ...
   */
  readonly client?: (context: ClientContext<Command, Query, Result, QueryResult>) => Promise<void>;
  /** Virtual ms of faults and workload. Default 2000. */
  readonly chaosMs?: number;
  /** Virtual ms each client waits between commands, drawn in [min, max]. Default [0, 30]. */
  readonly thinkMs?: readonly [number, number];
  /** The fault schedule, or false for none. Default: DEFAULT_FAULT_PROFILE or LEADER_CHURN_FAULT_PROFILE, chosen by the seed. */
  readonly faults?: FaultProfile | false;
  /** Disk write delays. Default: DEFAULT_DISK_FAULTS with 5% of writes stalling 50 ms. */
  readonly disk?: DiskFaults;
  /** Node config, over the seed's protocol variant (set `variant: false` to use only this). */
  readonly config?: SimulationNodeConfig;
  /** Let the seed pick pre-vote, check-quorum, flow-control limits, snapshots and lease reads. Default true. */
  readonly variant?: boolean;
  /** Liveness bounds (the commands come from `generate`), or false to skip the phase. */
  readonly liveness?: Omit<LivenessOptions<Command>, 'command'> | false;
  /** Budget of the linearizability check. Default: the checker's. */
  readonly linearizability?: CheckOptions;
  /** Passed through to createSimulation. */
  readonly codec?: SimulationOptions<Command, Query, Result, QueryResult>['codec'];
  readonly proposalTimeoutMs?: number;
  readonly nodeOptions?: SimulationOptions<Command, Query, Result, QueryResult>['nodeOptions'];
  readonly recordTrace?: boolean;
  readonly recentEvents?: number;
  readonly ignoreInvariants?: SimulationOptions<Command, Query, Result, QueryResult>['ignoreInvariants'];
  /** Called with the simulation once it is created, before anything runs (to add checks). */
  readonly onStart?: (simulation: Simulation<Command, Query, Result, QueryResult>) => void;
}

/** ClientContext is what a custom client loop gets: its id, its own random stream, and when to stop. */
export interface ClientContext<Command, Query, Result, QueryResult = Result> {
  readonly simulation: Simulation<Command, Query, Result, QueryResult>;
  readonly clientId: string;
  readonly random: SimRandom;
  /** running turns false when the client loop must stop. */
  readonly running: () => boolean;
}

/** ScenarioSummary describes a run that passed every check. */
export interface ScenarioSummary {
  readonly seed: number;
  readonly nodes: readonly NodeId[];
  /** The node config the run used (variant and overrides, without defaults). */
  readonly config: SimulationNodeConfig;
  /** The runtime options the run used (variant and overrides): snapshot policy, lease reads. */
  readonly runtime: RuntimeVariant;
  readonly virtualMs: number;
  /** Trace lines and their hash: equal for every run of the same seed and options. */
  readonly events: number;
  readonly traceHash: string;
  readonly operations: { readonly ok: number; readonly unknown: number };
  /** Answered reads made with `RaftNode.read` (counted in `operations.ok` too). */
  readonly reads: number;
  /** InstallSnapshot messages (chunks) sent. */
  readonly snapshotChunks: number;
  /** The fault profile's name ('none' without faults) and what the schedule did. */
  readonly faultProfile: string;
  readonly faults: Readonly<FaultCounts> | undefined;
  /** Highest index committed anywhere. */
  readonly committedIndex: number;
  readonly liveness: LivenessReport | undefined;
  readonly linearizabilitySteps: number;
  /** The full trace, if `recordTrace` was set. */
  readonly trace: readonly string[] | undefined;
}

/** SCENARIO_DISK_FAULTS: writes take 1–8 ms, one in twenty stalls 50 ms more (a slow fsync). */
export const SCENARIO_DISK_FAULTS: DiskFaults = { ...DEFAULT_DISK_FAULTS, stallChance: 0.05, stallMs: 50 };

/** protocolVariant draws the protocol options a seed runs with. */
export function protocolVariant(random: SimRandom): SimulationNodeConfig {
  return {
    preVote: random.chance(0.5),
    checkQuorum: random.chance(0.5),
    maxEntriesPerMessage: random.pick([1, 2, 4, 512]),
    // Windows of 1, 2 or 4 messages fill up under loss and must be freed by heartbeat answers.
    maxInflightMessages: random.pick([1, 2, 4, 256]),
  };
}

/** RuntimeVariant is the part of the RaftNode options a seed may vary. */
export interface RuntimeVariant {
  readonly snapshot?: RaftNodeOptions<unknown, unknown, unknown>['snapshot'];
  readonly leaseReads?: RaftNodeOptions<unknown, unknown, unknown>['leaseReads'];
}

/**
 * runtimeVariant draws the runtime options a seed runs with: half the seeds snapshot every 4–20
 * applied entries, keeping a random number of entries behind, and stream InstallSnapshot in
 * chunks as small as 16 bytes (many chunks, each of which a lossy link may drop); half the seeds
 * with check-quorum serve reads from the leader's lease.
 */
export function runtimeVariant(random: SimRandom, config: SimulationNodeConfig): RuntimeVariant {
  const snapshot = random.chance(0.5);
  const entries = random.int(4, 20);
  const variant: { snapshot?: RuntimeVariant['snapshot']; leaseReads?: boolean } = {};
  if (snapshot) {
    variant.snapshot = {
      entries,
      trailing: random.int(0, entries),
      transfer: { chunkBytes: random.pick([16, 64, 256, 256 * 1024]), timeoutMs: random.pick([100, 200, 500]) },
    };
  }
  if (config.checkQuorum === true && random.chance(0.5)) variant.leaseReads = true;
  return variant;
}

/** runScenario runs one seed; see the module comment. */
export async function runScenario<State, Command, Query, Result, QueryResult = Result>(
  options: ScenarioOptions<State, Command, Query, Result, QueryResult>,
): Promise<ScenarioSummary> {
  const setup = deriveRandom(options.seed, 'scenario');
  const nodes = options.nodes ?? setup.pick([3, 5]);
  const config: SimulationNodeConfig = { ...(options.variant === false ? {} : protocolVariant(setup)), ...options.config };
  const profile = options.faults ?? setup.pick([DEFAULT_FAULT_PROFILE, LEADER_CHURN_FAULT_PROFILE]);
  const nodeOptions = { ...(options.variant === false ? {} : runtimeVariant(setup, config)), ...options.nodeOptions };
  const runtime: RuntimeVariant = {
    ...(nodeOptions.snapshot !== undefined ? { snapshot: nodeOptions.snapshot } : {}),
    ...(nodeOptions.leaseReads !== undefined ? { leaseReads: nodeOptions.leaseReads } : {}),
  };
  const simulation = createSimulation<Command, Query, Result, QueryResult>({
    seed: options.seed,
    nodes,
    stateMachine: options.stateMachine,
    config,
    disk: options.disk ?? SCENARIO_DISK_FAULTS,
    ...(options.codec !== undefined ? { codec: options.codec } : {}),
    ...(options.proposalTimeoutMs !== undefined ? { proposalTimeoutMs: options.proposalTimeoutMs } : {}),
    nodeOptions,
    ...(options.members !== undefined ? { members: options.members } : {}),
    ...(options.recordTrace !== undefined ? { recordTrace: options.recordTrace } : {}),
    ...(options.recentEvents !== undefined ? { recentEvents: options.recentEvents } : {}),
    ...(options.ignoreInvariants !== undefined ? { ignoreInvariants: options.ignoreInvariants } : {}),
  });
  simulation.record(`scenario nodes ${simulation.ids.join(',')} faults ${profile === false ? 'none' : profile.name} config ${JSON.stringify(config)} runtime ${JSON.stringify(runtime)}`);
  options.onStart?.(simulation);
  await simulation.start();

  let running = true;
  const clients = Array.from({ length: options.clients ?? 3 }, (_, i) => `c${i + 1}`);
  const counts = { reads: 0 };
  for (const clientId of clients) {
    if (options.client === undefined) void runClient(simulation, clientId, options, () => running, counts);
    else {
      options.client({ simulation, clientId, random: deriveRandom(options.seed, `client/${clientId}`), running: () => running }).catch((error: unknown) => {
        // A violation the client found is already recorded; anything else is the client's bug.
        if (!(error instanceof SimulationViolation)) simulation.checker.report('Client Failure', `client ${clientId} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      });
    }
  }
  const faults = profile === false ? undefined : startFaults(simulation, profile, deriveRandom(options.seed, 'faults'));

  await simulation.run({ virtualMs: options.chaosMs ?? 2000 });
  faults?.stop();
  running = false;

  let liveness: LivenessReport | undefined;
  const livenessRandom = deriveRandom(options.seed, 'liveness');
  if (options.liveness === false) await endFaults(simulation);
  else liveness = await checkLiveness(simulation, { ...options.liveness, command: () => options.generate(livenessRandom, 'liveness') });
  // Let the clients' last commands finish (or time out) so the history is mostly answered.
  await simulation.run({ virtualMs: simulation.nodeConfig.tickMs * 30 });

  const history = simulation.history;
  const result = checkLinearizability(options.model, history, options.linearizability);
  if (result.verdict === 'violation') simulation.fail('Linearizability', result.explanation);
  if (result.verdict === 'unknown') {
    simulation.fail('Linearizability', `the check did not finish (${result.reason} after ${result.steps} steps on key ${String(result.key)}): a history too large to decide proves nothing`);
  }
  const unknown = history.filter((operation) => isUnknown(operation.output)).length;
  return {
    seed: options.seed,
    nodes: simulation.ids,
    config,
    runtime,
    virtualMs: simulation.now(),
    events: simulation.trace.length,
    traceHash: simulation.trace.hash(),
    operations: { ok: history.length - unknown, unknown },
    reads: counts.reads,
    snapshotChunks: simulation.network.sentCount('installSnapshot'),
    faultProfile: profile === false ? 'none' : profile.name,
    faults: faults?.counts,
    committedIndex: simulation.checker.highestCommittedIndex,
    liveness,
    linearizabilitySteps: result.steps,
    trace: simulation.trace.lines,
  };
}

/**
 * runClient invokes one command at a time until told to stop. After a failure it moves to the
 * leader the node named, or to another node; after an unknown outcome to another node.
 */
async function runClient<State, Command, Query, Result, QueryResult>(
  simulation: Simulation<Command, Query, Result, QueryResult>,
  clientId: string,
  options: ScenarioOptions<State, Command, Query, Result, QueryResult>,
  running: () => boolean,
  counts: { reads: number },
): Promise<void> {
  const random = deriveRandom(options.seed, `client/${clientId}`);
  const [thinkMin, thinkMax] = options.thinkMs ?? [0, 30];
  const others = (id: NodeId) => (simulation.ids.length > 1 ? simulation.ids.filter((other) => other !== id) : simulation.ids);
  let target = random.pick(simulation.ids);
  while (running()) {
    const command = options.generate(random, clientId);
    const query = options.read?.(command, random);
    const outcome = query === undefined ? await simulation.invoke(clientId, target, command) : await simulation.invokeRead(clientId, target, command, query);
    if (query !== undefined && outcome.status === 'ok') counts.reads++;
    if (outcome.status === 'failed') {
      const hint = outcome.leaderHint;
      target = hint !== null && hint !== target ? hint : random.pick(others(target));
    } else if (outcome.status === 'unknown') target = random.pick(others(target));
    // At least 1 ms: a client refused at once must not spin without virtual time passing.
    await simulation.sleep(Math.max(1, random.int(thinkMin, thinkMax)));
  }
}
