export {
  UNKNOWN,
  InvalidHistoryError,
  isUnknown,
  returned,
  timedOut,
  type History,
  type InvalidHistoryErrorCode,
  type Operation,
  type Unknown,
} from './linearizability/history.js';
export type { Model, StepResult } from './linearizability/model.js';
export type { BudgetExhaustion } from './linearizability/budget.js';
export type { Violation } from './linearizability/explain.js';
export {
  DEFAULT_MAX_STEPS,
  checkLinearizability,
  type CheckOptions,
  type LinearizabilityResult,
} from './linearizability/checker.js';
export {
  applyKvCommand,
  describeKvOperation,
  kvModel,
  kvResultsEqual,
  type CasResult,
  type KvCas,
  type KvCommand,
  type KvDelete,
  type KvGet,
  type KvPut,
  type KvResult,
  type KvResults,
  type KvTransition,
  type KvValue,
} from './kv/kv-model.js';
export {
  KV_SNAPSHOT_VERSION,
  KvSnapshotError,
  KvStateMachine,
  createKvStateMachine,
  readKv,
  type KvQuery,
} from './kv/kv-state-machine.js';
export {
  ClientTimeoutError,
  createSimulation,
  SIMULATION_NODE_DEFAULTS,
  Simulation,
  type SimulationNodeConfig,
  type SimulationNodeOptions,
  type SimulationOptions,
} from './sim/simulation.js';
export { HistoryRecorder, type InvokeOutcome } from './sim/history-recorder.js';
export { SimulationViolation, type InvariantName } from './sim/violation.js';
export { InvariantChecker, type FoundViolation, type Inspector } from './sim/invariants.js';
export { DEFAULT_LINK_FAULTS, SimNetwork, type LinkFaults, type SimNetworkOptions } from './sim/sim-network.js';
export { DEFAULT_DISK_FAULTS, SimStorage, type CrashReport, type DiskFaults, type SimStorageOptions } from './sim/sim-storage.js';
export { SimDisk, type StoredSnapshot } from './sim/sim-disk.js';
export { Trace, type TraceOptions } from './sim/trace.js';
export { SimRandom, deriveRandom, deriveRng } from './sim/random.js';
export {
  DEFAULT_FAULT_PROFILE,
  LEADER_CHURN_FAULT_PROFILE,
  randomLink,
  startFaults,
  type FaultCounts,
  type FaultProfile,
  type FaultSchedule,
  type FaultWeights,
} from './sim/faults.js';
export { checkLiveness, endFaults, type LivenessOptions, type LivenessReport } from './sim/liveness.js';
export {
  SCENARIO_DISK_FAULTS,
  protocolVariant,
  runScenario,
  runtimeVariant,
  type ClientContext,
  type RuntimeVariant,
  type ScenarioOptions,
  type ScenarioSummary,
} from './sim/scenario.js';
export { NodeClock } from './sim/node-clock.js';
export { checkConvergence, type ConvergenceReport } from './sim/convergence.js';
export { startMembershipChurn, type MembershipChurn, type MembershipChurnCounts, type MembershipChurnOptions } from './sim/membership-churn.js';
export { runMembershipScenario, type MembershipScenarioOptions, type MembershipScenarioSummary } from './sim/membership-scenario.js';
export {
  ApplyLedger,
  createLedgerMachine,
  runSessionScenario,
  sessionKvModel,
  type Answer as SessionKvAnswer,
  type Entry as SessionKvEntry,
  type SessionScenarioOptions,
  type SessionStats,
} from './sim/session-scenario.js';
export { createKvWorkload, runKvScenario, type KvScenarioOptions } from './sim/kv-scenario.js';
export { describeEntries, describeMessage } from './sim/describe.js';
